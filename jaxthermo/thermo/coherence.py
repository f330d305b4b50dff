"""Coherence measures in a given basis: l1-norm and relative entropy of coherence.

Both take an optional ``basis``: a unitary whose columns are the reference basis kets (default: the
computational basis). See Baumgratz, Cramer, Plenio, PRL 113, 140401 (2014).

``rho`` (shape ``(..., d, d)``) must be a state and ``basis`` unitary; both are checked at entry
(:mod:`jaxthermo.thermo._state`). The ``_unchecked`` variants are for library code that passes
states it has already checked (e.g. per collision of a long run).
"""

from __future__ import annotations

import jax.numpy as jnp

from ..quantum.linalg import dag
from ._state import check_state, check_unitary, state_shape, state_values
from .entropy import _entropy, entropy_unchecked


def _basis(basis, rho):
    if basis is None:
        return None
    u = jnp.asarray(basis)
    if u.shape != rho.shape[-2:]:
        raise ValueError(f"basis has shape {tuple(u.shape)}, expected {tuple(rho.shape[-2:])} "
                         "to match rho")
    return check_unitary(u, "basis")


def _in_basis(rho, u):
    return rho if u is None else dag(u) @ rho @ u


def _dephase(rho, u):
    """Diagonal of ``rho`` in the basis ``u`` (columns; ``None``: computational), original frame."""
    r = _in_basis(rho, u)
    diag = jnp.diagonal(r, axis1=-2, axis2=-1)
    dm = diag[..., :, None] * jnp.eye(r.shape[-1], dtype=r.dtype)
    return dm if u is None else u @ dm @ dag(u)


def _l1(rho, u=None):
    a = jnp.abs(_in_basis(rho, u))
    return jnp.sum(a, axis=(-2, -1)) - jnp.sum(jnp.diagonal(a, axis1=-2, axis2=-1), axis=-1)


def dephase(rho, basis=None):
    """The fully dephased state: the diagonal of ``rho`` in ``basis``, returned in the original frame."""
    rho = check_state(rho, "rho")
    return _dephase(rho, _basis(basis, rho))


def l1_coherence(rho, basis=None):
    """``C_l1 = sum_{i != j} |rho_ij|`` in ``basis``."""
    rho = check_state(rho, "rho")
    return _l1(rho, _basis(basis, rho))


def l1_coherence_unchecked(rho):
    """:func:`l1_coherence` in the computational basis without the state checks (internal)."""
    return _l1(jnp.asarray(rho))


def relative_entropy_of_coherence(rho, basis=None):
    """``C_rel = S(Delta(rho)) - S(rho)`` with ``Delta`` the dephasing in ``basis``.

    Positivity of ``rho`` is checked on the spectrum of ``S(rho)`` (no extra eigendecomposition).
    """
    rho = state_shape(rho, "rho")
    u = _basis(basis, rho)
    rho = state_values(rho, "rho", psd=False)[0]
    return entropy_unchecked(_dephase(rho, u)) - _entropy(rho, "rho", True)
