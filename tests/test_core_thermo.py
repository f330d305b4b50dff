import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import jaxthermo as jt
from jaxthermo.quantum import random_density_matrix, random_hermitian


def _np_entropy(rho):
    p = np.linalg.eigvalsh(rho)
    p = p[p > 1e-15]
    return -np.sum(p * np.log(p))


def test_entropy_and_relative_entropy_against_scipy():
    rho = np.asarray(random_density_matrix(jax.random.PRNGKey(0), 5))
    sig = np.asarray(random_density_matrix(jax.random.PRNGKey(1), 5))
    assert np.isclose(jt.entropy(rho), _np_entropy(rho), atol=1e-13)
    ref = np.trace(rho @ (scipy.linalg.logm(rho) - scipy.linalg.logm(sig))).real
    assert np.isclose(jt.relative_entropy(rho, sig), ref, atol=1e-10)
    assert np.isclose(jt.entropy(jt.maximally_mixed(4)), np.log(4))


def test_entropy_gradient_finite_at_pure_and_rank_deficient_states():
    psi = jt.basis(3, 0)
    g = jax.grad(lambda r: jt.entropy(r).real)(jt.ket2dm(psi))
    assert np.all(np.isfinite(np.asarray(g)))
    # a smooth rank-2 family: derivative agrees with finite differences
    def fam(t):
        p = jnp.array([jnp.cos(t) ** 2, jnp.sin(t) ** 2, 0.0])
        return jt.entropy(jnp.diag(p).astype(complex))

    g = jax.grad(fam)(0.6)
    fd = (fam(0.6 + 1e-6) - fam(0.6 - 1e-6)) / 2e-6
    assert np.isclose(g, fd, rtol=1e-6)
    # degenerate spectrum (maximally mixed): finite gradient
    assert np.all(np.isfinite(np.asarray(jax.grad(lambda r: jt.entropy(r))(jt.maximally_mixed(3)))))


def test_relative_entropy_infinite_when_support_not_nested_and_gradient():
    rho = jt.maximally_mixed(2)
    sigma = jt.ket2dm(jt.basis(2, 0))
    assert jnp.isinf(jt.relative_entropy(rho, sigma))
    assert np.isclose(jt.relative_entropy(sigma, rho), np.log(2))
    # gradient in sigma against finite differences
    h = jnp.diag(jnp.array([0.0, 1.0, 2.5]))
    rho = random_density_matrix(jax.random.PRNGKey(2), 3)
    f = lambda b: jt.relative_entropy(rho, jt.gibbs_state(h + 0.3 * jt.spin_ops(1)[0], b))
    g = jax.grad(f)(0.8)
    fd = (f(0.8 + 1e-5) - f(0.8 - 1e-5)) / 2e-5
    assert np.isclose(g, fd, rtol=1e-6)


@pytest.mark.parametrize("beta", [0.5, 2.0, -1.0])
def test_free_energy_identity(beta):
    h = random_hermitian(jax.random.PRNGKey(4), 4)
    rho = random_density_matrix(jax.random.PRNGKey(5), 4)
    g = jt.gibbs_state(h, beta)
    lhs = jt.free_energy(h, rho, beta) - jt.free_energy(h, g, beta)
    assert np.isclose(lhs, jt.relative_entropy(rho, g) / beta, atol=1e-10)


def test_mutual_information_product_and_bell():
    a = random_density_matrix(jax.random.PRNGKey(6), 2)
    b = random_density_matrix(jax.random.PRNGKey(7), 3)
    assert abs(jt.mutual_information(jt.tensor(a, b), (2, 3), 0)) < 1e-12
    bell = (jt.tensor(jt.basis(2, 0), jt.basis(2, 0)) + jt.tensor(jt.basis(2, 1), jt.basis(2, 1))) / jnp.sqrt(2)
    assert np.isclose(jt.mutual_information(jt.ket2dm(bell), (2, 2), 0), 2 * np.log(2))


def test_coherence_measures():
    plus = jt.ket2dm((jt.basis(2, 0) + jt.basis(2, 1)) / jnp.sqrt(2))
    assert np.isclose(jt.l1_coherence(plus), 1.0)
    assert np.isclose(jt.relative_entropy_of_coherence(plus), np.log(2))
    # in the eigenbasis of sigma_x the state is incoherent
    _, v = np.linalg.eigh(np.asarray(jt.sigmax()))
    assert abs(jt.l1_coherence(plus, basis=jnp.asarray(v))) < 1e-12
    assert abs(jt.relative_entropy_of_coherence(plus, basis=jnp.asarray(v))) < 1e-10


def test_first_law_with_driving_and_two_baths():
    """dE/dt = P + J_hot + J_cold along a driven trajectory (conservation law)."""
    jx, _, jz = jt.spin_ops(0.5)
    h0 = 2 * jz
    hot = jt.thermal_jump_ops(h0, 2 * jx, jt.ThermalBath(0.2, 0.3))
    cold = jt.thermal_jump_ops(h0, 2 * jx, jt.ThermalBath(3.0, 0.3))
    ops = jnp.concatenate([hot, cold])
    h_t = lambda t: h0 * (1.0 + 0.2 * jnp.sin(t))
    rho = random_density_matrix(jax.random.PRNGKey(8), 2)
    t = 0.7
    drho = jt.lindblad_rhs(h_t(t), ops, rho)
    de_dt = jax.grad(lambda tt: jt.energy(h_t(tt), rho))(t) + jt.energy(h_t(t), drho)
    p = jt.power(h_t, rho, t)
    j_h = jt.heat_current(h_t(t), hot, rho)
    j_c = jt.heat_current(h_t(t), cold, rho)
    assert np.isclose(de_dt, p + j_h + j_c, atol=1e-13)


def test_two_baths_heat_flows_from_hot_to_cold_and_spohn_positive_at_steady_state():
    jx, _, jz = jt.spin_ops(1)
    h = jz
    hot = jt.thermal_jump_ops(h, jx, jt.ThermalBath(0.2, 0.5))
    cold = jt.thermal_jump_ops(h, jx, jt.ThermalBath(2.0, 0.5))
    rho = jt.steady_state(h, jnp.concatenate([hot, cold]))
    j = jt.heat_currents(h, [(hot, 0.2), (cold, 2.0)], rho)
    assert j[0] > 1e-4 and j[1] < -1e-4
    assert np.isclose(j[0] + j[1], 0.0, atol=1e-12)
    sigma = jt.spohn_production_rate(h, [(hot, 0.2), (cold, 2.0)], rho)
    assert np.isclose(sigma, -(0.2 * j[0] + 2.0 * j[1]), atol=1e-12) and sigma > 0


@pytest.mark.parametrize("seed", range(6))
def test_spohn_production_nonnegative_on_random_states_and_generators(seed):
    key = jax.random.PRNGKey(100 + seed)
    k1, k2, k3, k4 = jax.random.split(key, 4)
    d = 4
    h = random_hermitian(k1, d)
    a1, a2 = random_hermitian(k2, d), random_hermitian(k3, d)
    betas = jax.random.uniform(k4, (2,), minval=-2.0, maxval=3.0)
    b1 = jt.thermal_jump_ops(h, a1, jt.ThermalBath(betas[0], 1.0))
    b2 = jt.thermal_jump_ops(h, a2, jt.ThermalBath(betas[1], 0.5))
    for r in range(3):
        rho = random_density_matrix(jax.random.fold_in(key, r), d)
        sigma = jt.spohn_production_rate(h, [(b1, betas[0]), (b2, betas[1])], rho)
        assert sigma >= -1e-12
