"""A qubit between a hot and a cold bath: relaxation, heat currents and entropy production.

Learn the core API: build thermal jump operators with detailed balance, evolve with ``jt.mesolve``,
find the steady state with ``jt.steady_state``, and compute the heat current of each bath
(positive = into the system) and the Spohn entropy production rate (>= 0).

    python examples/qubit_two_baths.py [--quick] [--out qubit_two_baths.png]
"""

import argparse

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import jaxthermo as jt  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer time points")
    ap.add_argument("--out", default="qubit_two_baths.png")
    args = ap.parse_args(argv)

    w = 1.0
    beta_h, beta_c = 0.2, 2.0
    h = 0.5 * w * jt.sigmaz()
    l_hot = jt.thermal_jump_ops(h, jt.sigmax(), jt.ThermalBath(beta_h, gamma=0.1))
    l_cold = jt.thermal_jump_ops(h, jt.sigmax(), jt.ThermalBath(beta_c, gamma=0.1))
    ops = jnp.concatenate([l_hot, l_cold])
    baths = [(l_hot, beta_h), (l_cold, beta_c)]

    ts = jnp.linspace(0.0, 40.0, 41 if args.quick else 401)
    res = jt.mesolve(h, jt.ket2dm(jt.basis(2, 0)), ts, ops)
    currents = jax.vmap(lambda r: jt.heat_currents(h, baths, r))(res.states)
    sigma = jax.vmap(lambda r: jt.spohn_production_rate(h, baths, r))(res.states)

    rho_ss = jt.steady_state(h, ops)
    j_ss = jt.heat_currents(h, baths, rho_ss)
    print(f"steady state populations: {jnp.real(jnp.diag(rho_ss))}")
    print(f"steady heat currents (hot, cold): {j_ss}  (sum {float(j_ss.sum()):.2e})")
    print(f"steady entropy production: {float(jt.spohn_production_rate(h, baths, rho_ss)):.6e}")
    print(f"minimum entropy production along the trajectory: {float(sigma.min()):.3e} (>= 0)")

    fig, ax = plt.subplots(1, 2, figsize=(9, 3.5))
    ax[0].plot(ts, currents[:, 0], label=r"$J_h$")
    ax[0].plot(ts, currents[:, 1], label=r"$J_c$")
    ax[0].set_xlabel("t")
    ax[0].set_ylabel("heat current into the qubit")
    ax[0].legend()
    ax[1].plot(ts, sigma)
    ax[1].set_xlabel("t")
    ax[1].set_ylabel(r"entropy production rate $\sigma$")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f"figure written to {args.out}")


if __name__ == "__main__":
    main()
