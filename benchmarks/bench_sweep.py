"""Sweep benchmark: a 64-point temperature sweep, batched vs looped, jaxthermo vs dynamiqs (issue 8).

Problem: n spins-1/2 (quick: n = 3, d = 8; full: n = 4, d = 16), H = J_z, one collective bosonic
bath through J_x (``jt.thermal_jump_ops``, rates gamma (nbar + 1) and gamma nbar, gamma = 0.2),
64 bath inverse temperatures log-spaced in [0.05, 5] (nbar from ~20 to ~0.007: the hottest points
are ~40x stiffer than the coldest), initial state all spins up, <J_z>(t) saved at 41 times in
[0, 10]; Tsit5 at rtol 1e-8 / atol 1e-10 in both libraries, float64, identical jump operators.

* looped: one compiled single-point solve called 64 times (jaxthermo: ``jax.jit``; dynamiqs: its
  own jitted ``dq.mesolve``; QuTiP: ``qutip.mesolve``), the reference cost of "one solve";
* batched: jaxthermo ``jt.sweeps.run_sweep`` with batch="auto" (CPU: ``loop``, one compiled
  solve per point dispatched asynchronously; GPU: ``vmap``), and for comparison batch="vmap" over
  all 64 points at once, and batch="vmap" in chunks of 8 ordered by temperature (stiffness
  grouping), vs dynamiqs' batched ``dq.mesolve`` (jump operators of shape (64, d, d): a vmapped
  adaptive solve, every point takes the steps of the stiffest).

Target: batched cost per point <= one solve on CPU, <= 1/8 of one solve on a GPU. Agreement is
checked first (max |<J_z>| difference between every pair), then warm timings (compile apart,
``block_until_ready``, median of repeats). Results: benchmarks/results/sweep.json.

    python benchmarks/bench_sweep.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo import sweeps  # noqa: E402

RTOL, ATOL = 1e-8, 1e-10
GAMMA, N_POINTS = 0.2, 64
TS = np.linspace(0.0, 10.0, 41)
BETAS = np.geomspace(0.05, 5.0, N_POINTS)


def problem(n):
    jx, _, jz = (np.asarray(o) for o in jt.collective_ops(n, 0.5))
    d = jz.shape[0]
    rho0 = np.zeros((d, d), complex)
    rho0[0, 0] = 1.0
    return jx, jz, rho0


def timeit(fn, repeats):
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def jaxthermo_fns(jx, jz, rho0):
    jx_j, jz_j, rho_j, ts_j = jnp.asarray(jx), jnp.asarray(jz), jnp.asarray(rho0), jnp.asarray(TS)

    def point(beta):
        ops = jt.thermal_jump_ops(jz_j, jx_j, jt.ThermalBath(beta, GAMMA, spectrum="bosonic"))
        res = jt.mesolve(jz_j, rho_j, ts_j, ops, exp_ops=[jz_j], save_states=False,
                         rtol=RTOL, atol=ATOL)
        return {"jz": jnp.real(res.expects[0])}

    single = jax.jit(point)

    def looped():
        return np.stack([np.asarray(single(b)["jz"].block_until_ready()) for b in BETAS])

    grid = sweeps.cartesian(beta=BETAS)

    def batched(batch, chunk=None, order=None):
        def run():
            r = sweeps.run_sweep(point, grid, batch=batch, progress=False, chunk_size=chunk,
                                 order=order)
            return r.dataset.jz.values
        return run

    return (looped, batched("auto"), batched("vmap", N_POINTS),
            batched("vmap", 8, order="beta"))


def dynamiqs_fns(jx, jz, rho0):
    import dynamiqs as dq

    dq.set_precision("double")
    ops = [np.asarray(jt.thermal_jump_ops(jz, jx, jt.ThermalBath(b, GAMMA, spectrum="bosonic")))
           for b in BETAS]
    ops = np.stack(ops)  # (64, k, d, d)
    method = dq.method.Tsit5(rtol=RTOL, atol=ATOL, max_steps=1_000_000)
    kw = dict(exp_ops=[jz], method=method, save_states=False, progress_meter=False)

    def looped():
        out = []
        for i in range(N_POINTS):
            r = dq.mesolve(jz, list(ops[i]), rho0, TS, **kw)
            out.append(np.real(np.asarray(r.expects.block_until_ready())[0]))
        return np.stack(out)

    def batched():
        # zipped batching: point i uses jump operators ops[i, k] for every k
        r = dq.mesolve(jz, [ops[:, k] for k in range(ops.shape[1])], rho0, TS,
                       cartesian_batching=False, **kw)
        return np.real(np.asarray(r.expects.block_until_ready())[:, 0])

    return looped, batched, ops


def qutip_looped(jz, rho0, ops):
    import qutip

    opts = {"atol": ATOL, "rtol": RTOL, "nsteps": 10**6, "progress_bar": False}
    out = []
    for i in range(N_POINTS):
        r = qutip.mesolve(qutip.Qobj(jz), qutip.Qobj(rho0), TS, [qutip.Qobj(o) for o in ops[i]],
                          e_ops=[qutip.Qobj(jz)], options=opts)
        out.append(np.real(np.asarray(r.expect[0])))
    return np.stack(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="n = 3 spins, 3 repeats")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "sweep.json"))
    args = ap.parse_args(argv)
    n, repeats = (3, 3) if args.quick else (4, 5)
    jx, jz, rho0 = problem(n)
    print(f"sweep benchmark: n = {n} spins (d = {jz.shape[0]}), {N_POINTS} temperatures, "
          f"device {jax.devices()[0].device_kind}")

    jt_loop, jt_batch, jt_vmap, jt_grouped = jaxthermo_fns(jx, jz, rho0)
    dq_loop, dq_batch, ops = dynamiqs_fns(jx, jz, rho0)
    fns = {"jt_loop": jt_loop, "jt_batch": jt_batch, "jt_vmap": jt_vmap,
           "jt_grouped": jt_grouped, "dq_loop": dq_loop, "dq_batch": dq_batch}
    compile_s, results = {}, {}
    for k, f in fns.items():  # first call: compile + run; also the agreement data
        t0 = time.perf_counter()
        results[k] = np.asarray(f())
        compile_s[k] = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        results["qutip"] = qutip_looped(jz, rho0, ops)
        qutip_s = time.perf_counter() - t0
    ref = results["jt_loop"]
    diffs = {k: float(np.max(np.abs(v - ref))) for k, v in results.items()}
    print("agreement (max |<J_z> - jaxthermo looped|):",
          ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))
    worst = max(diffs.values())
    if worst > 1e-6:
        raise SystemExit(f"disagreement {worst:.3e} > 1e-6: not timing")

    # interleave the repeats so that load from other processes hits every variant alike
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            times[k].append(timeit(f, 1)[0])
    t = {k: statistics.median(v) for k, v in times.items()}
    one_jt, one_dq = t["jt_loop"] / N_POINTS, t["dq_loop"] / N_POINTS
    rows = [
        {"mode": "looped", "n": n, "d": int(jz.shape[0]), "points": N_POINTS,
         "jaxthermo_s": t["jt_loop"], "dynamiqs_s": t["dq_loop"], "qutip_s": qutip_s,
         "speedup_vs_dynamiqs": t["dq_loop"] / t["jt_loop"],
         "speedup_vs_qutip": qutip_s / t["jt_loop"],
         "max_abs_diff": max(diffs["dq_loop"], diffs["qutip"])},
        {"mode": "batched", "n": n, "d": int(jz.shape[0]), "points": N_POINTS,
         "jaxthermo_s": t["jt_batch"], "jaxthermo_vmap_s": t["jt_vmap"],
         "jaxthermo_vmap_grouped_s": t["jt_grouped"],
         "dynamiqs_s": t["dq_batch"], "speedup_vs_dynamiqs": t["dq_batch"] / t["jt_batch"],
         "jaxthermo_per_point_over_one_solve": t["jt_batch"] / N_POINTS / one_jt,
         "jaxthermo_vmap_per_point_over_one_solve": t["jt_vmap"] / N_POINTS / one_jt,
         "jaxthermo_grouped_per_point_over_one_solve": t["jt_grouped"] / N_POINTS / one_jt,
         "dynamiqs_per_point_over_one_solve": t["dq_batch"] / N_POINTS / one_dq,
         "max_abs_diff": max(diffs["jt_batch"], diffs["jt_vmap"], diffs["jt_grouped"],
                             diffs["dq_batch"])},
    ]
    for r in rows:
        print(", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in r.items()))
    b = rows[1]
    print(f"batched cost per point / one solve: jaxthermo "
          f"{b['jaxthermo_per_point_over_one_solve']:.2f} (vmap "
          f"{b['jaxthermo_vmap_per_point_over_one_solve']:.2f}, vmap grouped by stiffness "
          f"{b['jaxthermo_grouped_per_point_over_one_solve']:.2f}), dynamiqs "
          f"{b['dynamiqs_per_point_over_one_solve']:.2f}")
    dev = jax.devices()[0]
    import os

    out = {"benchmark": "sweep", "device": dev.device_kind, "platform": dev.platform,
           "quick": bool(args.quick), "rtol": RTOL, "atol": ATOL,
           "load_average": os.getloadavg()[0], "repeats": repeats,
           "compile_s": compile_s, "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
