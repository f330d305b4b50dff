"""Rates and integrated parts of the entropy production split (paper 000, Eqs. 2-4, 6; spec R8-R14,
R22, R23). References: the core's Spohn rate, the Eq. (4) trace formulas written here with
scipy.linalg.logm, central finite differences along mesolve trajectories, spec reference values."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sla

import jaxthermo as jt
from jaxthermo.thermo.coherent_parts import parts_along
from jaxthermo.thermo.production_split import (
    entropy_production_rates,
    integrated_production,
    production_rates_along,
    production_rates_trajectory,
)

X = 0.5  # hbar omega beta_B of the spec's defaults


@pytest.fixture(scope="module")
def model():
    jx, _, jz = jt.collective_ops(2, 0.5)
    ops = jt.thermal_jump_ops(jz, 2 * jx, jt.ThermalBath(X, spectrum="bosonic"))
    return jz, 2 * jx, ops


@pytest.fixture(scope="module")
def trajectory(model):
    """Collective relaxation of n = 2 from rho_th(beta_0 = 2) (spec R9), with +-h neighbours."""
    h, _, ops = model
    hstep = 1e-4
    ts = jnp.array([0.0, 0.1 - hstep, 0.1, 0.1 + hstep, 0.5 - hstep, 0.5, 0.5 + hstep,
                    1.0 - hstep, 1.0, 1.0 + hstep, 10.0])
    res = jt.mesolve(h, jt.gibbs_state(h, 2.0), ts, ops, rtol=1e-12, atol=1e-13)
    return ts, res.states, hstep


def _logm(r):
    return sla.logm(np.asarray(r))


def test_R9_reference_rates_and_identity(model, trajectory):
    h, _, ops = model
    _, states, _ = trajectory
    expected = {  # t: (-dC_h/dt, -dD_th/dt, Pi)
        2: (-0.1567244, 1.1208121, 0.9640877),
        5: (-0.0118129, 0.0380724, 0.0262595),
        8: (-0.0013272, 0.0017058, 0.0003786),
    }
    rates = production_rates_trajectory(h, ops, states, X)
    for k, (ch, dth, pi) in expected.items():
        np.testing.assert_allclose(rates.horizontal[k], ch, atol=1e-7)
        np.testing.assert_allclose(rates.population[k], dth, atol=1e-7)
        np.testing.assert_allclose(rates.total[k], pi, atol=1e-7)
        assert abs(rates.vertical[k]) < 1e-12
        assert abs(rates.residual[k]) < 1e-12  # spec R10: Pi = sum of the three terms
        assert rates.horizontal[k] < 0  # bath-generated horizontal coherence (Sec. IV A)


def test_R10_rates_against_finite_differences_and_trace_formulas(model, trajectory):
    h, _, ops = model
    _, states, hstep = trajectory
    beta = X
    lth = _logm(jt.gibbs_state(h, beta))
    for k in (2, 5, 8):
        parts = parts_along(states[k - 1:k + 2], h, beta)
        r = entropy_production_rates(h, ops, states[k], beta)
        for field in ("population", "horizontal", "vertical"):
            fd = -(getattr(parts, field)[2] - getattr(parts, field)[0]) / (2 * hstep)
            np.testing.assert_allclose(getattr(r, field), fd, atol=1e-6)
        # Eq. (4) trace formulas with matrix logarithms (rho full rank at t > 0)
        rho = np.asarray(states[k])
        drho = np.asarray(jt.lindblad_rhs(h, ops, rho))
        mask = np.abs(np.diag(h)[:, None] - np.diag(h)[None, :]) < 1e-9
        rbd, rd = np.where(mask, rho, 0), np.diag(np.diag(rho))
        lr, lbd, ld = _logm(rho), _logm(rbd), _logm(rd)
        tr = lambda a, d=drho: float(np.real(np.trace(d @ a)))  # noqa: E731
        np.testing.assert_allclose(r.vertical, -tr(lr - lbd), atol=1e-10)
        np.testing.assert_allclose(r.horizontal, -tr(lbd - ld), atol=1e-10)
        np.testing.assert_allclose(r.population, -tr(ld - lth), atol=1e-10)


def test_R11_integrated_production(model, trajectory):
    h, _, _ = model
    _, states, _ = trajectory
    sig = integrated_production(states, h, X)
    np.testing.assert_allclose(sig.total[-1], 0.2808026, atol=1e-6)
    np.testing.assert_allclose(np.asarray(sig.residual), 0.0, atol=1e-12)
    assert sig.horizontal[-1] < 0  # -Delta C_h < 0 for collective relaxation from a thermal state


def test_R8_generation_of_horizontal_coherence(model):
    h, _, ops = model
    rho0 = jt.gibbs_state(h, 2.0)
    drho = jt.lindblad_rhs(h, ops, rho0)
    gp, gm = 1.0 + 1.0 / np.expm1(X), 1.0 / np.expm1(X)
    p1 = float(np.real(rho0[1, 1]))
    closed = p1 * (gp * (np.exp(-2) - 1) + gm * (np.exp(2) - 1))
    np.testing.assert_allclose(np.real(drho[1, 2]), closed, rtol=1e-10)
    np.testing.assert_allclose(closed, 0.8033219, atol=1e-7)
    # C_h ~ t^2: zero rate at t = 0 exactly (spec, ambiguity 7)
    assert abs(entropy_production_rates(h, ops, rho0, X).horizontal) < 1e-12


@pytest.mark.slow
def test_R13_R14_sign_of_generated_coherence_and_transient(model):
    h, a, ops = model
    ops1 = jt.thermal_jump_ops(h, a, jt.ThermalBath(1.0, spectrum="bosonic"))
    states = jt.evolve_exact(h, jt.gibbs_state(h, 0.2), jnp.array([0.0, 50.0]), ops1)
    np.testing.assert_allclose(np.real(states[-1][1, 2]), -0.0316812, atol=1e-7)
    np.testing.assert_allclose(parts_along(states, h, 1.0).horizontal[-1], 0.0046671,
                               atol=1e-7)
    states = jt.evolve_exact(h, jt.gibbs_state(h, -X), jnp.array([0.0, 0.1, 0.5, 60.0]), ops)
    p = parts_along(states, h, X)
    assert p.horizontal[1] > 1e-5
    np.testing.assert_allclose(entropy_production_rates(h, ops, states[2], X).horizontal,
                               4.619e-4, rtol=1e-3)
    assert abs(p.horizontal[-1]) < 1e-9 and abs(p.population[-1]) < 1e-9


def test_vertical_rate_nonnegative_and_identity_random_states(model):
    """Eq. (6): -dC_v/dt >= 0; Eq. (3) identity with the core's Spohn rate; Eq. (21)."""
    h, _, ops = model
    f = jax.jit(jax.vmap(lambda r: entropy_production_rates(h, ops, r, X)))
    rhos = jnp.stack([jt.quantum.random_density_matrix(jax.random.PRNGKey(k), 4)
                      for k in range(8)])
    r = f(rhos)
    assert np.all(np.asarray(r.vertical) >= -1e-12)
    assert np.all(np.asarray(r.vertical) > 1e-6)  # random states carry vertical coherence
    assert np.all(np.asarray(r.horizontal + r.population) >= -1e-12)
    assert np.all(np.asarray(r.total) >= -1e-12)
    np.testing.assert_allclose(np.asarray(r.residual), 0.0, atol=1e-12)
    # generic-generator entry point agrees
    g = production_rates_along(rhos[0], jt.lindblad_rhs(h, ops, rhos[0]), h, X)
    np.testing.assert_allclose([g.total, g.horizontal], [r.total[0], r.horizontal[0]], rtol=1e-10)


def test_independent_dissipation_classical_limit_R23():
    """Independent channels in the product basis: C_h stays 0, -dD_th/dt >= 0 (Pauli ME)."""
    jx, _, jz = jt.collective_ops(2, 0.5)
    sx = [jt.embed(jt.sigmax(), k, (2, 2)) for k in range(2)]
    ops = jt.local_thermal_jump_ops(jz, sx, jt.ThermalBath(X, spectrum="bosonic"))
    states = jt.evolve_exact(jz, jt.gibbs_state(jz, 2.0), jnp.linspace(0.0, 3.0, 7), ops)
    p = parts_along(states, jz, X)
    assert np.max(np.abs(np.asarray(p.horizontal))) < 1e-12
    r = production_rates_trajectory(jz, ops, states, X)
    assert np.all(np.asarray(r.population) >= -1e-12)
    assert np.max(np.abs(np.asarray(r.horizontal))) < 1e-12


def test_R22_superoperator_commutation(model):
    """||[L, Delta_BD]|| = 0; ||[L, Delta_D]|| = 8.28753 (collective), built here as matrices."""
    h, _, ops = model
    lv = np.asarray(jt.lindbladian(jnp.zeros((4, 4)), ops))
    e = np.real(np.diag(h))
    same = (np.abs(e[:, None] - e[None, :]) < 1e-9).ravel()
    dbd = np.diag(same.astype(float))
    dd = np.diag(np.eye(4).ravel())
    np.testing.assert_allclose(np.linalg.norm(lv @ dbd - dbd @ lv), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(lv @ dd - dd @ lv), 8.28753, atol=1e-5)


def test_grad_through_rates_and_integrated_parts(model):
    """d/d beta_0 of -dC_h/dt at a fixed time-0 state, against central finite differences."""
    h, _, ops = model

    def f(b0):
        rho = jt.gibbs_state(h, b0) + 0.1 * jnp.array(
            [[0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0]], dtype=complex)
        return entropy_production_rates(h, ops, rho, X).horizontal

    g = jax.grad(f)(1.0)
    fd = (f(1.0 + 1e-5) - f(1.0 - 1e-5)) / 2e-5
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_bad_input(model):
    h, _, ops = model
    with pytest.raises(ValueError, match="jump_ops"):
        entropy_production_rates(h, jnp.zeros((2, 3, 3)), jnp.eye(4) / 4, X)
    with pytest.raises(ValueError, match="states must have shape"):
        integrated_production(jnp.eye(4) / 4, h, X)
    with pytest.raises(ValueError, match="drho has shape"):
        production_rates_along(jnp.eye(4) / 4, jnp.eye(3), h, X)
