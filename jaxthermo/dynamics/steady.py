"""Steady states of a Lindbladian by a trace-constrained linear solve, and the stationary projection.

``steady_state(H, jump_ops)`` solves ``L vec(rho) = 0`` with one row replaced by the trace condition
``Tr rho = 1`` (a standard bordering of the singular system), with lineax's LU. The solve is
differentiable (implicit differentiation through the linear solve), so gradients of steady-state
expectations with respect to bath parameters are exact.

When the kernel of ``L`` has dimension > 1 (e.g. collective dissipation of n >= 2 spins: total
spin is conserved) there is no unique steady state: ``steady_state`` raises and names
:func:`stationary_projection`, which maps a given initial state to its long-time limit
``P rho0``, with ``P = N (M^dag N)^{-1} M^dag`` built from the right (N) and left (M) kernels of
``L`` (the spectral projector on eigenvalue 0; for a Lindbladian 0 is semisimple, so this is the
Cesaro limit of ``exp(t L)``).
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import lineax as lx
import numpy as np

from .._checks import (
    _fail,
    _is_concrete,
    density_matrix,
    finite,
    hermitian,
    operator_list,
    positive_semidefinite,
)
from ..quantum.linalg import unvec, vec
from .lindblad import lindbladian

NULL_TOL = 1e-9


class NonUniqueSteadyStateError(ValueError):
    """The Lindbladian has a stationary manifold of dimension > 1."""


def kernel_dimension(lv, tol: float = NULL_TOL, name: str = "the superoperator") -> int:
    """Numerical dimension of the kernel of a concrete superoperator (singular values below tol x max);
    ValueError if it holds NaN or inf."""
    lv = np.asarray(lv)
    if not np.all(np.isfinite(lv)):
        raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    s = np.linalg.svd(lv, compute_uv=False)
    return int(np.sum(s <= tol * max(1.0, s[0])))


def kernel_state(gen, *, what: str = "Lindbladian", check_unique: bool = True,
                 tol: float = NULL_TOL, resid_tol: float = 1e-8, hint: str | None = None):
    """Unit-trace ``rho`` with ``gen @ vec(rho) = 0`` for a singular (d^2, d^2) superoperator.

    The bordered system (one row replaced by the trace condition) is solved with lineax's LU, so
    the result is differentiable by implicit differentiation. Used for Lindbladians
    (:func:`steady_state`) and for fixed points of channels (``gen = Phi - 1``, collisions).
    """
    d = math.isqrt(gen.shape[0])
    if hint is None:
        hint = ("Use jt.stationary_projection(H, jump_ops, rho0) to get the long-time limit of a "
                "given initial state.")
    if check_unique and _is_concrete(gen):
        k = kernel_dimension(gen, tol, name=f"the {what}")
        if k > 1:
            raise NonUniqueSteadyStateError(
                f"the {what} has a {k}-dimensional stationary manifold: the steady state is "
                "not unique (it depends on the initial state; e.g. collective dissipation conserves "
                f"total spin). {hint}"
            )
    a = gen.at[0, :].set(vec(jnp.eye(d, dtype=gen.dtype)))
    b = jnp.zeros(d * d, dtype=gen.dtype).at[0].set(1.0)
    sol = lx.linear_solve(lx.MatrixLinearOperator(a), b, solver=lx.LU(), throw=False)
    rho = unvec(sol.value, d)
    rho = 0.5 * (rho + rho.conj().T)
    resid = jnp.max(jnp.abs(gen @ vec(rho)))
    bad = ~jnp.all(jnp.isfinite(rho)) | (resid > resid_tol * jnp.maximum(1.0, jnp.max(jnp.abs(gen))))
    return _fail(
        rho,
        bad,
        f"steady state: the bordered {what} system is singular (non-unique steady state?). {hint}",
    )


def _lindbladian(H, jump_ops):
    """``lindbladian`` of a checked (finite Hermitian) ``H`` and finite ``jump_ops``."""
    h = hermitian(H, "H")
    ops = finite(operator_list(jump_ops, "jump_ops", h.shape[0]), "jump_ops")
    return lindbladian(h, ops)


def steady_state(H, jump_ops, *, check_unique: bool = True, tol: float = NULL_TOL):
    """The unique steady state of ``L = -i[H, .] + sum_k D[L_k]`` (differentiable).

    Raises :class:`NonUniqueSteadyStateError` when the stationary manifold has dimension > 1 (checked
    eagerly when ``H`` and ``jump_ops`` are concrete; under ``jit`` a singular bordered system is
    reported by ``eqx.error_if``). Use :func:`stationary_projection` with an initial state then.
    ``H`` and ``jump_ops`` must be finite (NaN or inf raise a ValueError naming them).
    """
    lv = _lindbladian(H, jump_ops)
    return kernel_state(lv, what="Lindbladian", check_unique=check_unique, tol=tol, resid_tol=1e-6)


def stationary_projector(H, jump_ops, *, tol: float = NULL_TOL):
    """The projector ``P`` (d^2 x d^2) onto the kernel of ``L`` along its range."""
    lv = _lindbladian(H, jump_ops)
    u, s, vh = jnp.linalg.svd(lv)
    smax = jnp.maximum(1.0, s[0])
    null = s <= tol * smax  # singular values are sorted descending: the kernel is at the end
    # right kernel: rows of vh with small s; left kernel: columns of u with small s
    n_mat = jnp.conj(vh.T) * null[None, :]
    m_mat = u * null[None, :]
    g = jnp.conj(m_mat.T) @ n_mat + jnp.diag(jnp.where(null, 0.0, 1.0))
    return n_mat @ jnp.linalg.solve(g, jnp.conj(m_mat.T))


def stationary_projection(H, jump_ops, rho0, *, tol: float = NULL_TOL):
    """Long-time limit of ``rho0`` (a density matrix: Hermitian, unit trace, positive semidefinite)
    under ``L`` (the projection onto the stationary manifold).

    Works whether or not the steady state is unique; for collective dissipation it keeps the
    conserved block weights and the coherences between degenerate copies of each block.
    """
    h = hermitian(H, "H")
    rho0 = density_matrix(rho0, "rho0", dim=h.shape[0]).astype(jnp.result_type(complex))
    rho0 = positive_semidefinite(rho0, "rho0")
    p = stationary_projector(h, jump_ops, tol=tol)
    rho = unvec(p @ vec(rho0), h.shape[0])
    return 0.5 * (rho + rho.conj().T)


__all__ = [
    "NonUniqueSteadyStateError",
    "kernel_dimension",
    "kernel_state",
    "stationary_projection",
    "stationary_projector",
    "steady_state",
]
