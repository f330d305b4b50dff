"""Closed-form thermal ladder of one total-spin block J (paper 001, Eqs. 8, 19, 34; spec Sec. 2.1).

For ``x = hbar omega beta`` (any real value, including 0 and +-inf) and weights ``e^{-x m}`` on
``m = -J..J``:

* ``ln Z_J(x) = ln[sinh((2J+1)x/2) / sinh(x/2)]``,
* ``e_J(x) = <m> = -d ln Z_J / dx = phi(x) - (2J+1) phi((2J+1)x)`` with the odd, smooth
  ``phi(y) = coth(y/2)/2 - 1/y`` (this is Eq. 19 with the ``1/x`` poles cancelled analytically),
* ``S_J(x) = ln Z_J(x) + x e_J(x)`` (Eq. 34) and ``Var_J(x) = -d e_J/dx``.

Everything is evaluated without cancellation (the naive Eq. 19 loses all digits by x ~ 37,
spec Sec. 2.1): series near ``x = 0`` (so second derivatives at 0 are right) and the
``k = m + J`` form with ``e^{-|x| k}`` for ``|x| >= 1``. Infinite ``x`` is clipped to +-1e200,
which gives the exact limits (ground or fully inverted ladder) with zero gradient.
All functions broadcast over ``J`` and ``x`` and are jit/vmap/grad safe.
"""

from __future__ import annotations

import jax.numpy as jnp

__all__ = ["clip_beta", "ladder_energy", "ladder_entropy", "ladder_excitations", "ladder_log_partition",
           "ladder_populations", "ladder_variance"]

XMAX = 1e200
_SMALL = 0.1


def clip_beta(x):
    """Map +-inf to +-1e200 (exact limits downstream, finite arithmetic, zero gradient)."""
    x = jnp.asarray(x, dtype=jnp.result_type(float))
    return jnp.clip(x, -XMAX, XMAX)


def _phi(y):
    """coth(y/2)/2 - 1/y (odd, smooth, phi(0) = 0)."""
    small = jnp.abs(y) < _SMALL
    ys = jnp.where(small, 1.0, y)
    big = 0.5 / jnp.tanh(0.5 * ys) - 1.0 / ys
    y = jnp.where(small, y, 0.0)
    y2 = y * y
    ser = y * (1 / 12 - y2 * (1 / 720 - y2 * (1 / 30240 - y2 * (1 / 1209600 - y2 / 47900160))))
    return jnp.where(small, ser, big)


def _dphi(y):
    """phi'(y) = 1/y^2 - 1/(4 sinh^2(y/2))."""
    small = jnp.abs(y) < _SMALL
    ys = jnp.where(small, 1.0, y)
    big = 1.0 / ys**2 - 0.25 / jnp.sinh(0.5 * jnp.clip(ys, -1400.0, 1400.0)) ** 2
    y = jnp.where(small, y, 0.0)
    y2 = y * y
    ser = 1 / 12 - y2 * (1 / 240 - y2 * (1 / 6048 - y2 * (1 / 172800 - y2 / 5322240)))
    return jnp.where(small, ser, big)


def _psi(y):
    """ln(sinh(y/2)/(y/2)) (even, smooth)."""
    small = jnp.abs(y) < _SMALL
    a = jnp.abs(jnp.where(small, 1.0, y))
    big = 0.5 * a + jnp.log(-jnp.expm1(-a)) - jnp.log(a)
    y = jnp.where(small, y, 0.0)
    y2 = y * y
    ser = y2 * (1 / 24 - y2 * (1 / 2880 - y2 * (1 / 181440 - y2 / 9676800)))
    return jnp.where(small, ser, big)


def _u_over_expm1(u):
    """u / (e^u - 1) for u >= 0, = 1 at 0, -> 0 at infinity."""
    small = u < 1e-8
    huge = u > 700.0
    us = jnp.where(small | huge, 1.0, u)
    return jnp.where(small, 1.0 - 0.5 * u, jnp.where(huge, 0.0, us / jnp.expm1(us)))


def _split(j, x):
    x = clip_beta(x)
    j = jnp.asarray(j, dtype=x.dtype)
    near = jnp.abs(x) < 1.0
    xn = jnp.where(near, x, 0.5)  # safe argument for the near-zero branch
    a = jnp.abs(jnp.where(near, 1.0, x))  # safe argument (>= 1) for the far branch
    return j, x, near, xn, a, 2 * j + 1


def _log_geom(L, a):
    """ln sum_{k=0}^{L-1} e^{-a k} for a >= 1 (clamped at 700: exact to double precision)."""
    ac = jnp.minimum(a, 700.0)
    return jnp.log(-jnp.expm1(-L * ac)) - jnp.log(-jnp.expm1(-ac))


def ladder_log_partition(j, x):
    """``ln Z_J(x)``, ``Z_J = sum_{m=-J}^{J} e^{-x m}`` (Eq. 8). Even in x."""
    j, x, near, xn, a, L = _split(j, x)
    v_near = _psi(L * xn) - _psi(xn) + jnp.log(L)
    v_far = j * a + _log_geom(L, a)
    return jnp.where(near, v_near, v_far)


def ladder_energy(j, x):
    """``e_J(x) = <J_z>`` of the thermal ladder (Eq. 19), odd in x, in ``[-J, J]``."""
    j, x, *_ = _split(j, x)
    L = 2 * j + 1
    return _phi(x) - L * _phi(L * x)


def ladder_excitations(j, x):
    """``e_J(x) + J = <m + J>`` (excitations above the block's ground state), in ``[0, 2J]``.

    Computed as ``1/(e^a - 1) - (2J+1)/(e^{(2J+1)a} - 1)`` (``a = |x| >= 1``) without the
    cancellation of ``e_J + J`` at large x (``E_+`` at x = 30 would otherwise lose all digits).
    """
    j, x, near, xn, a, L = _split(j, x)
    ac = jnp.minimum(a, 700.0)
    k_far = 1.0 / jnp.expm1(ac) - L / jnp.expm1(jnp.minimum(L * ac, 700.0))
    v_far = jnp.where(x > 0, k_far, 2 * j - k_far)
    v_near = _phi(xn) - L * _phi(L * xn) + j
    return jnp.where(near, v_near, v_far)


def ladder_variance(j, x):
    """``Var_J(x) = <J_z^2> - <J_z>^2 = -d e_J/dx`` (even in x)."""
    j, x, *_ = _split(j, x)
    L = 2 * j + 1
    return L * L * _dphi(L * x) - _dphi(x)


def ladder_entropy(j, x):
    """``S_J(x) = ln Z_J(x) + x e_J(x)`` (Eq. 34), von Neumann entropy of the ladder, even in x."""
    j, x, near, xn, a, L = _split(j, x)
    v_near = _psi(L * xn) - _psi(xn) + jnp.log(L) + xn * (_phi(xn) - L * _phi(L * xn))
    ac = jnp.minimum(a, 700.0)
    v_far = _log_geom(L, a) + _u_over_expm1(ac) - _u_over_expm1(L * ac)
    return jnp.where(near, v_near, v_far)


def ladder_populations(j, x, m):
    """Thermal populations ``e^{-x m}/Z_J`` on the grid ``m`` (zero where ``|m| > J``).

    ``m`` is the padded m grid (``ns, ns-1, ..., -ns``); ``j`` may carry leading batch axes that
    broadcast against ``m``'s last axis (use ``j[..., None]``).
    """
    x = clip_beta(x)
    j = jnp.asarray(j, dtype=x.dtype)
    mask = jnp.abs(m) <= j + 1e-9
    logits = jnp.where(mask, -x * m - jnp.abs(x) * j, -jnp.inf)
    logits = logits - jnp.max(logits, axis=-1, keepdims=True)
    w = jnp.where(mask, jnp.exp(logits), 0.0)
    return w / jnp.sum(w, axis=-1, keepdims=True)
