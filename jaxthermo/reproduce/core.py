"""Core reproductions: textbook results the whole library stands on.

1. A qubit ``H = (w/2) sigma_z`` coupled through ``sigma_x`` to a bath with the fermi rate
   convention relaxes as ``<sigma_z>(t) = z_inf + (z0 - z_inf) exp(-gamma t)`` with
   ``z_inf = -tanh(beta w / 2)`` (Breuer & Petruccione, Sec. 3.4.6; ``G(w) + G(-w) = gamma``).
2. ``n = 2..4`` spins-1/2, ``H = w J_z``, one collective bath through ``J_x``: the steady state
   reached from a thermal state at ``beta0`` is not the Gibbs state at the bath temperature (paper
   001, Sec. III; paper 000, Sec. IV A); long-time ``mesolve`` equals ``stationary_projection``.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .. import (
    ThermalBath,
    basis,
    collective_ops,
    energy,
    gibbs_state,
    ket2dm,
    mesolve,
    sigmax,
    sigmaz,
    stationary_projection,
    steady_state,
    thermal_jump_ops,
)
from .registry import reproduction


@reproduction(paper="core", name="qubit_relaxation")
def qubit_relaxation(ctx):
    """A qubit relaxing to its Gibbs state against the closed form."""
    import matplotlib.pyplot as plt

    w, beta, gamma = 1.0, 0.7, 0.5
    h = 0.5 * w * sigmaz()
    ops = thermal_jump_ops(h, sigmax(), ThermalBath(beta, gamma))
    ts = jnp.linspace(0.0, 12.0, 61)
    res = mesolve(h, ket2dm(basis(2, 0)), ts, ops, exp_ops=[sigmaz()])
    z = np.real(np.asarray(res.expects[0]))
    z_inf = -np.tanh(beta * w / 2)
    closed = z_inf + (1.0 - z_inf) * np.exp(-gamma * np.asarray(ts))
    ctx.check("<sigma_z>(t) vs closed form, max error", 0.0, np.max(np.abs(z - closed)), atol=1e-7)
    rho_ss = steady_state(h, ops)
    ctx.check("steady state = Gibbs(beta)", 0.0,
              float(jnp.max(jnp.abs(rho_ss - gibbs_state(h, beta)))), atol=1e-12)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ts, z, "o", ms=3, label="mesolve")
    ax.plot(ts, closed, "-", label="closed form")
    ax.set_xlabel(r"$\gamma t$")
    ax.set_ylabel(r"$\langle\sigma_z\rangle$")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.figure_path("qubit_relaxation.png"), dpi=120)
    plt.close(fig)


@reproduction(paper="core", name="collective_not_gibbs")
def collective_not_gibbs(ctx):
    """n = 2..4 spins-1/2 under collective dissipation reach a non-Gibbs steady state."""
    w, beta_bath, beta0, gamma = 1.0, 1.0, 2.0, 1.0
    for n in (2, 3, 4):
        jx, _, jz = collective_ops(n, 0.5)
        h = w * jz
        ops = thermal_jump_ops(h, jx, ThermalBath(beta_bath, gamma))
        rho0 = gibbs_state(h, beta0)
        rho_proj = stationary_projection(h, ops, rho0)
        t_end = 60.0
        res = mesolve(h, rho0, jnp.array([0.0, t_end]), ops)
        rho_t = res.states[-1]
        e_proj = float(energy(h, rho_proj))
        e_th = float(energy(h, gibbs_state(h, beta_bath)))
        ctx.check(f"n={n}: long-time mesolve = stationary_projection", 0.0,
                  float(jnp.max(jnp.abs(rho_t - rho_proj))), atol=1e-7)
        ctx.check_true(f"n={n}: E_inf differs from thermal energy", abs(e_proj - e_th) > 1e-3,
                       detail=f"E_inf={e_proj:.6f}, E_th={e_th:.6f}", expected="|diff| > 1e-3",
                       got=abs(e_proj - e_th))
        ctx.record(f"n{n}/E_inf", e_proj)
        ctx.record(f"n{n}/E_th", e_th)
