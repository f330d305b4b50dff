"""``jaxthermo sweep PRESET --out FILE``: named physics sweeps from the command line.

    jaxthermo sweep --list
    jaxthermo sweep qubit-steady --beta 0.1:5:64 --out qubit.nc
    jaxthermo sweep spins-full --n 2,3,4 --beta-bath log:0.1:10:32 --out spins.nc
    jaxthermo sweep ensemble-steady --n 10,100,1000 --s 0.5,1 --beta-bath log:0.01:10:64 --out e.nc
    jaxthermo sweep otto-work --n 2,8,32 --beta-h 0:1:21 --out otto.nc
    jaxthermo sweep collision-steady --beta-a 0.2:3:12 --lam=-0.2:0.2:9 --out col.nc

Interrupt it (Ctrl-C, a killed job) and run the same command again: finished chunks are kept and
only the rest is computed. Results open with ``jaxthermo.sweeps.load(FILE)`` (an xarray.Dataset)
or turn into figures with ``jaxthermo plot FILE``.
"""

from __future__ import annotations

import argparse
import sys

_RANGE_HELP = (
    "Each parameter takes a value (2.5), a list (0.5,1,2), START:STOP:NUM (NUM evenly spaced "
    "values, ends included), log:START:STOP:NUM (log-spaced) or range:START:STOP[:STEP] "
    "(integers). Parameters with several values are swept as a cartesian product (--zipped pairs "
    "them instead). A value starting with '-' needs '=': --beta=-1:1:5."
)


def add_common_options(p):
    """Options shared by sweeps (and reused by ``bench`` for --device)."""
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                   help="where to compute: all local devices of the default backend (auto), or "
                        "only CPU / GPU devices")


def add_subcommand(subparsers):
    from .sweeps.presets import PRESETS

    p = subparsers.add_parser(
        "sweep",
        help="run a named parameter sweep and save it (netCDF), resumable",
        description=(
            "Run a named physics sweep over a grid of parameters and write the results, chunk by "
            "chunk, to --out as a labelled netCDF dataset (one coordinate per parameter, one "
            "variable per output). Rerunning an interrupted command resumes it without "
            "recomputing finished chunks. Presets: "
            + "; ".join(f"{k} ({v.summary})" for k, v in PRESETS.items())
            + ". 'jaxthermo sweep PRESET --help' lists a preset's parameters and defaults."
        ),
        epilog=_RANGE_HELP,
    )
    p.add_argument("--list", action="store_true", help="list the presets and exit")
    sub = p.add_subparsers(dest="preset", metavar="PRESET")
    for name, preset in PRESETS.items():
        q = sub.add_parser(name, help=preset.summary, description=preset.description,
                           epilog=_RANGE_HELP,
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        g = q.add_argument_group("parameters (values or ranges)")
        for ax, a in preset.axes.items():
            g.add_argument("--" + ax.replace("_", "-"), dest=f"axis_{ax}", default=a.default,
                           metavar="RANGE", help=a.help + (" [static: one compile per value]"
                                                           if a.static else ""))
        o = q.add_argument_group("run options")
        o.add_argument("--out", required=True, metavar="FILE",
                       help="output netCDF file (FILE.parts/ holds finished chunks while running)")
        o.add_argument("--zipped", action="store_true",
                       help="pair the swept parameters value by value instead of a product")
        o.add_argument("--chunk-size", type=int, default=None, metavar="N",
                       help="points per chunk (default: sized from --memory-budget)")
        o.add_argument("--memory-budget", default="256MB", metavar="SIZE",
                       help="memory per chunk, e.g. 512MB or 2GB")
        o.add_argument("--batch", choices=("auto", "vmap", "map"), default="auto",
                       help="vectorise points in a chunk (vmap), run them in sequence inside one "
                            "compiled kernel (map), or map on CPU and vmap on GPU (auto)")
        add_common_options(o)
        o.add_argument("--overwrite", action="store_true",
                       help="discard an existing FILE / FILE.parts instead of resuming")
        o.add_argument("--keep-parts", action="store_true",
                       help="keep FILE.parts/ (one file per chunk) after assembling FILE")
        o.add_argument("--no-progress", action="store_true", help="hide the progress bar")
        q.set_defaults(func=_run, preset_name=name)
    p.set_defaults(func=_run)


def _list():
    from .sweeps.presets import PRESETS

    for name, p in PRESETS.items():
        params = ", ".join(f"{k}={a.default}" for k, a in p.axes.items())
        print(f"{name:<18} {p.summary}\n{'':<18} parameters: {params}")


def _run(args):
    if args.list or not getattr(args, "preset", None):
        _list()
        if not args.list:
            print("\nerror: name a preset, e.g. 'jaxthermo sweep qubit-steady --out q.nc'",
                  file=sys.stderr)
            return 2
        return 0
    import jax

    jax.config.update("jax_enable_x64", True)
    from .sweeps.presets import PRESETS, run_preset

    preset = PRESETS[args.preset_name]
    values = {ax: getattr(args, f"axis_{ax}") for ax in preset.axes}
    try:
        res = run_preset(
            args.preset_name, values, zipped=args.zipped, out=args.out,
            chunk_size=args.chunk_size, memory_budget=args.memory_budget, device=args.device,
            batch=args.batch, resume=not args.overwrite, keep_parts=args.keep_parts,
            progress=not args.no_progress,
        )
    except (ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if res.dataset is None:
        print(f"this process computed {res.computed_chunks} chunks; other hosts still running")
        return 0
    print(res.dataset)
    print(f"{res.n_chunks} chunks of {res.chunk_size} points on {res.n_devices} device(s) "
          f"[{res.batch}]: computed {res.computed_chunks}, reused {res.reused_chunks}, "
          f"{res.seconds:.1f} s; written to {args.out}")
    return 0
