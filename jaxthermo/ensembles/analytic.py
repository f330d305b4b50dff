"""Closed-form steady-state thermodynamics of collective dissipation (paper 001, Secs. IV-VIII).

All functions take the static ensemble size ``(n, s)`` and dimensionless inverse temperatures
``x = hbar omega beta`` (any sign, 0 and +-inf allowed) and return energies in units of
``hbar omega``. They work on the ``nb``-vector of blocks only (never a padded state), so they run in
log-space for n = 10^5..10^6 without overflow, and they are jit/vmap/grad safe in every ``x``.

Energies use the paper's ground-state reference ``E = hbar omega (Tr J_z rho + ns)`` (Eq. 17), so
``E`` counts excitations and lies in ``[0, 2ns]``.

* ``w_J(x0) = l_J Z_J(x0) / Z_s(x0)^n``: block weights of the thermal state (Eq. 15).
* ``E_inf = sum_J w_J e_J(x_B) + ns`` (Eq. 18); ``E_th = n (e_s + s)`` (Eq. 26);
  ``E_+ = e_ns + ns`` (Eq. 25).
* ``S_inf = sum_J w_J [S_J(x_B) - ln p_J(x0)]``, ``p_J = w_J / l_J`` (Eqs. 32-35; the Shannon
  term uses ``p_J``, not ``w_J``); ``S_th = n S_s`` (Eq. 36); ``S_+ = S_ns`` (Eq. 40).
* ``Delta F = Delta E - Delta S / x_B`` relative to the initial thermal state at ``x0`` and the
  entropy production ``Sigma = Delta S - x_B Delta E`` (Eq. 44, Sec. VII).
* Otto cycle (Eqs. 47-50): ``-W = (1 - lam) [E(x_h) - E(lam x_c)]`` for collective (``E_inf``) and
  independent (``E_th``) baths.
* ``beta_l``: the positive root of ``Var_ns(x) = n Var_s(x)`` (Appendix G, Eq. G4).
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from .ladder import (
    clip_beta,
    ladder_entropy,
    ladder_excitations,
    ladder_log_partition,
    ladder_variance,
)
from .multiplicity import multiplicities

__all__ = [
    "beta_l", "energy_plus", "energy_steady", "energy_thermal", "entropy_plus", "entropy_steady",
    "entropy_thermal", "entropy_production_steady", "entropy_production_thermal",
    "free_energy_change_steady", "free_energy_change_thermal", "log_block_weights", "otto_work",
]


_jit_ns = functools.partial(jax.jit, static_argnums=(0, 1))


def _blocks(n, s):
    j, log_l = multiplicities(n, s)
    return jnp.asarray(j), jnp.asarray(log_l)


@_jit_ns
def log_block_weights(n, s, x0):
    """``(J, ln w_J(x0))``: log block weights of the thermal state at ``x0`` (normalised)."""
    j, log_l = _blocks(n, s)
    x0 = clip_beta(x0)
    lw = log_l + ladder_log_partition(j, x0)
    return j, lw - jax.scipy.special.logsumexp(lw)


def _steady_parts(n, s, x0, xb):
    j, lw = log_block_weights(n, s, x0)
    _, log_l = _blocks(n, s)
    w = jnp.exp(lw)
    return j, w, lw, log_l, clip_beta(xb)


@_jit_ns
def energy_steady(n, s, x0, xb):
    """``E_inf(x0, x_B) = sum_J w_J(x0) e_J(x_B) + ns`` (Eq. 18), units of hbar omega."""
    j, w, _, _, xb = _steady_parts(n, s, x0, xb)
    # excitations counted without cancellation: (e_J + J) + (ns - J), all terms >= 0
    return jnp.sum(w * (ladder_excitations(j, xb) + (n * s - j)))


@_jit_ns
def entropy_steady(n, s, x0, xb):
    """``S[rho_inf] = sum_J w_J [S_J(x_B) - ln p_J(x0)]`` (Eqs. 32-35), nats."""
    j, w, lw, log_l, xb = _steady_parts(n, s, x0, xb)
    return jnp.sum(w * (ladder_entropy(j, xb) + log_l - lw))


@_jit_ns
def energy_thermal(n, s, x):
    """``E_th(x) = n (e_s(x) + s)`` (Eq. 26)."""
    return n * ladder_excitations(s, x)


@_jit_ns
def entropy_thermal(n, s, x):
    """``S_th(x) = n S_s(x)`` (Eq. 36)."""
    return n * ladder_entropy(s, x)


@_jit_ns
def energy_plus(n, s, x):
    """``E_+(x) = e_ns(x) + ns``: steady energy from ``x0 = +-inf`` (Eq. 25)."""
    return ladder_excitations(n * s, x)


@_jit_ns
def entropy_plus(n, s, x):
    """``S_+(x) = S_ns(x)`` (Eq. 40)."""
    return ladder_entropy(n * s, x)


def _delta(n, s, x0, e1, s1, xb):
    de = e1 - energy_thermal(n, s, x0)
    ds = s1 - entropy_thermal(n, s, x0)
    return de, ds


@_jit_ns
def free_energy_change_steady(n, s, x0, xb):
    """``Delta F_inf = F[rho_inf] - F[rho_th(x0)]`` with ``F = E - S / x_B`` (Eq. 44), hbar omega."""
    de, ds = _delta(n, s, x0, energy_steady(n, s, x0, xb), entropy_steady(n, s, x0, xb), xb)
    return de - ds / xb


@_jit_ns
def free_energy_change_thermal(n, s, x0, xb):
    """``Delta F_th = F[rho_th(x_B)] - F[rho_th(x0)]``."""
    de, ds = _delta(n, s, x0, energy_thermal(n, s, xb), entropy_thermal(n, s, xb), xb)
    return de - ds / xb


@_jit_ns
def entropy_production_steady(n, s, x0, xb):
    """``Sigma_inf = Delta S - x_B Delta E = -x_B Delta F_inf`` (Sec. VII), nats."""
    de, ds = _delta(n, s, x0, energy_steady(n, s, x0, xb), entropy_steady(n, s, x0, xb), xb)
    return ds - clip_beta(xb) * de


@_jit_ns
def entropy_production_thermal(n, s, x0, xb):
    """``Sigma_th = Delta S - x_B Delta E`` for independent dissipation."""
    de, ds = _delta(n, s, x0, energy_thermal(n, s, xb), entropy_thermal(n, s, xb), xb)
    return ds - clip_beta(xb) * de


@_jit_ns
def otto_work(n, s, x0, xh, xc, lam):
    """``(W_coh, W_inc)`` per cycle of the Otto engine (Eqs. 49, 50); ``W < 0``: work extracted.

    Hot isochore at ``x_h``, compression ``H -> lam H``, cold isochore at ``x_c`` (seen by the
    unscaled H as ``lam x_c``); the collective engine remembers ``x0`` through ``w_J(x0)``.
    """
    y = lam * xc
    wcoh = -(1 - lam) * (energy_steady(n, s, x0, xh) - energy_steady(n, s, x0, y))
    winc = -(1 - lam) * (energy_thermal(n, s, xh) - energy_thermal(n, s, y))
    return wcoh, winc


@functools.partial(jax.jit, static_argnames=("n", "s", "iters"))
def beta_l(n, s, x_lo=1e-6, x_hi=50.0, iters=200):
    """Positive root of ``Var_ns(x) = n Var_s(x)`` (Appendix G, Eq. G4) by bisection.

    For ``x`` in ``(0, beta_l)`` ``E_th - E_+`` increases; its maximum is at ``beta_l``.
    """
    def g(x):
        return ladder_variance(n * s, x) - n * ladder_variance(s, x)

    def body(_, ab):
        a, b = ab
        c = 0.5 * (a + b)
        left = g(c) > 0  # Var_ns > n Var_s at small x
        return jnp.where(left, c, a), jnp.where(left, b, c)

    a, b = jax.lax.fori_loop(0, iters, body, (jnp.asarray(x_lo), jnp.asarray(x_hi)))
    return 0.5 * (a + b)
