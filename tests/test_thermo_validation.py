"""Input validation of the thermo functions and the collision model (API audit findings 3, 7, 9).

Bad states, bases and inverse temperatures raise ``ValueError`` naming the argument; valid input
gives the values of independent numpy eigendecompositions.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
import jaxthermo.collisions as jc
from jaxthermo.quantum import random_density_matrix, random_hermitian
from jaxthermo.thermo.coherence import l1_coherence_unchecked
from jaxthermo.thermo.entropy import entropy_unchecked, relative_entropy_unchecked

SZ = np.diag([1.0, -1.0]).astype(complex)
SX = np.array([[0, 1], [1, 0]], dtype=complex)
SM = np.array([[0, 0], [1, 0]], dtype=complex)


def _np_entropy(r):
    p = np.linalg.eigvalsh(np.asarray(r))
    p = p[p > 1e-14]
    return float(-np.sum(p * np.log(p)))


def _np_logm(r):
    w, v = np.linalg.eigh(np.asarray(r))
    return (v * np.log(w)) @ v.conj().T


def _rho(d=3, seed=0, rank=None):
    return np.asarray(random_density_matrix(jax.random.PRNGKey(seed), d, rank))


def _bad_states(d=2):
    """(name of the broken property, matrix)."""
    good = _rho(d, 1).copy()
    nan = good.copy()
    nan[0, 0] = np.nan
    neg = np.diag([1.2, -0.2] + [0.0] * (d - 2)).astype(complex)
    nonherm = good.copy()
    nonherm[0, 1] += 0.3
    return [("finite", nan), ("positive semidefinite", neg), ("unit trace", 2 * good),
            ("Hermitian", nonherm)]


# -- entropies -----------------------------------------------------------------------------------

def test_entropy_values_unchanged():
    for d, seed in [(2, 0), (3, 1), (5, 2), (8, 3)]:
        r = _rho(d, seed)
        np.testing.assert_allclose(float(jt.entropy(r)), _np_entropy(r), atol=1e-12)
    batch = np.stack([_rho(4, s) for s in range(5)] + [_rho(4, 9, rank=1)])
    np.testing.assert_allclose(np.asarray(jt.entropy(batch)), [_np_entropy(r) for r in batch],
                               atol=1e-12)
    assert abs(float(jt.entropy(batch[-1]))) < 1e-12  # pure state
    np.testing.assert_allclose(float(jax.jit(jt.entropy)(batch[0])), _np_entropy(batch[0]),
                               atol=1e-12)


@pytest.mark.parametrize("what, bad", _bad_states(2))
def test_entropy_rejects_bad_state(what, bad):
    with pytest.raises(ValueError, match=f"rho must .*{what}"):
        jt.entropy(bad)
    # one bad member in a batch: the batch check raises a plain ValueError too
    with pytest.raises(ValueError, match=f"rho must .*{what}"):
        jt.entropy(np.stack([_rho(2, 5), bad]))


def test_entropy_shape_and_jit_errors():
    with pytest.raises(ValueError, match="rho must be a square"):
        jt.entropy(np.ones((2, 3)) / 2)
    with pytest.raises(Exception, match="rho must be positive semidefinite"):
        jax.jit(jt.entropy)(jnp.diag(jnp.array([1.2, -0.2])))
    with pytest.raises(Exception, match="rho must be finite"):
        jax.jit(jt.entropy)(jnp.full((2, 2), jnp.nan))


def test_entropy_unchecked_propagates_nan():
    r = _rho(2, 1).copy()
    r[0, 0] = np.nan
    assert np.isnan(float(entropy_unchecked(r)))
    assert np.isnan(float(jax.jit(entropy_unchecked)(r)))
    assert np.isnan(float(relative_entropy_unchecked(r, _rho(2, 2))))
    assert np.isnan(float(relative_entropy_unchecked(_rho(2, 2), r)))


def test_relative_entropy_values_and_errors():
    for d, seed in [(2, 0), (3, 1), (6, 2)]:
        r, s = _rho(d, seed), _rho(d, seed + 10)
        ref = float(np.real(np.trace(r @ (_np_logm(r) - _np_logm(s)))))
        np.testing.assert_allclose(float(jt.relative_entropy(r, s)), ref, atol=1e-11)
    r, s = _rho(3, 0), _rho(3, 1)
    for what, bad in _bad_states(3):
        with pytest.raises(ValueError, match=f"rho must .*{what}"):
            jt.relative_entropy(bad, s)
        with pytest.raises(ValueError, match=f"sigma must .*{what}"):
            jt.relative_entropy(r, bad)
    with pytest.raises(ValueError, match="sigma"):
        jt.relative_entropy(r, np.eye(2) / 2)
    # derivative with respect to a Gibbs beta still matches finite differences
    h = np.diag([0.0, 0.7, 1.9]).astype(complex)

    def f(b):
        return jt.relative_entropy(r, jt.gibbs_state(h, b))

    g = float(jax.jit(jax.grad(f))(0.8))
    fd = (float(f(0.8 + 1e-6)) - float(f(0.8 - 1e-6))) / 2e-6
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_mutual_information_checks_rho():
    bell = np.zeros(4, complex)
    bell[[0, 3]] = 2 ** -0.5
    rho = np.outer(bell, bell.conj())
    np.testing.assert_allclose(float(jt.mutual_information(rho, (2, 2), 0)), 2 * np.log(2),
                               atol=1e-12)
    with pytest.raises(ValueError, match="rho has shape .4, 4., which does not match dims"):
        jt.mutual_information(rho, (2, 3), 0)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        jt.mutual_information(np.diag([1.2, -0.2, 0, 0]).astype(complex), (2, 2), 0)


# -- coherence measures ------------------------------------------------------------------------

def test_coherence_measures_values_in_random_basis():
    r = _rho(4, 3)
    u = np.linalg.qr(np.asarray(random_hermitian(jax.random.PRNGKey(4), 4)) + 1j * np.eye(4))[0]
    rt = u.conj().T @ r @ u
    l1 = np.sum(np.abs(rt)) - np.sum(np.abs(np.diag(rt)))
    np.testing.assert_allclose(float(jt.l1_coherence(r, u)), l1, atol=1e-12)
    dm = u @ np.diag(np.diag(rt)) @ u.conj().T
    np.testing.assert_allclose(np.asarray(jt.dephase(r, u)), dm, atol=1e-12)
    np.testing.assert_allclose(float(jt.relative_entropy_of_coherence(r, u)),
                               _np_entropy(dm) - _np_entropy(r), atol=1e-11)
    np.testing.assert_allclose(float(l1_coherence_unchecked(r)),
                               np.sum(np.abs(r)) - np.sum(np.abs(np.diag(r))), atol=1e-12)


def test_coherence_measures_reject_bad_basis_and_rho():
    r = _rho(2, 0)
    nonunitary = np.array([[1.0, 0.5], [0.0, 1.0]])
    for f in (jt.l1_coherence, jt.dephase, jt.relative_entropy_of_coherence):
        with pytest.raises(ValueError, match="basis must be unitary"):
            f(r, nonunitary)
        with pytest.raises(ValueError, match="basis has shape"):
            f(r, np.eye(3))
        with pytest.raises(ValueError, match="rho must be a square"):
            f(np.ones((2, 3)) / 2)
        for what, bad in _bad_states(2):
            with pytest.raises(ValueError, match=f"rho must .*{what}"):
                f(bad)


# -- energetics, free energy -------------------------------------------------------------------

def test_expect_and_energy_shapes():
    r = _rho(2, 0)
    np.testing.assert_allclose(complex(jt.expect(SX, r)), np.trace(SX @ r), atol=1e-14)
    with pytest.raises(ValueError, match="op must be a square"):
        jt.expect(np.ones((2, 3)), r)
    with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match op \(dimension 2\)"):
        jt.expect(SX, _rho(3, 0))
    with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match H \(dimension 2\)"):
        jt.energy(SZ, _rho(3, 0))
    with pytest.raises(ValueError, match="rho must be finite"):
        jt.energy(SZ, np.full((2, 2), np.nan))


def test_free_energy_beta_and_values():
    h = np.diag([0.0, 1.0, 2.5]).astype(complex)
    r = _rho(3, 2)
    e = float(np.real(np.trace(h @ r)))
    for beta in (0.7, -1.3):
        np.testing.assert_allclose(float(jt.free_energy(h, r, beta)),
                                   e - _np_entropy(r) / beta, atol=1e-12)
    for beta in (0.0, np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match="beta must be finite and nonzero"):
            jt.free_energy(h, r, beta)
        with pytest.raises(ValueError, match="beta must be finite and nonzero"):
            jt.thermo.diagonal_free_energy(r, h, beta)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        jt.free_energy(SZ, np.diag([1.2, -0.2]).astype(complex), 1.0)
    with pytest.raises(ValueError, match=r"rho has shape \(2, 2\), which does not match H"):
        jt.free_energy(h, _rho(2, 0), 1.0)


# -- production rates, coherent parts ------------------------------------------------------------

def _qubit_bath(beta=1.1):
    return [0.5 * SM, 0.5 * np.exp(-beta / 2) * SM.T]


def test_production_rates_reject_bad_states():
    beta = 1.1
    ops = _qubit_bath(beta)
    r = _rho(2, 4)
    total = float(jt.spohn_production_rate(SZ / 2, [(ops, beta)], r))
    parts = jt.entropy_production_rates(SZ / 2, ops, r, beta)
    np.testing.assert_allclose(float(parts.total), total, atol=1e-14)
    assert abs(float(parts.residual)) < 1e-10
    for f in (lambda x: jt.spohn_production_rate(SZ / 2, [(ops, beta)], x),
              lambda x: jt.entropy_production_rates(SZ / 2, ops, x, beta),
              lambda x: jt.entropy_rate(SZ / 2, ops, x),
              lambda x: jt.heat_currents(SZ / 2, [(ops, beta)], x)):
        for what, bad in _bad_states(2):
            with pytest.raises(ValueError, match=f"rho must .*{what}"):
                f(bad)
        with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match H"):
            f(_rho(3, 0))
    # arguments in coherence_parts' order (rho first) are caught: "rho" here is H, not a state
    with pytest.raises(ValueError, match="rho must have unit trace"):
        jt.entropy_production_rates(r, ops, SZ / 2, beta)


def test_power_and_heat_current_shapes():
    r = _rho(2, 0)
    np.testing.assert_allclose(float(jt.power(lambda t: t * SZ, r, 0.3)),
                               float(np.real(np.trace(SZ @ r))), atol=1e-14)
    with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match h_of_t"):
        jt.power(lambda t: t * SZ, _rho(3, 0), 0.3)
    with pytest.raises(ValueError, match="rho must have unit trace"):
        jt.heat_current(SZ, [SM], 2 * r)


def test_coherence_parts_and_parts_along_check_states():
    h = np.diag([0.0, 1.0, 1.0]).astype(complex)
    states = np.stack([_rho(3, s) for s in range(4)])
    p = jt.thermo.parts_along(states, h, 0.9)
    np.testing.assert_allclose(np.asarray(p.s), [_np_entropy(x) for x in states], atol=1e-12)
    np.testing.assert_allclose(float(jt.coherence_parts(states[1], h, 0.9).s),
                               _np_entropy(states[1]), atol=1e-12)
    bad = states.copy()
    bad[2] = np.diag([1.2, -0.2, 0.0])
    with pytest.raises(ValueError, match="states must be positive semidefinite"):
        jt.thermo.parts_along(bad, h, 0.9)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        jt.coherence_parts(bad[2], h, 0.9)
    with pytest.raises(ValueError, match="rho must have unit trace"):
        jt.coherence_parts(2 * states[0], h, 0.9)
    with pytest.raises(ValueError, match=r"rho has shape \(2, 2\), which does not match H"):
        jt.coherence_parts(_rho(2, 0), h, 0.9)
    with pytest.raises(ValueError, match="states must have unit trace"):
        jt.integrated_production(2 * states, h, 0.9)


# -- quantum states, collisions ------------------------------------------------------------------

def test_ket2dm_requires_a_ket():
    psi = np.array([0.6, 0.8j])
    ref = np.outer(psi, psi.conj())
    np.testing.assert_allclose(np.asarray(jt.ket2dm(psi)), ref, atol=0)
    np.testing.assert_allclose(np.asarray(jt.ket2dm(psi[:, None])), ref, atol=0)
    with pytest.raises(ValueError, match="psi must be a ket"):
        jt.ket2dm(np.eye(2))
    with pytest.raises(ValueError, match="psi must be a ket"):
        jt.ket2dm(psi[None, :])


def test_admissible_lambda_checks_tau_and_beta():
    beta, tau = 0.8, 0.01
    lo, hi = jc.admissible_lambda(SZ / 2, beta, SX, tau)
    pu = np.exp(-beta / 2) / (np.exp(-beta / 2) + np.exp(beta / 2))
    bound = np.sqrt(pu * (1 - pu) / tau)  # qubit, chi = sigma_x: tau lam^2 <= p_up p_down
    np.testing.assert_allclose([float(lo), float(hi)], [-bound, bound], rtol=1e-10)
    for t in (-0.1, 0.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="tau must be"):
            jc.admissible_lambda(SZ / 2, beta, SX, t)
    for b in (np.inf, -np.inf, np.nan):
        with pytest.raises(ValueError, match="beta must be finite"):
            jc.admissible_lambda(SZ / 2, b, SX, tau)
    with pytest.raises(ValueError, match="chi has shape"):
        jc.admissible_lambda(SZ / 2, beta, np.eye(3), tau)


def _model(ancilla):
    v = 0.7 * np.kron(SX, SX)
    return jc.CollisionModel(SZ / 2, ancilla, v, 0.2)


def _np_channel_apply(model, rho):
    a = model.ancillae[0]
    u = np.asarray(model.unitary(0))
    big = u @ np.kron(rho, np.asarray(a.rho)) @ u.conj().T
    return np.einsum("iaja->ij", big.reshape(2, 2, 2, 2))


def test_collision_model_checks_rho():
    m = _model(jc.Ancilla.thermal(SZ / 2, 0.5))
    r = _rho(2, 3)
    np.testing.assert_allclose(np.asarray(m.apply(r)), _np_channel_apply(m, r), atol=1e-14)
    for f in (m.apply, m.ledger):
        with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match H_S \(dimension 2\)"):
            f(_rho(3, 0))
        for what, bad in _bad_states(2):
            with pytest.raises(ValueError, match=f"rho must .*{what}"):
                f(bad)
    with pytest.raises(ValueError, match="rho_S0 must be positive semidefinite"):
        m.run(np.diag([1.2, -0.2]).astype(complex), 3)
    with pytest.raises(ValueError, match="rho_S0 has shape .3, 3., which does not match H_S"):
        m.run(_rho(3, 0), 3)


def test_ledger_fields_needing_beta_are_none_without_beta():
    r = _rho(2, 3)
    anc = jc.Ancilla(SZ / 2, _rho(2, 7))  # user-given state, no beta
    m = _model(anc)
    led = m.ledger(r)
    assert led.entropy_production_003 is None and led.free_energy_change is None
    out = m.run(r, 4).ledger
    assert out.entropy_production_003 is None and out.free_energy_change is None
    # the fields that need no beta are computed: Sigma_002 = I(S:A') + S(rho_A'||rho_A)
    u = np.asarray(m.unitary(0))
    big = u @ np.kron(r, np.asarray(anc.rho)) @ u.conj().T
    b4 = big.reshape(2, 2, 2, 2)
    rs, ra = np.einsum("iaja->ij", b4), np.einsum("iaib->ab", b4)
    mi = _np_entropy(rs) + _np_entropy(ra) - _np_entropy(r) - _np_entropy(anc.rho)
    rel = float(np.real(np.trace(ra @ (_np_logm(ra) - _np_logm(np.asarray(anc.rho))))))
    np.testing.assert_allclose(float(led.entropy_production_002), mi + rel, atol=1e-11)
    np.testing.assert_allclose(float(out.entropy_production_002[0]), mi + rel, atol=1e-11)
    assert np.all(np.isfinite(np.asarray(out.entropy_production_002)))
    # a thermal ancilla keeps both fields, finite
    led_th = _model(jc.Ancilla.thermal(SZ / 2, 0.5)).ledger(r)
    assert np.isfinite(float(led_th.entropy_production_003))
    assert np.isfinite(float(led_th.free_energy_change))
    # mixed species (one without beta): None as well, not a NaN column
    m2 = jc.CollisionModel(SZ / 2, [jc.Ancilla.thermal(SZ / 2, 0.5), anc],
                           [0.7 * np.kron(SX, SX)] * 2, 0.2)
    assert m2.ledger(r).entropy_production_003 is None


def test_energy_coherence_checks_rho():
    h = SZ / 2
    r = _rho(2, 2)
    np.testing.assert_allclose(float(jc.energy_coherence(r, h)),
                               _np_entropy(np.diag(np.diag(r))) - _np_entropy(r), atol=1e-12)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        jc.energy_coherence(np.diag([1.2, -0.2]).astype(complex), h)
    with pytest.raises(ValueError, match=r"rho has shape \(3, 3\), which does not match h \(dimension 2\)"):
        jc.energy_coherence(_rho(3, 0), h)
