"""Entropy production rate of a system coupled to several thermal baths (Spohn).

``sigma = dS/dt - sum_k beta_k J_k >= 0`` with ``J_k = Tr[H D_k(rho)]`` the heat current into the
system from bath k (H. Spohn, J. Math. Phys. 19, 1227 (1978); Spohn & Lebowitz, Adv. Chem. Phys. 38,
109 (1978)). Non-negativity holds for dissipators that each leave their own Gibbs state invariant
(detailed balance), at any sign of beta_k. ``dS/dt = -Tr[L(rho) ln rho]`` is evaluated as the
directional derivative of the entropy along ``L(rho)``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._checks import hermitian, operator_list
from ..dynamics.lindblad import dissipator, lindblad_rhs
from .entropy import entropy


def entropy_rate(H, jump_ops, rho):
    """``dS/dt`` at ``rho`` under the Lindbladian (H, jump_ops)."""
    drho = lindblad_rhs(H, jump_ops, rho)
    rho = jnp.asarray(rho).astype(drho.dtype)
    return jax.jvp(entropy, (rho,), (drho,))[1]


def heat_currents(H, baths, rho):
    """Heat currents ``J_k = Tr[H D_k(rho)]`` into the system, for ``baths = [(jump_ops_k, beta_k), ...]``.
    """
    h = hermitian(H, "H")
    out = []
    for ops, _beta in baths:
        ops = operator_list(ops, "jump_ops", h.shape[0])
        out.append(jnp.real(jnp.trace(h @ dissipator(ops, rho))))
    return jnp.stack(out)


def spohn_production_rate(H, baths, rho):
    """``sigma = dS/dt - sum_k beta_k J_k`` for ``baths = [(jump_ops_k, beta_k), ...]``.

    ``H`` is the Hamiltonian the dissipators were built from (their detailed balance refers to it).
    """
    h = hermitian(H, "H")
    all_ops = jnp.concatenate([operator_list(o, "jump_ops", h.shape[0]) for o, _ in baths], axis=0)
    js = heat_currents(h, baths, rho)
    betas = jnp.stack([jnp.asarray(b, dtype=js.dtype) for _, b in baths])
    return entropy_rate(h, all_ops, rho) - jnp.sum(betas * js)
