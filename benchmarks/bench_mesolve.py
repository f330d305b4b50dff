"""Full-space Lindblad benchmark: jaxthermo vs QuTiP vs dynamiqs (issue 2, item 8).

Problem: n spins-1/2, H = J_z, collective jump operators sqrt(gamma (nbar+1)) J- and
sqrt(gamma nbar) J+ (gamma = 0.1, beta_B = 1), initial Gibbs state at beta_0 = 2, t in [0, 20]
with 101 saved points, rtol 1e-8 / atol 1e-10, float64, n = 2, 4, 6, 8, 10 (d = 2^n).
All three use an adaptive 5th-order Runge-Kutta method (Tsit5 for jaxthermo and dynamiqs, QuTiP's
default adams/bdf integrator "adams" at the same tolerances). jaxthermo is run in three layouts (see
``jaxthermo/dynamics/evolve.py``): ``"sectors"`` (the problem conserves the total magnetisation, so the
state stays block-diagonal in it; ``jaxthermo.quantum.sectors`` finds the sectors from the operators'
sparsity and stores only the blocks, here with the initial state traced under jit and checked at run
time), ``"dia"`` (H and the jump operators in the row-compressed layout of
``jaxthermo.quantum.sparse.EllOperator`` on the full (d, d) state) and ``"dense"``; the fastest one
is compared. dynamiqs is run in its sparse-diagonal (``dq.dia``) and dense layouts. Each row records the 1-minute load average at its
start, since timings on a shared machine are only comparable at low load.

Agreement is checked first (max |rho_jaxthermo - rho_peer| over all saved states), then warm
times (compile apart, block_until_ready, median of repeats). Results: benchmarks/results/mesolve.json.

    python benchmarks/bench_mesolve.py [--quick] [--sizes 2 4 6]
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _timing import timeit  # noqa: E402

import jaxthermo as jt  # noqa: E402

RTOL, ATOL = 1e-8, 1e-10
GAMMA, BETA_B, BETA_0 = 0.1, 1.0, 2.0


def problem(n):
    jp, jm = jt.collective_ladder(n, 0.5)
    _, _, jz = jt.collective_ops(n, 0.5)
    nbar = 1.0 / np.expm1(BETA_B)
    ops = [np.sqrt(GAMMA * (nbar + 1)) * np.asarray(jm), np.sqrt(GAMMA * nbar) * np.asarray(jp)]
    rho0 = np.asarray(jt.gibbs_state(jz, BETA_0))
    return np.asarray(jz), ops, rho0, np.linspace(0.0, 20.0, 101)


def run_jaxthermo(h, ops, rho0, ts, layout):
    h_j, ops_j, ts_j = jnp.asarray(h), [jnp.asarray(o) for o in ops], jnp.asarray(ts)
    f = jax.jit(lambda r: jt.mesolve(h_j, r, ts_j, ops_j, rtol=RTOL, atol=ATOL, layout=layout).states)
    r0 = jnp.asarray(rho0)
    t0 = time.perf_counter()
    out = f(r0).block_until_ready()
    compile_s = time.perf_counter() - t0
    return np.asarray(out), compile_s, lambda: f(r0).block_until_ready()


def run_dynamiqs(h, ops, rho0, ts, layout):
    import dynamiqs as dq

    lay = dq.dia if layout == "dia" else dq.dense
    hq = dq.asqarray(h, layout=lay)
    lq = [dq.asqarray(o, layout=lay) for o in ops]
    method = dq.method.Tsit5(rtol=RTOL, atol=ATOL, max_steps=10**7)

    def call():
        return dq.mesolve(hq, lq, rho0, ts, method=method, progress_meter=False).states.to_jax()

    t0 = time.perf_counter()
    out = call().block_until_ready()
    compile_s = time.perf_counter() - t0
    return np.asarray(out), compile_s, lambda: call().block_until_ready()


def run_qutip(h, ops, rho0, ts):
    import qutip

    hq, lq, r0 = qutip.Qobj(h), [qutip.Qobj(o).to("CSR") for o in ops], qutip.Qobj(rho0)
    hq = hq.to("CSR")
    opts = {"atol": ATOL, "rtol": RTOL, "nsteps": 10**7, "progress_bar": False}

    def call():
        return qutip.mesolve(hq, r0, ts, lq, options=opts).states

    out = np.stack([s.full() for s in call()])
    return out, 0.0, call


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 2, 4, 6 and fewer repeats")
    ap.add_argument("--sizes", type=int, nargs="+", default=None)
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--skip", nargs="*", default=[],
                    help="runners to skip (jaxthermo_sectors, jaxthermo_dia, jaxthermo_dense, dynamiqs_dia,"
                         " dynamiqs_dense, qutip)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "mesolve.json"))
    args = ap.parse_args(argv)
    sizes = args.sizes or ([2, 4, 6] if args.quick else [2, 4, 6, 8, 10])
    rows = []
    warnings.filterwarnings("ignore")
    print(f"{'n':>3} {'d':>5} {'jt_sect':>9} {'jt_dia':>9} {'jt_dense':>9} {'dq_dia':>9} {'dq_dense':>9} {'qutip':>9}"
          f" {'x_dq':>7} {'x_qutip':>8} {'max_diff':>9}")
    for n in sizes:
        load = os.getloadavg()[0]
        h, ops, rho0, ts = problem(n)
        d = h.shape[0]
        reps = args.repeats or (3 if d >= 256 else 7)
        results = {}
        runners = [
            ("jaxthermo_sectors", run_jaxthermo, ("sectors",)),
            ("jaxthermo_dia", run_jaxthermo, ("dia",)),
            ("jaxthermo_dense", run_jaxthermo, ("dense",)),
            ("dynamiqs_dia", run_dynamiqs, ("dia",)),
            ("dynamiqs_dense", run_dynamiqs, ("dense",)),
            ("qutip", run_qutip, ()),
        ]
        for name, runner, extra in runners:
            if (name.endswith("dense") and d >= 1024) or name in args.skip:  # dense: minutes at d=1024
                continue
            results[name] = runner(h, ops, rho0, ts, *extra)
        ref = next(v[0] for k, v in results.items() if k.startswith("jaxthermo"))
        diffs = {k: float(np.max(np.abs(v[0] - ref))) for k, v in results.items()}
        for k, v in diffs.items():
            assert v < 1e-6, f"{k} disagrees with jaxthermo by {v:.3g} at n={n}"
        times = {k: timeit(v[2], reps) for k, v in results.items()}
        ours = min(t for k, t in times.items() if k.startswith("jaxthermo"))
        best_dq = min(times.get("dynamiqs_dia", np.nan), times.get("dynamiqs_dense", np.inf))
        row = {
            "n": n, "d": d, "loadavg_1min": load,
            **{f"{k}_s": t for k, t in times.items()},
            **{f"{k}_compile_s": v[1] for k, v in results.items()},
            "jaxthermo_s": ours,
            "speedup_vs_dynamiqs_best": best_dq / ours,
            "speedup_vs_qutip": times.get("qutip", np.nan) / ours,
            "max_abs_diff": max(diffs.values()),
        }
        rows.append(row)
        print(f"{n:>3} {d:>5} {times.get('jaxthermo_sectors', np.nan):>9.4f}"
              f" {times.get('jaxthermo_dia', np.nan):>9.4f} {times.get('jaxthermo_dense', np.nan):>9.4f}"
              f" {times.get('dynamiqs_dia', np.nan):>9.4f} {times.get('dynamiqs_dense', np.nan):>9.4f}"
              f" {times.get('qutip', np.nan):>9.4f} {row['speedup_vs_dynamiqs_best']:>7.2f}"
              f" {row['speedup_vs_qutip']:>8.2f} {row['max_abs_diff']:>9.2e}", flush=True)
        _write(args, rows)  # after every row, so a long run keeps what it measured
    print(f"wrote {args.out}")


def _write(args, rows):
    dev = jax.devices()[0]
    out = {"benchmark": "mesolve", "device": dev.device_kind, "platform": dev.platform,
           "quick": bool(args.quick), "rtol": RTOL, "atol": ATOL, "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1, default=float).replace("NaN", "null"))


if __name__ == "__main__":
    main()
