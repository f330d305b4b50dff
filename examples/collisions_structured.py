"""Paper 003, Example 2: a qubit colliding with structured (two interacting TLS) thermal ancillae.

Runs the exact collision map, prints the per-collision ledger at a few collisions, the fixed point
of the channel, the steady-state ledger (W_sw = -dQ > 0, Sigma = beta W_sw) and d W_sw / d kappa.

    python examples/collisions_structured.py [--quick]
"""

import argparse

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo import collisions as jc  # noqa: E402


def main(quick: bool):
    beta, kappa = 1.0, 0.3
    model = jc.structured_example2(beta=beta, kappa=kappa, alpha=0.1, dt=0.1)
    rho0 = jt.gibbs_state(model.H_S, 1.0)
    n = 1000 if quick else 100_000
    out = model.run(rho0, n, keep_every=10 if quick else 100)
    led = out.ledger
    print(f"{n} collisions, kept {out.states.shape[0]} states")
    print(" cycle      <sz>        C_l1        dU          dQ          W_sw        Sigma")
    for i in (0, 1, 10, len(out.ledger_cycles) - 1):
        r = out.states[i]
        print(f"{int(out.ledger_cycles[i]):6d}  {float((r[0, 0] - r[1, 1]).real):+.6f}  "
              f"{float(jt.l1_coherence(r)):.3e}  {float(led.energy_change[i]):+.3e}  "
              f"{float(led.heat_into_system[i]):+.3e}  {float(led.work_switch[i]):+.3e}  "
              f"{float(led.entropy_production_003[i]):.3e}")
    print("first law residual, max:", float(jnp.max(jnp.abs(led.first_law_residual))))
    rho_ss = model.steady_state()
    ss = model.steady_state_ledger()
    print("steady state <sz> =", float((rho_ss[0, 0] - rho_ss[1, 1]).real),
          " C_l1 =", float(jt.l1_coherence(rho_ss)))
    print("steady state: W_sw =", float(ss.work_switch), " -dQ =", float(-ss.heat_into_system),
          " Sigma =", float(ss.entropy_production_003), " beta W_sw =",
          float(beta * ss.work_switch))
    grad = jax.grad(lambda k: jc.structured_example2(beta, k).steady_state_ledger(
        entropic=False).work_switch)(kappa)
    print("d W_sw,ss / d kappa =", float(grad))
    assert np.isfinite(float(grad))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    main(p.parse_args().quick)
