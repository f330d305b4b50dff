"""``jaxthermo bench``: run the benchmark suite and rebuild the table in ``benchmarks/README.md``.

Each ``benchmarks/bench_<name>.py`` is a standalone script (``python benchmarks/bench_<name>.py
[--quick]``) that checks agreement with its peers, times warm runs and writes
``benchmarks/results/<name>.json``:

    {"benchmark": "<name>", "device": "<device kind>", "platform": "cpu" | "gpu", "quick": bool,
     "rows": [{<params>..., "jaxthermo_s": ..., "<peer>_s": ..., "speedup_vs_<peer>": ...,
               "max_abs_diff": ...}, ...]}

:func:`make_table` turns whichever result files exist into markdown (one table per benchmark,
columns = the union of the rows' keys), and :func:`write_readme` puts it between the markers
``<!-- BENCH-TABLE:START -->`` and ``<!-- BENCH-TABLE:END -->`` of ``benchmarks/README.md``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

START, END = "<!-- BENCH-TABLE:START -->", "<!-- BENCH-TABLE:END -->"
_PLATFORM_ENV = {"cpu": "cpu", "gpu": "cuda"}


def default_dir() -> Path:
    """``benchmarks/`` next to the package (a source checkout), else ``./benchmarks``."""
    here = Path(__file__).resolve().parents[1] / "benchmarks"
    return here if here.is_dir() else Path.cwd() / "benchmarks"


def discover(bench_dir, only=None) -> list:
    """The benchmark scripts ``bench_*.py`` (restricted to names in ``only``)."""
    bench_dir = Path(bench_dir)
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if only:
        names = {p.stem[len("bench_"):]: p for p in scripts}
        bad = [o for o in only if o not in names]
        if bad:
            raise ValueError(f"unknown benchmark(s) {bad}; available: {sorted(names)}")
        scripts = [names[o] for o in only]
    return scripts


def run_benchmarks(bench_dir, *, quick=False, only=None, device="auto", timeout=3600,
                   echo=print) -> list:
    """Run each script in a fresh Python; returns ``[(name, returncode, seconds), ...]``."""
    env = dict(os.environ)
    if device in _PLATFORM_ENV:
        env["JAX_PLATFORMS"] = _PLATFORM_ENV[device]
    root = Path(bench_dir).resolve().parent
    env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
    out = []
    for script in discover(bench_dir, only):
        name = script.stem[len("bench_"):]
        cmd = [sys.executable, str(script)] + (["--quick"] if quick else [])
        echo(f"== {name}: {' '.join(cmd[1:])}")
        t0 = time.perf_counter()
        try:
            rc = subprocess.run(cmd, cwd=root, env=env, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            echo(f"!! {name}: timed out after {timeout} s")
            rc = 124
        dt = time.perf_counter() - t0
        echo(f"== {name}: {'ok' if rc == 0 else f'FAILED (exit {rc})'} in {dt:.1f} s")
        out.append((name, rc, dt))
    return out


def load_results(results_dir, echo=print) -> list:
    """Every ``*.json`` result in ``results_dir`` that follows the convention (others skipped)."""
    res = []
    for p in sorted(Path(results_dir).glob("*.json")):
        try:
            data = json.loads(p.read_text())
            if not isinstance(data.get("rows"), list):
                raise ValueError("no 'rows' list")
            data.setdefault("benchmark", p.stem)
            res.append(data)
        except (ValueError, OSError, AttributeError) as exc:
            echo(f"skipping {p}: {exc}")
    return res


def _fmt(v):
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v == 0:
            return "0"
        a = abs(v)
        return f"{v:.2e}" if (a < 1e-3 or a >= 1e5) else f"{v:.4g}"
    if isinstance(v, (list, dict)):
        return json.dumps(v)
    return str(v)


def _column_rank(k):
    if k == "max_abs_diff":
        return 4
    if k.startswith("speedup"):
        return 3
    if k.endswith("_s"):
        return 1 if k.startswith("jaxthermo") else 2
    return 0


def make_table(results) -> str:
    """Markdown for a list of result dicts (see the module docstring); copes with any columns."""
    if not results:
        return "_No benchmark results yet: run `jaxthermo bench`._\n"
    lines = ["| benchmark | device | platform | mode | rows | speedup (min-max over rows) |",
             "|---|---|---|---|---|---|"]
    for r in results:
        sp = [(k, v) for row in r["rows"] for k, v in row.items()
              if k.startswith("speedup") and isinstance(v, (int, float))]
        rng = {}
        for k, v in sp:
            lo, hi = rng.get(k, (v, v))
            rng[k] = (min(lo, v), max(hi, v))
        bs = ", ".join(
            f"{k[len('speedup_vs_'):] or k}: "
            + (f"{lo:.3g}x" if lo == hi else f"{lo:.3g}-{hi:.3g}x")
            for k, (lo, hi) in rng.items()
        ) or "-"
        lines.append(f"| {r['benchmark']} | {r.get('device', '?')} | {r.get('platform', '?')} | "
                     f"{'quick' if r.get('quick') else 'full'} | {len(r['rows'])} | {bs} |")
    for r in results:
        keys = []
        for row in r["rows"]:
            keys += [k for k in row if k not in keys]
        keys.sort(key=_column_rank)  # stable: params, jaxthermo times, peers, speedups, diffs
        lines += ["", f"### {r['benchmark']}", "",
                  f"device: {r.get('device', '?')} ({r.get('platform', '?')}), "
                  f"{'quick' if r.get('quick') else 'full'} mode; times in seconds (warm, "
                  "median); speedup = peer time / jaxthermo time.", "",
                  "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        for row in r["rows"]:
            lines.append("| " + " | ".join(_fmt(row.get(k, "")) for k in keys) + " |")
    return "\n".join(lines) + "\n"


def write_readme(readme, table: str) -> Path:
    """Put ``table`` between the markers of ``readme`` (creating the file or markers if needed)."""
    readme = Path(readme)
    block = f"{START}\n{table}{END}"
    if readme.exists():
        text = readme.read_text()
        if START in text and END in text:
            pre, rest = text.split(START, 1)
            post = rest.split(END, 1)[1]
            text = pre + block + post
        else:
            text = text.rstrip() + "\n\n## Results\n\n" + block + "\n"
    else:
        text = "# Benchmarks\n\n## Results\n\n" + block + "\n"
    readme.write_text(text)
    return readme


def rebuild_table(bench_dir, echo=print) -> Path:
    bench_dir = Path(bench_dir)
    table = make_table(load_results(bench_dir / "results", echo=echo))
    return write_readme(bench_dir / "README.md", table)


def add_subcommand(subparsers):
    p = subparsers.add_parser(
        "bench",
        help="run the benchmark suite (vs QuTiP / dynamiqs / PIQS) and rebuild its table",
        description=(
            "Run every benchmarks/bench_*.py script (each checks agreement with its peers, then "
            "times warm runs and writes benchmarks/results/<name>.json), then rebuild the table "
            "in benchmarks/README.md from whichever result files exist. Needs a source checkout "
            "(or --dir)."
        ),
        epilog="examples: jaxthermo bench --quick; jaxthermo bench --only sweep mesolve; "
               "jaxthermo bench --table-only",
    )
    p.add_argument("--quick", action="store_true", help="pass --quick to every script")
    p.add_argument("--only", nargs="+", metavar="NAME",
                   help="run only these benchmarks (bench_NAME.py)")
    p.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto",
                   help="restrict JAX to this platform in the scripts (JAX_PLATFORMS)")
    p.add_argument("--dir", default=None, help="the benchmarks folder (default: the checkout's)")
    p.add_argument("--table-only", action="store_true",
                   help="do not run anything; rebuild the README table from the JSON files")
    p.add_argument("--list", action="store_true", help="list the benchmark scripts and exit")
    p.add_argument("--timeout", type=float, default=3600, help="seconds allowed per script")
    p.set_defaults(func=_run)


def _run(args):
    bench_dir = Path(args.dir) if args.dir else default_dir()
    if not bench_dir.is_dir():
        print(f"error: no benchmarks folder at {bench_dir} (use --dir)", file=sys.stderr)
        return 2
    try:
        scripts = discover(bench_dir, args.only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.list:
        for s in scripts:
            doc = s.read_text().split('"""')[1].strip().splitlines()[0] if '"""' in s.read_text() \
                else ""
            print(f"{s.stem[len('bench_'):]:<14} {doc}")
        return 0
    failed = []
    if not args.table_only:
        if args.timeout <= 0:
            print("error: --timeout must be > 0 seconds", file=sys.stderr)
            return 2
        runs = run_benchmarks(bench_dir, quick=args.quick, only=args.only, device=args.device,
                              timeout=args.timeout)
        failed = [n for n, rc, _ in runs if rc != 0]
    path = rebuild_table(bench_dir)
    print(f"table written to {path}")
    if failed:
        print(f"error: benchmark(s) failed: {failed}", file=sys.stderr)
        return 1
    return 0
