"""Total-spin decomposition of n spins of size s: block values J and multiplicities l_J.

Paper 001 (Latune, Sinayskiy, Petruccione, PRR 1, 033192 (2019)), Eq. (6):
``H_s^{(x)n} = (+)_J H_J (x) C^{l_J}`` for ``J = J0, J0+1, ..., ns``.

* ``J0 = 0`` if ``2ns`` is even and ``1/2`` otherwise. The paper's Sec. III rule ("J0 = 0 if
  s >= 1") is wrong for half-integer ``s >= 3/2`` with odd ``n`` (spec seed-001, erratum X1); we
  follow the spec.
* ``I_m`` (dimension of the ``J_z = m`` eigenspace) is the coefficient of ``q^(ns-m)`` in
  ``(1 + q + ... + q^(2s))^n`` and ``l_J = I_J - I_(J+1)`` (exact for every s; spec Sec. 1.4).
  The coefficients are computed with exact Python integers by the J.C.P. Miller recurrence for
  powers of a polynomial, ``a_k = (1/k) sum_{j=1}^{min(k,2s)} ((n+1) j - k) a_(k-j)``, so no
  cancellation error enters ``I_J - I_(J+1)``; the log is taken of the exact integer.
* ``s = 1/2`` uses the closed form of Eq. (21), ``l_J = (2J+1) n! / ((n/2+J+1)! (n/2-J)!)``,
  in log-space with ``lgamma`` (any n; n = 10^6 takes milliseconds).

Results are NumPy arrays (static structure, computed once per ``(n, s)`` and cached); ``log_l``
never overflows (``l_J`` overflows float64 near n = 1030 for s = 1/2).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .._checks import positive_int, spin_value

__all__ = ["block_j_values", "jz_degeneracies_exact", "multiplicities", "multiplicities_exact"]

# above this many (coefficients x 2s) the exact integer recurrence gets slow; s = 1/2 never uses it
_EXACT_WORK_LIMIT = 5_000_000


def _n2s(n, s):
    n = positive_int(n, "n")
    s = spin_value(s)
    return n, s, int(round(2 * s))


def block_j_values(n, s) -> np.ndarray:
    """The total-spin values ``J = J0, ..., ns`` (ascending, float) of ``n`` spins ``s``."""
    n, s, two_s = _n2s(n, s)
    two_ns = n * two_s
    if n == 1:
        return np.array([s])  # a single spin is one block; for n >= 2 every J0..ns occurs
    j0 = 0.5 * (two_ns % 2)  # spec erratum X1
    return np.arange(j0, two_ns / 2 + 0.25, 1.0)


@functools.lru_cache(maxsize=64)
def _miller_coeffs(n: int, two_s: int, kmax: int) -> tuple:
    """Exact coefficients a_0..a_kmax of (1 + q + ... + q^(2s))^n (Python ints)."""
    a = [1] * 1
    for k in range(1, kmax + 1):
        acc = 0
        for j in range(1, min(k, two_s) + 1):
            acc += ((n + 1) * j - k) * a[k - j]
        q, r = divmod(acc, k)
        assert r == 0
        a.append(q)
    return tuple(a)


def jz_degeneracies_exact(n, s) -> dict:
    """``{m: I_m}`` for ``m >= 0`` (exact integers), ``I_m = dim{J_z = m}``."""
    n, s, two_s = _n2s(n, s)
    two_ns = n * two_s
    kmax = two_ns // 2  # k = ns - m with m >= 0 (or 1/2)
    if (kmax + 1) * two_s > _EXACT_WORK_LIMIT:
        raise ValueError(f"n={n}, s={s}: exact Jz degeneracies too expensive; use multiplicities()")
    a = _miller_coeffs(n, two_s, kmax)
    return {two_ns / 2 - k: a[k] for k in range(kmax + 1)}


@functools.lru_cache(maxsize=64)
def _exact(n: int, two_s: int) -> tuple:
    im = jz_degeneracies_exact(n, two_s / 2)
    js = block_j_values(n, two_s / 2)
    return tuple(im[j] - im.get(j + 1, 0) for j in js)


def multiplicities_exact(n, s) -> tuple[np.ndarray, list]:
    """``(J, l_J)`` with ``l_J`` as exact Python integers (J ascending)."""
    n, s, two_s = _n2s(n, s)
    return block_j_values(n, s), list(_exact(n, two_s))


@functools.lru_cache(maxsize=64)
def _log_mult(n: int, two_s: int) -> np.ndarray:
    js = block_j_values(n, two_s / 2)
    if two_s == 1:
        h = n / 2
        from scipy.special import gammaln as lg

        return np.log(2 * js + 1) + lg(n + 1.0) - lg(h + js + 2.0) - lg(h - js + 1.0)
    return np.array([math.log(v) for v in _exact(n, two_s)])


def multiplicities(n, s) -> tuple[np.ndarray, np.ndarray]:
    """``(J, log l_J)`` as float64 NumPy arrays, J ascending from J0 to ns.

    ``log l_J`` is finite for any n (log-space; exact integers underneath for s > 1/2, the
    closed form of Eq. (21) for s = 1/2). Use :func:`multiplicities_exact` for integers.
    """
    n, s, two_s = _n2s(n, s)
    if two_s > 1 and (n * two_s // 2 + 1) * two_s > _EXACT_WORK_LIMIT:
        raise ValueError(
            f"multiplicities: n={n}, s={s} is beyond the exact-integer range for s > 1/2 "
            f"(n*s*2s must stay below {_EXACT_WORK_LIMIT}); s = 1/2 works for any n"
        )
    return block_j_values(n, s), _log_mult(n, two_s).copy()
