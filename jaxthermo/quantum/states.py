"""States: basis kets, projectors, Gibbs states at any inverse temperature, random states for tests."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._checks import hermitian, positive_int
from .linalg import dag


def basis(d: int, k: int):
    """Ket ``|k>`` of a ``d``-dimensional space."""
    d = positive_int(d, "d")
    if not 0 <= int(k) < d:
        raise ValueError(f"k={k} is outside [0, {d})")
    return jnp.zeros(d, dtype=jnp.result_type(complex)).at[int(k)].set(1.0)


def ket2dm(psi):
    """``|psi><psi|`` of a ket ``psi``: a 1-D array of length ``d`` or a ``(d, 1)`` column.

    Any other shape raises ``ValueError`` naming ``psi`` (``jnp.outer`` would silently flatten a
    matrix). The ket is not normalised here.
    """
    psi = jnp.asarray(psi)
    if psi.ndim == 2 and psi.shape[1] == 1:
        psi = psi[:, 0]
    if psi.ndim != 1 or psi.shape[0] < 1:
        raise ValueError(f"psi must be a ket: a 1-D array or a (d, 1) column, got shape "
                         f"{tuple(psi.shape)}")
    return jnp.outer(psi, jnp.conj(psi))


def maximally_mixed(d: int):
    d = positive_int(d, "d")
    return jnp.eye(d, dtype=jnp.result_type(complex)) / d


def boltzmann_weights(energies, beta):
    """Normalised ``exp(-beta E) / Z`` for any real ``beta`` (negative, zero, +-inf).

    Energies are shifted by the ground (beta > 0) or top (beta < 0) level before exponentiation,
    so nothing overflows at ``beta * |E| = 800`` or at infinite ``|beta|`` (where the weight is spread
    uniformly over the ground, resp. top, degenerate level, with exact-equality degeneracy).
    """
    e = jnp.asarray(energies)
    beta = jnp.asarray(beta, dtype=e.dtype)
    ref = jnp.where(beta >= 0, jnp.min(e), jnp.max(e))
    de = e - ref  # >= 0 if beta >= 0, <= 0 if beta < 0: -beta*de <= 0 always
    logits = jnp.where(de == 0, 0.0, -beta * jnp.where(de == 0, 1.0, de))
    return jax.nn.softmax(logits)


def gibbs_state(h, beta):
    """Gibbs state ``exp(-beta H) / Tr exp(-beta H)`` for any real ``beta`` (negative allowed).

    Computed through the eigendecomposition of ``H`` with shifted energies (see
    :func:`boltzmann_weights`), so it is stable for large ``|beta|`` and differentiable in ``beta``
    and ``H``.
    """
    h = hermitian(h, "H")
    w, v = jnp.linalg.eigh(h)
    p = boltzmann_weights(w, beta)
    return (v * p[None, :]) @ dag(v)


def random_density_matrix(key, d: int, rank: int | None = None):
    """A random density matrix (Ginibre ensemble, full rank unless ``rank`` is given)."""
    d = positive_int(d, "d")
    rank = d if rank is None else positive_int(rank, "rank")
    k1, k2 = jax.random.split(key)
    g = jax.random.normal(k1, (d, rank)) + 1j * jax.random.normal(k2, (d, rank))
    rho = g @ dag(g)
    return rho / jnp.trace(rho)


def random_hermitian(key, d: int, scale: float = 1.0):
    d = positive_int(d, "d")
    k1, k2 = jax.random.split(key)
    g = jax.random.normal(k1, (d, d)) + 1j * jax.random.normal(k2, (d, d))
    return scale * 0.5 * (g + dag(g))


def random_ket(key, d: int):
    d = positive_int(d, "d")
    k1, k2 = jax.random.split(key)
    psi = jax.random.normal(k1, (d,)) + 1j * jax.random.normal(k2, (d,))
    return psi / jnp.linalg.norm(psi)
