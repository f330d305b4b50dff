"""Benchmark: two-spin Wehrl entropy S_Q (paper 004, eq. 5) on the 4-D product grid.

    python benchmarks/bench_wehrl.py [--quick]

jaxthermo (``jt.phasespace.wehrl_entropy`` under ``jax.jit``, on one device and with
``devices="all"``: the machine's cores made visible as CPU devices, ``jax_num_cpu_devices =
os.cpu_count()``, and the grid's chunks split over them) against a vectorised NumPy
reference written here (the same quadrature: Gauss-Legendre in cos theta x uniform phi per spin;
Q by a two-stage einsum contraction, chunked over spin-a nodes, then ``-sum w Q ln Q``), for two
spins J_a = J_b = J and n x n nodes per sphere. One-spin rows compare the Husimi Q on the grid
with QuTiP's ``spin_q_function`` (values; its docstring's normalisation factor is wrong, the
values are <Omega|rho|Omega> like ours). Agreement is checked first (max |difference| printed),
then warm timings: compile apart, ``block_until_ready``, median of repeats. Results go to
``benchmarks/results/wehrl.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import time
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)
# every core as a CPU device (before JAX's first use), for wehrl_entropy(..., devices="all"); the
# one-device timings run on device 0 as usual
jax.config.update("jax_num_cpu_devices", os.cpu_count() or 1)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import qutip  # noqa: E402

import jaxthermo as jt  # noqa: E402

ps = jt.phasespace


# ------------------------------------------------------------------ NumPy reference


def np_coherent(j, n_theta, n_phi):
    """(G, d) amplitudes <J,m|theta,phi>, m = J..-J, on the product rule (theta-major)."""
    x, w = np.polynomial.legendre.leggauss(n_theta)
    phi = 2 * np.pi * np.arange(n_phi) / n_phi
    c, s = np.sqrt((1 + x) / 2), np.sqrt((1 - x) / 2)
    d = int(round(2 * j)) + 1
    k = np.arange(d)
    m = j - k
    binom = np.array([math.comb(d - 1, int(kk)) for kk in k], dtype=float)
    radial = np.sqrt(binom) * c[:, None] ** (d - 1 - k) * s[:, None] ** k
    amp = radial[:, None, :] * np.exp(-1j * phi[:, None] * m)[None, :, :]
    wts = (w[:, None] * np.full(n_phi, 2 * np.pi / n_phi)[None, :]).reshape(-1)
    return amp.reshape(-1, d), wts


def np_wehrl_two(rho, j, n, chunk=256):
    a, w = np_coherent(j, n, n)
    d = a.shape[1]
    rho4 = rho.reshape(d, d, d, d)
    pb = np.einsum("hn,hl->hnl", a.conj(), a).reshape(a.shape[0], d * d)
    c = (2 * j + 1) / (4 * np.pi)
    total = 0.0
    for k in range(0, a.shape[0], chunk):
        ak = a[k:k + chunk]
        x = np.einsum("gm,mnkl,gk->gnl", ak.conj(), rho4, ak, optimize=True)
        q = np.real(x.reshape(len(ak), d * d) @ pb.T)
        qlogq = np.where(q > 0, q * np.log(np.where(q > 0, q, 1.0)), 0.0)
        total += w[k:k + chunk] @ qlogq @ w
    return -c * c * total


# ------------------------------------------------------------------ harness


def timeit(fn, repeats):
    """(median warm time, first-call overhead) of ``fn`` (already compiled by the caller)."""
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    first = time.perf_counter() - t0
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn())
        ts.append(time.perf_counter() - t0)
    med = statistics.median(ts)
    return med, max(first - med, 0.0)


def test_state(j, seed=0):
    d = int(round(2 * j)) + 1
    key = jax.random.PRNGKey(seed)
    r = jt.quantum.random_density_matrix(key, d * d)
    return 0.7 * r + 0.3 * jnp.eye(d * d) / (d * d)  # full rank: exponential convergence


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (about a minute)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "wehrl.json"))
    args = ap.parse_args()
    if args.quick:
        js, ns, repeats = (0.5, 1.0, 2.0, 5.0), (16, 32), 3
    else:
        js, ns, repeats = (0.5, 1.0, 1.5, 2.0, 3.0, 5.0), (16, 32, 48, 64), 5
    dev = jax.devices()[0]
    rows = []
    print(f"device: {dev.device_kind} ({dev.platform}); quick={args.quick}")
    n_dev = len(jax.devices())
    print(f"{n_dev} CPU device(s) for devices='all'")
    print(f"{'case':>10} {'J':>4} {'n':>4} {'nodes':>10} {'1-device_s':>11} {'all-dev_s':>10} "
          f"{'compile_s':>10} {'numpy_s':>10} {'speedup':>8} {'1-dev':>6} {'max|diff|':>10}")
    cases = [(j, n) for j in js for n in ns if not (args.quick and j == 5.0 and n > 16)]
    # all jaxthermo timings first, then NumPy's: after a BLAS call OpenBLAS's threads keep
    # spinning for a while and take a core (measured: J = 1/2, 64^4 nodes, devices="all": 9.5 ms
    # before a NumPy call, 16.5 ms right after it, 8.8 ms one second later)
    jax_res = {}
    for j, n in cases:
        rho = test_state(j)
        grid = ps.SphereGrid(n)
        f1 = jax.jit(lambda r, g=grid, jj=j: ps.wehrl_entropy(r, (jj, jj), g))
        f = jax.jit(lambda r, g=grid, jj=j: ps.wehrl_entropy(r, (jj, jj), g, devices="all"))
        t0 = time.perf_counter()
        s_jax = float(f(rho))  # first call: trace + compile + run
        first = time.perf_counter() - t0
        s_one = float(f1(rho))
        t_jax, _ = timeit(lambda f=f, r=rho: f(r), 2 * repeats + 1)  # cheap: more repeats
        t_one, _ = timeit(lambda f=f1, r=rho: f(r), 2 * repeats + 1)
        jax_res[j, n] = (s_jax, s_one, t_jax, t_one, max(first - t_jax, 0.0))
    for j, n in cases:
        s_jax, s_one, t_jax, t_one, t_comp = jax_res[j, n]
        rho_np = np.asarray(test_state(j))
        s_np = np_wehrl_two(rho_np, j, n)
        diff = max(abs(s_jax - s_np), abs(s_one - s_np))
        t_np, _ = timeit(lambda r=rho_np, jj=j, nn=n: np_wehrl_two(r, jj, nn),
                         repeats if n <= 32 else 3)
        row = {"case": "two_spin_wehrl", "j": j, "n_per_angle": n, "nodes": n**4,
               "jaxthermo_s": t_jax, "jaxthermo_one_device_s": t_one, "devices": n_dev,
               "compile_s": t_comp, "numpy_s": t_np, "speedup_vs_numpy": t_np / t_jax,
               "speedup_vs_numpy_one_device": t_np / t_one, "max_abs_diff": diff, "S_Q": s_jax}
        rows.append(row)
        print(f"{'two-spin':>10} {j:>4} {n:>4} {n**4:>10} {t_one:>11.4g} {t_jax:>10.4g} "
              f"{t_comp:>10.3g} {t_np:>10.4g} {t_np / t_jax:>8.2f} {t_np / t_one:>6.2f} "
              f"{diff:>10.2e}")
    # one spin: Husimi Q on the grid vs QuTiP spin_q_function
    for j in (js if not args.quick else (0.5, 5.0)):
        for n in (64, 256) if not args.quick else (64,):
            d = int(round(2 * j)) + 1
            rho = jt.quantum.random_density_matrix(jax.random.PRNGKey(1), d)
            grid = ps.SphereGrid(n)
            f = jax.jit(lambda r, g=grid, jj=j: ps.husimi_q(r, jj, g))
            t0 = time.perf_counter()
            q = np.asarray(f(rho))
            first = time.perf_counter() - t0
            qobj = qutip.Qobj(np.asarray(rho))
            th, ph = np.asarray(grid.theta), np.asarray(grid.phi)
            qq = qutip.spin_q_function(qobj, th, ph)[0].T
            diff = float(np.max(np.abs(q - qq)))
            norm = float(np.sum(np.asarray(grid.weights) * q) * (2 * j + 1) / (4 * np.pi))
            t_jax, _ = timeit(lambda f=f, r=rho: f(r), repeats)
            t_comp = max(first - t_jax, 0.0)
            t_q, _ = timeit(lambda o=qobj, a=th, b=ph: qutip.spin_q_function(o, a, b), repeats)
            rows.append({"case": "one_spin_q_vs_qutip", "j": j, "n_per_angle": n, "nodes": n * n,
                         "jaxthermo_s": t_jax, "compile_s": t_comp, "qutip_s": t_q,
                         "speedup_vs_qutip": t_q / t_jax, "max_abs_diff": diff,
                         "normalisation_minus_1": norm - 1})
            print(f"{'1-spin Q':>10} {j:>4} {n:>4} {n * n:>10} {t_jax:>12.4g} {t_comp:>10.3g} "
                  f"{'qutip':>6}{t_q:>9.4g} {t_q / t_jax:>8.2f} {diff:>10.2e}")
    bad = [r for r in rows if r["max_abs_diff"] > 1e-10]
    if bad:
        raise SystemExit(f"agreement check FAILED for {len(bad)} rows: {bad}")
    two = [r["speedup_vs_numpy"] for r in rows if r["case"] == "two_spin_wehrl"]
    one = [r["speedup_vs_numpy_one_device"] for r in rows if r["case"] == "two_spin_wehrl"]
    print(f"speedup vs numpy (two spins, devices='all', {n_dev} devices): min {min(two):.2f}x, "
          f"median {statistics.median(two):.2f}x, max {max(two):.2f}x (target >= 10x)")
    print(f"speedup vs numpy (two spins, one device): min {min(one):.2f}x, "
          f"median {statistics.median(one):.2f}x, max {max(one):.2f}x")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "wehrl", "device": dev.device_kind,
                               "platform": dev.platform, "devices_all": n_dev,
                               "quick": args.quick, "rows": rows},
                              indent=2))
    print(f"results written to {out}")


if __name__ == "__main__":
    main()
