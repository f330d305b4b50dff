"""Thermodynamic quantities of block states, counting multiplicities (paper 001, Secs. V-VII).

For ``rho = (+)_J w_J rho_J (x) sigma_J`` (layout in :mod:`jaxthermo.ensembles.state`):

* ``<J_z> = sum_J w_J Tr[J_z rho_J]``; energy ``omega <J_z>`` (Tr[omega J_z rho], the core's
  convention) or, with ``reference="ground"``, ``omega (<J_z> + ns)`` (paper Eq. 17).
* von Neumann entropy ``S = -sum_J w_J ln w_J + sum_J w_J [S(rho_J) + S(sigma_J)]``; for
  ``sigma_J = 1/l_J`` this is Eq. (33) with ``-ln p_J = ln l_J - ln w_J``.
* ``Tr[J+J- rho] = sum_J w_J sum_m P_J(m) a_m`` and ``Tr[J-J+ rho]`` with ``b_m``
  (``a_m = (J+m)(J-m+1)``, ``b_m = (J-m)(J+m+1)``, Eq. A1), the apparent inverse temperature
  ``x_app = ln(Tr[J-J+ rho] / Tr[J+J- rho])`` (Appendix H, Eq. H2; ``beta_app = x_app / omega``).
* free energy ``F = E - S / beta_B`` and the relative entropy to the bath's Gibbs state
  ``D(rho || rho_th(beta_B)) = -S + beta_B E + ln Z`` (its decrease is the entropy production).
All functions take one state (no time axis) and are jit/vmap/grad safe.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..quantum.linalg import xlogx
from ..thermo.entropy import entropy_unchecked as _vn_entropy  # states checked at entry
from .ladder import clip_beta, ladder_log_partition
from .state import BlockState

__all__ = ["apparent_beta_x", "block_entropy", "jz_mean", "jz2_mean", "ladder_traces",
           "log_partition_product", "state_entropy"]


@jax.jit
def jz_mean(state: BlockState):
    """``Tr[J_z rho]``."""
    return jnp.sum(state.w * jnp.sum(state.populations() * state.m, axis=-1))


@jax.jit
def jz2_mean(state: BlockState):
    """``Tr[J_z^2 rho]``."""
    return jnp.sum(state.w * jnp.sum(state.populations() * state.m**2, axis=-1))


@jax.jit
def block_entropy(state: BlockState):
    """``(nb,)`` von Neumann entropies ``S(rho_J)`` of the normalised blocks."""
    if state.diagonal:
        p = jnp.where(state.mask, state.blocks, 0.0)
        return -jnp.sum(xlogx(jnp.clip(p, 0.0, None)), axis=-1)
    return jax.vmap(_vn_entropy)(state.blocks)


@jax.jit
def state_entropy(state: BlockState):
    """Von Neumann entropy of the full state (nats), counting multiplicities."""
    w = state.w
    shannon = -jnp.sum(xlogx(jnp.clip(w, 0.0, None)))
    return shannon + jnp.sum(w * (block_entropy(state) + state.mult_entropy))


@jax.jit
def ladder_traces(state: BlockState):
    """``(Tr[J+J- rho], Tr[J-J+ rho])``."""
    j = state.j[:, None]
    m = state.m
    a = jnp.where(state.mask, (j + m) * (j - m + 1), 0.0)
    b = jnp.where(state.mask, (j - m) * (j + m + 1), 0.0)
    p = state.populations()
    return jnp.sum(state.w * jnp.sum(p * a, -1)), jnp.sum(state.w * jnp.sum(p * b, -1))


@jax.jit
def apparent_beta_x(state: BlockState):
    """``x_app = ln(Tr[J-J+ rho] / Tr[J+J- rho])`` (Eq. H2: ``T_app = hbar omega / x_app``).

    Equals ``x_B`` exactly for every steady state of the form (9) (Appendix I). Undefined (inf)
    for dark states with ``Tr[J+J- rho] = 0``.
    """
    pm, mp = ladder_traces(state)
    return jnp.log(mp) - jnp.log(pm)


def log_partition_product(n, s, x):
    """``ln Z = n ln Z_s(x)`` for ``H = omega J_z`` at ``x = omega beta`` (clipped at +-inf)."""
    return n * ladder_log_partition(s, clip_beta(x))
