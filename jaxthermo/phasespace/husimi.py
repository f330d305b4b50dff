"""Husimi Q function of one or two spins on a quadrature grid, as small tensor contractions.

Paper 004, eq. (2): ``Q(Omega) = <Omega|rho|Omega>`` and, for two spins,
``Q(Omega_a, Omega_b) = <Omega_a Omega_b| rho |Omega_a Omega_b>`` (spec seed-004, Sec. 1.2). Q is
NOT rescaled: ``0 <= Q <= 1`` and ``c_a c_b int dOmega_a dOmega_b Q = 1`` with
``c_J = (2J+1)/(4 pi)``. The composite basis is the core's ``tensor`` order (spin a first), each
factor in the basis ``m = J..-J`` (index 0 = spin up).

How it is computed (no Python loop over grid points). The coherent amplitudes factorise,
``<J,m_p|theta,phi> = u_p(theta) e^{-i m_p phi}`` with ``m_p = J - p`` (:mod:`.coherent`), so for
fixed polar angles Q is a 2-D trigonometric polynomial in ``(phi_a, phi_b)`` with frequencies
``|k| <= 2 J_a``, ``|l| <= 2 J_b``:

    Q = sum_{k,l} C[t_a, t_b, k, l] e^{i (k phi_a + l phi_b)},
    C[t_a, t_b, k, l] = sum_{p,n} u_p u_{p+k}(t_a) u_n u_{n+l}(t_b) rho[(p n), (p+k, n+l)].

Four stages, each a small contraction: (1) ``T[t_a, k, n, n']`` from the diagonals ``k`` of rho
in spin a (cost ``n_theta_a d_a^2 d_b^2``); (2) ``C`` for ``l >= 0`` only, since Hermitian rho gives
``C[-k,-l] = conj C[k,l]`` (cost ``n_theta_a n_theta_b d_a d_b^2``); (3) a small DFT matmul over
``k`` to the ``phi_a`` nodes; (4) a real DFT over ``l`` to the ``phi_b`` nodes (a GEMM, or for
``d_b <= 4`` an unrolled sum that XLA fuses with the integrand). Stages 3 and 4 are split in
their even (cos) and odd (sin) parts, evaluated on the half-range nodes ``phi_p``,
``p = 0..n_phi/2``, and combined as ``F(+-phi_p) = E_p +- O_p`` (one butterfly of the FFT), which
halves their flops: stage 4 costs about ``2 d_b`` flops per node. Real arithmetic throughout
(complex numbers only as pairs of real contractions). Nothing of size ``G_a x G_b x d`` is ever
formed. Inputs must be density matrices (checked state by state, :func:`prepare`).

Angle derivatives: ``d/dtheta`` replaces ``u_p u_q`` by its theta derivative on that spin;
``d/dphi_a`` multiplies ``C`` by ``i k``, ``d/dphi_b`` by ``i l``. A single spin is the same code
with a trivial second factor (d = 1, one node of weight 1).

Reductions over the 4-D product grid (entropy, production) are done in chunks of (spin-a polar node,
spin-b polar node) blocks with nested ``lax.map``: a chunk of ~16K nodes on CPU stays in cache and
is consumed by the fused integrand and weighted sum; memory is ``O(chunk)`` rather than ``O(G_a
G_b)``. Measured on CPU (process time of one core, interleaved variants, jax 0.10.2, AMD EPYC) at
64^4 nodes, J = 1/2: Q (stages 1-4 and the per-chunk small operations) ~0.53 ns per node, the
guarded ``-Q ln Q`` and weighted sum ~0.5 ns per node. XLA:CPU puts that ``log`` in a vectorised
YNNPACK reduction kernel (~0.45 ns per node, as fast as NumPy's log); a hand-written float64 log in
``jnp`` bit operations (<= 1 ulp) was 3-4x slower than it there (it only beats XLA's scalar
C-library ``log`` of non-reduction fusions, 1.3 vs 2.7 ns per element). For J = 5 the stage-4 GEMMs
(``d_b`` = 11 harmonics) dominate (~1.8 ns per node). The chunk loop runs on one core. Chunks of
64K-512K nodes let XLA split each chunk's reduction over the intra-op threads, but on the 2-vCPU
test machine that is bimodal from one process to the next (2026-11-24, J = 1/2, 64^4 nodes, 256K per
chunk: 11 ms in some processes, 33 ms in the others (5 of 8), where the main thread busy-waits
beside two pool threads on two cores; 16K: 16 ms in every process), so 16K stays the default and
``chunk_nodes`` is there for machines with more cores. Several cores are used reliably another way:
``devices=`` (the public reductions take it) splits the chunks over devices with ``shard_map``, one
share per device and one ``psum``; on a CPU the cores become devices with
``jax.config.update("jax_num_cpu_devices", n)`` before JAX's first use. Measured with 2 CPU devices
on the 2-vCPU machine: J = 1/2 at 64^4 nodes 8.1-9.2 ms (16-17 ms on one device), 48^4 2.9-3.6 ms
(5.3-5.7); J = 5 at 64^4 16-20 ms (32-34); but some calls run the two shares one after the other
(per-call maxima ~2x the median), and in some processes most calls of one grid size do (J = 1/2
at 48^4 in one benchmark run: 5.0 ms). A multi-device call costs ~0.1 ms more
(launch and ``psum``), and at 32^4 nodes the split was as often slower as faster, so a grid is split
only into shares of at least ``MIN_SPLIT_NODES`` (2M) nodes (:func:`place`). A second FFT
butterfly in stage 4 (quarter-range nodes) halved its flops but ran slower; computing stages 2-3
for blocks of chunks ahead of the chunk loop helped J = 5 (-12%) but slowed J = 1/2 (+75%).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import positive_int, spin_value
from .._devices import replicate, split_devices
from ._validate import density_matrices
from .coherent import radial_on_grid
from .quadrature import as_grids, normalisation

# product-grid nodes per chunk in reductions: cache-sized on CPU (2^14: single-threaded, the same
# speed in every process; larger chunks are split over threads, bimodal on 2 vCPUs, see above),
# large on accelerators
DEFAULT_CHUNK_NODES = {"cpu": 1 << 14}
DEFAULT_CHUNK_NODES_ACCEL = 1 << 22
_HP = jax.lax.Precision.HIGHEST
SMALL_DFT = 4  # up to this many phi_b harmonics (d_b), stage 4 is unrolled instead of a GEMM
# a reduction split over devices gives each at least this many product-grid nodes (2M): one call
# on several CPU devices costs ~0.1 ms more than on one (launch and psum; 2 CPU devices on 2 vCPUs,
# measured), and at 2^20 nodes (32^4) the split was as often slower as faster; from 48^4 nodes on
# it was 1.6-1.9x faster than one device
MIN_SPLIT_NODES = 1 << 21


class SpinFactor(NamedTuple):
    """One sphere's data.

    pairs (2, n_theta, 2d-1, d): real ``u_p u_{p+k}`` and its theta derivative, diagonal offset
    ``k = -(d-1)..d-1`` on axis 2, zero where ``p + k`` is out of range; phi (n_phi,) nodes;
    wt (n_theta,) weights of the theta nodes times the uniform phi weight ``2 pi / n_phi``;
    x, s (n_theta,) ``cos, sin theta``; c = ``(2J+1)/(4 pi)``; shape ``(n_theta, n_phi)``.
    """

    j: float
    d: int
    pairs: jnp.ndarray
    phi: jnp.ndarray
    wt: jnp.ndarray
    x: jnp.ndarray
    s: jnp.ndarray
    c: float
    shape: tuple


def _diagonals(d: int):
    """Static index arrays of the diagonals ``k = -(d-1)..d-1`` of a (d, d) matrix.

    Returns ``(p, q, mask, k)``: entry ``[k + d - 1, p]`` addresses ``(p, q = p + k)`` (clipped),
    ``mask`` marks ``0 <= p + k < d``.
    """
    k = np.arange(-(d - 1), d)
    p = np.broadcast_to(np.arange(d)[None, :], (2 * d - 1, d))
    q = p + k[:, None]
    mask = (q >= 0) & (q < d)
    return p, np.clip(q, 0, d - 1), mask, k

def parse_js(js) -> tuple:
    """``js`` as a tuple of one or two spin sizes (a bare number means one spin)."""
    if isinstance(js, (list, tuple)):
        if len(js) not in (1, 2):
            raise ValueError(f"js: one or two spins are supported, got {len(js)}")
        return tuple(spin_value(j, "js") for j in js)
    return (spin_value(js, "js"),)



def spin_factor(j, grid) -> SpinFactor:
    u, du = radial_on_grid(j, grid)  # (nt, d)
    d = u.shape[-1]
    p, q, mask, _ = _diagonals(d)
    uu = u[:, p] * u[:, q]
    duu = du[:, p] * u[:, q] + u[:, p] * du[:, q]
    pairs = jnp.stack([uu, duu]) * jnp.asarray(mask, dtype=u.dtype)
    return SpinFactor(
        j=j, d=d, pairs=pairs, phi=grid.phi, wt=grid.wx * (2 * np.pi / grid.n_phi), x=grid.x,
        s=jnp.sqrt(1 - grid.x**2), c=normalisation(j), shape=(grid.n_theta, grid.n_phi),
    )


def trivial_factor() -> SpinFactor:
    one = jnp.ones((1,), dtype=jnp.result_type(float))
    pairs = jnp.stack([jnp.ones((1, 1, 1)), jnp.zeros((1, 1, 1))]).astype(one.dtype)
    return SpinFactor(j=0.0, d=1, pairs=pairs, phi=0 * one, wt=one, x=0 * one, s=one, c=1.0,
                      shape=())


def factors(js, grid, dtype=None):
    """Two SpinFactors (the second trivial for a single spin)."""
    js = parse_js(js)
    grids = as_grids(grid, len(js))
    fs = [spin_factor(j, g) for j, g in zip(js, grids, strict=True)]
    if len(fs) == 1:
        fs.append(trivial_factor())
    return js, fs[0], fs[1]


def check_grids(js, grids):
    """Static check that every grid integrates its spin's Q exactly (:mod:`.quadrature`):
    ``n_theta >= J + 1/2`` and ``n_phi >= 2J + 1``; a coarser grid gives ``c_J sum w Q != 1`` and
    meaningless entropies, so it raises a ``ValueError`` naming the grid and the spin."""
    for k, (j, g) in enumerate(zip(js, grids, strict=True)):
        nt_min, np_min = math.ceil(j + 0.5), int(round(2 * j)) + 1
        if g.n_theta < nt_min or g.n_phi < np_min:
            which = "grid" if len(grids) == 1 else f"grid[{k}] (spin {'ab'[k]})"
            raise ValueError(
                f"{which}: SphereGrid(n_theta={g.n_theta}, n_phi={g.n_phi}) is too coarse for spin "
                f"J = {j:g}: integrating its Husimi Q exactly needs n_theta >= J + 1/2 "
                f"(>= {nt_min}) and n_phi >= 2J + 1 (>= {np_min})")


def prepare(rho, js, grid, name: str = "rho"):
    """Eager argument checks: ``(js, grids, rho)`` with js parsed, one grid per spin (each fine
    enough to integrate Q exactly, :func:`check_grids`) and rho checked against the spins'
    dimension and, state by state, for finiteness, Hermiticity, unit trace and positivity (eagerly
    with the offending batch index; under ``jit`` as ``error_if`` checks)."""
    js = parse_js(js)
    grids = as_grids(grid, len(js))
    check_grids(js, grids)
    return js, grids, check_states(rho, js, name)


def check_states(rho, js, name: str = "rho"):
    """(..., d, d) density matrices of the spins ``js`` (parsed), as complex: shape, dimension
    ``prod(2J+1)`` and, state by state, finite, Hermitian, unit trace, PSD (errors name ``name``)."""
    d = math.prod(int(round(2 * j)) + 1 for j in js)
    rho = jnp.asarray(rho)
    if rho.ndim < 2 or rho.shape[-1] != rho.shape[-2]:
        raise ValueError(f"{name} must be a (..., d, d) array of density matrices, got shape "
                         f"{tuple(rho.shape)}")
    if rho.shape[-1] != d:
        raise ValueError(f"{name} has dimension {rho.shape[-1]}, but js need dimension {d}")
    return density_matrices(rho, name).astype(jnp.result_type(complex))


def place(rho, grids, devices):
    """``(rho, devs)`` for a reduction over the product grid of ``grids``: ``devs`` the devices it is
    split over (:func:`jaxthermo._devices.split_devices`, at most one per ``MIN_SPLIT_NODES`` nodes,
    so a grid below twice that runs unsplit; ``None``: unsplit) and ``rho`` replicated onto them
    (an input committed to another device is accepted)."""
    devs = split_devices(devices)
    if devs is not None:
        nodes = math.prod(g.n_theta * g.n_phi for g in grids)
        k = min(len(devs), nodes // MIN_SPLIT_NODES)
        devs = devs[:k] if k > 1 else None
    return replicate(rho, devs), devs


def _einsum_pair(spec, z, r):
    """``einsum(spec, z, r)`` for a complex ``z`` given as a pair ``(re, im)`` of real arrays and a
    real ``r``: a pair of real contractions (complex intermediates are never packed)."""
    return tuple(jnp.einsum(spec, part, r, precision=_HP) for part in z)


def theta_a(rho, fa: SpinFactor, f_a: int, db: int):
    """Stage 1: ``T[t_a, k, n, n'] = sum_p (u_p u_{p+k})(t_a) rho[(p n), (p+k, n')]``.

    ``f_a`` = 0 value, 1 d/dtheta_a, 2 d/dphi_a (a factor ``i k``). Returns ``(Re T, Im T)``,
    each (nt_a, 2 d_a - 1, d_b, d_b).
    """
    da = fa.d
    p, q, _, k = _diagonals(da)
    rho4 = rho.reshape(da, db, da, db)
    rd = rho4[p, :, q, :]  # (K, d_a, d_b, d_b); the masked entries meet zero pairs
    tr, ti = _einsum_pair("kpnl,tkp->tknl", (jnp.real(rd), jnp.imag(rd)),
                          fa.pairs[1 if f_a == 1 else 0])
    if f_a == 2:  # times i k
        kk = jnp.asarray(k, dtype=tr.dtype)[None, :, None, None]
        tr, ti = -kk * ti, kk * tr
    return tr, ti


def theta_b(t, fb: SpinFactor, f_b: int):
    """Stage 2: ``C[r, t_b, k, l] = sum_n (u_n u_{n+l})(t_b) T[r, k, n, n+l]`` for ``l >= 0``
    (``t`` and the result are ``(re, im)`` pairs)."""
    db = fb.d
    p, q, _, _ = _diagonals(db)
    td = tuple(part[..., p[db - 1:], q[db - 1:]] for part in t)  # (r, K_a, l, n)
    pb = fb.pairs[1 if f_b == 1 else 0][:, db - 1:, :]  # (nt_b, l, n)
    return _einsum_pair("rkln,sln->rskl", td, pb)


def _half(n: int) -> int:
    """Number of half-range phi nodes ``phi_p``, ``p = 0..n//2`` (``-phi_p`` covers the rest)."""
    return n // 2 + 1


def _unfold(plus, minus, n: int, axis: int):
    """Values at ``+phi_p`` and ``-phi_p`` (``p < n//2 + 1`` on ``axis``) to the n nodes in order."""
    nh = _half(n)
    back = jax.lax.slice_in_dim(minus, 1, n - nh + 1, axis=axis)
    return jnp.concatenate([plus, jnp.flip(back, axis=axis)], axis=axis)


def _cos_sin(n_phi_nodes, phi, kmax: int):
    ph = phi[:_half(n_phi_nodes)]
    k = jnp.arange(kmax, dtype=ph.dtype)
    return k, jnp.cos(k[:, None] * ph[None, :]), jnp.sin(k[:, None] * ph[None, :])


def phi_a(c, fa: SpinFactor):
    """Stage 3: ``D[r, t_b, p_a, l] = sum_k C[r, t_b, k, l] e^{i k phi_a}`` on the phi_a nodes.

    One butterfly: with ``S_k = C_k + C_{-k}``, ``A_k = C_k - C_{-k}`` (k >= 0),
    ``D(+-phi) = sum_k S_k' cos(k phi) +- i sum_k A_k sin(k phi)`` (``S_0' = C_0``), evaluated on
    the half-range nodes in real arithmetic. ``c`` and the result are ``(re, im)`` pairs.
    """
    da, n = fa.d, fa.phi.shape[0]
    cp = tuple(part[:, :, da - 1:, :] for part in c)  # k = 0..da-1
    cm = tuple(part[:, :, da - 1::-1, :] for part in c)  # k = 0..-(da-1)
    k, cos, sin = _cos_sin(n, fa.phi, da)
    cos = cos * jnp.where(k == 0, 0.5, 1.0)[:, None]
    ev_r, ev_i = _einsum_pair("rskl,kp->rspl", (cp[0] + cm[0], cp[1] + cm[1]), cos)
    a_r, a_i = _einsum_pair("rskl,kp->rspl", (cp[0] - cm[0], cp[1] - cm[1]), sin)
    od_r, od_i = -a_i, a_r  # times i
    return (_unfold(ev_r + od_r, ev_r - od_r, n, axis=2),
            _unfold(ev_i + od_i, ev_i - od_i, n, axis=2))


def phi_b(dd, fb: SpinFactor, f_b: int):
    """Stage 4: the real field on the phi_b nodes, (..., n_phi_b).

    ``F(phi) = sum_l a_l Re(D_l e^{i l phi})`` (``a_0 = 1``, else 2), or its phi_b derivative
    (``f_b = 2``); even part ``E`` (cos) and odd part ``O`` (sin) on the half-range nodes give
    ``F(+-phi) = E +- O``. ``dd`` is the ``(re, im)`` pair of stage 3.
    """
    n = fb.phi.shape[0]
    lv, cos, sin = _cos_sin(n, fb.phi, fb.d)
    a = jnp.where(lv == 0, 1.0, 2.0)[:, None]
    re, im = dd
    if f_b == 2:
        (x_e, b_e), (x_o, b_o) = (im, -a * lv[:, None] * cos), (re, -a * lv[:, None] * sin)
    else:
        (x_e, b_e), (x_o, b_o) = (re, a * cos), (im, -a * sin)
    if fb.d <= SMALL_DFT:  # a few terms: broadcast sums that fuse with the integrand
        ev = sum(x_e[..., i, None] * b_e[i] for i in range(fb.d))
        od = sum(x_o[..., i, None] * b_o[i] for i in range(fb.d))
    else:
        ev = jnp.matmul(x_e, b_e, precision=_HP)
        od = jnp.matmul(x_o, b_o, precision=_HP)
    return _unfold(ev + od, ev - od, n, axis=-1)


def husimi_q(rho, js=None, grid=None):
    """Husimi function ``Q = <Omega|rho|Omega>`` (paper 004, eq. 2) on the grid.

    Parameters
    ----------
    rho : (..., d, d) density matrices, ``d = prod(2J+1)``; leading axes are batch (states/times).
    js : spin sizes: ``0.5`` or ``(0.5,)`` for one spin, ``(J_a, J_b)`` for two.
    grid : a :class:`SphereGrid`, or one per spin; a :class:`PlaneGrid` gives the Glauber Q of a
        truncated bosonic mode instead (``js`` ignored; see ``bosonic.husimi_q_mode``).

    Returns
    -------
    (..., n_theta, n_phi) for one spin, (..., nt_a, np_a, nt_b, np_b) for two. Values in [0, 1];
    ``c_J sum(grid.weights * Q) = 1`` per spin. ``rho`` must be a batch of density matrices
    (finite, Hermitian, unit trace, positive semidefinite: checked state by state) and each grid
    fine enough for its spin (``n_theta >= J + 1/2``, ``n_phi >= 2J + 1``); otherwise a
    ``ValueError`` names the argument.
    """
    if grid is None:
        raise ValueError("grid: pass a SphereGrid (spins) or a PlaneGrid (a bosonic mode)")
    from .bosonic import PlaneGrid, husimi_q_mode

    if isinstance(grid, PlaneGrid):
        return husimi_q_mode(rho, grid)
    if js is None:
        raise ValueError("js: spin sizes are required with a SphereGrid")
    js, grids, rho = prepare(rho, js, grid)
    return _husimi_core(rho, js, grids)


@eqx.filter_jit
def _husimi_core(rho, js, grids):
    _, fa, fb = factors(js, grids)

    def one(r):
        c = theta_b(theta_a(r, fa, 0, fb.d), fb, 0)  # (nt_a, nt_b, K_a, d_b)
        q = phi_b(phi_a(c, fa), fb, 0)  # (nt_a, nt_b, np_a, np_b)
        return jnp.swapaxes(q, 1, 2).reshape(fa.shape + fb.shape)

    lead = rho.shape[:-2]
    flat = rho.reshape((math.prod(lead),) + rho.shape[-2:])
    return jax.vmap(one)(flat).reshape(lead + fa.shape + fb.shape)


def _chunk_rows(n_rows: int, per_row: int, chunk_nodes: int | None) -> int:
    if chunk_nodes is None:
        budget = DEFAULT_CHUNK_NODES.get(jax.default_backend(), DEFAULT_CHUNK_NODES_ACCEL)
    else:
        budget = positive_int(chunk_nodes, "chunk_nodes")
    rows = max(1, budget // max(per_row, 1))
    if rows >= n_rows:
        return n_rows
    for r in range(rows, 0, -1):
        if n_rows % r == 0:
            return r
    return 1


def integrate(rhos, fa: SpinFactor, fb: SpinFactor, fields, integrand, *, chunk_nodes=None,
              devices=None):
    """``c_a c_b sum w_a w_b integrand(F, geom)`` over the product grid for ONE state.

    ``rhos`` is a tuple of (d, d) Hermitian operators; ``fields`` maps a name to
    ``(rho_index, f_a, f_b)`` with ``f = 0, 1, 2`` for (value, d/dtheta, d/dphi) on that spin.
    ``integrand(F, g)`` gets a dict of real arrays of shape (rows, nt_b, np_a, np_b) and a dict
    ``g`` of geometry
    (``xa, sa`` and ``xb, sb``, broadcastable to that shape); it returns a pytree of pointwise
    arrays, each integrated. Chunks of spin-a polar nodes are mapped with ``lax.map``.
    ``devices``: ``None``, or a tuple of two or more devices (``_devices.split_devices``) over which
    the chunks are split (``shard_map``; each device maps its share, then one ``psum``); see
    :func:`place`.
    """
    needed = sorted({(r, f) for r, f, _ in fields.values()})
    ts = {key: theta_a(rhos[key[0]], fa, key[1], fb.d) for key in needed}
    nta, npa = fa.shape
    ntb, npb = fb.pairs.shape[1], fb.phi.shape[0]
    # chunks: `rows` spin-a polar nodes x `cols` spin-b polar nodes (all phi nodes of both)
    cols = _chunk_rows(ntb, npa * npb, chunk_nodes)
    rows = _chunk_rows(nta, npa * cols * npb, chunk_nodes) if cols == ntb else 1
    nch, ncb = nta // rows, ntb // cols

    def split(a, n, m):
        return a.reshape((n, m) + a.shape[1:])

    carry_a = ({f"{k[0]}_{k[1]}": tuple(split(part, nch, rows) for part in v) for k, v in ts.items()},
               split(fa.wt, nch, rows), split(fa.x, nch, rows), split(fa.s, nch, rows))
    carry_b = (split(jnp.moveaxis(fb.pairs, 1, 0), ncb, cols), split(fb.wt, ncb, cols),
               split(fb.x, ncb, cols), split(fb.s, ncb, cols))

    def one_chunk(a_args, b_args):
        tch, wa, xa, sa = a_args
        pairs_b, wb, xb, sb = b_args
        fbc = fb._replace(pairs=jnp.moveaxis(pairs_b, 0, 1))
        # phi_b derivatives share stages 2-3 with the value (they differ only in stage 4)
        ds = {}
        for r, f_a, f_b in fields.values():
            key = (f"{r}_{f_a}", int(f_b == 1))
            if key not in ds:
                ds[key] = phi_a(theta_b(tch[key[0]], fbc, f_b), fa)
        fvals = {name: phi_b(ds[(f"{r}_{f_a}", int(f_b == 1))], fbc, f_b)
                 for name, (r, f_a, f_b) in fields.items()}
        shape = next(iter(fvals.values())).shape
        g = {"xa": xa[:, None, None, None], "sa": sa[:, None, None, None],
             "xb": xb[None, :, None, None], "sb": sb[None, :, None, None]}
        vals = integrand(fvals, g)
        w = (wa[:, None] * wb[None, :])[:, :, None, None]
        return jax.tree_util.tree_map(lambda v: jnp.sum(jnp.broadcast_to(v, shape) * w), vals)

    def row_chunk(a_args):
        if ncb == 1:
            return one_chunk(a_args, jax.tree_util.tree_map(lambda v: v[0], carry_b))
        parts_b = jax.lax.map(lambda b_args: one_chunk(a_args, b_args), carry_b)
        return jax.tree_util.tree_map(lambda v: jnp.sum(v, axis=0), parts_b)

    if devices is not None:
        return jax.tree_util.tree_map(lambda v: fa.c * fb.c * v,
                                      _split_chunks(row_chunk, carry_a, nch, devices))
    parts = jax.lax.map(row_chunk, carry_a)
    return jax.tree_util.tree_map(lambda v: fa.c * fb.c * jnp.sum(v, axis=0), parts)


def _split_chunks(row_chunk, carry_a, nch: int, devices):
    """``sum over chunks of row_chunk(chunk)``, the chunks split over ``devices`` (shard_map).

    When ``nch`` is not a multiple of the device count, copies of chunk 0 with zero weights pad the
    chunk axis (finite values times zero: nothing added, no NaN in values or gradients).
    """
    k = len(devices)
    pad = (-nch) % k
    if pad:
        tch, wa, xa, sa = carry_a
        rep = lambda v: jnp.concatenate([v, jnp.repeat(v[:1], pad, axis=0)], axis=0)  # noqa: E731
        wa = jnp.concatenate([wa, jnp.zeros((pad,) + wa.shape[1:], wa.dtype)], axis=0)
        carry_a = (jax.tree_util.tree_map(rep, tch), wa, rep(xa), rep(sa))
    mesh = jax.sharding.Mesh(np.array(devices), ("chunks",))
    spec = jax.sharding.PartitionSpec

    def local(share):
        part = jax.tree_util.tree_map(lambda v: jnp.sum(v, axis=0), jax.lax.map(row_chunk, share))
        return jax.tree_util.tree_map(lambda v: jax.lax.psum(v, "chunks"), part)

    return jax.shard_map(local, mesh=mesh, in_specs=spec("chunks"), out_specs=spec())(carry_a)


def map_states(fn, rho, batch_size: int | None = None):
    """Apply ``fn`` (one (d, d) state -> pytree) over the leading axes of ``rho`` (``lax.map``)."""
    if rho.ndim == 2:
        return fn(rho)
    lead = rho.shape[:-2]
    flat = rho.reshape((math.prod(lead),) + rho.shape[-2:])
    out = jax.lax.map(fn, flat, batch_size=batch_size)
    return jax.tree_util.tree_map(lambda v: v.reshape(lead + v.shape[1:]), out)
