"""Per-state checks of (batches of) density matrices for the phase-space functions.

The core's :func:`jaxthermo._checks.density_matrix` checks one (d, d) state. Here the same
finiteness, Hermiticity and unit-trace tests (same tolerances), and positivity (smallest eigenvalue
``>= -PSD_TOL x scale``, ``scale = max(1, max |rho_ij|)``), are applied to every state of a
``(..., d, d)`` batch: eagerly (concrete input) a ``ValueError`` names the argument and the first
offending batch index; under tracing (``jit``, ``vmap``, ``grad``) the checks are attached with
``_checks.error_if`` (the batch index cannot be formatted into a traced error message). Every test
is written so that NaN and inf fail it. The positivity test runs ``eigvalsh`` on the states (on a
``stop_gradient`` copy: the check adds nothing to derivatives); it is an entry-point check on
user input, not part of the grid integrals.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import HERMITIAN_TOL, TRACE_TOL, density_matrix, error_if, positive_int

PSD_TOL = 1e-10  # smallest eigenvalue allowed: -PSD_TOL x max(1, max |rho_ij|)


def _flaws(rho, tol_h: float, tol_t: float):
    """Boolean arrays over the batch: non-finite, non-Hermitian, trace away from 1 (NaN fails)."""
    fin = ~jnp.all(jnp.isfinite(rho), axis=(-2, -1))
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(rho), axis=(-2, -1)))
    herm = jnp.max(jnp.abs(rho - jnp.conj(jnp.swapaxes(rho, -1, -2))), axis=(-2, -1))
    bad_h = ~(herm <= tol_h * scale)
    bad_t = ~(jnp.abs(jnp.trace(rho, axis1=-2, axis2=-1) - 1.0) <= tol_t)
    return fin, bad_h, bad_t


def not_psd(rho, tol: float = PSD_TOL):
    """Boolean over the batch: the smallest eigenvalue of the (Hermitian part of the) state lies
    below ``-tol x max(1, max |rho_ij|)`` (or is NaN)."""
    r = jax.lax.stop_gradient(rho)
    r = 0.5 * (r + jnp.conj(jnp.swapaxes(r, -1, -2)))
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(r), axis=(-2, -1)))
    lam_min = jnp.linalg.eigvalsh(r)[..., 0]
    return ~(lam_min >= -tol * scale)


def _not_psd_np(rho, tol: float = PSD_TOL):
    """:func:`not_psd` for concrete input, in numpy (no JAX dispatch on the eager path)."""
    r = np.asarray(rho)
    r = 0.5 * (r + np.conj(np.swapaxes(r, -1, -2)))
    scale = np.maximum(1.0, np.max(np.abs(r), axis=(-2, -1)))
    return ~(np.linalg.eigvalsh(r)[..., 0] >= -tol * scale)


def _psd_msg(name: str, tol: float) -> str:
    return (f"{name} must be positive semidefinite (an eigenvalue < -{tol:g} x max(1, max|{name}|)); "
            "a density matrix has non-negative eigenvalues")


def density_matrices(rho, name: str = "rho", tol_h: float = HERMITIAN_TOL,
                     tol_t: float = TRACE_TOL, psd: bool = True, tol_psd: float = PSD_TOL):
    """``rho`` of shape (..., d, d), every state finite, Hermitian, of unit trace and (``psd``)
    positive semidefinite; raises otherwise (naming ``name[i]`` for a batch when eager)."""
    rho = jnp.asarray(rho)
    if rho.ndim == 2:
        rho = density_matrix(rho, name, tol=tol_h)
        if psd:
            if isinstance(rho, jax.core.Tracer):
                return error_if(rho, not_psd(rho, tol_psd), _psd_msg(name, tol_psd))
            if bool(_not_psd_np(rho, tol_psd)):
                raise ValueError(_psd_msg(name, tol_psd))
        return rho
    if rho.shape[:-2] and 0 in rho.shape[:-2]:
        return rho
    fin, bad_h, bad_t = _flaws(rho, tol_h, tol_t)
    if isinstance(rho, jax.core.Tracer) or isinstance(bad_h, jax.core.Tracer):
        rho = error_if(rho, jnp.any(fin), f"{name}: every state must be finite (NaN or inf at "
                                          "some batch index)")
        rho = error_if(rho, jnp.any(bad_h),
                       f"{name}: every state must be Hermitian (max |A - A^dag| exceeds "
                       f"{tol_h:g} x scale at some batch index)")
        rho = error_if(rho, jnp.any(bad_t),
                       f"{name}: every state must be of unit trace (|Tr - 1| exceeds "
                       f"{tol_t:g} at some batch index)")
        if psd:
            rho = error_if(rho, jnp.any(not_psd(rho, tol_psd)),
                           f"{name}: every state must be positive semidefinite (an eigenvalue < "
                           f"-{tol_psd:g} x scale at some batch index)")
        return rho
    checks = [(fin, "finite (it contains NaN or inf)"),
              (bad_h, f"Hermitian (max |A - A^dag| exceeds {tol_h:g} x scale)"),
              (bad_t, f"of unit trace (|Tr - 1| exceeds {tol_t:g})")]
    for bad, what in checks:
        _raise_at(np.asarray(bad), name, what)
    if psd:
        _raise_at(_not_psd_np(rho, tol_psd), name,
                  f"positive semidefinite (an eigenvalue < -{tol_psd:g} x scale)")
    return rho


def _raise_at(bad, name: str, what: str):
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        at = ", ".join(str(i) for i in idx)
        raise ValueError(f"{name}[{at}] (batch index {idx if len(idx) > 1 else idx[0]}) must "
                         f"be {what}")


def chunking(chunk_nodes, batch_size):
    """``chunk_nodes`` and ``batch_size``: ``None`` or a positive integer (raises naming them)."""
    cn = None if chunk_nodes is None else positive_int(chunk_nodes, "chunk_nodes")
    bs = None if batch_size is None else positive_int(batch_size, "batch_size")
    return cn, bs
