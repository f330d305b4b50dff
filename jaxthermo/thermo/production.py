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
from ._state import check_state, state_shape
from .entropy import _entropy_of, _spectrum


def _entropy_rate(h, ops, rho):
    """``dS/dt`` by a JVP of the (checked) entropy: positivity of ``rho`` is checked on its
    spectrum, the other state checks on ``rho`` itself."""
    drho = lindblad_rhs(h, ops, rho)
    rho, p = _spectrum(rho.astype(drho.dtype), "rho", True)  # checked outside the JVP (eager error)
    return jax.jvp(lambda r: _entropy_of(r, p), (rho,), (drho,))[1]


def entropy_rate(H, jump_ops, rho):
    """``dS/dt`` at ``rho`` under the Lindbladian (H, jump_ops).

    ``rho`` must be a ``(d, d)`` state with ``d`` the dimension of ``H`` (finite, Hermitian, unit
    trace, positive semidefinite; a ``ValueError`` names ``rho``).
    """
    h = hermitian(H, "H")
    ops = operator_list(jump_ops, "jump_ops", h.shape[0])
    return _entropy_rate(h, ops, state_shape(rho, "rho", h.shape[0], batch=False))


def _heat_currents(h, baths, rho):
    out = []
    for ops, _beta in baths:
        ops = operator_list(ops, "jump_ops", h.shape[0])
        out.append(jnp.real(jnp.trace(h @ dissipator(ops, rho))))
    return jnp.stack(out)


def heat_currents(H, baths, rho):
    """Heat currents ``J_k = Tr[H D_k(rho)]`` into the system, for ``baths = [(jump_ops_k, beta_k), ...]``.

    ``rho`` must be a ``(d, d)`` state of the dimension of ``H`` (checked as in :func:`entropy_rate`).
    """
    h = hermitian(H, "H")
    return _heat_currents(h, baths, check_state(rho, "rho", h.shape[0], batch=False))


def spohn_production_rate(H, baths, rho):
    """``sigma = dS/dt - sum_k beta_k J_k`` for ``baths = [(jump_ops_k, beta_k), ...]``.

    ``H`` is the Hamiltonian the dissipators were built from (their detailed balance refers to it).
    ``rho`` must be a ``(d, d)`` state of the dimension of ``H`` (checked as in
    :func:`entropy_rate`, positivity on the spectrum of the entropy).
    """
    h = hermitian(H, "H")
    rho = state_shape(rho, "rho", h.shape[0], batch=False)
    all_ops = jnp.concatenate([operator_list(o, "jump_ops", h.shape[0]) for o, _ in baths], axis=0)
    js = _heat_currents(h, baths, rho)
    betas = jnp.stack([jnp.asarray(b, dtype=js.dtype) for _, b in baths])
    return _entropy_rate(h, all_ops, rho) - jnp.sum(betas * js)
