"""Charge sectors of a Lindblad generator and the sector-compressed storage of a block-diagonal state.

When ``H`` and the jump operators conserve a charge ``Q`` (``[H, Q] = 0`` and each ``L_k`` shifts it by a
fixed amount, ``[Q, L_k] = q_k L_k``, e.g. total magnetisation with ``H = J_z`` and collective
``J_-+``), a state that is block-diagonal in ``Q`` stays block-diagonal: the blocks between different
charges are zero forever. For n spins-1/2 that is ``sum_m binom(n, m)^2 = binom(2n, n)`` of the
``4^n`` entries (n = 10: 184756 of 1048576).

:func:`invariant_sectors` finds the sectors from the concrete sparsity patterns alone (no charge is
named): the finest partition of the basis such that

* ``H`` is block-diagonal;
* each ``L_k`` maps a sector into one sector (all nonzeros in the columns of sector ``s`` lie in the
  rows of one sector ``sigma_k(s)``);
* each row of ``L_k`` draws from one sector (its nonzero columns lie in one sector ``tau_k(row)``).

These make the block-diagonal matrices invariant under ``X -> H X - X H``, ``L X L^dag`` and
``L^dag L X`` (``(L^dag L)_{a a'} != 0`` needs a row drawing from ``a`` and ``a'``, so ``a ~ a'``), hence
under the Lindblad generator; the patterns are structural (no cancellation assumed), so the
statement is exact. The partition is a union-find fixed point over the nonzeros (scipy's
connected components): ``H`` entries and the rows of one column / columns of one row of ``L_k`` are
joined first, then the rows reached from one sector are joined until nothing changes.

:class:`SectorLayout` stores a block-diagonal ``(d, d)`` matrix as ``R`` of shape ``(d, D)``
(``D`` = largest sector): row ``i`` keeps the columns of its own sector, ``R[i, c] = X[i,
members[sector[i], c]]``, zero padded. Every nonzero of a row of ``H``, of ``L_k`` (row ``b`` reads
sector ``tau_k(b)``) and of ``L_k^dag`` lies in one sector, so ``H R``, ``L_k R`` and ``L_k^dag Y_k``
are row gathers with the same local column index (``quantum.sparse.EllOperator`` applies them
unchanged); the conjugate transposes are precomputed flat index gathers (:meth:`SectorLayout.
transpose_index`, :meth:`SectorLayout.cross_transpose_index`).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def _components(d, rows, cols):
    g = coo_matrix((np.ones(rows.size, dtype=np.int8), (rows, cols)), shape=(d, d))
    n, labels = connected_components(g, directed=False)
    return n, labels


def _chain(groups, members):
    """Edges joining consecutive ``members`` that share a ``groups`` value."""
    order = np.lexsort((members, groups))
    g, m = groups[order], members[order]
    same = g[1:] == g[:-1]
    return m[:-1][same], m[1:][same]


def invariant_sectors(h, jump_ops, tol: float = 0.0):
    """Sector label of each basis state (``(d,)`` ints ``0..S-1``, ordered by first state), for the
    concrete ``h`` and ``jump_ops``: the finest partition described in the module docstring."""
    h = np.asarray(h)
    ops = [np.asarray(o) for o in jump_ops]
    d = h.shape[0]
    nz = [np.nonzero(np.abs(o) > tol) for o in ops]
    er, ec = [np.arange(d)], [np.arange(d)]
    hr, hc = np.nonzero(np.abs(h) > tol)
    er.append(hr)
    ec.append(hc)
    for r, c in nz:
        a, b = _chain(c, r)  # rows reached from one column
        er.append(a)
        ec.append(b)
        a, b = _chain(r, c)  # columns read by one row
        er.append(a)
        ec.append(b)
    base_r, base_c = np.concatenate(er), np.concatenate(ec)
    n, labels = _components(d, base_r, base_c)
    while True:
        er, ec = [base_r], [base_c]
        for r, c in nz:
            a, b = _chain(labels[c], r)  # rows reached from one sector
            er.append(a)
            ec.append(b)
        n_new, labels = _components(d, np.concatenate(er), np.concatenate(ec))
        if n_new == n:
            break
        n = n_new
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[labels]


class SectorLayout:
    """Static index tables of the ``(d, D)`` sector-compressed storage (module docstring)."""

    def __init__(self, sector):
        self.sector = np.asarray(sector, dtype=np.int64)
        d = self.sector.size
        self.d = d
        self.n_sectors = int(self.sector.max(initial=-1)) + 1
        self.sizes = np.bincount(self.sector, minlength=self.n_sectors)
        self.width = int(self.sizes.max(initial=1))
        order = np.argsort(self.sector, kind="stable")
        start = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        self.local = np.empty(d, dtype=np.int64)
        self.local[order] = np.arange(d) - np.repeat(start, self.sizes)
        self.members = np.full((self.n_sectors, self.width), -1, dtype=np.int64)
        self.members[self.sector[order], self.local[order]] = order
        self.valid = self.local_valid(self.sector)

    def local_valid(self, row_sector):
        """``(d, D)`` mask of the stored slots when row ``i`` keeps the columns of ``row_sector[i]``
        (``-1``: nothing stored)."""
        rs = np.asarray(row_sector)
        size = np.where(rs >= 0, self.sizes[np.maximum(rs, 0)], 0)
        return np.arange(self.width)[None, :] < size[:, None]

    def is_block_diagonal(self, x, tol: float = 0.0):
        """Whether the concrete ``x`` vanishes outside the diagonal blocks."""
        off = self.sector[:, None] != self.sector[None, :]
        return not np.any(np.abs(np.asarray(x))[off] > tol)

    def compress(self, x):
        """``(d, d)`` -> ``(d, D)`` (leading batch axes allowed); entries outside the blocks dropped."""
        cols = np.where(self.valid, self.members[self.sector], 0)
        g = jnp.take_along_axis(x, jnp.broadcast_to(cols, x.shape[:-2] + cols.shape), axis=-1)
        return jnp.where(self.valid, g, 0)

    def expand(self, r):
        """``(..., d, D)`` -> ``(..., d, d)``, zero outside the diagonal blocks."""
        same = self.sector[:, None] == self.sector[None, :]
        idx = np.broadcast_to(self.local[None, :], (self.d, self.d))
        g = jnp.take_along_axis(r, jnp.broadcast_to(idx, r.shape[:-2] + idx.shape), axis=-1)
        return jnp.where(same, g, 0)

    def compress_transposed(self, a):
        """``A^T`` compressed, so that ``Tr[A X] = sum(compress_transposed(A) * R)``; leading axes ok."""
        return self.compress(jnp.swapaxes(a, -1, -2))

    def transpose_index(self):
        """Flat indices and mask giving ``X^T`` in this layout from ``X`` (both block-diagonal)."""
        cols = np.where(self.valid, self.members[self.sector], 0)
        return cols * self.width + self.local[:, None], self.valid

    def cross_transpose_index(self, sigma, tau):
        """Flat indices and mask giving ``Z = Y^T`` from ``Y = L X`` for one jump operator.

        ``Y`` row ``j`` keeps the columns of sector ``tau[j]``; ``Z`` row ``b`` keeps those of
        ``sigma[sector[b]]`` (``-1``: zero row); ``Z[b, c] = Y[j, local[b]]`` with ``j`` the ``c``-th state
        of that sector, zero unless row ``j`` of ``Y`` reads the sector of ``b``.
        """
        zs = np.asarray(sigma)[self.sector]
        mask = self.local_valid(zs)
        j = np.where(mask, self.members[np.maximum(zs, 0)], 0)
        mask = mask & (np.asarray(tau)[j] == self.sector[:, None])
        return np.where(mask, j * self.width + self.local[:, None], 0), mask

    def operator_maps(self, op, tol: float = 0.0):
        """``(sigma, tau)`` of one concrete operator: the sector each sector is mapped to and the sector each
        row reads (``-1`` where none); ValueError if it does not respect the sectors."""
        r, c = np.nonzero(np.abs(np.asarray(op)) > tol)
        sigma = np.full(self.n_sectors, -1, dtype=np.int64)
        tau = np.full(self.d, -1, dtype=np.int64)
        sigma[self.sector[c]] = self.sector[r]
        tau[r] = self.sector[c]
        if np.any(sigma[self.sector[c]] != self.sector[r]) or np.any(tau[r] != self.sector[c]):
            raise ValueError("operator does not map sectors to sectors")
        return sigma, tau


__all__ = ["SectorLayout", "invariant_sectors"]
