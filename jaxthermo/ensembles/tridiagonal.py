"""Exact propagator ``e^{tA} b`` of real tridiagonal generators (paper 001, Eq. A1 chains).

The collective master equation of paper 001 (Eq. 1; Appendix A, Eq. A1) splits every block into
independent tridiagonal chains (the birth-death equation of the populations, and the bands
``q = m - m'`` of the coherences), whose generators ``A`` are real with ``A_{k+1,k} A_{k,k+1} >= 0``
and spectrum on the negative real axis (similar, by a positive diagonal, to a symmetric negative
semi-definite matrix). This module evaluates ``e^{tA} b`` for many such chains at once.

Quadrature: the trapezoidal rule on the parabolic inverse-Laplace contour
``zeta(u) = mu (1 + i u)^2`` (Weideman & Trefethen, Math. Comp. 76, 1341 (2007)),
``e^{tA} b = (1/2 pi i) int e^zeta (zeta - tA)^{-1} b d zeta ~ sum_k c_k (zeta_k - tA)^{-1} b``;
for real ``A`` and ``b`` the nodes pair by conjugation, so only ``u >= 0`` is used (``num_nodes + 1``
shifted solves) and the real part is taken. The accuracy and the non-normal limit are discussed in
:mod:`jaxthermo.ensembles.dynamics`.

Solver: all nodes of the contour are solved together in ONE Thomas sweep per chain (elimination
without pivoting, in real arithmetic on (Re, Im) pairs). No pivoting is needed: by the diagonal
similarity, ``zeta - tA`` has the pivots of ``zeta - tH`` with ``H`` real symmetric negative
semi-definite, whose imaginary parts keep the sign of ``Im zeta`` and ``|Im p_i| >= |Im zeta|``
(and ``p_i >= zeta > 0`` on the real node), so no pivot vanishes. Chains of different lengths are
packed back to back into lanes of a common length (zero couplings at the chain ends), lanes are
processed ``w`` at a time, and the backward sweep recomputes the forward elimination from
checkpoints every ``S`` steps, so the per-node intermediates stay in cache: only the packed
coefficients are read from memory, ``O(sum of chain lengths)`` per sweep whatever the number of
nodes (the former per-node LAPACK solves moved every intermediate through memory once per node).

Layout ("lanes"): arrays of shape ``(nchunk, nseg, S, w)``; a lane is ``(chunk, i_w)`` and its
position along the chain is ``seg * S + s``. :class:`LaneLayout` packs chains of given static
lengths into this layout.
"""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["LANE_WIDTH", "NUM_NODES", "SEGMENT", "LaneLayout", "contour_nodes", "expm_lanes", "expm_tridiag",
           "lane_shape", "lanes_matvec"]

NUM_NODES = 20  # nodes per half contour (41 in all; 21 shifted solves for real data)
LANE_WIDTH = 32  # lanes processed together (vector width of one sweep step is nodes x lanes)
SEGMENT = 16  # checkpoint interval of the forward sweep (steps recomputed in cache)


def lane_shape(num_lanes: int, length: int, lane_width: int = LANE_WIDTH,
               segment: int = SEGMENT) -> tuple:
    """``(nchunk, nseg, S, w)`` holding ``num_lanes`` lanes of ``length`` positions."""
    width = min(lane_width, num_lanes)
    seg = min(segment, length)
    return (-(-num_lanes // width), -(-length // seg), seg, width)


def contour_nodes(num_nodes: int):
    """Nodes ``zeta_k`` and weights ``c_k`` (``u >= 0`` half, weights of ``u > 0`` doubled) of
    the parabolic contour with ``2 num_nodes + 1`` nodes in all, for real data."""
    k = np.arange(0, num_nodes + 1)
    n_tot = 2 * num_nodes + 1
    mu = np.pi / 12 * n_tot / 2
    h = 3.0 / (n_tot / 2)
    u = h * k
    zeta = mu * (1 + 1j * u) ** 2
    c = (h * mu / np.pi) * (1 + 1j * u) * np.exp(zeta)
    c[1:] *= 2.0
    return zeta, c


def _sweep_step(zr, zi):
    """One forward elimination step of ``(zeta_k - T) y = b`` for all nodes (``T = tA``)."""

    def step(carry, x):
        pr, pi_, er, ei = carry  # previous multiplier c'_{i-1} and forward-substituted e_{i-1}
        tl, td, tu, b = x  # row i of T: T[i, i-1], T[i, i], T[i, i+1]; right-hand side b_i
        # pivot p_i = zeta - T_ii - T_{i,i-1} c'_{i-1}  (c'_{i-1} = -T_{i-1,i} / p_{i-1})
        ar = zr - td + tl * pr
        ai = zi + tl * pi_
        inv = 1.0 / (ar * ar + ai * ai)
        rr, ri = ar * inv, -ai * inv  # 1 / p_i
        nr, ni = b + tl * er, tl * ei  # b_i - (-T_{i,i-1}) e_{i-1}
        new = (-tu * rr, -tu * ri, nr * rr - ni * ri, nr * ri + ni * rr)
        return new, new

    return step


def expm_lanes(tl, td, tu, b, weights_nodes):
    """``sum_k Re[c_k (zeta_k - T)^{-1} b]`` for real tridiagonal ``T`` in the lane layout.

    ``tl``, ``td``, ``tu``, ``b``: real arrays ``(nchunk, nseg, S, w)`` (row ``i`` of a lane holds
    ``T[i, i-1]``, ``T[i, i]``, ``T[i, i+1]`` and ``b_i``; couplings that cross a chain end must be
    zero, padding rows zero). ``weights_nodes = (zeta, c)``: complex arrays ``(M,)``.
    Pass ``T = tA`` and :func:`contour_nodes` for ``e^{tA} b``. Returns the real
    ``(nchunk, nseg, S, w)`` result. Requires ``T[i+1, i] T[i, i+1] >= 0``, spectrum of ``T`` real
    and ``< Re zeta_k`` when ``Im zeta_k = 0`` (no pivoting; see the module docstring).
    Differentiable (a plain ``lax.scan``) in every array argument.
    """
    zeta, c = weights_nodes
    dt = jnp.result_type(float)
    col = (lambda v: jnp.asarray(v, dt)[:, None])
    zr, zi, cr, ci = col(jnp.real(zeta)), col(jnp.imag(zeta)), col(jnp.real(c)), col(jnp.imag(c))
    num, w = zeta.shape[0], td.shape[-1]
    step = _sweep_step(zr, zi)

    def forward_only(carry, x):
        return step(carry, x)[0], None

    def back(y, s):
        mr, mi, er, ei = s
        yr, yi = y
        yr2 = er - (mr * yr - mi * yi)  # y_i = e_i - c'_i y_{i+1}
        yi2 = ei - (mr * yi + mi * yr)
        return (yr2, yi2), jnp.sum(cr * yr2 - ci * yi2, axis=0)

    def chunk(xs):
        zero = jnp.zeros((num, w), dt)

        def seg_forward(carry, xseg):  # keep only the carry at each segment start
            return jax.lax.scan(forward_only, carry, xseg)[0], carry

        _, checkpoints = jax.lax.scan(seg_forward, (zero,) * 4, xs)

        def seg_backward(y, inp):  # recompute the segment's elimination, then substitute back
            start, xseg = inp
            _, elim = jax.lax.scan(step, start, xseg)
            return jax.lax.scan(back, y, elim, reverse=True)

        return jax.lax.scan(seg_backward, (zero, zero), (checkpoints, xs), reverse=True)[1]

    return jax.lax.map(chunk, (tl, td, tu, b))


def lanes_matvec(tl, td, tu, x):
    """``T x`` in the lane layout (chain axis = axes 1, 2 of ``(nchunk, nseg, S, w)``)."""
    shape = x.shape
    flat = (lambda v: v.reshape(shape[0], shape[1] * shape[2], shape[3]))
    xf = flat(x)
    zero = jnp.zeros_like(xf[:, :1])
    below = jnp.concatenate([zero, xf[:, :-1]], axis=1)
    above = jnp.concatenate([xf[:, 1:], zero], axis=1)
    return (flat(td) * xf + flat(tl) * below + flat(tu) * above).reshape(shape)


@dataclasses.dataclass(frozen=True)
class LaneLayout:
    """Static packing of chains of lengths ``lengths`` into lanes (numpy tables, trace-time).

    Chains are sorted longest first; each lane takes the longest chain left and then the shortest
    ones while they fit (lane length = the longest chain; for the blocks ``J = J0..ns`` of an
    ensemble this pairs ``2J+1`` with ``2(ns-1-J)+1`` and fills the lanes almost exactly).

    ``lane[c]``, ``start[c]``: lane and first position of chain ``c``; ``lane_chains`` and
    ``lane_starts`` ``(num_lanes_padded, K)``: chains of each lane in order (-1 / length padding);
    ``shape``: the ``(nchunk, nseg, S, w)`` array shape.
    """

    lengths: tuple
    lane: np.ndarray
    start: np.ndarray
    lane_chains: np.ndarray
    lane_starts: np.ndarray
    shape: tuple

    @classmethod
    def pack(cls, lengths, lane_width: int = LANE_WIDTH, segment: int = SEGMENT) -> LaneLayout:
        lengths = np.asarray(lengths, dtype=np.int64)
        if lengths.ndim != 1 or lengths.size == 0 or np.any(lengths < 1):
            raise ValueError("lengths must be a non-empty 1-D array of positive chain lengths")
        length = int(lengths.max())
        order = np.argsort(-lengths, kind="stable")
        lo, hi = 0, len(order) - 1
        lanes = []
        while lo <= hi:
            members = [order[lo]]
            used = int(lengths[order[lo]])
            lo += 1
            while lo <= hi and used + lengths[order[hi]] <= length:
                members.append(order[hi])
                used += int(lengths[order[hi]])
                hi -= 1
            lanes.append(members)
        nchunk, nseg, seg, width = lane_shape(len(lanes), length, lane_width, segment)
        kmax = max(len(m) for m in lanes)
        lane = np.zeros(len(lengths), np.int64)
        start = np.zeros(len(lengths), np.int64)
        lane_chains = np.full((nchunk * width, kmax), -1, np.int64)
        lane_starts = np.full((nchunk * width, kmax), nseg * seg, np.int64)
        for li, members in enumerate(lanes):
            pos = 0
            for kk, ch in enumerate(members):
                lane[ch], start[ch] = li, pos
                lane_chains[li, kk], lane_starts[li, kk] = ch, pos
                pos += int(lengths[ch])
        return cls(tuple(int(v) for v in lengths), lane, start, lane_chains, lane_starts,
                   (nchunk, nseg, seg, width))

    def _lane_table(self, table):
        """Per-lane table ``(num_lanes_padded,)`` broadcast against ``(nchunk, nseg, S, w)``."""
        nchunk, _, _, width = self.shape
        table = np.asarray(table)
        dt = jnp.int32 if np.issubdtype(table.dtype, np.integer) else jnp.result_type(float)
        return jnp.asarray(table, dt).reshape(nchunk, 1, 1, width)

    def positions(self, *tables):
        """``(chain, offset, *values)`` arrays in the lane layout: the chain (``-1`` on padding)
        and position in it of every entry, and the per-chain static ``tables`` (``(num_chains,)``
        numpy arrays) spread over the entries of each chain (0 on padding)."""
        nchunk, nseg, seg, width = self.shape
        lengths = np.r_[self.lengths, 0]
        index = self.lane_chains
        spread = [self.lane_chains, self.lane_starts, self.lane_starts + lengths[index]]
        spread += [np.where(index >= 0, np.asarray(tb)[index], 0) for tb in tables]
        # the small per-lane tables stay opaque so that XLA does not constant-fold the index
        # arithmetic over ~sum(lengths) entries (minutes of compilation at n = 10^4)
        spread = jax.lax.optimization_barrier(tuple(
            tuple(self._lane_table(v[:, kk]) for kk in range(index.shape[1])) for v in spread))
        i = (jax.lax.broadcasted_iota(jnp.int32, self.shape, 1) * seg
             + jax.lax.broadcasted_iota(jnp.int32, self.shape, 2))
        out = [jnp.full(self.shape, -1, jnp.int32), jnp.zeros(self.shape, jnp.int32)]
        out += [jnp.zeros(self.shape, v[0].dtype) for v in spread[3:]]
        for kk in range(index.shape[1]):
            st, en = spread[1][kk], spread[2][kk]
            here = (i >= st) & (i < en)
            new = [spread[0][kk], i - st] + [v[kk] for v in spread[3:]]
            out = [jnp.where(here, nv, ov) for nv, ov in zip(new, out, strict=True)]
        return tuple(out)

    def flat_index(self, offset):
        """Flat index into the lane layout of ``offset[c, ...]`` in chain ``c`` (leading axis =
        the chains in order; any offsets broadcast)."""
        nchunk, nseg, seg, width = self.shape
        shape = (-1,) + (1,) * (jnp.ndim(offset) - 1)
        lane, start = jax.lax.optimization_barrier(
            (jnp.asarray(self.lane, jnp.int32).reshape(shape),
             jnp.asarray(self.start, jnp.int32).reshape(shape)))
        i = start + offset
        return (((lane // width) * nseg + i // seg) * seg + i % seg) * width + lane % width


def expm_tridiag(dl, d, du, x0, t, num_nodes: int = NUM_NODES):
    """``e^{tA} x0`` for real tridiagonal ``A`` (sub ``dl``, diag ``d``, super ``du``; last axis).

    ``dl[..., 0]`` and ``du[..., -1]`` are ignored. ``x0`` may be real or complex (real and
    imaginary parts propagate separately: ``A`` is real); leading axes broadcast. ``A`` must be a
    chain generator of the kind described in the module docstring.
    """
    dt = jnp.result_type(float)
    complex_input = jnp.iscomplexobj(x0)
    shape = jnp.broadcast_shapes(dl.shape, d.shape, du.shape, x0.shape)
    length = shape[-1]
    t = jnp.asarray(t, dt)
    edge = jnp.arange(length)
    coef = [jnp.broadcast_to(v, shape).astype(dt).reshape(-1, length)
            for v in (jnp.where(edge > 0, dl, 0.0), d, jnp.where(edge < length - 1, du, 0.0))]
    x = jnp.broadcast_to(x0, shape).reshape(-1, length)
    if complex_input:
        coef = [jnp.concatenate([v, v]) for v in coef]
        rhs = jnp.concatenate([jnp.real(x), jnp.imag(x)]).astype(dt)
    else:
        rhs = x.astype(dt)
    batch = rhs.shape[0]
    nchunk, nseg, seg, width = lane_shape(batch, length)  # one chain per lane, in order

    def to_lanes(v):  # (batch, L) -> (nchunk, nseg, S, w)
        v = jnp.pad(v, ((0, nchunk * width - batch), (0, nseg * seg - length)))
        return v.reshape(nchunk, width, nseg, seg).transpose(0, 2, 3, 1)

    tl, td, tu = (to_lanes(t * v) for v in coef)
    out = expm_lanes(tl, td, tu, to_lanes(rhs), contour_nodes(num_nodes))
    out = out.transpose(0, 3, 1, 2).reshape(nchunk * width, nseg * seg)[:batch, :length]
    if complex_input:
        out = out[: batch // 2] + 1j * out[batch // 2:]
    return out.reshape(shape)
