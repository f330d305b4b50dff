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

import jax
import jax.numpy as jnp

from ..quantum.linalg import dag, ptrace, safe_log, xlogx

EIG_FLOOR = 1e-14  # eigenvalues at or below this are treated as exactly zero (kernel)


def _herm(x):
    return 0.5 * (x + dag(x))


@jax.custom_jvp
def _entropy(rho):
    p = jnp.linalg.eigvalsh(_herm(rho))
    return -jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0)))


@_entropy.defjvp
def _entropy_jvp(primals, tangents):
    (rho,), (drho,) = primals, tangents
    p, v = jnp.linalg.eigh(_herm(rho))
    s = -jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0)))
    logp = safe_log(p, EIG_FLOOR)
    dt = dag(v) @ _herm(drho) @ v
    ds = -jnp.sum(jnp.real(jnp.diagonal(dt)) * (logp + 1.0))
    return s, ds


def entropy(rho):
    """Von Neumann entropy ``S(rho) = -Tr rho ln rho`` in nats (batched over leading axes)."""
    rho = jnp.asarray(rho)
    if rho.ndim < 2 or rho.shape[-1] != rho.shape[-2]:
        raise ValueError(f"rho must be a square matrix (or a batch of them), got shape {rho.shape}")
    f = _entropy
    for _ in range(rho.ndim - 2):
        f = jax.vmap(f)
    return f(rho)


def _log_frechet(lam, v, dsigma):
    """Frechet derivative of ln at sigma = v diag(lam) v^dag in direction dsigma (support only)."""
    pos = lam > EIG_FLOOR
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


@jax.custom_jvp
def _relative_entropy(rho, sigma):
    rho, sigma = _herm(rho), _herm(sigma)
    p = jnp.linalg.eigvalsh(rho)
    lam, v = jnp.linalg.eigh(sigma)
    logs = v @ (safe_log(lam, EIG_FLOOR)[:, None] * dag(v))
    val = jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0))) - jnp.real(jnp.trace(rho @ logs))
    return jnp.where(_support_violation(rho, lam, v), jnp.inf, val)


@_relative_entropy.defjvp
def _relative_entropy_jvp(primals, tangents):
    rho, sigma = (_herm(x) for x in primals)
    drho, dsigma = (_herm(x) for x in tangents)
    p, u = jnp.linalg.eigh(rho)
    lam, v = jnp.linalg.eigh(sigma)
    logr = u @ (safe_log(p, EIG_FLOOR)[:, None] * dag(u))
    logs = v @ (safe_log(lam, EIG_FLOOR)[:, None] * dag(v))
    val = jnp.sum(xlogx(jnp.where(p > EIG_FLOOR, p, 0.0))) - jnp.real(jnp.trace(rho @ logs))
    viol = _support_violation(rho, lam, v)
    val = jnp.where(viol, jnp.inf, val)
    d = jnp.real(jnp.trace(drho @ (logr - logs))) - jnp.real(
        jnp.trace(rho @ _log_frechet(lam, v, dsigma))
    )
    return val, jnp.where(viol, jnp.nan, d)


def relative_entropy(rho, sigma):
    """``S(rho || sigma) = Tr rho (ln rho - ln sigma)`` in nats; ``+inf`` if supp rho is not in supp sigma."""
    rho, sigma = jnp.asarray(rho), jnp.asarray(sigma)
    if rho.shape[-2:] != sigma.shape[-2:]:
        raise ValueError(f"rho {rho.shape} and sigma {sigma.shape} must have the same dimension")
    f = _relative_entropy
    for _ in range(max(rho.ndim, sigma.ndim) - 2):
        f = jax.vmap(f, in_axes=(0 if rho.ndim > 2 else None, 0 if sigma.ndim > 2 else None))
    return f(rho, sigma)


def mutual_information(rho, dims, part_a, part_b=None):
    """``I(A:B) = S(rho_A) + S(rho_B) - S(rho_AB)`` for subsystem index sets ``part_a``, ``part_b``
    (``part_b`` defaults to the complement of ``part_a``)."""
    dims = tuple(dims)
    part_a = (part_a,) if isinstance(part_a, int) else tuple(part_a)
    if part_b is None:
        part_b = tuple(k for k in range(len(dims)) if k not in part_a)
    part_b = (part_b,) if isinstance(part_b, int) else tuple(part_b)
    rho_ab = ptrace(rho, dims, part_a + part_b)
    return (
        entropy(ptrace(rho, dims, part_a))
        + entropy(ptrace(rho, dims, part_b))
        - entropy(rho_ab)
    )
