"""Operators: spin-s matrices, Pauli and ladder operators, collective spins in the full space.

Basis conventions (like QuTiP's ``jmat``): spin matrices are in the ``J_z`` eigenbasis ordered
``m = s, s-1, ..., -s``; so index 0 is "spin up". Pauli matrices follow: ``sigma_z = diag(1, -1)``,
``sigma_plus = |0><1|`` raises (|0> is up). Bosonic ``destroy(N)`` is in the Fock basis 0..N-1.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._checks import positive_int, spin_value
from .linalg import embed


def _cdtype():
    return jnp.result_type(complex)


def spin_ladder(s):
    """``(j_plus, j_minus)`` for spin ``s`` (any positive multiple of 1/2)."""
    s = spin_value(s)
    m = s - np.arange(int(round(2 * s)) + 1)  # s, s-1, ..., -s
    # <m+1| j+ |m> = sqrt(s(s+1) - m(m+1)); row index of m+1 is (index of m) - 1
    c = np.sqrt(s * (s + 1) - m[1:] * (m[1:] + 1))
    jp = np.diag(c, k=1)
    return jnp.asarray(jp, dtype=_cdtype()), jnp.asarray(jp.T, dtype=_cdtype())


def spin_ops(s):
    """``(jx, jy, jz)`` for spin ``s`` in the basis ``m = s, ..., -s`` (dimensionless, hbar = 1)."""
    s = spin_value(s)
    jp, jm = spin_ladder(s)
    jx = 0.5 * (jp + jm)
    jy = -0.5j * (jp - jm)
    jz = jnp.diag(jnp.asarray(s - np.arange(int(round(2 * s)) + 1), dtype=_cdtype()))
    return jx, jy, jz


def sigmax():
    return jnp.asarray([[0, 1], [1, 0]], dtype=_cdtype())


def sigmay():
    return jnp.asarray([[0, -1j], [1j, 0]], dtype=_cdtype())


def sigmaz():
    return jnp.asarray([[1, 0], [0, -1]], dtype=_cdtype())


def sigmap():
    """Raising operator ``|0><1|`` (|0> = spin up)."""
    return jnp.asarray([[0, 1], [0, 0]], dtype=_cdtype())


def sigmam():
    """Lowering operator ``|1><0|``."""
    return jnp.asarray([[0, 0], [1, 0]], dtype=_cdtype())


def destroy(n_levels: int):
    """Bosonic annihilation operator truncated to ``n_levels`` Fock states."""
    n_levels = positive_int(n_levels, "n_levels")
    return jnp.asarray(np.diag(np.sqrt(np.arange(1, n_levels)), k=1), dtype=_cdtype())


def create(n_levels: int):
    return destroy(n_levels).T


def number(n_levels: int):
    n_levels = positive_int(n_levels, "n_levels")
    return jnp.diag(jnp.arange(n_levels, dtype=_cdtype()))


def identity(d: int):
    return jnp.eye(positive_int(d, "d"), dtype=_cdtype())


def collective_ops(n: int, s=0.5):
    """``(Jx, Jy, Jz)`` with ``J_a = sum_k j_a^(k)`` for ``n`` spins of size ``s`` in the full
    ``(2s+1)^n`` product space (ordered like ``tensor``).

    This is the brute-force reference that the collective (total-spin) basis is tested against; it is
    dense, so keep ``(2s+1)^n`` small.
    """
    n = positive_int(n, "n")
    s = spin_value(s)
    d = int(round(2 * s)) + 1
    if d**n > 4096:
        raise ValueError(f"collective_ops: (2s+1)^n = {d**n} is too large for the dense full space")
    single = spin_ops(s)
    dims = (d,) * n
    return tuple(sum(embed(op, k, dims) for k in range(n)) for op in single)


def collective_ladder(n: int, s=0.5):
    """``(J+, J-)`` in the full product space."""
    jx, jy, _ = collective_ops(n, s)
    return jx + 1j * jy, jx - 1j * jy
