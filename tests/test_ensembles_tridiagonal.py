"""The block-packed contour sweep of ``jaxthermo.ensembles.tridiagonal``.

References we did not write: scipy's banded LU (``scipy.linalg.solve_banded``, LAPACK gbsv with
partial pivoting) for every shifted solve, scipy's ``expm`` for the propagator, and the diffrax
integration of the birth-death equation for whole ensembles packed several blocks per lane.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm, solve_banded

from jaxthermo.ensembles import SpinEnsemble
from jaxthermo.ensembles.tridiagonal import (
    LaneLayout,
    contour_nodes,
    expm_lanes,
    expm_tridiag,
    lane_shape,
)


def _random_generator(rng, length):
    """Real tridiagonal T with T[i+1,i] T[i,i+1] >= 0 and spectrum <= 0 (Gershgorin), the class
    the sweep is written for; magnitudes spread over six decades like the ensemble chains."""
    scale = 10.0 ** rng.uniform(-3, 3, length)
    lo = rng.uniform(0, 1, length) * scale
    up = rng.uniform(0, 1, length) * scale
    lo[0], up[-1] = 0.0, 0.0
    diag = -(lo + up) - rng.uniform(0, 1, length) * scale
    return lo, diag, up


def _to_lanes(v, shape):
    """(num_lanes, L) one chain per lane -> (nchunk, nseg, S, w), zero padding."""
    nchunk, nseg, seg, width = shape
    v = np.pad(v, ((0, nchunk * width - v.shape[0]), (0, nseg * seg - v.shape[1])))
    return jnp.asarray(v.reshape(nchunk, width, nseg, seg).transpose(0, 2, 3, 1))


def _from_lanes(v, num, length):
    nchunk, nseg, seg, width = v.shape
    return np.asarray(v).transpose(0, 3, 1, 2).reshape(nchunk * width, nseg * seg)[:num, :length]


@pytest.mark.parametrize("length,num,lane_width,segment", [(1, 3, 2, 4), (7, 5, 2, 3),
                                                           (50, 37, 8, 16), (33, 4, 32, 16)])
def test_shifted_solves_vs_scipy_banded(length, num, lane_width, segment):
    """Every shifted solve (zeta_k - T) y = b of the sweep, node by node, against LAPACK's banded
    LU with pivoting: the weight e_k returns Re y_k, the weight -i e_k returns Im y_k."""
    rng = np.random.default_rng(length * 100 + num)
    lo, dg, up = (np.stack(v) for v in zip(*[_random_generator(rng, length) for _ in range(num)],
                                           strict=True))
    rhs = rng.normal(size=(num, length))
    zeta, _ = contour_nodes(20)
    zeta = np.r_[zeta, 0.3 + 2.0j, -50.0 - 0.01j, 1e-3j]  # beyond the contour: any Im z != 0
    shape = lane_shape(num, length, lane_width, segment)
    lanes = [_to_lanes(v, shape) for v in (lo, dg, up, rhs)]
    sweep = jax.jit(lambda weights: expm_lanes(*lanes, (jnp.asarray(zeta), weights)))
    for k, z in enumerate(zeta):
        weights = np.zeros(len(zeta), complex)
        weights[k] = 1.0
        re = _from_lanes(sweep(weights), num, length)
        im = _from_lanes(sweep(-1j * weights), num, length)
        for c in range(num):
            ab = np.zeros((3, length), complex)
            ab[0, 1:] = -up[c, :-1]
            ab[1] = z - dg[c]
            ab[2, :-1] = -lo[c, 1:]
            ref = solve_banded((1, 1), ab, rhs[c].astype(complex))
            scale = np.max(np.abs(ref))
            np.testing.assert_allclose(re[c] + 1j * im[c], ref, rtol=0, atol=1e-12 * scale)


def test_expm_tridiag_vs_scipy_expm_batched_and_complex():
    rng = np.random.default_rng(7)
    length = 12
    lo, dg, up = (np.stack(v) for v in zip(*[_random_generator(rng, length) for _ in range(6)],
                                           strict=True))
    lo, dg, up = (v.reshape(2, 3, length) / 300.0 for v in (lo, dg, up))  # ||tA|| ~ 10
    x0 = rng.normal(size=(2, 3, length)) + 1j * rng.normal(size=(2, 3, length))
    for t in (0.0, 0.37, 4.0):
        got = np.asarray(expm_tridiag(jnp.asarray(lo), jnp.asarray(dg), jnp.asarray(up),
                                      jnp.asarray(x0), t))
        for i in range(2):
            for j in range(3):
                a = np.diag(dg[i, j]) + np.diag(lo[i, j, 1:], -1) + np.diag(up[i, j, :-1], 1)
                ref = expm(t * a) @ x0[i, j]
                np.testing.assert_allclose(got[i, j], ref, rtol=0, atol=1e-12)
    # real input broadcast against batched coefficients
    got = np.asarray(expm_tridiag(jnp.asarray(lo), jnp.asarray(dg), jnp.asarray(up),
                                  jnp.asarray(x0[0, 0].real), 1.0))
    a = np.diag(dg[1, 2]) + np.diag(lo[1, 2, 1:], -1) + np.diag(up[1, 2, :-1], 1)
    np.testing.assert_allclose(got[1, 2], expm(a) @ x0[0, 0].real, rtol=0, atol=1e-12)


@pytest.mark.parametrize("lengths", [[1, 3, 5, 7, 9, 11], [2, 4, 6, 8, 10], [5, 5, 5, 1, 1, 1, 1],
                                     list(range(1, 202, 2))])
def test_lane_layout_packs_every_entry_once(lengths):
    layout = LaneLayout.pack(lengths, lane_width=4, segment=8)
    chain, offset = (np.asarray(v) for v in layout.positions())
    assert chain.shape == layout.shape
    idx = np.asarray(layout.flat_index(jnp.arange(max(lengths))[None, :]))
    for c, ln in enumerate(lengths):  # each chain appears once, contiguous, in order
        sel = chain == c
        assert sel.sum() == ln
        assert sorted(offset[sel].tolist()) == list(range(ln))
        np.testing.assert_array_equal(chain.reshape(-1)[idx[c, :ln]], c)
        np.testing.assert_array_equal(offset.reshape(-1)[idx[c, :ln]], np.arange(ln))
    assert (chain >= 0).sum() == sum(lengths)
    # values spread per chain
    _, _, vals = layout.positions(np.arange(len(lengths)) * 10 + 3)
    vals = np.asarray(vals)
    np.testing.assert_array_equal(vals[chain >= 0], chain[chain >= 0] * 10 + 3)
    assert np.all(vals[chain < 0] == 0)
    if lengths == list(range(1, 202, 2)):  # ensemble blocks: pairs fill the lanes
        num_lanes = np.max(np.asarray(layout.lane)) + 1
        assert num_lanes == 51 and layout.shape[1] * layout.shape[2] == 208


@pytest.mark.parametrize("n,s,x0,xb", [pytest.param(200, 0.5, 1.0, 0.7, marks=pytest.mark.slow), (151, 0.5, -0.5, -1.5),
                                       (40, 1.0, 0.8, 1.0)])
def test_packed_ensemble_vs_diffrax(n, s, x0, xb):
    """Whole ensembles (several blocks per lane, several lane chunks and checkpoint segments)
    against diffrax on the birth-death equation, at every block and time."""
    ens = SpinEnsemble(n, s)
    st = ens.thermal_state(x0)
    ts = jnp.array([0.0, 2e-4, 0.01, 0.2])
    exact = ens.evolve(st, ts, xb)
    by_ode = ens.evolve(st, ts, xb, method="diffrax", rtol=1e-11, atol=1e-14)
    np.testing.assert_allclose(exact.blocks, by_ode.blocks, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(exact.blocks[0], st.blocks)  # t = 0 exact
    assert float(jnp.max(jnp.abs(jnp.where(st.mask, 0.0, exact.blocks)))) == 0.0  # padding


def test_grad_and_vmap_through_packed_sweep():
    ens = SpinEnsemble(30, 0.5)

    def e_of(t, xb):
        return ens.energy(ens.evolve(ens.thermal_state(0.9), jnp.atleast_1d(t), xb).at(0))

    g = jax.grad(e_of, argnums=(0, 1))(0.05, 0.4)
    eps = 1e-6
    fd_t = (e_of(0.05 + eps, 0.4) - e_of(0.05 - eps, 0.4)) / (2 * eps)
    fd_b = (e_of(0.05, 0.4 + eps) - e_of(0.05, 0.4 - eps)) / (2 * eps)
    assert float(g[0]) == pytest.approx(float(fd_t), rel=1e-6)
    assert float(g[1]) == pytest.approx(float(fd_b), rel=1e-6)
    vt = jax.jit(jax.vmap(e_of, in_axes=(0, None)))(jnp.array([0.0, 0.05, 0.3]), 0.4)
    np.testing.assert_allclose(vt, [e_of(t, 0.4) for t in (0.0, 0.05, 0.3)], rtol=1e-12)
