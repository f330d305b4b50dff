"""Collective vs independent dissipation of n spins (paper 001), with jaxthermo.ensembles.

    python examples/ensemble_collective_dissipation.py [--quick] [--n 100] [--s 0.5]

Prints the steady state reached from a thermal state under a collective bath, compares it with
independent dissipation (the thermal state at the bath temperature), follows the energy in time
with the exact block propagator, and differentiates the steady-state energy with jax.grad.
"""

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import jaxthermo as jt  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a few seconds)")
    p.add_argument("--n", type=int, default=None)
    p.add_argument("--s", type=float, default=0.5)
    a = p.parse_args(argv)
    n = a.n or (20 if a.quick else 100)
    beta0, beta_bath = 2.0, 1.0
    t0 = time.perf_counter()

    ens = jt.ensembles.SpinEnsemble(n=n, s=a.s, omega=1.0)
    j, log_l = ens.multiplicities()
    print(f"n={n}, s={a.s}: {ens.num_blocks} blocks J={float(j[0])}..{float(j[-1])}, "
          f"max l_J = e^{float(log_l.max()):.2f}")

    rho_inf = ens.steady_state(beta0=beta0, beta_bath=beta_bath)  # collective bath
    rho_th = ens.independent_steady_state(beta_bath)  # independent baths
    e_inf, e_th = ens.energy(rho_inf, "ground"), ens.energy(rho_th, "ground")
    s_inf, s_th = ens.entropy(rho_inf), ens.entropy(rho_th)
    print(f"collective : E = {float(e_inf):.10f}  S = {float(s_inf):.10f}")
    print(f"independent: E = {float(e_th):.10f}  S = {float(s_th):.10f}")
    print(f"apparent beta of the collective steady state: {float(ens.apparent_beta(rho_inf)):.12f}")
    loc = ens.local_state(rho_inf)
    print("single-spin populations (m = s..-s):", jnp.real(jnp.diag(loc)))

    ts = jnp.array([0.0, 0.01, 0.1, 1.0, 10.0])
    traj = ens.evolve(ens.thermal_state(beta0), ts, beta_bath, gamma=1.0)
    energies = jax.vmap(lambda st: ens.energy(st, "ground"))(traj)
    for t, e in zip(ts, energies, strict=True):
        print(f"  t = {float(t):6.2f}   E(t) = {float(e):.10f}")

    de = jax.grad(lambda b0: ens.steady_energy(b0, beta_bath))(beta0)
    print(f"dE_inf/dbeta0 = {float(de):.10f}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return float(e_inf), float(energies[-1])


if __name__ == "__main__":
    main()
