"""Benchmark: 10^5 collisions of paper 003's Example 2 (Fig. 3 parameters, beta = 1).

jaxthermo (channel precomputed as a superoperator, lax.scan, ledger as linear functionals) against
a plain numpy loop written here (per collision: U (rho x eta) U^dag, partial trace, heat and
switching work from the global state) and, where cheap, the same loop with QuTiP objects.

Convention (benchmarks/README or DESIGN.md principle 10): x64; identical problem in every code;
agreement checked first (max deviation printed); compile time apart; warm runs timed with
block_until_ready; median of repeats; ratios printed; results in benchmarks/results/collisions.json.

    python benchmarks/bench_collisions.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo import collisions as jc  # noqa: E402

BETA, KAPPA, ALPHA, DT = 1.0, 0.3, 0.1, 0.1


def problem():
    model = jc.structured_example2(BETA, KAPPA, ALPHA, DT)
    rho0 = np.asarray(jt.gibbs_state(model.H_S, 1.0))
    hs = np.asarray(model.H_S)
    he = np.asarray(model.ancillae[0].H)
    v = np.asarray(model.V[0])
    eta = np.asarray(model.ancillae[0].rho)
    return model, rho0, hs, he, v, eta


def numpy_loop(rho0, hs, he, v, eta, n):
    """Plain numpy reference: one collision at a time in the full 8-dimensional space."""
    ds, da = hs.shape[0], he.shape[0]
    htot = np.kron(hs, np.eye(da)) + np.kron(np.eye(ds), he) + v
    u = scipy.linalg.expm(-1j * DT * htot)
    ud = u.conj().T
    ha = np.kron(np.eye(ds), he)
    states = np.empty((n + 1, ds, ds), complex)
    heat = np.empty(n)
    wsw = np.empty(n)
    rho = rho0.astype(complex)
    states[0] = rho
    for i in range(n):
        big = np.kron(rho, eta)
        out = u @ big @ ud
        heat[i] = -np.trace(ha @ (out - big)).real
        wsw[i] = np.trace(v @ (big - out)).real
        rho = np.trace(out.reshape(ds, da, ds, da), axis1=1, axis2=3)
        states[i + 1] = rho
    return states, heat, wsw


def qutip_loop(rho0, hs, he, v, eta, n):
    import qutip

    dims = [[2, 4], [2, 4]]
    htot = qutip.Qobj(np.kron(hs, np.eye(4)) + np.kron(np.eye(2), he) + v, dims=dims)
    u = (-1j * DT * htot).expm()
    ud = u.dag()
    etaq = qutip.Qobj(eta)
    ha = qutip.Qobj(np.kron(np.eye(2), he), dims=dims)
    vq = qutip.Qobj(v, dims=dims)
    rho = qutip.Qobj(rho0)
    states = [rho.full()]
    heat = np.empty(n)
    wsw = np.empty(n)
    for i in range(n):
        big = qutip.tensor(rho, etaq)
        out = u * big * ud
        heat[i] = -((ha * (out - big)).tr()).real
        wsw[i] = ((vq * (big - out)).tr()).real
        rho = out.ptrace(0)
        states.append(rho.full())
    return np.array(states), heat, wsw


def timed(fn, repeats):
    ts = []
    res = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = fn()
        jax.block_until_ready(res)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), res


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes = [10_000] if args.quick else [10_000, 100_000]
    qutip_max = 10_000 if args.quick else 100_000
    model, rho0, hs, he, v, eta = problem()
    rows = []
    for n in sizes:
        row = {"problem": "paper003_example2_fig3", "n_collisions": n, "d_S": 2, "d_A": 4}
        def run(entropic, n=n):
            out = model.run(rho0, n, entropic=entropic)
            return out.states, out.ledger.heat_into_system, out.ledger.work_switch

        # 1) agreement first: first (compiling) call of jaxthermo against the numpy reference
        t0 = time.perf_counter()
        jt_res = jax.block_until_ready(run(False))
        row["jaxthermo_first_call_s"] = time.perf_counter() - t0
        t_np, ref = timed(lambda n=n: numpy_loop(rho0, hs, he, v, eta, n), 1)
        dev = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(jt_res, ref,
                                                                           strict=True))
        row["max_abs_diff"] = dev
        print(f"n={n}: max |jaxthermo - numpy| (states, heat, W_sw) = {dev:.2e}")
        if dev > 1e-10:
            raise SystemExit("jaxthermo and the numpy reference disagree: not timing")
        # 2) warm timings
        row["jaxthermo_s"], _ = timed(lambda: run(False), 5)
        jax.block_until_ready(run(True))
        row["jaxthermo_full_ledger_s"], _ = timed(lambda: run(True), 5)
        if n <= 20_000:
            t_np = statistics.median([t_np] + [timed(lambda n=n: numpy_loop(
                rho0, hs, he, v, eta, n), 1)[0] for _ in range(2)])
        row["numpy_s"] = t_np
        row["speedup_vs_numpy"] = row["numpy_s"] / row["jaxthermo_s"]
        if n <= qutip_max:
            t, qref = timed(lambda n=n: qutip_loop(rho0, hs, he, v, eta, n), 1)
            qdev = max(float(np.max(np.abs(np.asarray(a) - b))) for a, b in zip(jt_res, qref,
                                                                                strict=True))
            row["qutip_s"] = t
            row["speedup_vs_qutip"] = t / row["jaxthermo_s"]
            row["max_abs_diff_qutip"] = qdev
            print(f"n={n}: max |jaxthermo - qutip| = {qdev:.2e} (qutip timed once, after the "
                  "numpy agreement check)")
        print(f"n={n}: jaxthermo {row['jaxthermo_s']:.4f} s (compile+first "
              f"{row['jaxthermo_first_call_s']:.2f} s), with entropic ledger "
              f"{row['jaxthermo_full_ledger_s']:.4f} s; numpy {row['numpy_s']:.3f} s "
              f"(x{row['speedup_vs_numpy']:.0f})"
              + (f"; qutip {row['qutip_s']:.3f} s (x{row['speedup_vs_qutip']:.0f})"
                 if "qutip_s" in row else ""))
        rows.append(row)
    dev0 = jax.devices()[0]
    out = {"benchmark": "collisions", "device": dev0.device_kind, "platform": dev0.platform,
           "quick": bool(args.quick), "rows": rows}
    path = Path(__file__).resolve().parent / "results" / "collisions.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
