"""The ``jaxthermo`` command line.

    jaxthermo reproduce            # all registered paper results, quick mode (a few minutes)
    jaxthermo reproduce --full     # the papers' sizes
    jaxthermo reproduce --only 001 --out results/

Subcommands are registered in ``_SUBCOMMANDS`` by small ``add_*`` functions; each later capability
adds its own (sweep, plot, bench).
"""

from __future__ import annotations

import argparse
import sys


def _add_reproduce(sub):
    p = sub.add_parser(
        "reproduce",
        help="re-run the papers' headline results and check them",
        description=(
            "Run every registered paper reproduction, print a table of check / expected / got / "
            "pass, and write figures and results.json to --out. Papers: core (library sanity), "
            "000 (entropy production and coherences), 001 (spin ensembles), 002/003 (collision "
            "models), 004 (Wehrl entropy). The default --quick mode uses reduced grids and takes a "
            "few minutes on 2 CPU cores; --full uses the papers' sizes."
        ),
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=True,
                      help="reduced grids, a few minutes on 2 CPU cores (default)")
    mode.add_argument("--full", dest="quick", action="store_false", help="the papers' full sizes")
    p.add_argument("--only", nargs="+", metavar="PAPER",
                   help="restrict to these papers, e.g. --only core 001")
    p.add_argument("--name", nargs="+", metavar="NAME", help="restrict to these reproductions")
    p.add_argument("--out", default="jaxthermo-out", help="output folder (default: jaxthermo-out)")
    p.add_argument("--list", action="store_true", help="list the registered reproductions and exit")
    p.set_defaults(func=_run_reproduce)


def _run_reproduce(args):
    from .reproduce import load_all, run_reproductions

    if args.list:
        for (paper, name), rep in load_all().items():
            print(f"{paper:>5}  {name:<28} {rep.description}")
        return 0
    known = {paper for paper, _ in load_all()}
    if args.only:
        bad = [p for p in args.only if p not in known]
        if bad:
            print(f"error: --only got unknown paper(s) {bad}; registered: {sorted(known)}",
                  file=sys.stderr)
            return 2
    checks, path = run_reproductions(out=args.out, quick=args.quick, only=args.only,
                                     names=args.name)
    print(f"results written to {path}")
    if not checks:
        print("error: no reproduction ran (check --only / --name)", file=sys.stderr)
        return 2
    return 0 if all(c.passed for c in checks) else 1


_SUBCOMMANDS = [_add_reproduce]


def _load_extra_subcommands():
    """Subcommands contributed by other modules (``cli_*`` modules expose ``add_subcommand``)."""
    import importlib
    import pkgutil

    import jaxthermo

    extra = []
    for mod in pkgutil.iter_modules(jaxthermo.__path__):
        if mod.name.startswith("cli_"):
            m = importlib.import_module(f"jaxthermo.{mod.name}")
            extra.append(m.add_subcommand)
    return extra


def build_parser():
    parser = argparse.ArgumentParser(
        prog="jaxthermo",
        description=(
            "jaxthermo: differentiable quantum thermodynamics on JAX. Conventions: hbar = k_B = 1, "
            "natural logs, heat into the system and work on the system positive, inverse "
            "temperatures may be negative."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in _SUBCOMMANDS + _load_extra_subcommands():
        add(sub)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
