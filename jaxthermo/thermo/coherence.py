"""Coherence measures in a given basis: l1-norm and relative entropy of coherence.

Both take an optional ``basis``: a unitary whose columns are the reference basis kets (default: the
computational basis). See Baumgratz, Cramer, Plenio, PRL 113, 140401 (2014).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..quantum.linalg import dag
from .entropy import entropy


def _in_basis(rho, basis):
    rho = jnp.asarray(rho)
    if basis is None:
        return rho
    u = jnp.asarray(basis)
    if u.shape != rho.shape[-2:]:
        raise ValueError(f"basis has shape {u.shape}, expected {rho.shape[-2:]} to match rho")
    return dag(u) @ rho @ u


def dephase(rho, basis=None):
    """The fully dephased state: the diagonal of ``rho`` in ``basis``, returned in the original frame."""
    r = _in_basis(rho, basis)
    diag = jnp.diagonal(r, axis1=-2, axis2=-1)
    dm = diag[..., :, None] * jnp.eye(r.shape[-1], dtype=r.dtype)
    if basis is None:
        return dm
    u = jnp.asarray(basis)
    return u @ dm @ dag(u)


def l1_coherence(rho, basis=None):
    """``C_l1 = sum_{i != j} |rho_ij|`` in ``basis``."""
    r = _in_basis(rho, basis)
    a = jnp.abs(r)
    return jnp.sum(a, axis=(-2, -1)) - jnp.sum(jnp.abs(jnp.diagonal(r, axis1=-2, axis2=-1)), axis=-1)


def relative_entropy_of_coherence(rho, basis=None):
    """``C_rel = S(Delta(rho)) - S(rho)`` with ``Delta`` the dephasing in ``basis``."""
    return entropy(dephase(rho, basis)) - entropy(rho)
