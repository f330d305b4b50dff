"""Collective spin ensembles: jaxthermo blocks vs jaxthermo full space vs QuTiP's PIQS (issue 3).

Problem (paper 001, Eq. 1; spec seed-001 Sec. 1.3): n spins-1/2, H = J_z (omega = 1), collective
dissipation G_down D[J-] + G_up D[J+] with the fermi rates at x_B = 1, gamma = 1
(G_down = 1/(1+e^-1), G_up = e^-1/(1+e^-1)); initial Gibbs state at x0 = 2; energy <J_z>(t) at
11 times in [0, 1]. Peers: jaxthermo full-space ``mesolve`` (n <= 8; Tsit5, rtol 1e-8 /
atol 1e-10) and PIQS (``Dicke(N, hamiltonian=J_z, collective_emission=G_down,
collective_pumping=G_up)`` + ``qutip.mesolve`` at the same tolerances, n = 10..100).
jaxthermo blocks use the exact (contour) propagator of the birth-death equation.
Agreement with PIQS is checked on the PIQS Liouvillian propagated exactly (scipy
expm_multiply); the timed PIQS run is qutip.mesolve (its own integrator error is reported as
peer_integrator_abs_diff). The remaining 4e-8..4e-7 difference is PIQS's: its Cython Lindbladian
(qutip/piqs/_piqs.pyx, ``cdef float`` rates and coefficients) is built in single precision; it
does not shrink when QuTiP's rtol is tightened to 1e-12 (at n = 10: 4.1546e-8 at rtol 1e-8, 1e-10
and 1e-12 while mesolve converges to the exact propagation of the PIQS Liouvillian to 7e-13), and
our blocks agree with our own diffrax integration of the block equations to 1e-12.
PIQS at n = 100 runs for about an hour on 2 cores: it is run only with --piqs-100; otherwise
its time is a power-law extrapolation from n = 10, 20, 50 (labelled as such), or a time measured
separately can be passed with --piqs-100-measured SECONDS (recorded as measured_separately).
Also timed alone: n = 10^4 (2000 with --quick) population dynamics to t = 1, and n = 10^6
steady-state E and S in log-space (no peer can represent these sizes).

Agreement is checked first (max |E_jaxthermo(t) - E_peer(t)|), then warm times (compile apart,
block_until_ready, median of repeats). Results: benchmarks/results/ensemble.json.

    python benchmarks/bench_ensemble.py [--quick] [--piqs-100 | --piqs-100-measured SECONDS]
    python benchmarks/bench_ensemble.py --only-large   # only the n = 10^4 rows (merged into the JSON)
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _timing import timeit  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo.ensembles import SpinEnsemble, analytic  # noqa: E402
from jaxthermo.ensembles.dynamics import NUM_NODES  # noqa: E402

X0, XB, GAMMA = 2.0, 1.0, 1.0
RTOL, ATOL = 1e-8, 1e-10
TS = np.linspace(0.0, 1.0, 11)
AGREE_TOL = 1e-6


def rates():
    b = jt.ThermalBath(XB, GAMMA)
    return float(b.rate(1.0)), float(b.rate(-1.0))


def blocks_fn(n, ts=TS, num_nodes=None):
    ens = SpinEnsemble(n, 0.5)
    ts_j = jnp.asarray(ts)
    kw = {} if num_nodes is None else {"num_nodes": num_nodes}

    @jax.jit
    def run(x0, xb):
        traj = ens.evolve(ens.thermal_state(x0), ts_j, xb, GAMMA, **kw)
        return jax.vmap(ens.energy)(traj)

    t0 = time.perf_counter()
    out = run(X0, XB).block_until_ready()
    return np.asarray(out), time.perf_counter() - t0, lambda: run(X0, XB).block_until_ready()


def full_fn(n):
    gd, gu = rates()
    jx, jy, jz = jt.collective_ops(n, 0.5)
    ops = [np.sqrt(gd) * (jx - 1j * jy), np.sqrt(gu) * (jx + 1j * jy)]
    rho0 = jt.gibbs_state(jz, X0)
    ts_j = jnp.asarray(TS)

    @jax.jit
    def run(r0):
        return jt.mesolve(jz, r0, ts_j, ops, exp_ops=[jz], rtol=RTOL, atol=ATOL,
                          save_states=False).expects[0]

    t0 = time.perf_counter()
    out = run(rho0).block_until_ready()
    return np.real(np.asarray(out)), time.perf_counter() - t0, lambda: run(rho0).block_until_ready()


def piqs_fn(n):
    import qutip
    import qutip.piqs as piqs

    gd, gu = rates()
    jz = piqs.jspin(n, "z")
    system = piqs.Dicke(n, hamiltonian=jz, collective_emission=gd, collective_pumping=gu)
    # Gibbs state in the Dicke basis: per-copy populations e^{-x m}/Z_{1/2}^n
    logz = n * np.log(2 * np.cosh(X0 / 2))
    jmm1 = {}
    for j in piqs.j_vals(n):
        for m in np.arange(-j, j + 1):
            jmm1[(j, m, m)] = np.exp(-X0 * m - logz)
    rho0 = piqs.dicke_basis(n, jmm1)
    # energy with multiplicities: sum_j d_j sum_m m rho_{j,m,m}
    idx = piqs.jmm1_dictionary(n)[0]
    weights = np.zeros(rho0.shape[0])
    for (i, k), (j, m, _m1) in idx.items():
        if i == k:
            weights[i] = m * piqs.state_degeneracy(n, j)
    opts = {"atol": ATOL, "rtol": RTOL, "store_states": True, "nsteps": 10**6}

    def run():
        lv = system.liouvillian()
        res = qutip.mesolve(lv, rho0, TS, options=opts)
        return np.array([np.real(np.diag(s.full())) @ weights for s in res.states])

    t0 = time.perf_counter()
    out = run()
    first = time.perf_counter() - t0
    # the same PIQS Liouvillian propagated exactly (scipy expm_multiply): checks that both codes
    # solve the same problem, independently of QuTiP's integrator error at rtol 1e-8
    from scipy.sparse.linalg import expm_multiply

    lv = system.liouvillian().data_as("csr_matrix")
    d = rho0.shape[0]
    vs = expm_multiply(lv, rho0.full().reshape(-1, order="F"), start=TS[0], stop=TS[-1],
                       num=len(TS), endpoint=True)
    exact = np.array([np.real(np.diag(v.reshape(d, d, order="F"))) @ weights for v in vs])
    return exact, first, run, out


def row(n, peer, ref_out, ref_first_s, ref_run, mine, repeats, peer_timed_out=None):
    e_j, comp_j, run_j = mine
    diff = float(np.max(np.abs(e_j - ref_out)))
    r = {"n": n, "s": 0.5, "peer": peer, "max_abs_diff": diff,
         "jaxthermo_compile_s": comp_j}
    if peer_timed_out is not None:
        # deviation of the timed peer run (QuTiP's adaptive integrator at rtol 1e-8)
        r["peer_integrator_abs_diff"] = float(np.max(np.abs(e_j - peer_timed_out)))
    if diff > AGREE_TOL:
        r["error"] = f"disagreement {diff:.2e} > {AGREE_TOL}: not timed"
        return r
    tj = timeit(run_j, repeats)
    tp = timeit(ref_run, max(1, repeats // 2)) if ref_first_s < 30 else ref_first_s
    r.update({"jaxthermo_s": tj, f"{peer}_s": tp, f"speedup_vs_{peer}": tp / tj})
    return r


def piqs_100_row(rows, reps, measured_s, unfinished_s=None):
    """n = 100: our blocks timed and checked against diffrax on the block equations (the PIQS
    agreement is checked at n = 10..50); PIQS measured separately or extrapolated."""
    n = 100
    e_j, comp, run = blocks_fn(n)
    tj = timeit(run, reps)
    ens = SpinEnsemble(n, 0.5)
    traj = ens.evolve(ens.thermal_state(X0).to_matrices(), jnp.asarray(TS), XB, GAMMA,
                      method="diffrax", rtol=1e-11, atol=1e-13)
    e_dfx = np.asarray(jax.vmap(ens.energy)(traj))
    r = {"n": n, "s": 0.5, "peer": "piqs", "jaxthermo_s": tj, "jaxthermo_compile_s": comp,
         "max_abs_diff": float(np.max(np.abs(e_j - e_dfx))), "target_speedup": 1000.0}
    pts = [(q["n"], q["piqs_s"]) for q in rows if q.get("peer") == "piqs" and "piqs_s" in q]
    if len(pts) >= 2:
        ln_n, ln_t = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
        slope, icpt = np.polyfit(ln_n, ln_t, 1)
        r["piqs_extrapolated_s"] = float(np.exp(icpt + slope * np.log(n)))
        r["piqs_fit"] = f"t = exp({icpt:.3f}) n^{slope:.3f} fitted to n = {[p[0] for p in pts]}"
        r["speedup_vs_piqs_extrapolated"] = r["piqs_extrapolated_s"] / tj
    if measured_s is not None:
        r.update({"piqs_s": measured_s, "speedup_vs_piqs": measured_s / tj,
                  "piqs_measured_separately": True})
    if unfinished_s is not None:
        r.update({"piqs_s_lower_bound": unfinished_s,
                  "speedup_vs_piqs_lower_bound": unfinished_s / tj})
        if unfinished_s > r.get("piqs_extrapolated_s", np.inf):
            r["extrapolation_warning"] = ("the power law underestimates PIQS at n = 100: the "
                                          "measured lower bound exceeds the extrapolation")
    r["note"] = ("piqs_s_lower_bound: a separate PIQS run of the same problem was stopped "
                 "unfinished after that many seconds (a measured lower bound). PIQS not run here (about an hour at n = 100 on 2 cores). piqs_s, if present, was "
                 "measured separately (one run of the same problem, Liouvillian build + mesolve); "
                 "piqs_extrapolated_s is a power-law EXTRAPOLATION, not a measurement. "
                 "max_abs_diff: vs our diffrax integration of the full block equations "
                 "(Tsit5, rtol 1e-11).")
    return r


def large_rows(quick):
    """n = 10^4 population dynamics to t = 1 (jaxthermo only), checked against the closed form
    at t = 0 and against the 65-node contour at t = 1 (where E is relaxed to ~E_inf)."""
    rows = []
    n = 2000 if quick else 10**4
    e_0 = float(analytic.energy_thermal(n, 0.5, X0)) - n / 2
    e_inf = float(analytic.energy_steady(n, 0.5, X0, XB)) - n / 2
    ref = None
    # 65-node contour (the former default) as the reference, then the default 41 nodes
    for nodes in (32, None):
        e, comp, run = blocks_fn(n, ts=np.array([0.0, 1.0]), num_nodes=nodes)
        ref = e if ref is None else ref
        t = timeit(run, 1 if quick else 3)
        rows.append({"n": n, "s": 0.5, "peer": "none (population dynamics to t=1)",
                     "num_nodes": nodes or NUM_NODES, "jaxthermo_s": t,
                     "jaxthermo_compile_s": comp, "target_s": 10.0,
                     "max_abs_diff": max(abs(float(e[0]) - e_0), abs(float(e[1] - ref[1]))),
                     "E_t1": float(e[1]), "E_inf": e_inf, "load_average": os.getloadavg()[0],
                     "note": "max_abs_diff: E(0) vs closed-form thermal energy and E(1) vs the "
                             "65-node contour; E(1) ~ E_inf (relaxed)"})
        print(rows[-1])
    return rows


def large_only(quick):
    """--only-large: the n = 10^4 rows alone, merged into the existing results JSON."""
    rows = large_rows(quick)
    path = Path(__file__).resolve().parent / "results" / "ensemble.json"
    out = json.loads(path.read_text()) if path.exists() else {
        "benchmark": "ensemble", "device": jax.devices()[0].device_kind,
        "platform": jax.devices()[0].platform, "quick": quick, "rows": []}
    peer = rows[0]["peer"]
    kept = [r for r in out["rows"] if r.get("peer") != peer]
    at = next((i for i, r in enumerate(out["rows"]) if r.get("peer") == peer), len(kept))
    out["rows"] = kept[:at] + rows + kept[at:]
    out["large_rows_rerun"] = {"flag": "--only-large", "quick": quick,
                               "load_average": os.getloadavg()[0]}
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    for r in rows:
        print(f"{r['n']:>7} nodes {r['num_nodes']:>3} {r['jaxthermo_s']:>9.4g} s "
              f"(target {r['target_s']:g} s) maxdiff {r['max_abs_diff']:.2e} "
              f"load {r['load_average']:.2f}")
    print(f"updated {path}")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--piqs-100", action="store_true", help="run PIQS at n = 100 (about an hour)")
    ap.add_argument("--piqs-100-measured", type=float, default=None,
                    help="PIQS n = 100 time (s) measured separately (same problem, one run)")
    ap.add_argument("--piqs-100-unfinished", type=float, default=None,
                    help="seconds after which a separate PIQS n = 100 run was stopped unfinished")
    ap.add_argument("--only-large", action="store_true",
                    help="run only the n = 10^4 population-dynamics rows and replace them in the "
                         "existing results JSON (other rows kept as they were)")
    a = ap.parse_args(argv)
    reps = 3 if a.quick else 7
    if a.only_large:
        return large_only(a.quick)
    rows = []
    full_sizes = [4, 6] if a.quick else [4, 6, 8]
    piqs_sizes = [10, 20] if a.quick else ([10, 20, 50, 100] if a.piqs_100 else [10, 20, 50])
    for n in full_sizes:
        mine = blocks_fn(n)
        ref = full_fn(n)
        rows.append(row(n, "jaxthermo_full", ref[0], ref[1], ref[2], mine, reps))
        print(rows[-1])
    try:
        import qutip.piqs  # noqa: F401
        have_piqs = True
    except ImportError:  # pragma: no cover
        have_piqs = False
        print("qutip.piqs not importable: PIQS rows skipped")
    if have_piqs:
        for n in piqs_sizes:
            mine = blocks_fn(n)
            ref = piqs_fn(n)
            rows.append(row(n, "piqs", ref[0], ref[1], ref[2], mine, reps, ref[3]))
            print(rows[-1])
        if not a.quick and not a.piqs_100:
            rows.append(piqs_100_row(rows, reps, a.piqs_100_measured, a.piqs_100_unfinished))
            print(rows[-1])
    rows += large_rows(a.quick)
    # n = 10^6 steady-state energy and entropy in log-space
    n = 10**6
    f = jax.jit(lambda x0, xb: (analytic.energy_steady(n, 0.5, x0, xb),
                                analytic.entropy_steady(n, 0.5, x0, xb)))
    t0 = time.perf_counter()
    ev, sv = f(X0, XB)
    comp = time.perf_counter() - t0
    t = timeit(lambda: jax.block_until_ready(f(X0, XB)), reps)
    eth = float(analytic.energy_steady(n, 0.5, XB, XB))
    rows.append({"n": n, "s": 0.5, "peer": "none (steady-state E, S in log-space)",
                 "jaxthermo_s": t, "jaxthermo_compile_s": comp, "E_inf": float(ev),
                 "S_inf": float(sv), "finite": bool(np.isfinite(float(ev)) and np.isfinite(float(sv))),
                 "max_abs_diff": abs(eth - float(analytic.energy_thermal(n, 0.5, XB))),
                 "note": "max_abs_diff: E_inf(x0 = x_B) vs E_th (identity), absolute on E ~ 3e5"})
    print(rows[-1])
    print(f"\n{'n':>7} {'peer':<36} {'jaxthermo_s':>12} {'peer_s':>10} {'speedup':>9} {'maxdiff':>9}")
    for r in rows:
        peer = r["peer"]
        ps = r.get(f"{peer}_s", float("nan"))
        sp = r.get(f"speedup_vs_{peer}", float("nan"))
        if peer == "piqs" and "piqs_s" not in r and "piqs_s_lower_bound" in r:
            peer, ps, sp = "piqs (>=, run stopped unfinished)", r["piqs_s_lower_bound"], \
                r["speedup_vs_piqs_lower_bound"]
        elif peer == "piqs" and "piqs_s" not in r and "piqs_extrapolated_s" in r:
            peer, ps, sp = "piqs (EXTRAPOLATED)", r["piqs_extrapolated_s"], \
                r["speedup_vs_piqs_extrapolated"]
        print(f"{r['n']:>7} {peer:<36} {r.get('jaxthermo_s', float('nan')):>12.4g} {ps:>10.4g} "
              f"{sp:>9.3g} {r['max_abs_diff']:>9.2e}")
    out = {"benchmark": "ensemble", "device": jax.devices()[0].device_kind,
           "platform": jax.devices()[0].platform, "quick": a.quick,
           "load_average": os.getloadavg()[0], "rows": rows}
    path = Path(__file__).resolve().parent / "results" / "ensemble.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
