"""Weakly coherent ancillae and the continuum limit of paper 002 (Eqs. 5-8, 10-18)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo import collisions as jc

H = 0.5 * jt.sigmaz()
VX = jnp.kron(jt.sigmap(), jt.sigmam()) + jnp.kron(jt.sigmam(), jt.sigmap())


def qubit002(lam=0.5, tau=0.01, beta=1.0, g=1.0, chi=None):
    chi = jt.sigmax() if chi is None else chi
    anc = jc.Ancilla.weakly_coherent(H, beta, lam, chi, tau)
    return jc.CollisionModel(H, anc, g * VX, tau, scaling="sqrt_tau")


def bloch(r):
    r = np.asarray(r)
    return np.stack([2 * r[..., 0, 1].real, -2 * r[..., 0, 1].imag,
                     (r[..., 0, 0] - r[..., 1, 1]).real], axis=-1)


def trace_norm(x):
    return float(np.sum(np.abs(np.linalg.eigvalsh(np.asarray(x)))))


def closed_form_ss(lam, g=1.0, om=1.0, beta=1.0):
    """Spec 1.2: steady state of Eq. 6 for the qubit example (Bloch equations)."""
    h, gam = lam * g, g**2
    a = 4 * om**2 + gam**2
    z0 = -np.tanh(beta * om / 2)
    z = z0 * a / (a + 8 * h**2)
    return np.array([8 * om * h * z / a, -4 * h * gam * z / a, z])


def test_weakly_coherent_state_and_bounds():
    anc = jc.Ancilla.weakly_coherent(H, 1.0, 0.5, jt.sigmax(), 0.01)
    th = jt.gibbs_state(H, 1.0)
    np.testing.assert_allclose(np.asarray(anc.rho), np.asarray(th + 0.1 * 0.5 * jt.sigmax()),
                               atol=1e-15)
    # qubit bound tau lam^2 <= p_up p_down (spec 1.1)
    p = np.real(np.diag(np.asarray(th)))
    lo, hi = jc.admissible_lambda(H, 1.0, jt.sigmax(), 0.01)
    np.testing.assert_allclose([lo, hi], [-np.sqrt(p[0] * p[1] / 0.01), np.sqrt(p[0] * p[1] / 0.01)],
                               rtol=1e-12)
    # at the bound the state is exactly singular; its derivative is finite
    r = jc.Ancilla.weakly_coherent(H, 1.0, float(hi) * (1 - 1e-9), jt.sigmax(), 0.01).rho
    assert np.linalg.eigvalsh(np.asarray(r))[0] < 1e-8
    assert np.isfinite(jax.grad(lambda b: jc.admissible_lambda(H, b, jt.sigmax(), 0.01)[1])(1.0))
    # a three-level ancilla with a complex chi: the bound is where the smallest eigenvalue is 0
    h3 = jnp.diag(jnp.array([0.0, 0.7, 1.9]))
    chi = jnp.array([[0, 1 + 1j, 0.3], [1 - 1j, 0, 0.5j], [0.3, -0.5j, 0]])
    lo, hi = jc.admissible_lambda(h3, 0.6, chi, 0.2)
    for lam in (lo, hi):
        rho = jt.gibbs_state(h3, 0.6) + np.sqrt(0.2) * lam * chi
        assert abs(np.linalg.eigvalsh(np.asarray(rho))[0]) < 1e-12


def test_ancilla_bad_input():
    with pytest.raises(ValueError, match="zero diagonal"):
        jc.Ancilla.weakly_coherent(H, 1.0, 0.1, jt.sigmaz(), 0.01)
    with pytest.raises(ValueError, match=r"lam must lie in \[-4.434"):
        jc.Ancilla.weakly_coherent(H, 1.0, 5.0, jt.sigmax(), 0.01)
    with pytest.raises(ValueError, match="chi"):
        jc.Ancilla.weakly_coherent(H, 1.0, 0.1, jnp.array([[0, 1], [0, 0.0]]), 0.01)
    with pytest.raises(ValueError, match="chi has shape"):
        jc.Ancilla.weakly_coherent(H, 1.0, 0.1, jnp.zeros((3, 3)), 0.01)
    with pytest.raises(ValueError, match="tau"):
        jc.Ancilla.weakly_coherent(H, 1.0, 0.1, jt.sigmax(), 0.0)
    with pytest.raises(ValueError, match="rho_A must be a positive"):
        jc.Ancilla(H, jnp.array([[1.2, 0], [0, -0.2]]))
    with pytest.raises(ValueError, match="rho_A"):
        jc.Ancilla(H, jnp.eye(2))
    with pytest.raises(ValueError, match="H_A"):
        jc.Ancilla(jnp.array([[0, 1.0], [0, 0]]), jnp.eye(2) / 2)
    with pytest.raises(ValueError, match="dims"):
        jc.Ancilla.thermal(jnp.eye(4), 1.0, dims=(2, 3))
    # degenerate H_A: a chi inside a degenerate block counts as a "diagonal"
    hdeg = jnp.diag(jnp.array([0.0, 0.0, 1.0]))
    chi_bad = jnp.array([[0, 1, 0], [1, 0, 0], [0, 0, 0.0]])
    with pytest.raises(ValueError, match="zero diagonal"):
        jc.Ancilla.weakly_coherent(hdeg, 1.0, 0.1, chi_bad, 0.01)
    # no continuum limit in plain scaling, nor with a first moment Tr_A(V rho_th) != 0
    m = jc.CollisionModel(H, jc.Ancilla.thermal(H, 1.0), VX, 0.1)
    with pytest.raises(ValueError, match="sqrt_tau"):
        m.continuum_limit()
    v_bad = VX + jnp.kron(jt.sigmax(), jt.sigmaz())
    m = jc.CollisionModel(H, jc.Ancilla.thermal(H, 1.0), v_bad, 0.1, scaling="sqrt_tau")
    with pytest.raises(ValueError, match="no continuum limit"):
        m.continuum_limit()


def test_rates_detailed_balance_eq10():
    """Spec R17: jump operators are sqrt(gamma-) sigma- and sqrt(gamma+) sigma+ (Eq. 10), with
    gamma- = g^2 p_down^A... in paper 002's (1/2-normalised) convention; G = g sigma_x (Eq. 11)."""
    m = qubit002(lam=0.5)
    heff, ops = m.continuum_limit()
    np.testing.assert_allclose(np.asarray(heff), np.asarray(H + 0.5 * jt.sigmax()), atol=1e-14)
    rates = {}
    for op in np.asarray(ops):
        if np.max(np.abs(op)) < 1e-12:
            continue
        if abs(op[1, 0]) > 1e-12:
            rates["minus"] = abs(op[1, 0]) ** 2
        else:
            rates["plus"] = abs(op[0, 1]) ** 2
    np.testing.assert_allclose(rates["minus"], 0.7310585786, atol=1e-12)
    np.testing.assert_allclose(rates["plus"], 0.2689414214, atol=1e-12)
    np.testing.assert_allclose(rates["plus"] / rates["minus"], np.exp(-1.0), rtol=1e-12)


def test_me_steady_state_closed_form_and_rates():
    """Spec R18, R24: continuum steady state vs the closed form; dW_C/dt = -Q_inc = Pi/beta."""
    for lam, wc in [(0.25, 0.02100532533), (0.5, 0.06601673675), (1.0, 0.1421898945)]:
        m = qubit002(lam=lam)
        ss = m.continuum_steady_state()
        np.testing.assert_allclose(bloch(ss), closed_form_ss(lam), atol=1e-12)
        heff, ops = m.continuum_limit()
        np.testing.assert_allclose(np.asarray(jt.steady_state(heff, ops)), np.asarray(ss),
                                   atol=1e-12)
        r = jc.continuum_rates(m, ss)
        np.testing.assert_allclose(r.work_coherent_rate, wc, atol=1e-10)
        np.testing.assert_allclose(-r.heat_incoherent_rate[0], wc, atol=1e-10)
        np.testing.assert_allclose(r.entropy_production_rate, wc, atol=1e-10)
        assert abs(r.energy_rate) < 1e-12
    # derivative for the optimiser, against the reference and central differences
    f = jax.jit(lambda lam: jc.continuum_rates(qubit002(lam=lam)).work_coherent_rate)
    g = jax.jit(jax.grad(lambda lam: jc.continuum_rates(qubit002(lam=lam)).work_coherent_rate))
    np.testing.assert_allclose(g(0.5), 0.1886192479, atol=1e-9)
    np.testing.assert_allclose(g(0.5), (f(0.5 + 1e-5) - f(0.5 - 1e-5)) / 2e-5, rtol=1e-7)


def _me_state(m, rho0, t):
    """Continuum reference by expm of the Liouvillian (mesolve is compared in the slow test)."""
    lv = m.continuum_generator()
    return (jax.scipy.linalg.expm(t * lv) @ rho0.reshape(-1)).reshape(2, 2)


def test_discrete_to_continuum_first_order():
    """Spec R19, R20: ||rho_coll(T) - rho_ME(T)||_1 halves when tau halves (T = 5)."""
    rho0 = jt.ket2dm(jt.basis(2, 0))
    errs, sserrs = [], []
    for tau in (0.01, 0.005):
        m = qubit002(tau=tau)
        n = int(round(5 / tau))
        out = m.run(rho0, n, keep_every=n, entropic=False)
        errs.append(trace_norm(out.states[-1] - _me_state(m, rho0, 5.0)))
        sserrs.append(trace_norm(m.steady_state() - m.continuum_steady_state()))
    np.testing.assert_allclose(errs, [2.007188e-3, 1.001852e-3], rtol=1e-5)
    np.testing.assert_allclose(sserrs, [2.021284e-3, 1.009194e-3], rtol=1e-5)
    assert abs(errs[0] / errs[1] - 2) < 0.02
    assert abs(sserrs[0] / sserrs[1] - 2) < 0.02


@pytest.mark.slow
def test_discrete_to_continuum_mesolve_third_point():
    """Spec R19 third point with jt.mesolve on (H_eff, jump_ops) as the reference."""
    rho0 = jt.ket2dm(jt.basis(2, 0))
    errs = []
    for tau in (0.005, 0.0025):
        m = qubit002(tau=tau)
        n = int(round(5 / tau))
        out = m.run(rho0, n, keep_every=n, entropic=False)
        heff, ops = m.continuum_limit()
        res = jt.mesolve(heff, rho0, jnp.array([0.0, 5.0]), ops, rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(np.asarray(res.states[-1]),
                                   np.asarray(_me_state(m, rho0, 5.0)), atol=1e-9)
        errs.append(trace_norm(out.states[-1] - res.states[-1]))
    np.testing.assert_allclose(errs, [1.001852e-3, 5.004928e-4], rtol=1e-5)
    assert abs(errs[0] / errs[1] - 2) < 0.02


def _two_species(tau):
    a = jc.Ancilla.weakly_coherent(H, 0.5, 0.5, jt.sigmax(), tau)
    b = jc.Ancilla.weakly_coherent(H, 2.0, -0.3, jt.sigmax(), tau)
    return jc.CollisionModel(H, [a, b], [VX, 0.7 * VX], tau, scaling="sqrt_tau")


def test_two_species_eq18():
    """Spec R23: two species per cycle (each tau/2, coupling 2V/sqrt(tau)); generators add."""
    m = _two_species(0.01)
    np.testing.assert_allclose(bloch(m.continuum_steady_state()),
                               [-0.1396234422, 0.1040194645, -0.3743412815], atol=1e-9)
    # generator of the sum == sum of single-species generators
    single = [jc.CollisionModel(H, a, v, 0.01, scaling="sqrt_tau")
              for a, v in zip(m.ancillae, m.V, strict=True)]
    lsum = single[0].continuum_generator() + single[1].continuum_generator()
    lsum = lsum + 1j * (jnp.kron(H, jnp.eye(2)) - jnp.kron(jnp.eye(2), H.T))  # H_S counted twice
    np.testing.assert_allclose(np.asarray(m.continuum_generator()), np.asarray(lsum), atol=1e-14)
    r = jc.continuum_rates(m)
    assert r.heat_incoherent_rate.shape == (2,)
    np.testing.assert_allclose(r.energy_rate, r.work_coherent_rate + r.heat_incoherent_rate.sum(),
                               atol=1e-13)
    assert r.entropy_production_rate > 0
    # a relative phase between the two species' coherences matters: gradient vs differences
    def wc(phi):
        chi = jnp.exp(1j * phi) * jt.sigmap() + jnp.exp(-1j * phi) * jt.sigmam()
        b = jc.Ancilla.weakly_coherent(H, 2.0, -0.3, chi, 0.01)
        mm = jc.CollisionModel(H, [m.ancillae[0], b], list(m.V), 0.01, scaling="sqrt_tau")
        return jc.continuum_rates(mm).work_coherent_rate

    f, g = jax.jit(wc), jax.jit(jax.grad(wc))
    np.testing.assert_allclose(g(0.7), (f(0.7 + 1e-5) - f(0.7 - 1e-5)) / 2e-5, rtol=1e-6)
    assert abs(g(0.7)) > 1e-3


@pytest.mark.slow
def test_two_species_convergence():
    rho0 = jt.ket2dm(jt.basis(2, 0))
    errs = []
    for tau in (0.01, 0.005):
        mm = _two_species(tau)
        n = int(round(5 / tau))
        out = mm.run(rho0, n, keep_every=n, entropic=False)
        errs.append(trace_norm(out.states[-1] - _me_state(mm, rho0, 5.0)))
    np.testing.assert_allclose(errs, [2.821367e-3, 1.408500e-3], rtol=1e-5)


def test_discrete_laws_eqs14_16():
    """Spec R22: Eqs. 14, 15 at leading order (relative error shrinks ~ tau), the bound Eq. 16,
    S35 for C(rho_A), and the exact first law W = dE_S + Q_A = 0 (R21)."""
    rho = jnp.array([[0.3, 0.2 - 0.15j], [0.2 + 0.15j, 0.7]])
    rel = []
    for tau in (1e-3, 1e-4):
        m = qubit002(lam=0.5, tau=tau)
        led = m.ledger(rho)
        lhs14 = led.mutual_information
        rhs14 = -1.0 * led.free_energy_change - led.ancilla_coherence_change
        lhs15 = led.ancilla_relative_entropy
        rhs15 = 1.0 * led.work_coherent + led.ancilla_coherence_change
        rel.append((abs(lhs14 / rhs14 - 1), abs(lhs15 / rhs15 - 1)))
        assert 1.0 * led.work_coherent >= -led.ancilla_coherence_change
        assert abs(led.energy_change + led.heat_into_ancilla) < 1e-15
        assert abs(led.work_switch) < 1e-15
    np.testing.assert_allclose(led.mutual_information, 1.208809e-5, rtol=1e-5)
    np.testing.assert_allclose(-led.free_energy_change - led.ancilla_coherence_change,
                               1.208845e-5, rtol=1e-5)
    np.testing.assert_allclose(led.ancilla_relative_entropy, 2.891311e-6, rtol=1e-5)
    np.testing.assert_allclose(led.ancilla_coherence_change, -1.211634e-5, rtol=1e-5)
    np.testing.assert_allclose(led.work_coherent, 1.5e-5, rtol=1e-9)
    assert 5 < rel[0][0] / rel[1][0] < 20 and 5 < rel[0][1] / rel[1][1] < 20
    c = jc.energy_coherence(m.ancillae[0].rho, H)
    np.testing.assert_allclose(c, 5.409994e-5, rtol=1e-6)
    np.testing.assert_allclose(c, 0.25 * 1e-4 / np.tanh(0.5), rtol=1e-4)  # S35


def test_steady_state_ledger_rates_and_phase_gradient():
    """Steady-state ledger per collision / tau -> the continuum rate; phase of chi."""
    tau = 1e-3
    led = qubit002(lam=0.5, tau=tau).steady_state_ledger()
    np.testing.assert_allclose(led.work_coherent / tau, 0.06601673675, rtol=2e-3)

    def wc(phi):
        chi = jnp.exp(1j * phi) * jt.sigmap() + jnp.exp(-1j * phi) * jt.sigmam()
        return qubit002(lam=0.5, tau=tau, chi=chi).steady_state_ledger().work_coherent / tau

    # one species: the model is symmetric under rotations about z, so the phase of chi only
    # rotates the steady state: W_C,ss does not depend on it and its derivative vanishes
    f, g = jax.jit(wc), jax.jit(jax.grad(wc))
    np.testing.assert_allclose(f(0.7), f(0.0), rtol=1e-10)
    assert abs(g(0.7)) < 1e-9
