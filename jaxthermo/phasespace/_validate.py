"""Per-state checks of (batches of) density matrices for the phase-space functions.

The core's :func:`jaxthermo._checks.density_matrix` checks one (d, d) state. Here the same
Hermiticity and unit-trace tests (same tolerances) are applied to every state of a
``(..., d, d)`` batch: eagerly (concrete input) a ``ValueError`` names the argument and the first
offending batch index; under tracing (``jit``, ``vmap``, ``grad``) the check is attached with
``_checks.error_if`` (the batch index cannot be formatted into a traced error message).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import HERMITIAN_TOL, TRACE_TOL, density_matrix, error_if


def _flaws(rho, tol_h: float, tol_t: float):
    """Boolean arrays over the batch: non-Hermitian, trace away from 1."""
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(rho), axis=(-2, -1)))
    herm = jnp.max(jnp.abs(rho - jnp.conj(jnp.swapaxes(rho, -1, -2))), axis=(-2, -1))
    bad_h = herm > tol_h * scale
    bad_t = jnp.abs(jnp.trace(rho, axis1=-2, axis2=-1) - 1.0) > tol_t
    return bad_h, bad_t


def density_matrices(rho, name: str = "rho", tol_h: float = HERMITIAN_TOL,
                     tol_t: float = TRACE_TOL):
    """``rho`` of shape (..., d, d), every state Hermitian with unit trace (raises otherwise)."""
    rho = jnp.asarray(rho)
    if rho.ndim == 2:
        return density_matrix(rho, name, tol=tol_h)
    if rho.shape[:-2] and 0 in rho.shape[:-2]:
        return rho
    bad_h, bad_t = _flaws(rho, tol_h, tol_t)
    if isinstance(rho, jax.core.Tracer):
        rho = error_if(rho, jnp.any(bad_h),
                           f"{name}: every state must be Hermitian (max |A - A^dag| exceeds "
                           f"{tol_h:g} x scale at some batch index)")
        return error_if(rho, jnp.any(bad_t),
                            f"{name}: every state must be of unit trace (|Tr - 1| exceeds "
                            f"{tol_t:g} at some batch index)")
    for bad, what in ((np.asarray(bad_h), f"Hermitian (max |A - A^dag| exceeds {tol_h:g} x scale)"),
                      (np.asarray(bad_t), f"of unit trace (|Tr - 1| exceeds {tol_t:g})")):
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            at = ", ".join(str(i) for i in idx)
            raise ValueError(f"{name}[{at}] (batch index {idx if len(idx) > 1 else idx[0]}) must "
                             f"be {what}")
    return rho
