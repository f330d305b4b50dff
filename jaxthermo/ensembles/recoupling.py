"""Wigner 3j and 6j symbols (angular-momentum coupling and recoupling), in log-space.

Racah's closed forms (A. R. Edmonds, *Angular Momentum in Quantum Mechanics*, Eqs. 3.7.3 and
6.3.7; the same conventions as ``sympy.physics.wigner``):

    (j1 j2 j3; m1 m2 m3) = delta_{m1+m2+m3,0} (-1)^{j1-j2-m3} Delta(j1 j2 j3)
        sqrt[(j1+m1)!(j1-m1)!(j2+m2)!(j2-m2)!(j3+m3)!(j3-m3)!]
        sum_t (-1)^t / [t! (j3-j2+t+m1)! (j3-j1+t-m2)! (j1+j2-j3-t)! (j1-t-m1)! (j2-t+m2)!],

    {a b c; d e f} = Delta(abc) Delta(aef) Delta(dbf) Delta(dec)
        sum_t (-1)^t (t+1)! / [(t-a-b-c)! (t-a-e-f)! (t-d-b-f)! (t-d-e-c)!
                               (a+b+d+e-t)! (a+c+d+f-t)! (b+c+e+f-t)!],

with ``Delta(abc) = sqrt[(a+b-c)!(a-b+c)!(-a+b+c)!/(a+b+c+1)!]``. Every factorial is taken as
``exp(lgamma)`` relative to the largest term of the alternating sum, so the symbols stay finite
for angular momenta of thousands (the sums here have at most ``min(...) + 1`` terms, small when
one of the spins is small, which is how the ensemble code uses them). NumPy (static data for
jit-compiled code), vectorised over the magnetic numbers of the 3j symbol.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

__all__ = ["wigner_3j", "wigner_6j"]


def _is_int(x):
    return np.abs(x - np.round(x)) < 1e-9


def _log_delta(a, b, c):
    return 0.5 * (gammaln(a + b - c + 1) + gammaln(a - b + c + 1) + gammaln(-a + b + c + 1)
                  - gammaln(a + b + c + 2))


def _triangle(a, b, c):
    return (_is_int(a + b + c) & (c >= np.abs(a - b) - 1e-9) & (c <= a + b + 1e-9))


def _signed_log_sum(logs, signs, valid):
    """``sum signs * exp(logs)`` over the last axis (entries with ``valid`` False ignored)."""
    top = np.max(np.where(valid, logs, -np.inf), axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    terms = np.where(valid, signs * np.exp(np.where(valid, logs, 0.0) - top), 0.0)
    return np.sum(terms, axis=-1), top[..., 0]


def wigner_3j(j1, j2, j3, m1, m2, m3):
    """Wigner 3j symbol; arguments broadcast (float arrays of integers and half-integers)."""
    j1, j2, j3, m1, m2, m3 = np.broadcast_arrays(*(np.asarray(x, float)
                                                    for x in (j1, j2, j3, m1, m2, m3)))
    ok = (_triangle(j1, j2, j3) & (np.abs(m1 + m2 + m3) < 1e-9)
          & (np.abs(m1) <= j1 + 1e-9) & (np.abs(m2) <= j2 + 1e-9) & (np.abs(m3) <= j3 + 1e-9)
          & _is_int(j1 + m1) & _is_int(j2 + m2) & _is_int(j3 + m3))
    # clamp arguments of invalid entries so that lgamma stays finite; masked at the end
    j1c, j2c, j3c = (np.where(ok, x, 0.0) for x in (j1, j2, j3))
    m1c, m2c, m3c = (np.where(ok, x, 0.0) for x in (m1, m2, m3))
    tmin = np.maximum.reduce([np.zeros_like(j1c), j2c - j3c - m1c, j1c - j3c + m2c])
    tmax = np.minimum.reduce([j1c + j2c - j3c, j1c - m1c, j2c + m2c])
    nt = int(np.max(np.round(tmax - tmin), initial=0)) + 1
    t = np.round(tmin)[..., None] + np.arange(nt)
    valid = (t <= np.round(tmax)[..., None] + 0.5) & ok[..., None]

    def e(x):
        return x[..., None]
    logs = -(gammaln(t + 1) + gammaln(e(j3c - j2c + m1c) + t + 1) + gammaln(e(j3c - j1c - m2c) + t + 1)
             + gammaln(e(j1c + j2c - j3c) - t + 1) + gammaln(e(j1c - m1c) - t + 1)
             + gammaln(e(j2c + m2c) - t + 1))
    signs = np.where(np.round(t) % 2 == 0, 1.0, -1.0)
    total, top = _signed_log_sum(np.where(valid, logs, 0.0), signs, valid)
    pref = (_log_delta(j1c, j2c, j3c)
            + 0.5 * (gammaln(j1c + m1c + 1) + gammaln(j1c - m1c + 1) + gammaln(j2c + m2c + 1)
                     + gammaln(j2c - m2c + 1) + gammaln(j3c + m3c + 1) + gammaln(j3c - m3c + 1)))
    phase = np.where(np.round(j1c - j2c - m3c) % 2 == 0, 1.0, -1.0)
    return np.where(ok, phase * total * np.exp(pref + top), 0.0)


def wigner_6j(a, b, c, d, e, f):
    """Wigner 6j symbol ``{a b c; d e f}``; arguments broadcast."""
    a, b, c, d, e, f = np.broadcast_arrays(*(np.asarray(x, float) for x in (a, b, c, d, e, f)))
    ok = _triangle(a, b, c) & _triangle(a, e, f) & _triangle(d, b, f) & _triangle(d, e, c)
    a, b, c, d, e, f = (np.where(ok, x, 0.0) for x in (a, b, c, d, e, f))
    tmin = np.maximum.reduce([a + b + c, a + e + f, d + b + f, d + e + c])
    tmax = np.minimum.reduce([a + b + d + e, a + c + d + f, b + c + e + f])
    nt = int(np.max(np.round(tmax - tmin), initial=0)) + 1
    t = np.round(tmin)[..., None] + np.arange(nt)
    valid = (t <= np.round(tmax)[..., None] + 0.5) & ok[..., None]

    def x(v):
        return v[..., None]
    logs = (gammaln(t + 2) - gammaln(t - x(a + b + c) + 1) - gammaln(t - x(a + e + f) + 1)
            - gammaln(t - x(d + b + f) + 1) - gammaln(t - x(d + e + c) + 1)
            - gammaln(x(a + b + d + e) - t + 1) - gammaln(x(a + c + d + f) - t + 1)
            - gammaln(x(b + c + e + f) - t + 1))
    signs = np.where(np.round(t) % 2 == 0, 1.0, -1.0)
    total, top = _signed_log_sum(np.where(valid, logs, 0.0), signs, valid)
    pref = _log_delta(a, b, c) + _log_delta(a, e, f) + _log_delta(d, b, f) + _log_delta(d, e, c)
    return np.where(ok, total * np.exp(pref + top), 0.0)
