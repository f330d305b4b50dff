"""The Lindblad generator: right-hand side and superoperator.

``L(rho) = -i[H, rho] + sum_k (L_k rho L_k^dag - 1/2 {L_k^dag L_k, rho})``
(Gorini-Kossakowski-Sudarshan-Lindblad; Breuer & Petruccione, Eq. 3.63). Rates are absorbed into the
jump operators (``L_k = sqrt(gamma_k) A_k``).

The right-hand side is written in the Hermiticity-preserving form
``L(rho) = X + X^dag`` with ``X = K rho + 1/2 sum_k L_k rho L_k^dag`` and
``K = -i H - 1/2 sum_k L_k^dag L_k``, which keeps ``rho`` exactly Hermitian along the integration and
costs ``1 + 2k`` matrix products. Superoperators use row-major vectorisation (see ``quantum.linalg``).
"""

from __future__ import annotations

import jax.numpy as jnp

from .._checks import hermitian, operator_list
from ..quantum.linalg import dag, spost, spre, sprepost


def effective_hamiltonian_term(h, jump_ops):
    """``K = -i H - 1/2 sum_k L_k^dag L_k``."""
    k = -1j * h
    if jump_ops.shape[0]:
        k = k - 0.5 * jnp.einsum("kji,kjl->il", jnp.conj(jump_ops), jump_ops)
    return k


def lindblad_rhs_from_k(k_op, jump_ops, rho):
    """Hermiticity-preserving ``L(rho)`` given ``K`` (see module docstring)."""
    x = k_op @ rho
    if jump_ops.shape[0]:
        x = x + 0.5 * jnp.einsum("kij,jl,kml->im", jump_ops, rho, jnp.conj(jump_ops))
    return x + dag(x)


def dissipator(jump_ops, rho):
    """``D(rho) = sum_k (L_k rho L_k^dag - 1/2 {L_k^dag L_k, rho})``."""
    rho = jnp.asarray(rho)
    ops = operator_list(jump_ops, "jump_ops", rho.shape[-1])
    zero_h = jnp.zeros_like(rho)
    return lindblad_rhs_from_k(effective_hamiltonian_term(zero_h, ops), ops, rho)


def lindblad_rhs(h, jump_ops, rho):
    """``L(rho)`` for Hamiltonian ``h`` and jump operators ``jump_ops`` (list or (k, d, d) array)."""
    h = hermitian(h, "H")
    ops = operator_list(jump_ops, "jump_ops", h.shape[0])
    rho = jnp.asarray(rho)
    return lindblad_rhs_from_k(effective_hamiltonian_term(h, ops), ops, rho)


def lindbladian(h, jump_ops=None):
    """The Lindbladian as a ``(d^2, d^2)`` superoperator acting on row-major ``vec(rho)``."""
    h = hermitian(h, "H").astype(jnp.result_type(complex))
    ops = operator_list(jump_ops, "jump_ops", h.shape[0])
    k = effective_hamiltonian_term(h, ops)
    sup = spre(k) + spost(dag(k))
    for i in range(ops.shape[0]):
        sup = sup + sprepost(ops[i], dag(ops[i]))
    return sup


def hamiltonian_superop(h):
    """Superoperator of ``rho -> -i[H, rho]``."""
    h = hermitian(h, "H").astype(jnp.result_type(complex))
    return -1j * (spre(h) - spost(h))
