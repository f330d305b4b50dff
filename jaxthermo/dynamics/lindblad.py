"""The Lindblad generator: right-hand side and superoperator.

``L(rho) = -i[H, rho] + sum_k (L_k rho L_k^dag - 1/2 {L_k^dag L_k, rho})``
(Gorini-Kossakowski-Sudarshan-Lindblad; Breuer & Petruccione, Eq. 3.63). Rates are absorbed into the
jump operators (``L_k = sqrt(gamma_k) A_k``).

The solver's right-hand side (:func:`lindblad_rhs_from_k`, for Hermitian ``rho``) is written in the
Hermiticity-preserving form ``L(rho) = X + X^dag`` with ``X = K rho + 1/2 sum_k L_k rho L_k^dag`` and
``K = -i H - 1/2 sum_k L_k^dag L_k``, which keeps ``rho`` exactly Hermitian along the integration and
costs ``1 + 2k`` matrix products. The public :func:`lindblad_rhs` and :func:`dissipator` accept any
operator and use the general form ``K rho + rho K^dag + sum_k L_k rho L_k^dag`` (``2 + 2k``
products). On CPU from d = 8 on, the products (here and in the reverse rule) are complex ones done as
real contractions (:func:`jaxthermo.quantum.linalg.complex_einsum`): XLA:CPU runs complex128
products at about a third of the real rate, and mesolve's dense forward solve became 1.55x
(d = 16) and 1.9x (d = 32) faster this way (bench_gradient's problem, one core).
Superoperators use row-major vectorisation (see ``quantum.linalg``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._checks import hermitian, operator_list
from ..quantum.linalg import complex_einsum, complex_matmul, dag, spost, spre, sprepost


def effective_hamiltonian_term(h, jump_ops):
    """``K = -i H - 1/2 sum_k L_k^dag L_k``."""
    k = -1j * h
    if jump_ops.shape[0]:
        k = k - 0.5 * jnp.einsum("kji,kjl->il", jnp.conj(jump_ops), jump_ops)
    return k


# on CPU, from this dimension on, products go through real contractions (complex_einsum); below it
# complex products are as fast (d = 4: 0.32 vs 0.30 us per product) and compile faster. Accelerators
# keep their native complex GEMMs (not measured there)
REAL_PRODUCTS_MIN_D = 8


def _products(d: int):
    """(einsum, matmul) for complex operands of dimension ``d`` (see ``REAL_PRODUCTS_MIN_D``)."""
    if d >= REAL_PRODUCTS_MIN_D and jax.default_backend() == "cpu":
        return complex_einsum, complex_matmul
    return jnp.einsum, jnp.matmul


def lindblad_rhs_from_k(k_op, jump_ops, rho):
    """Hermiticity-preserving ``L(rho)`` given ``K`` (see module docstring). Assumes a Hermitian
    ``rho``: ``X + X^dag`` equals ``L(rho)`` only then (mesolve's states are Hermitian; for any
    operator use :func:`lindblad_rhs` / :func:`general_rhs_from_k`)."""
    ein, mm = _products(rho.shape[-1])
    x = mm(k_op, rho)
    if jump_ops.shape[0]:
        m = ein("kij,jl->kil", jump_ops, rho)
        x = x + 0.5 * ein("kil,kml->im", m, jnp.conj(jump_ops))
    return x + dag(x)


@jax.custom_vjp
def lindblad_rhs_reverse(k_op, jump_ops, rho):
    """:func:`lindblad_rhs_from_k` (same values) with a hand-written reverse-mode rule whose matrix
    products are shared between the state and the operator cotangents; for reverse-mode solvers
    (mesolve uses it with ``RecursiveCheckpointAdjoint`` and ``StoredStepAdjoint``). It has no
    forward-mode rule (``jax.jvp`` raises): use :func:`lindblad_rhs_from_k` there.

    The rule (JAX's convention: the VJP of a complex-linear map is its plain transpose) for
    ``f = X + X^dag``, ``X = K rho + 1/2 sum_k L_k rho L_k^dag``, cotangent ``W``: with the Hermitian
    ``G = W + W^dag`` (cotangent of X), ``B_k = G conj(L_k)`` and
    ``rho_h = (rho + rho^dag) / 2``,

        rho_bar = K^T G + 1/2 sum_k L_k^T B_k,   K_bar = G rho^T,   L_bar_k = B_k rho_h^T,

    exact for any ``rho`` (the ``L_k`` cotangent sees only the Hermitian part of ``rho``: the two
    ``L_k`` of the sandwich contribute ``G conj(L_k) rho^T / 2`` and ``G conj(L_k) conj(rho) / 2``).
    ``2 + 3k`` products, against ``1 + 2k`` for the value; JAX's own rule recomputes the value's
    intermediates and does not share ``B_k`` (about 1.5-2x the work; tests compare the two rules).
    """
    return lindblad_rhs_from_k(k_op, jump_ops, rho)


def _rhs_reverse_fwd(k_op, jump_ops, rho):
    return lindblad_rhs_from_k(k_op, jump_ops, rho), (k_op, jump_ops, rho)


def _rhs_reverse_bwd(res, w):
    k_op, ops, rho = res
    g = w + dag(w)
    ein, _ = _products(rho.shape[-1])
    b = ein("ij,kjl->kil", g, jnp.conj(ops))
    rho_bar = ein("ji,jl->il", k_op, g) + 0.5 * ein("kji,kjl->il", ops, b)
    k_bar = ein("ij,lj->il", g, rho)
    rho_h_t = 0.5 * (jnp.swapaxes(rho, -1, -2) + jnp.conj(rho))
    l_bar = ein("kij,jl->kil", b, rho_h_t)
    return _cotangent(k_bar, k_op), _cotangent(l_bar, ops), _cotangent(rho_bar, rho)


def _cotangent(ct, primal):
    """A complex cotangent in the primal's dtype (its real part for a real primal, JAX's rule)."""
    if not jnp.iscomplexobj(primal):
        ct = jnp.real(ct)
    return ct.astype(primal.dtype)


lindblad_rhs_reverse.defvjp(_rhs_reverse_fwd, _rhs_reverse_bwd)


def general_rhs_from_k(k_op, jump_ops, rho):
    """``L(rho) = K rho + rho K^dag + sum_k L_k rho L_k^dag`` given ``K``, for any (d, d) operator
    ``rho`` (Hermitian or not: coherences such as ``|0><1|``, adjoint or eigen-operators); one matrix
    product more than :func:`lindblad_rhs_from_k` (``2 + 2k``)."""
    ein, mm = _products(rho.shape[-1])
    out = mm(k_op, rho) + mm(rho, dag(k_op))
    if jump_ops.shape[0]:
        m = ein("kij,jl->kil", jump_ops, rho)
        out = out + ein("kil,kml->im", m, jnp.conj(jump_ops))
    return out


def _operator_arg(rho, d: int | None = None):
    """``rho`` as a (d, d) array (``d`` defaults to its last dimension); other shapes raise."""
    rho = jnp.asarray(rho)
    d = (rho.shape[-1] if rho.ndim else 0) if d is None else d
    if rho.shape != (d, d):
        raise ValueError(f"rho must be a ({d}, {d}) operator, got shape {tuple(rho.shape)}")
    return rho


def dissipator(jump_ops, rho):
    """``D(rho) = sum_k (L_k rho L_k^dag - 1/2 {L_k^dag L_k, rho})`` for any (d, d) operator ``rho``
    (not only Hermitian ones; :func:`general_rhs_from_k`)."""
    rho = _operator_arg(rho)
    ops = operator_list(jump_ops, "jump_ops", rho.shape[0])
    zero_h = jnp.zeros_like(rho)
    return general_rhs_from_k(effective_hamiltonian_term(zero_h, ops), ops, rho)


def lindblad_rhs(h, jump_ops, rho):
    """``L(rho)`` for Hamiltonian ``h`` and jump operators ``jump_ops`` (list or (k, d, d) array), for
    any (d, d) operator ``rho`` (not only Hermitian ones; :func:`general_rhs_from_k`); it equals
    ``unvec(lindbladian(h, jump_ops) @ vec(rho))``."""
    h = hermitian(h, "H")
    ops = operator_list(jump_ops, "jump_ops", h.shape[0])
    rho = _operator_arg(rho, h.shape[0])
    return general_rhs_from_k(effective_hamiltonian_term(h, ops), ops, rho)


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
