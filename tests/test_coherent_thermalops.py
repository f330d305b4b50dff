"""Thermal / a-thermal operations (paper 000, Sec. V, App. G-H; spec R17-R19).

References: closed forms of the spec (R17: Delta C_h^S = ln 2/(1+e), Delta E_S = 1/(1+e)), the
App. H conservation laws to 1e-12 for random energy-conserving unitaries, and the Kraus form (G.1)
against the partial trace."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.thermo.thermal_operations import (
    energy_conserving_part,
    energy_conserving_unitary,
    kraus_operators,
    operation_ledger,
    random_energy_conserving_unitary,
    total_hamiltonian,
)

_ledger = jax.jit(operation_ledger)  # also checks that the ledger jits

HS = jnp.diag(jnp.array([0.0, 1.0, 1.0]))  # V-system |g>, |e1>, |e2>
HB = jnp.diag(jnp.array([0.0, 1.0]))  # bath qubit, index 0 = ground


def _v_system_unitary():
    g, e1, e2 = np.eye(3)
    b0, b1 = np.eye(2)
    v = np.zeros((6, 6))
    for e in (e1, e2):
        t = np.kron(np.outer(e, g), np.outer(b0, b1))
        v += t + t.T
    return energy_conserving_unitary(v, HS, HB, np.pi / (2 * np.sqrt(2)))


@pytest.mark.parametrize("beta", [1.0, 0.3])
def test_R17_thermal_operation_generates_horizontal_coherence(beta):
    u = _v_system_unitary()
    led = _ledger(jnp.diag(jnp.array([1.0, 0, 0])), jt.gibbs_state(HB, 1.0), u, HS, HB,
                           beta)
    np.testing.assert_allclose(led.delta("system.horizontal"), np.log(2) / (1 + np.e), atol=1e-10)
    np.testing.assert_allclose(led.delta("system.energy"), 1 / (1 + np.e), atol=1e-10)
    for law, val in led.residuals.items():
        assert abs(float(val)) < 1e-12, law
    assert abs(led.delta("joint.vertical")) < 1e-12


def test_R18_population_divergence():
    u = _v_system_unitary()
    th = jt.gibbs_state(HS, 1.0)
    pe = th[1, 1]
    rho_s = th + 0.9 * pe * jnp.array([[0, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=complex)
    led = _ledger(rho_s, jt.gibbs_state(HB, 1.0), u, HS, HB, 1.0)
    np.testing.assert_allclose(-led.delta("system.population"), -0.0416307, atol=1e-7)
    np.testing.assert_allclose(-led.delta("system.horizontal") - led.delta("system.population"),
                               0.0463005, atol=1e-7)
    _, ch, dth = led.correlated()
    np.testing.assert_allclose(ch + dth, 0.00091667, atol=1e-8)
    np.testing.assert_allclose(led.delta("system.energy"), -0.1394475, atol=1e-7)
    assert ch >= 0 and dth >= 0  # (H.12), (H.13) positivity
    assert abs(led.residuals["H.14"]) < 1e-12


def test_R19_correlated_vertical_coherence_can_be_negative():
    """Erratum: C_cv^SB >= 0 (Eqs. 36/H.9) fails; the conservation law (35) holds."""
    hq = jnp.diag(jnp.array([0.0, 1.0]))
    v = np.zeros((4, 4))
    v[1, 2] = v[2, 1] = 1.0
    u = energy_conserving_unitary(v, hq, hq, np.pi / 4)
    for a, pb, expected in ((0.9, 0.0, -0.0369212), (0.85, 0.005, -0.0250810)):
        psi = np.array([np.sqrt(a), np.sqrt(1 - a)])
        led = _ledger(np.outer(psi, psi), np.diag([1 - pb, pb]), u, hq, hq, 1.0)
        cv, _, _ = led.correlated()
        np.testing.assert_allclose(cv, expected, atol=1e-7)
        if pb == 0.0:
            np.testing.assert_allclose(led.joint_f.vertical, 0.3250830, atol=1e-7)
            np.testing.assert_allclose(led.system_f.vertical, 0.1810021, atol=1e-7)
            np.testing.assert_allclose(led.bath_f.vertical, 0.1810021, atol=1e-7)
        assert abs(led.residuals["H.8"]) < 1e-12


def test_conservation_laws_random_energy_conserving_unitaries():
    """App. H laws to 1e-12 for random U, random S state (with vertical and horizontal
    coherence), thermal and non-thermal stationary B, several reference temperatures; (G.6):
    -Delta C_v^S >= 0; (20)/(31): -Delta C_h^S - Delta D_th^S >= 0 for thermal B at beta."""
    hs = jnp.diag(jnp.array([0.0, 1.0, 1.0, 2.0]))
    hb = jnp.diag(jnp.array([0.0, 1.0, 1.0]))
    for k in range(3):
        key = jax.random.PRNGKey(k)
        u = random_energy_conserving_unitary(key, hs, hb)
        h = total_hamiltonian(hs, hb)
        np.testing.assert_allclose(u @ h - h @ u, 0.0, atol=1e-12)
        rho_s = jt.quantum.random_density_matrix(jax.random.fold_in(key, 1), 4)
        for rho_b, beta in ((jt.gibbs_state(hb, 0.8), 0.8), (jnp.diag(jnp.array([0.2, 0.5, 0.3])),
                                                            -0.4)):
            led = _ledger(rho_s, rho_b, u, hs, hb, beta)
            for law, val in led.residuals.items():
                assert abs(float(val)) < 1e-12, (k, law, float(val))
            assert -led.delta("system.vertical") >= -1e-12
            if beta == 0.8:  # thermal operation
                assert -led.delta("system.horizontal") - led.delta("system.population") >= -1e-12
            # Kraus form (G.1) = partial trace
            ks = kraus_operators(u, rho_b, (4, 3))
            out = jnp.einsum("kij,jl,kml->im", ks, rho_s, jnp.conj(ks))
            np.testing.assert_allclose(out, jt.ptrace(led.rho_SB, (4, 3), 0), atol=1e-12)


def test_global_block_dephasing_differs_from_local():
    """Delta_{H_S+H_B} != Delta_{H_S} Delta_{H_B}: the global one keeps |e,g><g,e|."""
    hq = jnp.diag(jnp.array([0.0, 1.0]))
    v = jnp.ones((4, 4))
    kept = energy_conserving_part(v, hq, hq)
    assert kept[1, 2] == 1.0 and kept[0, 3] == 0.0


def test_bad_input():
    hq = jnp.diag(jnp.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="V must commute"):
        energy_conserving_unitary(jnp.ones((4, 4)), hq, hq)
    with pytest.raises(ValueError, match="rho_B must commute"):
        operation_ledger(jnp.eye(2) / 2, jnp.ones((2, 2)) / 2, jnp.eye(4), hq, hq)
    with pytest.raises(ValueError, match="rho_S must have unit trace"):
        operation_ledger(jnp.eye(2), jnp.eye(2) / 2, jnp.eye(4), hq, hq)
    with pytest.raises(ValueError, match="U has shape"):
        operation_ledger(jnp.eye(2) / 2, jnp.eye(2) / 2, jnp.eye(3), hq, hq)
