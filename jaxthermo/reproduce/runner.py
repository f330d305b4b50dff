"""Run registered reproductions, print the check table, write ``results.json``."""

from __future__ import annotations

import dataclasses
import json
import time
import traceback
from pathlib import Path

from .registry import Check, Context, load_all


def run_reproductions(out="jaxthermo-out", quick=True, only=None, names=None, echo=print):
    """Run the registered reproductions; returns ``(checks, path_to_json)``.

    ``only``: a list of paper ids (``"core"``, ``"000"``, ...) to restrict to; ``names``: a list of
    reproduction names.
    """
    import jax

    jax.config.update("jax_enable_x64", True)
    import matplotlib

    matplotlib.use("Agg")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    registry = load_all()
    ctx = Context(out=out, quick=quick)
    timings = {}
    for (paper, name), rep in registry.items():
        if only and paper not in only:
            continue
        if names and name not in names:
            continue
        ctx.paper, ctx.reproduction = paper, name
        echo(f"[{paper}] {name}: {rep.description}")
        t0 = time.perf_counter()
        try:
            rep.fn(ctx)
        except Exception as exc:  # a crashed reproduction is a failed check, not a crash of all
            ctx.checks.append(
                Check(paper, name, "ran without error", "no exception", repr(exc), False,
                      traceback.format_exc(limit=3))
            )
        timings[f"{paper}/{name}"] = time.perf_counter() - t0
    echo(format_table(ctx.checks))
    n_pass = sum(c.passed for c in ctx.checks)
    echo(f"{n_pass} passed, {len(ctx.checks) - n_pass} failed")
    path = out / "results.json"
    path.write_text(
        json.dumps(
            {
                "quick": quick,
                "checks": [dataclasses.asdict(c) for c in ctx.checks],
                "numbers": ctx.numbers,
                "seconds": timings,
            },
            indent=1,
        )
    )
    return ctx.checks, path


def _fmt(x):
    if isinstance(x, float):
        return f"{x:.6g}"
    if isinstance(x, list):
        s = "[" + ", ".join(_fmt(v) for v in x[:4]) + (", ...]" if len(x) > 4 else "]")
        return s
    return str(x)


def format_table(checks):
    rows = [("paper", "reproduction", "check", "expected", "got", "pass")]
    for c in checks:
        rows.append((c.paper, c.reproduction, c.name, _fmt(c.expected), _fmt(c.got),
                     "PASS" if c.passed else "FAIL"))
    widths = [min(48, max(len(r[i]) for r in rows)) for i in range(6)]
    lines = []
    for r in rows:
        lines.append("  ".join(str(v)[:w].ljust(w) for v, w in zip(r, widths, strict=True)))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
