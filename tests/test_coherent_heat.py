"""Heat flow from populations and horizontal coherences (paper 000 App. F, Eqs. 16-18) and the
complementarity relations of Sec. IV C (Eqs. 20-24), against Tr[H L rho] from the core and the
spec's reference values R12, R15, R16, R24."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.thermo.heat_flow import (
    apparent_inverse_temperature,
    coherence_contrasts,
    complementarity,
    heat_flow,
    heat_flow_terms,
    lowering_eigenoperators,
)
from jaxthermo.thermo.production_split import entropy_production_rates

BETA0 = 1.0


def _setup(beta_bath):
    jx, _, jz = jt.collective_ops(2, 0.5)
    bath = jt.ThermalBath(beta_bath, spectrum="bosonic")
    ops = jt.thermal_jump_ops(jz, 2 * jx, bath)
    th0 = jt.gibbs_state(jz, BETA0)
    p1 = th0[1, 1]
    chi = jnp.zeros((4, 4), complex).at[1, 2].set(-0.9 * p1).at[2, 1].set(-0.9 * p1)
    return jz, 2 * jx, bath, ops, th0 + chi, chi


def test_R15_R24_heat_flow_reversal_and_corrected_eq18():
    h, a, bath, ops, rho0, chi = _setup(1.5)
    edot_core = jt.heat_current(h, ops, rho0)
    terms = heat_flow_terms(h, a, bath, rho0)
    np.testing.assert_allclose(edot_core, 0.0814744, atol=1e-7)  # hotter S gains energy
    np.testing.assert_allclose(terms.total, edot_core, rtol=1e-12)  # (F.3)
    np.testing.assert_allclose(heat_flow(h, a, bath, rho0), edot_core, rtol=1e-12)  # Eq. (17)
    w, cp, cm = coherence_contrasts(h, a, chi, BETA0)
    corrected = apparent_inverse_temperature(w, BETA0, cp, cm)
    np.testing.assert_allclose(terms.apparent, corrected, rtol=1e-12)
    np.testing.assert_allclose(corrected, [1.7956720], atol=1e-7)
    as_printed = w * BETA0 + jnp.log1p(cm) - jnp.log1p(cp)  # Eq. (18) as printed: wrong
    np.testing.assert_allclose(as_printed, [0.2043280], atol=1e-7)
    assert abs(as_printed[0] - terms.apparent[0]) > 1.0
    # apparent temperature is hotter-than-bath-inverted: w/T > w beta_B -> heat flows in
    assert terms.apparent[0] > 1.5
    # Eq. (16): -dD_th/dt = (beta_0 - beta_B) Edot; and the rate of C_h (spec R15)
    r = entropy_production_rates(h, ops, rho0, 1.5)
    np.testing.assert_allclose(r.population, (BETA0 - 1.5) * edot_core, rtol=1e-10)
    np.testing.assert_allclose(r.population, -0.0407372, atol=1e-7)
    np.testing.assert_allclose(r.horizontal, 0.9931078, atol=1e-7)
    # Eq. (27) at t = 0
    assert r.horizontal + (BETA0 - 1.5) * edot_core >= 0


def test_no_horizontal_coherence_means_thermal_apparent_temperature():
    """Vertical coherences in chi give c+ = c- = 0 and T(w) = 1/beta_0; Eq. (19) >= 0."""
    h, a, bath, ops, _, _ = _setup(1.5)
    chi = jnp.zeros((4, 4), complex).at[0, 1].set(0.05).at[1, 0].set(0.05)
    rho0 = jt.gibbs_state(h, BETA0) + chi
    w, cp, cm = coherence_contrasts(h, a, chi, BETA0)
    np.testing.assert_allclose([cp[0], cm[0]], 0.0, atol=1e-15)
    t = heat_flow_terms(h, a, bath, rho0)
    np.testing.assert_allclose(t.apparent, w * BETA0, rtol=1e-12)
    r = entropy_production_rates(h, ops, rho0, 1.5)
    assert r.population > 0


def test_eigenoperators_lower_energy():
    h, a, *_ = _setup(1.0)
    w, ops = lowering_eigenoperators(h, a)
    np.testing.assert_allclose(w, [1.0])
    np.testing.assert_allclose(h @ ops[0] - ops[0] @ h, -w[0] * ops[0], atol=1e-14)


@pytest.fixture(scope="module")
def relaxation():
    h, a, bath, ops, rho0, _ = _setup(1.2)
    ts = jnp.concatenate([jnp.array([0.0, 0.02, 1.0]), jnp.linspace(2.0, 40.0, 20)])
    return h, jt.mesolve(h, rho0, ts, ops).states


def test_R16_finite_heat_reversal_and_complementarity(relaxation):
    h, states = relaxation
    c = complementarity(states, h, BETA0, 1.2)
    de = jt.energy(h, states[-1]) - jt.energy(h, states[0])
    np.testing.assert_allclose(de, 0.0528900, atol=1e-7)
    np.testing.assert_allclose(c.heat[-1], -0.0105780, atol=1e-7)
    np.testing.assert_allclose(c.minus_delta_ch[-1], 0.1366397, atol=1e-7)
    np.testing.assert_allclose(c.minus_delta_dth[-1], -0.0413867, atol=1e-7)  # populations diverge
    np.testing.assert_allclose(c.lhs[1], 0.0222757, atol=1e-7)  # LHS(23) at t = 0.02
    assert np.all(np.asarray(c.lhs) >= -1e-12)  # Eq. (23)
    assert c.minus_delta_ch[-1] >= -c.heat[-1] > 0  # Eq. (24): consumption of coherence
    np.testing.assert_allclose(np.asarray(c.identity_residual), 0.0, atol=1e-10)  # Eq. (22)


def test_R12_identity_22_thermal_start():
    """Eq. (22) for the collective relaxation of rho_th(beta_0 = 2), bath x = 0.5 (spec R12)."""
    jx, _, jz = jt.collective_ops(2, 0.5)
    ops = jt.thermal_jump_ops(jz, 2 * jx, jt.ThermalBath(0.5, spectrum="bosonic"))
    states = jt.evolve_exact(jz, jt.gibbs_state(jz, 2.0), jnp.array([0.0, 0.5, 1.0, 5.0]), ops)
    c = complementarity(states, jz, 2.0, 0.5)
    np.testing.assert_allclose(np.asarray(c.identity_residual), 0.0, atol=1e-10)
    np.testing.assert_allclose(c.heat[2] - c.divergence[2], 0.3198335, atol=1e-7)
    assert np.all(np.asarray(c.lhs) >= -1e-12)
    # (26): creation of horizontal coherence costs heat
    assert np.all(np.asarray(c.heat) >= -np.asarray(c.minus_delta_ch) - 1e-12)


def test_heat_flow_jit_and_grad():
    h, a, bath, _, rho0, _ = _setup(1.5)
    f = jax.jit(lambda r: heat_flow_terms(h, a, bath, r).total)
    np.testing.assert_allclose(f(rho0), heat_flow(h, a, bath, rho0), rtol=1e-12)
    g = jax.grad(lambda b: heat_flow(h, a, jt.ThermalBath(b, spectrum="bosonic"), rho0))(1.5)
    fd = (heat_flow(h, a, jt.ThermalBath(1.5 + 1e-5, spectrum="bosonic"), rho0)
          - heat_flow(h, a, jt.ThermalBath(1.5 - 1e-5, spectrum="bosonic"), rho0)) / 2e-5
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_bad_input():
    h, a, bath, _, rho0, _ = _setup(1.5)
    with pytest.raises(TypeError, match="bath must be a ThermalBath"):
        heat_flow_terms(h, a, 1.5, rho0)
    with pytest.raises(ValueError, match="rho must be a square matrix"):
        heat_flow_terms(h, a, bath, jnp.ones(4))
    with pytest.raises(ValueError, match="states must have shape"):
        complementarity(rho0, h, 1.0, 1.5)
