"""jaxthermo.ensembles: jit / vmap / grad contracts and large-n overflow safety."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxthermo.ensembles import SpinEnsemble, analytic

INF = float("inf")


def _fd(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_grad_steady_quantities_spec_check_17():
    ens = SpinEnsemble(6, 0.5)
    de = jax.grad(lambda b0: ens.energy(ens.steady_state(b0, 0.5)))(1.0)
    ds = jax.grad(lambda b0: ens.entropy(ens.steady_state(b0, 0.5)))(1.0)
    assert float(de) == pytest.approx(-0.373513494073, abs=1e-6)
    assert float(ds) == pytest.approx(-0.417123521212, abs=1e-6)


@pytest.mark.slow
def test_grad_through_dynamics_matches_finite_differences():
    ens = SpinEnsemble(4, 1.0)

    def e_of(b0, bb, t, omega):
        e = SpinEnsemble(4, 1.0, omega=omega)
        return e.energy(e.evolve(e.thermal_state(b0), jnp.array([t]), bb).at(0))

    args = (1.3, -0.4, 0.6, 1.1)
    g = jax.grad(e_of, argnums=(0, 1, 2, 3))(*args)
    for k in range(4):
        def f(x, k=k):
            a = list(args)
            a[k] = x
            return float(e_of(*a))
        assert float(g[k]) == pytest.approx(_fd(f, args[k]), rel=1e-6, abs=1e-8)
    # coherent path: gradient of the entropy wrt the bath temperature
    st0 = ens.thermal_state(0.7).to_matrices()
    psi = st0.mask / jnp.sqrt(jnp.sum(st0.mask, -1, keepdims=True))  # uniform superposition
    pure = psi[:, :, None] * psi[:, None, :]
    st0 = st0.with_blocks(0.7 * st0.blocks + 0.3 * pure)  # full rank with coherences

    def s_of(bb):
        return ens.entropy(ens.evolve(st0, jnp.array([0.5]), bb).at(0))

    assert float(jax.grad(s_of)(0.8)) == pytest.approx(_fd(lambda x: float(s_of(x)), 0.8),
                                                       rel=1e-5)


def test_jit_and_vmap_over_beta_and_time():
    ens = SpinEnsemble(10, 0.5)

    @jax.jit
    def energies(b0, bb, t):
        return ens.energy(ens.evolve(ens.thermal_state(b0), jnp.atleast_1d(t), bb).at(0))

    b0s = jnp.array([0.5, 1.0, -2.0])
    vb = jax.vmap(energies, in_axes=(0, None, None))(b0s, 0.7, 0.4)
    loop = jnp.array([energies(b, 0.7, 0.4) for b in b0s])
    np.testing.assert_allclose(vb, loop, rtol=1e-12)
    vt = jax.vmap(energies, in_axes=(None, None, 0))(1.0, 0.7, jnp.array([0.0, 0.3, 50.0]))
    assert float(vt[0]) == pytest.approx(float(ens.energy(ens.thermal_state(1.0))), abs=1e-12)
    assert float(vt[-1]) == pytest.approx(float(ens.steady_energy(1.0, 0.7)), abs=1e-10)
    vs = jax.vmap(lambda bb: ens.entropy(ens.steady_state(1.0, bb)))(jnp.array([-1.0, 0.0, 2.0]))
    ref = [ens.steady_entropy(1.0, bb) for bb in (-1.0, 0.0, 2.0)]
    np.testing.assert_allclose(vs, ref, rtol=1e-12)


def test_beta_limits_are_finite_and_exact():
    ens = SpinEnsemble(5, 1.5)
    for b in (INF, -INF, 0.0):
        st = ens.thermal_state(b)
        assert bool(jnp.all(jnp.isfinite(st.blocks)))
        assert np.isfinite(float(ens.entropy(st)))
    assert float(ens.energy(ens.thermal_state(INF))) == pytest.approx(-7.5, abs=1e-12)
    assert float(ens.entropy(ens.thermal_state(INF))) == pytest.approx(0.0, abs=1e-12)
    assert float(ens.entropy(ens.thermal_state(0.0))) == pytest.approx(5 * np.log(4), abs=1e-12)
    g = jax.grad(lambda b: ens.entropy(ens.steady_state(INF, b)))(INF)
    assert np.isfinite(float(g))
    # beta_bath = +-inf dynamics: pure decay / pure pumping
    late = ens.evolve(ens.thermal_state(0.3), jnp.array([200.0]), -INF).at(0)
    j = ens.j_values
    assert float(ens.energy(late)) == pytest.approx(float(jnp.sum(late.w * j)), abs=1e-9)


def test_large_n_log_space():
    n = 10**5
    e = analytic.energy_steady(n, 0.5, 2.0, 1.0)
    s = analytic.entropy_steady(n, 0.5, 2.0, 1.0)
    g = jax.grad(analytic.entropy_steady, 3)(n, 0.5, 2.0, 1.0)
    assert np.isfinite(float(e)) and np.isfinite(float(s)) and np.isfinite(float(g))
    # bounds: 0 <= E <= 2ns and S <= n ln 2; thermal-at-bath case is exact
    assert 0 < float(e) < n and 0 < float(s) < n * np.log(2)
    assert float(analytic.energy_steady(n, 0.5, 1.0, 1.0)) == pytest.approx(
        float(analytic.energy_thermal(n, 0.5, 1.0)), rel=1e-10)
    assert float(analytic.entropy_steady(n, 0.5, 1.0, 1.0)) == pytest.approx(
        float(analytic.entropy_thermal(n, 0.5, 1.0)), rel=1e-10)
    # beta_bath = 0: E = ns exactly
    assert float(analytic.energy_steady(n, 0.5, 3.0, 0.0)) == pytest.approx(n / 2, rel=1e-10)


def test_n_1000_population_dynamics_finite():
    ens = SpinEnsemble(1000, 0.5)
    traj = ens.evolve(ens.thermal_state(1.0), jnp.array([0.01, 1.0]), 2.0)
    e = jax.vmap(ens.energy)(traj)
    assert bool(jnp.all(jnp.isfinite(e)))
    assert float(jnp.sum(traj.at(1).blocks)) == pytest.approx(ens.num_blocks, rel=1e-10)
    assert float(e[-1]) == pytest.approx(float(ens.steady_energy(1.0, 2.0)), abs=1e-8)
