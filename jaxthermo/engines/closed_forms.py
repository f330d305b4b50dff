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
* free energy per cycle (Eqs. 53-54), ``Delta F_cyc = (1/x_c - 1/x_h){S(x_h) - S(lambda x_c)}``
  with the collective stationary entropy ``S[rho_inf(x0; x)]`` (Eqs. 32-35) or the thermal one
  ``S_th = n S_s`` (Eq. 36), reproduced as written (spec Sec. 2.6: Eq. 53 equals the sum of the two
  isochoric free-energy changes plus W, i.e. it leaves the work term out); "effective
  amplification" ``|Delta F_coh| > |Delta F_inc|`` (Eq. 55), and the Fig. 10 crossing ``x*`` where
  ``S_+(x) - S_+(0) = S_th(x) - S_th(0)`` (condition 55 holds when ``x_h`` and ``lambda x_c`` lie in
  ``(0, x*)``, ``x0 = +inf``).

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


def _entropies():
    from ..ensembles import analytic

    return analytic


def collective_entropy(n, s, x0, x):
    """``S[rho_inf(x0; x)] = sum_J w_J [S_J(x) - ln p_J(x0)]`` (Eqs. 32-35), nats (broadcasts
    over ``x0`` and ``x``)."""
    n, s, an = positive_int(n, "n"), spin_value(s), _entropies()
    return jnp.vectorize(lambda a, b: an.entropy_steady(n, s, a, b))(x0, x)


def thermal_entropy(n, s, x):
    """``S[rho_th(x)] = n S_s(x)`` (Eq. 36), nats."""
    return _entropies().entropy_thermal(positive_int(n, "n"), spin_value(s), x)


def _cycle_prefactor(x_h, x_c):
    """``1/x_c - 1/x_h`` (temperatures in units of hbar omega_h / k_B; ``1/inf = 0``)."""
    return 1.0 / jnp.asarray(x_c, dtype=float) - 1.0 / jnp.asarray(x_h, dtype=float)


def free_energy_per_cycle_collective(n, s, x0, x_h, x_c, lam):
    """``Delta F_cyc^coh = (1/x_c - 1/x_h){S[rho_inf(x0; x_h)] - S[rho_inf(x0; lambda x_c)]}``
    (paper 001, Eq. 53, as written; ``<= 0`` in the engine regime ``0 < x_h <= lambda x_c``)."""
    ds = collective_entropy(n, s, x0, x_h) - collective_entropy(n, s, x0, lam * x_c)
    return _cycle_prefactor(x_h, x_c) * ds


def free_energy_per_cycle_independent(n, s, x_h, x_c, lam):
    """``Delta F_cyc^inc = (1/x_c - 1/x_h){S[rho_th(x_h)] - S[rho_th(lambda x_c)]}`` (Eq. 54)."""
    ds = thermal_entropy(n, s, x_h) - thermal_entropy(n, s, lam * x_c)
    return _cycle_prefactor(x_h, x_c) * ds


def effective_amplification(n, s, x0, x_h, x_c, lam):
    """Eq. 55: ``|Delta F_cyc^coh| > |Delta F_cyc^inc|`` (the combined action of the two collective
    baths is amplified although each one alone is mitigated). Boolean array."""
    return jnp.abs(free_energy_per_cycle_collective(n, s, x0, x_h, x_c, lam)) > jnp.abs(
        free_energy_per_cycle_independent(n, s, x_h, x_c, lam))


def entropy_crossing(n, s=0.5):
    """``x* > 0`` where ``S_+(x) - S_+(0) = S_th(x) - S_th(0)`` (paper 001, Fig. 10; ``x0 = +inf``).

    For ``0 < x < x*`` the collective curve lies below the independent one (``S_+`` falls faster:
    ``Var_ns(0) > n Var_s(0)``). Condition (55) reads ``D(x_h) > D(lambda x_c)`` with
    ``D = S_+ - S_th``; it holds for a hot bath near ``x = 0`` and any ``lambda x_c`` in ``(0, x*)``
    (the paper's "both in the region" is sufficient only when ``D(x_h) > D(lambda x_c)`` there).
    Bisection on a bracket then Newton (autodiff); concrete (float) result.
    """
    n, s = positive_int(n, "n"), spin_value(s)
    if n < 2:
        raise ValueError("entropy_crossing needs n >= 2 (for n = 1 both curves coincide)")
    inf = math.inf

    @jax.jit
    def g(x):
        return (collective_entropy(n, s, inf, x) - collective_entropy(n, s, inf, 0.0)
                - thermal_entropy(n, s, x) + thermal_entropy(n, s, 0.0))

    lo, hi = 1e-6, 1.0
    if float(g(lo)) >= 0:
        raise ValueError(f"no crossing: S_+ does not start below S_th for n={n}, s={s}")
    while float(g(hi)) < 0:
        hi *= 2.0
        if hi > 1e4:
            raise ValueError(f"no crossing found below x = 1e4 for n={n}, s={s}")
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        if float(g(mid)) < 0:
            lo = mid
        else:
            hi = mid
    x = jnp.asarray(0.5 * (lo + hi))
    dg = jax.jit(jax.grad(g))
    for _ in range(4):
        x = x - g(x) / dg(x)
    return float(x)


__all__ = [
    "beta_l_exact",
    "collective_entropy",
    "effective_amplification",
    "entropy_crossing",
    "free_energy_per_cycle_collective",
    "free_energy_per_cycle_independent",
    "thermal_entropy",
    "beta_l_large_n",
    "block_weights",
    "coherent_advantage",
    "collective_energy",
    "otto_work_collective",
    "otto_work_independent",
    "thermal_energy",
]
