"""C_v, C_h, D_th and the dephasing maps (paper 000, Sec. II; spec seed-000 Sec. 2, R4-R7, R22).

References we did not write: a numpy/scipy brute force of the definitions, the spec's reference
values, and the App. E closed form (E.5) for the collective steady state of spins-1/2.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sla

import jaxthermo as jt
from jaxthermo.thermo.coherent_parts import (
    coherence_parts,
    diagonal_free_energy,
    horizontal_coherence,
    population_distance,
    vertical_coherence,
)
from jaxthermo.thermo.dephasing import (
    block_dephase,
    degeneracies,
    diagonal_dephase,
    level_labels,
)


def _collective(n, x, s=0.5):
    jx, _, jz = jt.collective_ops(n, s)
    return jz, jt.thermal_jump_ops(jz, 2 * jx, jt.ThermalBath(x, spectrum="bosonic"))


def _np_entropy(r):
    p = np.linalg.eigvalsh(np.asarray(r))
    p = p[p > 1e-15]
    return float(-np.sum(p * np.log(p)))


def _brute_parts(rho, energies, beta, u=None):
    """numpy brute force of the definitions, in the basis given by the columns of u."""
    rho = np.asarray(rho)
    e = np.asarray(energies)
    if u is not None:
        rho = np.conj(u.T) @ rho @ u
    same = np.abs(e[:, None] - e[None, :]) < 1e-9
    rbd = np.where(same, rho, 0)
    p = np.real(np.diag(rho))
    q = np.exp(-beta * e) / np.sum(np.exp(-beta * e))
    s, sbd = _np_entropy(rho), _np_entropy(rbd)
    sd = float(-np.sum(p[p > 0] * np.log(p[p > 0])))
    dth = float(np.sum(p[p > 0] * (np.log(p[p > 0]) - np.log(q[p > 0]))))
    return sbd - s, sd - sbd, dth


def _random_state(key, d):
    return jt.quantum.random_density_matrix(key, d)


def test_parts_against_brute_force_and_total_relative_entropy():
    h = jnp.diag(jnp.array([0.0, 1.0, 1.0, 1.0, 2.5, 2.5]))
    rho = _random_state(jax.random.PRNGKey(0), 6)
    for beta in (0.7, -1.3):
        p = coherence_parts(rho, h, beta)
        cv, ch, dth = _brute_parts(rho, np.diag(h), beta)
        np.testing.assert_allclose([p.vertical, p.horizontal, p.population], [cv, ch, dth],
                                   rtol=1e-10, atol=1e-12)
        sigma = np.asarray(jt.gibbs_state(h, beta))
        rel = np.real(np.trace(np.asarray(rho) @ (sla.logm(np.asarray(rho)) - sla.logm(sigma))))
        np.testing.assert_allclose(p.total, rel, rtol=1e-10)
        assert p.vertical > 0 and p.horizontal > 0 and p.population > 0


def test_dephasing_maps():
    h = jnp.diag(jnp.array([0.0, 1.0, 1.0, 2.0]))
    rho = _random_state(jax.random.PRNGKey(1), 4)
    bd = np.asarray(block_dephase(rho, h))
    mask = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 1]], bool)
    np.testing.assert_allclose(bd, np.where(mask, rho, 0), atol=1e-15)
    np.testing.assert_allclose(diagonal_dephase(rho, h), np.diag(np.diag(rho)), atol=1e-15)
    # BD commutes with H, is idempotent and trace preserving
    np.testing.assert_allclose(bd @ h - h @ bd, 0, atol=1e-14)
    np.testing.assert_allclose(block_dephase(bd, h), bd, atol=1e-15)
    e, mult = degeneracies(h)
    np.testing.assert_allclose(e, [0, 1, 2])
    assert list(mult) == [1, 2, 1]


def test_basis_dependence_ch_dth_but_not_cv_total():
    """C_h and D_th depend on the eigenbasis inside degenerate blocks; C_v, C_h + D_th do not."""
    h, _ = _collective(2, 0.5)
    rho = _random_state(jax.random.PRNGKey(2), 4)
    th = 0.3
    rot = np.eye(4, dtype=complex)
    rot[1:3, 1:3] = [[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]]
    p0 = coherence_parts(rho, h, 0.8)
    p1 = coherence_parts(rho, h, 0.8, basis=rot)
    cv, ch, dth = _brute_parts(rho, np.diag(np.real(h)), 0.8, u=rot)
    np.testing.assert_allclose([p1.vertical, p1.horizontal, p1.population], [cv, ch, dth],
                               rtol=1e-10)
    np.testing.assert_allclose(p0.vertical, p1.vertical, rtol=1e-12)
    np.testing.assert_allclose(p0.total, p1.total, rtol=1e-12)
    np.testing.assert_allclose(p0.horizontal + p0.population, p1.horizontal + p1.population,
                               rtol=1e-12)
    assert abs(p0.horizontal - p1.horizontal) > 1e-3
    assert abs(p0.population - p1.population) > 1e-3
    # "eigh" basis: C_v and the total agree with the product basis
    pe = coherence_parts(rho, h, 0.8, basis="eigh")
    np.testing.assert_allclose([pe.vertical, pe.total], [p0.vertical, p0.total], rtol=1e-12)


def test_nondegenerate_system_has_no_horizontal_coherence():
    h = jnp.diag(jnp.array([0.0, 0.7, 1.9, 3.1]))
    for k in range(3):
        rho = _random_state(jax.random.PRNGKey(10 + k), 4)
        p = coherence_parts(rho, h, 1.0)
        assert abs(p.horizontal) < 1e-13
        assert abs(horizontal_coherence(rho, h)) < 1e-13


def test_near_degenerate_grouping_tolerance():
    delta = 1e-3
    h = jnp.diag(jnp.array([0.0, 1.0 - delta / 2, 1.0 + delta / 2, 2.0]))
    assert list(np.asarray(level_labels(jnp.diag(h), 2 * delta))) == [0, 1, 1, 2]
    assert list(np.asarray(level_labels(jnp.diag(h), 0.5 * delta))) == [0, 1, 2, 3]
    # chains are grouped transitively (single linkage)
    assert len(set(np.asarray(level_labels(jnp.array([0.0, 0.6, 1.2]), 0.7)).tolist())) == 1
    rho = _random_state(jax.random.PRNGKey(3), 4)
    grouped = coherence_parts(rho, h, 1.0, degeneracy_tol=2 * delta)
    split = coherence_parts(rho, h, 1.0, degeneracy_tol=0.5 * delta)
    hdeg = jnp.diag(jnp.array([0.0, 1.0, 1.0, 2.0]))
    exact = coherence_parts(rho, hdeg, 1.0)
    assert abs(split.horizontal) < 1e-13
    np.testing.assert_allclose(grouped.horizontal, exact.horizontal, rtol=1e-12)
    np.testing.assert_allclose(grouped.vertical, exact.vertical, rtol=1e-12)


def test_collective_steady_state_R4_and_dicke_basis():
    """Spec R4 (n = 2, omega beta_0 = 2, x = 0.5) and C_h = 0 in the Dicke basis."""
    h, ops = _collective(2, 0.5)
    rinf = jt.stationary_projection(h, ops, jt.gibbs_state(h, 2.0))
    p = coherence_parts(rinf, h, 0.5)
    np.testing.assert_allclose(jt.energy(h, rinf), -0.2865423, atol=1e-7)
    np.testing.assert_allclose(p.horizontal, 0.0393912, atol=1e-7)
    np.testing.assert_allclose(p.population, 0.0164954, atol=1e-7)
    np.testing.assert_allclose(p.s, 1.2489963, atol=1e-7)
    assert abs(p.vertical) < 1e-10
    # Dicke basis: |T+>, |T0>, |T->, |S> ordered to keep H diagonal -> no horizontal coherence
    u = np.zeros((4, 4))
    u[0, 0] = 1
    u[1, 1] = u[2, 1] = 1 / np.sqrt(2)
    u[3, 3] = 1
    u[1, 2], u[2, 2] = 1 / np.sqrt(2), -1 / np.sqrt(2)
    pd = coherence_parts(rinf, h, 0.5, basis=u)
    assert abs(pd.horizontal) < 1e-10
    np.testing.assert_allclose(pd.total, p.total, rtol=1e-10)


def _dicke_thermal(n, x):
    """The x-thermal state of the J = n/2 ladder, built from symmetric product-basis kets
    (|J=n/2, m> = uniform superposition of the C(n, n/2+m) product states with sum m_k = m)."""
    d = 2**n
    ups = np.array([n - bin(k).count("1") for k in range(d)])  # index bit 0 = spin up
    rho = np.zeros((d, d))
    ms = np.arange(-n / 2, n / 2 + 1)
    w = np.exp(-ms * x)
    w /= w.sum()
    for m, wm in zip(ms, w, strict=True):
        v = (ups == int(n / 2 + m)).astype(float)
        v /= np.linalg.norm(v)
        rho += wm * np.outer(v, v)
    return rho, ms, w


@pytest.mark.parametrize("n,expected", [(2, 0.1696328), (4, 0.5228078)])
def test_ch_infinity_E5_full_space(n, expected):
    """Spec R6: C_h(inf) of the collective steady state from |g..g>, x = 1, vs (E.5)."""
    x = 1.0
    h, _ = _collective(n, x)
    rinf, ms, w = _dicke_thermal(n, x)
    if n == 2:  # the steady state really is the Dicke-ladder Gibbs state
        _, ops = _collective(n, x)
        rho0 = jnp.zeros((4, 4), complex).at[3, 3].set(1.0)
        np.testing.assert_allclose(jt.stationary_projection(h, ops, rho0), rinf, atol=1e-10)
    ch = coherence_parts(rinf, h, x).horizontal
    e5 = float(np.sum(w * np.log([math.comb(n, int(n / 2 + m)) for m in ms])))
    np.testing.assert_allclose(ch, e5, rtol=1e-9)
    np.testing.assert_allclose(ch, expected, atol=1e-7)


def test_free_energy_and_single_part_helpers():
    h = jnp.diag(jnp.array([0.0, 1.0, 1.0]))
    rho = _random_state(jax.random.PRNGKey(4), 3)
    beta = 0.9
    p = coherence_parts(rho, h, beta)
    np.testing.assert_allclose(vertical_coherence(rho, h), p.vertical, rtol=1e-12)
    np.testing.assert_allclose(population_distance(rho, h, beta), p.population, rtol=1e-12)
    th = jt.gibbs_state(h, beta)
    f_eq = diagonal_free_energy(th, h, beta)
    np.testing.assert_allclose(beta * (diagonal_free_energy(rho, h, beta) - f_eq), p.population,
                               rtol=1e-10)


def test_jit_vmap_grad_no_nan_at_degenerate_and_pure_states():
    h, _ = _collective(2, 0.5)
    f = jax.jit(lambda r, b: coherence_parts(r, h, b).total)
    rhos = jnp.stack([_random_state(jax.random.PRNGKey(k), 4) for k in range(3)])
    tot = jax.vmap(f, in_axes=(0, None))(rhos, 0.5)
    for r, t in zip(rhos, tot, strict=True):
        np.testing.assert_allclose(t, coherence_parts(r, h, 0.5).total, rtol=1e-12)
    # gradient in beta against central finite differences
    r = rhos[0]
    g = jax.grad(lambda b: coherence_parts(r, h, b).population)(0.5)
    eps = 1e-5
    fd = (coherence_parts(r, h, 0.5 + eps).population
          - coherence_parts(r, h, 0.5 - eps).population) / (2 * eps)
    np.testing.assert_allclose(g, fd, rtol=1e-7)
    # degenerate spectrum (maximally mixed) and pure states: finite gradients w.r.t. rho
    for state in (jnp.eye(4, dtype=complex) / 4, jt.ket2dm(jt.basis(4, 1))):
        gr = jax.grad(lambda z: coherence_parts(z, h, 0.5).horizontal)(state)
        assert np.all(np.isfinite(np.asarray(gr)))


def test_bad_input_errors_name_the_argument():
    h = jnp.diag(jnp.array([0.0, 1.0, 1.0]))
    rho = jnp.eye(3) / 3
    with pytest.raises(ValueError, match="H is not diagonal"):
        coherence_parts(rho, jnp.ones((3, 3)), 1.0)
    with pytest.raises(ValueError, match="basis is not an eigenbasis"):
        coherence_parts(rho, h, 1.0, basis=np.eye(3)[:, [1, 0, 2]] @ sla.expm(
            0.3 * np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 0]])))
    with pytest.raises(ValueError, match="basis must be unitary"):
        coherence_parts(rho, h, 1.0, basis=2 * np.eye(3))
    with pytest.raises(ValueError, match="basis must be None, 'eigh'"):
        coherence_parts(rho, h, 1.0, basis="dicke")
    with pytest.raises(ValueError, match="does not match H"):
        coherence_parts(jnp.eye(2) / 2, h, 1.0)
    with pytest.raises(ValueError, match="H must be Hermitian"):
        coherence_parts(rho, jnp.array([[0, 1, 0], [0, 0, 0], [0, 0, 1.0]]), 1.0)
    with pytest.raises(ValueError, match="degeneracy_tol"):
        level_labels(jnp.arange(3.0), -1.0)
