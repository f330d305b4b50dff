"""``jaxthermo plot FILE``: a sweep file (``jaxthermo sweep`` or ``jaxthermo.sweeps``) to PNGs."""

from __future__ import annotations

import sys
from pathlib import Path


def add_subcommand(subparsers):
    p = subparsers.add_parser(
        "plot",
        help="turn a sweep file into figures (PNG)",
        description=(
            "Draw every output of a sweep file: a quantity against one parameter (one curve per "
            "value of a second parameter, e.g. n or s) and, when two or more parameters are "
            "swept, a heat map over the two longest ones. Other parameters are held at their "
            "first value unless fixed with --sel."
        ),
        epilog="example: jaxthermo plot spins.nc --x beta_bath --hue n --out figs/",
    )
    p.add_argument("file", help="a netCDF file written by 'jaxthermo sweep'")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for the figures (default: FILE without extension + '_figs')")
    p.add_argument("--x", default=None, metavar="PARAM", help="horizontal axis parameter")
    p.add_argument("--hue", default=None, metavar="PARAM", help="one curve per value of PARAM")
    p.add_argument("--var", nargs="+", default=None, metavar="NAME",
                   help="variables to draw (default: all)")
    p.add_argument("--sel", nargs="+", default=None, metavar="PARAM=VALUE",
                   help="hold parameters at these values (nearest grid value)")
    p.add_argument("--format", default="png", choices=("png", "pdf", "svg"), help="file format")
    p.set_defaults(func=_run)


def _run(args):
    from . import plot, sweeps

    path = Path(args.file)
    if not path.exists():
        print(f"error: {path} does not exist", file=sys.stderr)
        return 2
    sel = {}
    for item in args.sel or []:
        k, eq, v = item.partition("=")
        try:
            sel[k] = float(v)
        except ValueError:
            eq = ""
        if not eq:
            print(f"error: --sel expects PARAM=NUMBER, got {item!r}", file=sys.stderr)
            return 2
    try:
        ds = sweeps.load(path)
        bad = [k for k in sel if k not in ds.coords]
        if bad:
            raise ValueError(f"--sel: {bad} not parameters of the file ({list(ds.coords)})")
        out = Path(args.out) if args.out else path.with_name(path.stem + "_figs")
        paths = plot.plot_dataset(ds, out, x=args.x, hue=args.hue, variables=args.var,
                                  sel=sel or None, fmt=args.format)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for p in paths:
        print(p)
    return 0
