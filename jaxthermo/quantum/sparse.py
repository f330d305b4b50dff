"""Sparse-diagonal (DIA) operators: ``A = sum_k diag_k`` placed on offset ``k`` diagonals.

Many operators of open-system physics have few nonzero diagonals in their natural basis: ``J_z``
(one), the collective ladder operators ``J_+-`` of n spins in the product basis (n diagonals,
offsets ``+-(2s+1)^j``), bosonic ladders (one). ``A @ X`` then costs ``O(n_diag d^2)`` instead of
``O(d^3)``. The offsets are static (found from a concrete matrix); the diagonal values are an array,
so they may be traced (scaled by a traced rate, differentiated).

Storage: ``diags[k, i] = A[i, i + offsets[k]]`` (zero where ``i + offset`` is out of range).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


class DiaOperator(eqx.Module):
    """A (d, d) operator in sparse-diagonal layout (see module docstring)."""

    offsets: tuple = eqx.field(static=True)
    diags: jax.Array

    @property
    def shape(self):
        d = self.diags.shape[-1]
        return (d, d)

    def matmul(self, x):
        """``A @ X`` for a dense ``X`` of shape (d, m)."""
        d = self.diags.shape[-1]
        out = jnp.zeros(x.shape, dtype=jnp.result_type(self.diags.dtype, x.dtype))
        for k, off in enumerate(self.offsets):
            dk = self.diags[k]
            if off == 0:
                out = out + dk[:, None] * x
            elif off > 0:
                out = out.at[: d - off].add(dk[: d - off, None] * x[off:])
            else:
                out = out.at[-off:].add(dk[-off:, None] * x[: d + off])
        return out

    def rmatmul(self, x):
        """``X @ A`` for a dense ``X`` of shape (m, d) (column shifts: no transposition)."""
        d = self.diags.shape[-1]
        out = jnp.zeros(x.shape, dtype=jnp.result_type(self.diags.dtype, x.dtype))
        for k, off in enumerate(self.offsets):
            dk = self.diags[k]
            if off == 0:
                out = out + x * dk[None, :]
            elif off > 0:
                out = out.at[:, off:].add(x[:, : d - off] * dk[None, : d - off])
            else:
                out = out.at[:, : d + off].add(x[:, -off:] * dk[None, -off:])
        return out

    def todense(self):
        d = self.diags.shape[-1]
        out = jnp.zeros((d, d), dtype=self.diags.dtype)
        idx = jnp.arange(d)
        for k, off in enumerate(self.offsets):
            rows = idx[max(0, -off) : d - max(0, off)]
            out = out.at[rows, rows + off].set(self.diags[k][rows])
        return out

    def dag(self):
        """The adjoint, also in DIA layout (offset -k, conjugated and shifted values)."""
        d = self.diags.shape[-1]
        new = []
        for k, off in enumerate(self.offsets):
            v = jnp.conj(self.diags[k])
            # A^dag[j, j - off] = conj(A[j - off, j]) = conj(diags_k[j - off])
            if off >= 0:
                w = jnp.zeros(d, dtype=v.dtype).at[off:].set(v[: d - off])
            else:
                w = jnp.zeros(d, dtype=v.dtype).at[: d + off].set(v[-off:])
            new.append(w)
        return DiaOperator(tuple(-o for o in self.offsets), jnp.stack(new))

    def scale(self, c):
        return DiaOperator(self.offsets, c * self.diags)


def dia_offsets(a, tol: float = 0.0) -> tuple:
    """Offsets of the nonzero diagonals of a concrete matrix."""
    a = np.asarray(a)
    d = a.shape[0]
    offs = []
    for off in range(-(d - 1), d):
        if np.max(np.abs(np.diagonal(a, offset=off)), initial=0.0) > tol:
            offs.append(off)
    return tuple(offs)


def to_dia(a, offsets=None) -> DiaOperator:
    """Convert a (d, d) matrix to DIA layout (``offsets`` found from ``a`` if it is concrete)."""
    a = jnp.asarray(a)
    d = a.shape[0]
    if offsets is None:
        offsets = dia_offsets(a)
    offsets = tuple(int(o) for o in offsets)
    rows = []
    for off in offsets:
        diag = jnp.diagonal(a, offset=off)
        if off >= 0:
            rows.append(jnp.zeros(d, dtype=a.dtype).at[: d - off].set(diag))
        else:
            rows.append(jnp.zeros(d, dtype=a.dtype).at[-off:].set(diag))
    if not rows:
        return DiaOperator((0,), jnp.zeros((1, d), dtype=a.dtype))
    return DiaOperator(offsets, jnp.stack(rows))


def n_diagonals(a) -> int:
    return len(dia_offsets(a))
