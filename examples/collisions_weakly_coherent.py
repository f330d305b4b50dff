"""Paper 002: a qubit colliding with weakly coherent ancillae, its continuum limit and the
steady coherent work rate as a function of the ancilla coherence lam (up to the positivity bound).

    python examples/collisions_weakly_coherent.py [--quick]
"""

import argparse

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo import collisions as jc  # noqa: E402


def main(quick: bool):
    lam, tau, t_end = 0.5, 0.01, 5.0
    model = jc.weakly_coherent_qubit(lam, tau)          # H_S = H_A = sz/2, V = s+a- + h.c.
    h_eff, jump_ops = model.continuum_limit()          # Eqs. 6-8 of paper 002
    rho0 = jt.ket2dm(jt.basis(2, 0))
    n = int(round(t_end / tau))
    out = model.run(rho0, n, keep_every=n // 10)
    res = jt.mesolve(h_eff, rho0, jnp.linspace(0.0, t_end, 11), jump_ops)
    err = np.sum(np.abs(np.linalg.eigvalsh(np.asarray(out.states[-1] - res.states[-1]))))
    print(f"|rho_collisions({t_end}) - rho_ME({t_end})|_1 = {err:.3e} (O(tau), tau={tau})")
    rates = jc.continuum_rates(model)
    print("steady state: W_C' =", float(rates.work_coherent_rate), " Q_inc' =",
          float(rates.heat_incoherent_rate[0]), " Pi =", float(rates.entropy_production_rate))
    lo, hi = jc.admissible_lambda(model.ancillae[0].H, 1.0, jt.sigmax(), tau)
    print(f"admissible lam at tau={tau}: [{float(lo):.4f}, {float(hi):.4f}]")
    lams = jnp.linspace(0.0, hi, 5 if quick else 40)
    wc = jax.vmap(lambda x: jc.continuum_rates(jc.weakly_coherent_qubit(x, tau))
                  .work_coherent_rate)(lams)
    for x, w in zip(np.asarray(lams), np.asarray(wc), strict=True):
        print(f"  lam = {x:7.4f}   W_C,ss' = {w:.6f}")
    led = model.run(rho0, 200).ledger
    bound = led.work_coherent + led.ancilla_coherence_change
    print("per collision: min(beta W_C + dC_A) over 200 collisions =", float(bound.min()),
          "(Eq. 16, leading order in tau)")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    main(p.parse_args().quick)
