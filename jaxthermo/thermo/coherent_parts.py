"""Vertical coherence ``C_v``, horizontal coherence ``C_h`` and population distance ``D_th``.

Paper 000 (Latune, Sinayskiy, Petruccione), Sec. II, Eqs. (3)-(4) and the table of spec seed-000
Sec. 2. For a state ``rho``, a Hamiltonian ``H`` and a bath inverse temperature ``beta``:

* ``C_v  = S(rho_BD) - S(rho) = S(rho || rho_BD)``     relative entropy of vertical coherence
* ``C_h  = S(rho_D) - S(rho_BD) = S(rho_BD || rho_D)``  relative entropy of horizontal coherence
* ``D_th = S(rho_D || rho_th(beta))``                  distance of the populations to Gibbs

with ``rho_BD``, ``rho_D`` the block / full dephasings of :mod:`jaxthermo.thermo.dephasing`.
They add up to ``C_v + C_h + D_th = S(rho || rho_th(beta))`` exactly (the "total"), whose time
derivative is minus the Spohn entropy production rate. ``C_v``, the total and ``C_h + D_th`` do not
depend on the choice of eigenbasis inside degenerate eigenspaces; ``C_h`` and ``D_th`` do (the
paper uses the product basis for spin ensembles; it is the default computational basis here).

All entropies are evaluated in the energy frame (entropies are unitarily invariant): ``S(rho)`` and
``S(rho_BD)`` through the core's :func:`jaxthermo.entropy` (custom JVP, finite at rank-deficient and
degenerate spectra), ``S(rho_D)`` and ``D_th`` from the diagonal only, with ``0 ln 0 = 0`` and
``ln rho_th`` from a log-sum-exp (stable for any finite ``beta``, negative included).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from ..quantum.linalg import xlogx
from ._state import check_beta_nonzero, check_state
from .dephasing import DEGENERACY_TOL, block_mask, to_energy_frame
from .entropy import _entropy, entropy_unchecked


class CoherenceParts(eqx.Module):
    """The three parts of ``S(rho || rho_th)`` (paper 000, Eq. 3), plus the entropies behind them.

    ``population = D_th``, ``vertical = C_v``, ``horizontal = C_h``; ``s``, ``s_bd``, ``s_d`` are
    ``S(rho)``, ``S(rho_BD)``, ``S(rho_D)``; ``energy = Tr rho H``. Fields may carry leading batch
    axes (e.g. along a trajectory).
    """

    population: jax.Array
    vertical: jax.Array
    horizontal: jax.Array
    s: jax.Array
    s_bd: jax.Array
    s_d: jax.Array
    energy: jax.Array

    @property
    def total(self):
        """``C_v + C_h + D_th = S(rho || rho_th(beta))``."""
        return self.population + self.vertical + self.horizontal

    @property
    def coherence(self):
        """``C_v + C_h = S(rho_D) - S(rho)``: relative entropy of coherence (Baumgratz et al.)."""
        return self.vertical + self.horizontal


def log_gibbs_weights(energies, beta):
    """``ln p_i`` of the Gibbs weights ``p_i = exp(-beta e_i)/Z`` (finite ``beta`` of any sign)."""
    e = jnp.asarray(energies)
    beta = jnp.asarray(beta, dtype=e.dtype)
    x = -beta * e
    return x - jax.scipy.special.logsumexp(x)


def _parts_in_frame(r, e, beta, degeneracy_tol, s=None):
    m = block_mask(e, degeneracy_tol)
    s = _entropy(r, "rho", True) if s is None else s  # checks positivity of rho on its spectrum
    s_bd = entropy_unchecked(jnp.where(m, r, 0.0))
    p = jnp.real(jnp.diagonal(r))
    s_d = -jnp.sum(xlogx(p))
    logq = log_gibbs_weights(e, beta)
    d_th = -s_d - jnp.sum(jnp.where(p > 0, p, 0.0) * logq)
    en = jnp.sum(p * e)
    return CoherenceParts(d_th, s_bd - s, s_d - s_bd, s, s_bd, s_d, en)


def coherence_parts(rho, H, beta=1.0, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``C_v``, ``C_h`` and ``D_th`` of ``rho`` (paper 000, Sec. II) as a :class:`CoherenceParts`.

    Parameters
    ----------
    rho : (d, d) density matrix.
    H : (d, d) Hermitian Hamiltonian (degenerate levels grouped with ``degeneracy_tol``).
    beta : inverse temperature of the reference Gibbs state ``rho_th(beta)`` (any finite sign).
    basis : the eigenbasis of ``H`` for ``rho_D``: ``None`` (computational/product basis; ``H``
        must be diagonal there), ``"eigh"``, or a unitary of eigenvectors (columns).

    Jit-, vmap- and grad-compatible in ``rho``, ``beta`` (and ``H`` / ``basis`` as long as the
    grouping of levels does not change). ``rho`` must be a state (finite, Hermitian, unit trace,
    positive semidefinite; a ``ValueError`` names it).
    """
    rho = jnp.asarray(rho)
    if rho.ndim != 2:
        raise ValueError(f"rho must be one (d, d) matrix (vmap for batches), got {rho.shape}")
    rho = check_state(rho, "rho", _dim(H), psd=False)
    r, e = to_energy_frame(rho, H, basis)
    return _parts_in_frame(r, e, beta, degeneracy_tol)


def vertical_coherence(rho, H, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``C_v = S(rho_BD) - S(rho)`` (basis independent; ``rho`` checked as in
    :func:`coherence_parts`)."""
    rho = check_state(rho, "rho", _dim(H), psd=False)
    r, e = to_energy_frame(rho, H, "eigh")
    return entropy_unchecked(jnp.where(block_mask(e, degeneracy_tol), r, 0.0)) - _entropy(r)


def horizontal_coherence(rho, H, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``C_h = S(rho_D) - S(rho_BD)`` in the chosen eigenbasis."""
    return coherence_parts(rho, H, 0.0, basis, degeneracy_tol=degeneracy_tol).horizontal


def population_distance(rho, H, beta=1.0, basis=None):
    """``D_th = S(rho_D || rho_th(beta))`` (only the diagonal in the chosen basis is used;
    ``rho`` must be a state, batches allowed)."""
    r, e = to_energy_frame(check_state(rho, "rho", _dim(H)), H, basis)
    p = jnp.real(jnp.diagonal(r))
    return jnp.sum(xlogx(p)) - jnp.sum(jnp.where(p > 0, p, 0.0) * log_gibbs_weights(e, beta))


def diagonal_free_energy(rho, H, beta=1.0, basis=None):
    """``F_D = E - S(rho_D)/beta`` (spec seed-000 Sec. 2); ``D_th = beta (F_D - F_eq)``.

    ``rho`` must be a state and ``beta`` finite and nonzero (``ValueError`` naming them)."""
    beta = check_beta_nonzero(beta, "beta")
    r, e = to_energy_frame(check_state(rho, "rho", _dim(H), batch=False), H, basis)
    p = jnp.real(jnp.diagonal(r))
    return jnp.sum(p * e) + jnp.sum(xlogx(p)) / beta.astype(e.dtype)


def parts_along(states, H, beta=1.0, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """:class:`CoherenceParts` with a leading time axis for ``states`` of shape ``(T, d, d)``
    (e.g. ``mesolve(...).states``)."""
    states = jnp.asarray(states)
    if states.ndim != 3:
        raise ValueError(f"states must have shape (T, d, d), got {tuple(states.shape)}")
    states = check_state(states, "states", _dim(H), psd=False)
    r, e = to_energy_frame(states, H, basis)
    # S(rho) of the whole batch outside vmap: its spectrum carries the positivity check, which then
    # raises a plain ValueError for concrete input (a check inside vmap would not)
    s = _entropy(r, "states", True)
    return jax.vmap(lambda x, sx: _parts_in_frame(x, e, beta, degeneracy_tol, sx))(r, s)


def _dim(H):
    """Dimension of ``H`` for the shape check of ``rho`` (``None`` if ``H`` is not 2-D: the H
    check then reports it)."""
    return jnp.shape(H)[-1] if jnp.ndim(H) == 2 else None


__all__ = [
    "CoherenceParts",
    "coherence_parts",
    "diagonal_free_energy",
    "horizontal_coherence",
    "log_gibbs_weights",
    "parts_along",
    "population_distance",
    "vertical_coherence",
]
