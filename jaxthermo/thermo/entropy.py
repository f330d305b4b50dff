"""Von Neumann entropy, relative entropy, mutual information (natural logarithms, nats).

Both entropies are computed from ``eigh`` with ``0 ln 0 = 0`` and carry custom JVPs:

* ``dS = -Tr[drho (ln rho + 1)]`` with ``ln rho`` taken as 0 on the kernel of ``rho``. This is the
  derivative along rank-preserving directions; it is finite at pure and rank-deficient states (the
  true one-sided derivative into the kernel is infinite, and we deliberately do not return inf).
* ``d S(rho||sigma) = Tr[drho (ln rho - ln sigma)] - Tr[rho D ln sigma[dsigma]]`` with the
  Frechet derivative of the logarithm by the Daleckii-Krein formula (divided differences).

``relative_entropy`` returns ``+inf`` (not NaN) when the support of ``rho`` is not inside that of
``sigma``.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from ..quantum.linalg import dag, ptrace, safe_log, xlogx
from ._state import state_shape, state_values

EIG_FLOOR = 1e-14  # eigenvalues at or below this are treated as exactly zero (kernel)


def _herm(x):
    return 0.5 * (x + dag(x))


def _nonfinite(*arrays):
    """True if any entry is NaN or inf (``eigvalsh`` may return finite eigenvalues for a matrix
    with a NaN entry, so the input itself is tested)."""
    return jnp.any(jnp.stack([~jnp.all(jnp.isfinite(a)) for a in arrays]))


def _s_of_eigs(rho, p):
    """``-sum p ln p`` over eigenvalues ``p`` (``<= EIG_FLOOR`` counts as 0); NaN if ``rho`` or
    ``p`` holds NaN or inf (masking NaN to 0 would turn a NaN state into entropy 0)."""
    s = -jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0)), axis=-1)
    return jnp.where(_nonfinite(rho, p), jnp.nan, s)


@jax.custom_jvp
def _entropy_eigs(rho, p):
    """``S`` of one ``rho`` whose ascending eigenvalues ``p`` the caller computed (and checked)."""
    return _s_of_eigs(rho, p)


@_entropy_eigs.defjvp
def _entropy_eigs_jvp(primals, tangents):
    (rho, p0), (drho, _) = primals, tangents
    # the spectrum again, differentiably (p0 carries no derivative, and derivatives of this rule,
    # e.g. d/dx of a rate dS/dt, need dp); "+ 0 p0" keeps p0's checks alive under jit(grad)
    p, v = jnp.linalg.eigh(_herm(rho))
    p = p + 0.0 * p0
    logp = safe_log(p, EIG_FLOOR)
    dt = dag(v) @ _herm(drho) @ v
    ds = -jnp.sum(jnp.real(jnp.diagonal(dt)) * (logp + 1.0))
    return _s_of_eigs(rho, p), ds


def _vmapped(f, n_batch: int, in_axes=0):
    for _ in range(n_batch):
        f = jax.vmap(f, in_axes=in_axes)
    return f


def _spectrum(rho, name="rho", check=True):
    """``(rho, p)``: ``rho`` (shape-checked) and its ascending eigenvalues ``p`` (no derivative:
    the entropies' custom JVPs use the eigenvectors), with the state checks of :mod:`._state`
    attached to both when ``check`` (positivity on ``p``, so no second eigendecomposition)."""
    rho = state_shape(rho, name)
    p = jax.lax.stop_gradient(jnp.linalg.eigvalsh(_herm(rho)))
    if check:
        rho, p = state_values(rho, name, p)
    return rho, p


def _entropy_of(rho, p):
    """Batched entropy of ``rho`` with eigenvalues ``p`` (from :func:`_spectrum`)."""
    return _vmapped(_entropy_eigs, rho.ndim - 2)(rho, p)


def _entropy(rho, name="rho", check=True):
    """Batched entropy; with ``check`` the state checks of :mod:`._state`."""
    return _entropy_of(*_spectrum(rho, name, check))


def entropy(rho):
    """Von Neumann entropy ``S(rho) = -Tr rho ln rho`` in nats (batched over leading axes).

    ``rho`` (shape ``(..., d, d)``) must be a state: finite, Hermitian, unit trace, positive
    semidefinite (tolerances in :mod:`jaxthermo.thermo._state`; ``ValueError`` naming ``rho``, an
    ``error_if`` under ``jit``). Positivity is checked on the eigenvalues the entropy uses.
    """
    return _entropy(rho, "rho", True)


def entropy_unchecked(rho):
    """:func:`entropy` without the value checks (library-internal: per-step or per-block calls on
    states that are already checked, or weighted blocks that may be zero). NaN propagates."""
    return _entropy(rho, "rho", False)


def log_frechet(lam, v, dsigma, floor=EIG_FLOOR):
    """Frechet derivative of ln at sigma = v diag(lam) v^dag in direction dsigma, on the support
    ``lam > floor`` (divided differences ``(ln l_i - ln l_j)/(l_i - l_j)``, ``1/l_i`` for equal or
    nearly equal eigenvalues: exact for degenerate spectra, where differentiating ``eigh`` is not)."""
    pos = lam > floor
    safe = jnp.where(pos, lam, 1.0)
    ll = jnp.log(safe)
    dl = lam[:, None] - lam[None, :]
    close = jnp.abs(dl) <= 1e-12 * jnp.maximum(1.0, jnp.abs(lam[:, None]))
    gamma = jnp.where(close, 1.0 / safe[:, None], (ll[:, None] - ll[None, :]) / jnp.where(close, 1.0, dl))
    gamma = jnp.where(pos[:, None] & pos[None, :], gamma, 0.0)
    return v @ (gamma * (dag(v) @ dsigma @ v)) @ dag(v)


def _support_violation(rho, sigma_lam, sigma_v, tol=1e-12):
    ker = jnp.where(sigma_lam <= EIG_FLOOR, 1.0, 0.0)
    rt = dag(sigma_v) @ rho @ sigma_v
    return jnp.sum(ker * jnp.real(jnp.diagonal(rt))) > tol


def _rel_value(rho, p, lam, v):
    logs = v @ (safe_log(lam, EIG_FLOOR)[:, None] * dag(v))
    val = jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0))) - jnp.real(jnp.trace(rho @ logs))
    val = jnp.where(_support_violation(rho, lam, v), jnp.inf, val)
    return val, logs


@jax.custom_jvp
def _relative_entropy_eigs(rho, sigma, p, lam, v):
    """``S(rho||sigma)`` of one pair; ``p`` = eigenvalues of rho, ``(lam, v)`` = eigh(sigma)."""
    val = _rel_value(_herm(rho), p, lam, v)[0]
    return jnp.where(_nonfinite(rho, sigma, p, lam), jnp.nan, val)


@_relative_entropy_eigs.defjvp
def _relative_entropy_eigs_jvp(primals, tangents):
    rho, sigma, p0, lam0, _ = primals
    drho, dsigma = (_herm(x) for x in tangents[:2])
    rho = _herm(rho)
    # spectra again, differentiably (see _entropy_eigs_jvp); "+ 0 x" keeps the checks alive
    p, u = jnp.linalg.eigh(rho)
    lam, v = jnp.linalg.eigh(_herm(sigma))
    p, lam = p + 0.0 * p0, lam + 0.0 * lam0
    logr = u @ (safe_log(p, EIG_FLOOR)[:, None] * dag(u))
    val, logs = _rel_value(rho, p, lam, v)
    val = jnp.where(_nonfinite(rho, sigma, p, lam), jnp.nan, val)
    viol = _support_violation(rho, lam, v)
    d = jnp.real(jnp.trace(drho @ (logr - logs))) - jnp.real(
        jnp.trace(rho @ log_frechet(lam, v, dsigma))
    )
    return val, jnp.where(viol, jnp.nan, d)


def _relative_entropy(rho, sigma, check=True):
    rho = state_shape(rho, "rho")
    sigma = state_shape(sigma, "sigma")
    if rho.shape[-1] != sigma.shape[-1]:
        raise ValueError(f"rho {tuple(rho.shape)} and sigma {tuple(sigma.shape)} must have the "
                         "same dimension")
    if rho.ndim > 2 and sigma.ndim > 2 and rho.shape[:-2] != sigma.shape[:-2]:
        raise ValueError(f"rho {tuple(rho.shape)} and sigma {tuple(sigma.shape)}: batch axes differ")
    p = jax.lax.stop_gradient(jnp.linalg.eigvalsh(_herm(rho)))
    lam, v = jax.lax.stop_gradient(jnp.linalg.eigh(_herm(sigma)))
    if check:
        rho, p = state_values(rho, "rho", p)
        sigma, lam = state_values(sigma, "sigma", lam)
    ar, asg = (0 if rho.ndim > 2 else None), (0 if sigma.ndim > 2 else None)
    f = _vmapped(_relative_entropy_eigs, max(rho.ndim, sigma.ndim) - 2,
                 in_axes=(ar, asg, ar, asg, asg))
    return f(rho, sigma, p, lam, v)


def relative_entropy(rho, sigma):
    """``S(rho || sigma) = Tr rho (ln rho - ln sigma)`` in nats; ``+inf`` if supp rho is not in supp sigma.

    Both arguments must be states (shape ``(..., d, d)``, the same batch axes or none; finite,
    Hermitian, unit trace, positive semidefinite: a ``ValueError`` names ``rho`` or ``sigma``);
    positivity is checked on the spectra the function computes anyway.
    """
    return _relative_entropy(rho, sigma, True)


def relative_entropy_unchecked(rho, sigma):
    """:func:`relative_entropy` without the value checks (library-internal)."""
    return _relative_entropy(rho, sigma, False)


def mutual_information(rho, dims, part_a, part_b=None):
    """``I(A:B) = S(rho_A) + S(rho_B) - S(rho_AB)`` for subsystem index sets ``part_a``, ``part_b``
    (``part_b`` defaults to the complement of ``part_a``). ``rho`` must be a state of dimension
    ``prod(dims)`` (checked as in :func:`entropy`)."""
    dims = tuple(int(x) for x in dims)
    part_a = (part_a,) if isinstance(part_a, int) else tuple(part_a)
    if part_b is None:
        part_b = tuple(k for k in range(len(dims)) if k not in part_a)
    part_b = (part_b,) if isinstance(part_b, int) else tuple(part_b)
    rho = state_shape(rho, "rho", math.prod(dims), f"dims={dims} (product)", batch=False)
    covers = sorted(part_a + part_b) == list(range(len(dims)))
    # rho_AB has the spectrum of rho when A and B cover every subsystem: its entropy's eigenvalues
    # then carry the positivity check; otherwise rho is diagonalised once for it
    rho = state_values(rho, "rho", psd=not covers)[0]
    rho_ab = ptrace(rho, dims, part_a + part_b)
    return (
        entropy_unchecked(ptrace(rho, dims, part_a))
        + entropy_unchecked(ptrace(rho, dims, part_b))
        - _entropy(rho_ab, "rho", covers)
    )
