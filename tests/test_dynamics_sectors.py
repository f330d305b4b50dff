"""Charge sectors (quantum.sectors) and mesolve's sector layout, against the dense layout, QuTiP and
brute force in the full space."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip

import jaxthermo as jt
from jaxthermo.dynamics import evolve
from jaxthermo.dynamics.lindblad import lindbladian
from jaxthermo.quantum.linalg import unvec, vec
from jaxthermo.quantum.sectors import SectorLayout, invariant_sectors

TOL = {"rtol": 1e-10, "atol": 1e-12}


def _qutip_states(h, rho0, ts, ops):
    opts = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**6, "progress_bar": False}
    out = qutip.mesolve(qutip.Qobj(np.asarray(h)), qutip.Qobj(np.asarray(rho0)), np.asarray(ts),
                        [qutip.Qobj(np.asarray(o)) for o in ops], options=opts).states
    return np.stack([s.full() for s in out])


def _collective(n, s):
    jp, jm = (np.asarray(a) for a in jt.collective_ladder(n, s))
    jx, _, jz = (np.asarray(a) for a in jt.collective_ops(n, s))
    return jx, jz, jp, jm


def _random_block_state(seed, sector):
    """A random density matrix that is block-diagonal in ``sector`` (complex coherences inside blocks)."""
    rng = np.random.default_rng(seed)
    d = sector.size
    g = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    g = g * (sector[:, None] == sector[None, :])
    rho = g @ g.conj().T
    return rho / np.trace(rho)


def _random_charge_problem(seed, d=18, n_charges=4):
    """Random complex H and jump operators conserving a hidden charge q (basis order shuffled): H
    block-diagonal in q, L_1 lowers q by one, L_2 raises it by two."""
    rng = np.random.default_rng(seed)
    q = rng.permutation(np.arange(d) % n_charges)

    def rand(mask):
        return mask * (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) * (rng.random((d, d)) < 0.6)

    h = rand(q[:, None] == q[None, :])
    h = 0.5 * (h + h.conj().T)
    l1 = 0.3 * rand(q[:, None] == q[None, :] - 1)
    l2 = 0.2 * rand(q[:, None] == q[None, :] + 2)
    return h, [l1, l2], q


def test_sectors_of_collective_spins_are_the_magnetisation_sectors():
    for n, s in ((5, 0.5), (3, 1.0)):
        _, jz, jp, jm = _collective(n, s)
        sector = invariant_sectors(jz, [jm, jp])
        m = np.round(np.diagonal(jz).real, 6)
        assert np.array_equal(sector[:, None] == sector[None, :], m[:, None] == m[None, :])
    # a transverse field mixes the charges: one sector
    jx, jz, jp, jm = _collective(4, 0.5)
    assert invariant_sectors(jz + 0.3 * jx, [jm]).max() == 0


def test_sectors_of_a_random_charge_problem_and_invariance_by_brute_force():
    h, ops, q = _random_charge_problem(0)
    sector = invariant_sectors(h, ops)
    same = sector[:, None] == sector[None, :]
    # the sectors refine the hidden charge and block-diagonal states stay block-diagonal under the full
    # (d^2, d^2) Lindbladian
    assert np.all(~same | (q[:, None] == q[None, :]))
    assert sector.max() >= 3
    lv = np.asarray(lindbladian(h, ops))
    rho = _random_block_state(1, sector)
    out = np.asarray(unvec(jnp.asarray(lv @ np.asarray(vec(rho)))))
    assert np.max(np.abs(out[~same])) == 0.0
    assert np.max(np.abs(out[same])) > 1e-3


def test_sector_layout_round_trip_and_transposes():
    h, ops, _ = _random_charge_problem(2)
    lay = SectorLayout(invariant_sectors(h, ops))
    rho = _random_block_state(3, lay.sector)
    r = lay.compress(jnp.asarray(rho))
    assert r.shape == (rho.shape[0], lay.width)
    np.testing.assert_array_equal(np.asarray(lay.expand(r)), rho)
    idx, mask = lay.transpose_index()
    np.testing.assert_array_equal(np.asarray(lay.expand(jnp.where(mask, r.reshape(-1)[idx], 0))), rho.T)
    for op in ops:  # Y = L rho in its row-read sectors, transposed into Z = Y^T
        sigma, tau = lay.operator_maps(op)
        y = op @ rho
        ycomp = np.zeros((lay.d, lay.width), complex)
        for b in range(lay.d):
            if tau[b] >= 0:
                mem = lay.members[tau[b]][: lay.sizes[tau[b]]]
                ycomp[b, : mem.size] = y[b, mem]
        idx, mask = lay.cross_transpose_index(sigma, tau)
        z = np.where(mask, ycomp.reshape(-1)[idx], 0)
        zfull = np.zeros_like(y)
        for b in range(lay.d):
            if sigma[lay.sector[b]] >= 0:
                mem = lay.members[sigma[lay.sector[b]]][: lay.sizes[sigma[lay.sector[b]]]]
                zfull[b, mem] = z[b, : mem.size]
        np.testing.assert_allclose(zfull, y.T, atol=1e-14)


@pytest.mark.parametrize("case", ["spin_half", pytest.param("spin_one", marks=pytest.mark.slow), "random_charge"])
def test_mesolve_sector_layout_matches_dense_and_qutip(case):
    if case == "random_charge":
        h, ops, _ = _random_charge_problem(4)
        rho0 = _random_block_state(5, invariant_sectors(h, ops))
    else:
        n, s = (5, 0.5) if case == "spin_half" else (3, 1.0)
        jx, jz, jp, jm = _collective(n, s)
        h = jz + 0.3 * jp @ jm  # conserves m but is not constant on a sector: the H term is kept
        ops = [0.4 * jm, 0.2 * jp]
        rho0 = _random_block_state(6, invariant_sectors(h, ops))  # complex coherences inside sectors
    ts = jnp.linspace(0.0, 2.0, 5)
    ours = jt.mesolve(h, rho0, ts, ops, layout="sectors", exp_ops=[h], **TOL)
    dense = jt.mesolve(h, rho0, ts, ops, layout="dense", exp_ops=[h], **TOL)
    np.testing.assert_allclose(np.asarray(ours.states), np.asarray(dense.states), atol=1e-9)
    np.testing.assert_allclose(np.asarray(ours.states), _qutip_states(h, rho0, ts, ops), atol=1e-8)
    np.testing.assert_allclose(np.asarray(ours.expects), np.asarray(dense.expects), atol=1e-9)
    assert np.max(np.abs(np.asarray(ours.states[-1] - ours.states[0]))) > 1e-2  # it did evolve
    ex = jt.mesolve(h, rho0, ts, ops, layout="sectors", exp_ops=[h], save_states=False, **TOL).expects
    np.testing.assert_allclose(np.asarray(ex), np.asarray(dense.expects), atol=1e-9)


def test_auto_picks_sectors_for_a_block_state_and_falls_back_for_coherences():
    _, jz, jp, jm = _collective(4, 0.5)
    ops = [0.4 * jm, 0.2 * jp]
    gibbs = np.asarray(jt.gibbs_state(jz, 1.0))
    plan = evolve._sparse_plan(jz, ops, gibbs, 16, "auto")
    assert plan[3] is not None and plan[3][0].n_sectors == 5 and not plan[3][2]  # H = J_z drops out
    # a state with coherences between magnetisations: auto keeps the full sparse layout
    psi = np.ones(16) / 4.0
    rho0 = 0.5 * gibbs + 0.5 * np.outer(psi, psi)
    fallback = evolve._sparse_plan(jz, ops, rho0, 16, "auto")
    assert fallback is None or fallback[3] is None
    ts = jnp.linspace(0.0, 2.0, 3)
    auto = jt.mesolve(jz, rho0, ts, ops, **TOL).states
    np.testing.assert_allclose(np.asarray(auto), _qutip_states(jz, rho0, ts, ops), atol=1e-8)
    with pytest.raises(ValueError, match="rho0 has coherences"):
        jt.mesolve(jz, rho0, ts, ops, layout="sectors")
    with pytest.raises(Exception, match="rho0 has coherences"):
        jax.jit(lambda r: jt.mesolve(jz, r, ts, ops, layout="sectors").states)(jnp.asarray(rho0))
    jx = np.asarray(jt.collective_ops(4)[0])
    with pytest.raises(ValueError, match="conserve no charge"):
        jt.mesolve(jz + jx, gibbs, ts, ops, layout="sectors")


_JP3, _JM3 = (np.asarray(a) for a in jt.collective_ladder(3))
_JZ3 = np.asarray(jt.collective_ops(3)[2])
# gradient and vmap of the sector layout on this problem: tests/test_core_sparse.py (parametrized by layout)


def _im_probe(theta, layout):
    """rho0 = Gibbs + i theta A (A real antisymmetric inside a magnetisation sector): at theta = 0 the
    imaginary part is zero but its tangent is not. Observable B = i(A^T - A) sees only Im rho."""
    jz = _JZ3
    a = np.zeros((8, 8))
    a[1, 2], a[2, 1] = 0.1, -0.1  # states 1 and 2 carry the same magnetisation
    rho0 = jt.gibbs_state(jz, 0.8) + 1j * theta * a
    ts = np.linspace(0.0, 1.5, 3)
    st = jt.mesolve(jz, rho0, ts, [0.4 * _JM3, 0.2 * _JP3], layout=layout, **TOL).states
    return jnp.real(jnp.trace(1j * (a.T - a) @ st[-1]))


def test_zero_imaginary_shortcut_keeps_tangents():
    g = jax.grad(lambda th: _im_probe(th, "sectors"))(0.0)
    fd = (_im_probe(1e-4, "sectors") - _im_probe(-1e-4, "sectors")) / 2e-4
    np.testing.assert_allclose(g, fd, rtol=1e-7)
    assert abs(float(g)) > 1e-3


def test_zero_imaginary_shortcut_under_vmap():
    # a batch mixing a real and a complex initial state (the shortcut applies to neither member)
    v = jax.vmap(lambda th: _im_probe(th, "sectors"))(jnp.array([0.0, 0.5]))
    np.testing.assert_allclose(v, [_im_probe(0.0, "dense"), _im_probe(0.5, "dense")], atol=1e-10)
    assert abs(float(v[1])) > 1e-3
