"""Closed forms of the collective vs independent spin Otto engine (paper 001, Sec. VIII, App. G).

Energies in units of ``hbar omega_h``, dimensionless ``x = hbar omega_h beta`` (any sign):

* ``E_inf(x0; x) = sum_J w_J(x0) e_J(x) + ns`` (Eq. 18) is the stationary energy of a collective
  bath at ``x`` from the thermal state at ``x0`` (block weights ``w_J = l_J p_J(x0)``);
* ``E_th(x) = n [e_s(x) + s]`` (Eq. 26);
* ``-W_coh = (1 - lambda) [E_inf(x0; x_h) - E_inf(x0; lambda x_c)]`` (Eq. 49) and
  ``-W_inc = (1 - lambda) [E_th(x_h) - E_th(lambda x_c)]`` (Eq. 50), with full thermalisation;
* with ``beta_h = 0`` and ``x0 = +inf`` the coherent advantage ``|W_coh| - |W_inc| =
  (1 - lambda)[E_th(y) - E_+(y)]``, ``y = lambda x_c``, is largest at ``y = beta_l``, the positive
  root of ``Var_ns(y) = n Var_s(y)`` (App. G, Eq. G4); for ``s = 1/2`` and large ``n``,
  ``beta_l ~ ln[(sqrt n + 1)/(sqrt n - 1)]`` and the normalised maximum is ``(1 - 1/sqrt n)^2``
  (spec seed-001 Sec. 2.6, derived there, not in the paper; corrections ``O((n+1) e^{-(n+1) beta_l})``).

The thermal-ladder functions ``e_J``, ``Var_J``, ``ln Z_J`` and the multiplicities come from
:mod:`jaxthermo.ensembles`. These closed forms are the references the dynamical
:class:`~jaxthermo.engines.OttoCycle` is tested against.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import positive_int, spin_value


def _lad():
    from ..ensembles import ladder, multiplicity

    return ladder, multiplicity


def block_weights(n, s, x0):
    """``(J, w_J(x0))``: conserved block weights of the thermal state at ``x0`` (Eq. 15)."""
    lad, mult = _lad()
    js, log_l = mult.multiplicities(positive_int(n, "n"), spin_value(s))
    logits = jnp.asarray(log_l) + lad.ladder_log_partition(jnp.asarray(js), x0)
    return js, jax.nn.softmax(logits)


def collective_energy(n, s, x0, x):
    """``E_inf(x0; x) = sum_J w_J(x0) e_J(x) + ns`` (Eq. 18; ``x0 = +-inf``: ``e_ns(x) + ns``)."""
    lad, _ = _lad()
    n, s = positive_int(n, "n"), spin_value(s)
    if not isinstance(x0, jax.core.Tracer) and np.all(np.isinf(np.asarray(x0))):
        return lad.ladder_excitations(n * s, x)
    js, w = block_weights(n, s, x0)
    js = jnp.asarray(js)
    # e_J + ns = (e_J + J) + (ns - J): excitations computed without cancellation at large x
    exc = lad.ladder_excitations(js, jnp.asarray(x)[..., None]) + (n * s - js)
    return jnp.sum(w * exc, -1)


def thermal_energy(n, s, x):
    """``E_th(x) = n [e_s(x) + s]`` (Eq. 26)."""
    lad, _ = _lad()
    s = spin_value(s)
    return positive_int(n, "n") * lad.ladder_excitations(s, x)


def otto_work_collective(n, s, x0, x_h, y, lam):
    """``W_coh = -(1 - lambda)[E_inf(x0; x_h) - E_inf(x0; y)]``, ``y = lambda x_c`` (Eq. 49)."""
    return -(1 - lam) * (collective_energy(n, s, x0, x_h) - collective_energy(n, s, x0, y))


def otto_work_independent(n, s, x_h, y, lam):
    """``W_inc = -(1 - lambda)[E_th(x_h) - E_th(y)]`` (Eq. 50)."""
    return -(1 - lam) * (thermal_energy(n, s, x_h) - thermal_energy(n, s, y))


def coherent_advantage(n, s, y, x_h=0.0, x0=math.inf):
    """``(|W_coh| - |W_inc|) / ((1 - lambda) ns)`` as in Fig. 9(a, c) (engine regime)."""
    n, s = positive_int(n, "n"), spin_value(s)
    dc = collective_energy(n, s, x0, x_h) - collective_energy(n, s, x0, y)
    di = thermal_energy(n, s, x_h) - thermal_energy(n, s, y)
    return (dc - di) / (n * s)


def beta_l_large_n(n):
    """``ln[(sqrt n + 1)/(sqrt n - 1)]``: large-n optimum for s = 1/2 (spec seed-001 Sec. 2.6)."""
    r = math.sqrt(positive_int(n, "n"))
    if r <= 1:
        raise ValueError("beta_l_large_n needs n >= 2")
    return math.log((r + 1) / (r - 1))


def beta_l_exact(n, s=0.5):
    """Positive root of ``Var_ns(y) = n Var_s(y)`` (App. G, Eq. G4): bisection then Newton (autodiff).

    This is where ``d/dy [E_th(y) - E_+(y)] = n Var_s - Var_ns`` changes sign, i.e. the maximiser
    of the coherent advantage with ``beta_h = 0`` and ``x0 = +inf``. Concrete (float) result.
    """
    lad, _ = _lad()
    n, s = positive_int(n, "n"), spin_value(s)
    if n < 2:
        raise ValueError("beta_l_exact needs n >= 2 (for n = 1 both engines coincide)")

    def f(y):
        return lad.ladder_variance(n * s, y) - n * lad.ladder_variance(s, y)

    lo, hi = 1e-8, 1.0
    while float(f(hi)) > 0:
        hi *= 2.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if float(f(mid)) > 0:
            lo = mid
        else:
            hi = mid
    y = jnp.asarray(0.5 * (lo + hi))
    df = jax.grad(f)
    for _ in range(3):
        y = y - f(y) / df(y)
    return float(y)


__all__ = [
    "beta_l_exact",
    "beta_l_large_n",
    "block_weights",
    "coherent_advantage",
    "collective_energy",
    "otto_work_collective",
    "otto_work_independent",
    "thermal_energy",
]
