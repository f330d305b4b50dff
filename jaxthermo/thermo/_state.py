"""Batch-aware checks of density matrices and bases for the thermo functions.

A state ``rho`` of shape ``(..., d, d)`` (leading batch axes allowed) must be finite, Hermitian,
of unit trace and positive semidefinite. Shapes are checked at trace time (``ValueError`` naming
the argument); values through :func:`jaxthermo._checks._fail` (a plain ``ValueError`` for concrete
input, an ``error_if`` under ``jit`` / ``vmap`` / ``grad``). Every value condition is written so that
NaN fails it.

Tolerances (``x max(1, max |rho|)`` for Hermiticity and positivity, absolute for the trace) are
``1e-8``: states coming out of the ODE solvers (``mesolve`` at its default ``atol = 1e-10``, long
collision runs) carry roundoff of that order, and the errors this catches (a trace of 2, an
eigenvalue of -0.2) are many orders larger.

The checks that need eigenvalues take them as an argument (``eigs``), so that functions that
diagonalise ``rho`` anyway (:func:`jaxthermo.entropy`, :func:`jaxthermo.relative_entropy`) check
positivity on their own spectrum, with no second eigendecomposition.
"""

from __future__ import annotations

import jax.numpy as jnp

from .._checks import _fail, as_array
from ..quantum.linalg import dag

STATE_TOL = 1e-8
UNITARY_TOL = 1e-8


def state_shape(rho, name: str = "rho", dim: int | None = None, other: str = "H",
                batch: bool = True):
    """``rho`` as an array of shape ``(..., d, d)`` (``(d, d)`` when ``batch=False``) with
    ``d == dim`` if given (the error then names ``other``, the argument ``dim`` comes from)."""
    a = as_array(rho, name)
    if a.ndim < 2 or a.shape[-1] != a.shape[-2] or (not batch and a.ndim != 2):
        what = " (or a batch (..., d, d) of them)" if batch else " of shape (d, d)"
        raise ValueError(f"{name} must be a square matrix{what}, got shape {tuple(a.shape)}")
    if dim is not None and a.shape[-1] != int(dim):
        raise ValueError(
            f"{name} has shape {tuple(a.shape)}, which does not match {other} (dimension "
            f"{int(dim)})"
        )
    return a


def _scale(a):
    return jnp.maximum(1.0, jnp.max(jnp.abs(a)))


def state_values(a, name: str = "rho", eigs=None, *, psd: bool = True, tol: float = STATE_TOL):
    """Value checks of a (batch of) state(s) ``a`` (already through :func:`state_shape`).

    Finite, Hermitian, unit trace and, when ``psd``, every eigenvalue ``>= -tol x scale``. ``eigs``:
    the ascending eigenvalues of ``a`` (or of its Hermitian part) when the caller has them; else
    ``eigvalsh`` is called. Returns ``(a, eigs)`` (``eigs`` is ``None`` when ``psd=False``) with the
    checks attached to both, so use the returned arrays downstream (that keeps them alive under
    ``jit``).
    """
    checks = []
    fin = ~jnp.all(jnp.isfinite(a))
    checks.append((fin, f"{name} must be finite (it contains NaN or inf)"))
    scale = _scale(jnp.where(jnp.isfinite(a), a, 0.0))
    herm = jnp.max(jnp.abs(a - jnp.swapaxes(a, -1, -2).conj()))
    checks.append((~(herm <= tol * scale),
                   f"{name} must be Hermitian (max |{name} - {name}^dag| exceeds {tol:g} x scale)"))
    tr = jnp.trace(a, axis1=-2, axis2=-1)
    checks.append((~jnp.all(jnp.abs(tr - 1.0) <= tol),
                   f"{name} must have unit trace (|Tr {name} - 1| exceeds {tol:g})"))
    if psd:
        if eigs is None:
            eigs = jnp.linalg.eigvalsh(0.5 * (a + jnp.swapaxes(a, -1, -2).conj()))
        checks.append((~jnp.all(eigs[..., 0] >= -tol * scale),
                       f"{name} must be positive semidefinite (an eigenvalue < -{tol:g} x scale)"))
    for bad, msg in checks:
        a = _fail(a, bad, msg)
        if eigs is not None:
            eigs = _fail(eigs, bad, msg)
    return a, eigs


def check_state(rho, name: str = "rho", dim: int | None = None, other: str = "H", *,
                batch: bool = True, psd: bool = True):
    """:func:`state_shape` then :func:`state_values`; returns the checked array."""
    a = state_shape(rho, name, dim, other, batch)
    return state_values(a, name, psd=psd)[0]


def check_unitary(u, name: str = "basis", tol: float = UNITARY_TOL):
    """A square ``u`` with orthonormal columns (``max |u^dag u - 1| <= tol``; NaN fails)."""
    d = u.shape[-1]
    err = jnp.max(jnp.abs(dag(u) @ u - jnp.eye(d, dtype=u.dtype)))
    return _fail(u, ~(err <= tol), f"{name} must be unitary (columns orthonormal)")


def check_beta_nonzero(beta, name: str = "beta"):
    """A finite, nonzero inverse temperature (any sign), e.g. for ``F = E - S / beta``."""
    b = as_array(beta, name)
    bad = ~jnp.all(jnp.isfinite(b)) | jnp.any(b == 0)
    return _fail(b, bad, f"{name} must be finite and nonzero (F = E - S/{name}; infinite "
                         "temperature beta = 0 has no free energy), got a zero or non-finite value")


__all__ = ["STATE_TOL", "check_beta_nonzero", "check_state", "check_unitary", "state_shape",
           "state_values"]
