"""Collision model (papers 002/003): channel, scan, ledger, first law, second law, paper numbers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip

import jaxthermo as jt
from jaxthermo import collisions as jc


def ex2(beta=1.0, kappa=0.3, alpha=0.1, dt=0.1):
    """Paper 003 Example 2 (resonant labelling of |E2>, |E3>, spec 2.2)."""
    hs = 0.5 * jt.sigmaz()
    he = jc.structured_pair_hamiltonian(0.5, 1.5, kappa)
    v = alpha * jnp.kron(jt.sigmap(), jc.structured_pair_transition())
    v = v + v.conj().T
    return jc.CollisionModel(hs, jc.Ancilla.thermal(he, beta, dims=(2, 2)), v, dt)


def qubit002(lam=0.5, tau=0.01, beta=1.0, g=1.0, omega=1.0):
    h = 0.5 * omega * jt.sigmaz()
    v = jnp.kron(jt.sigmap(), jt.sigmam())
    v = g * (v + v.conj().T)
    anc = jc.Ancilla.weakly_coherent(h, beta, lam, jt.sigmax(), tau)
    return jc.CollisionModel(h, anc, v, tau, scaling="sqrt_tau")


def bloch(r):
    r = np.asarray(r)
    return np.stack([2 * r[..., 0, 1].real, -2 * r[..., 0, 1].imag,
                     (r[..., 0, 0] - r[..., 1, 1]).real], axis=-1)


@pytest.fixture(scope="module")
def ex2_run():
    m = ex2()
    return m, m.run(jt.gibbs_state(m.H_S, 1.0), 1000)


def test_structured_spectrum_eqs31_34():
    w = np.linalg.eigvalsh(np.asarray(jc.structured_pair_hamiltonian(0.5, 1.5, 0.3)))
    np.testing.assert_allclose(w, [-1, -0.5830951895, 0.5830951895, 1], atol=1e-10)


def test_ex2_transient_and_ledger_against_reference(ex2_run):
    """Spec R3 and R9 (independent numpy/scipy reference)."""
    _, out = ex2_run
    b = bloch(out.states)
    np.testing.assert_allclose(b[[10, 100, 1000], 2], [-0.4620862, -0.4619815, -0.4619116], atol=1e-7)
    c = np.asarray(jt.l1_coherence(out.states))
    np.testing.assert_allclose(c[[10, 100, 1000]], [0.005172034, 0.01033257, 0.002767301], atol=1e-8)
    led = out.ledger
    assert led.energy_change.shape == (1000,)
    np.testing.assert_allclose(led.energy_change[0], 2.580537e-7, atol=1e-12)
    np.testing.assert_allclose(led.heat_into_system[0], -1.490997e-6, atol=1e-12)
    np.testing.assert_allclose(led.work_switch[0], 1.749051e-6, atol=1e-12)
    np.testing.assert_allclose(led.entropy_production_003[0], 1.591743e-6, atol=1e-12)
    np.testing.assert_allclose(led.energy_change[9], 2.660028e-6, atol=1e-12)
    np.testing.assert_allclose(led.work_switch[9], 4.151700e-6, atol=1e-12)
    # both sign conventions, named
    np.testing.assert_array_equal(led.heat_into_ancilla, -led.heat_into_system)


def test_first_law_and_two_sigma_forms(ex2_run):
    """First law (003 Eq. 67) to 1e-12; Sigma as I + S(eta'||eta) = dS - beta dQ (Eqs. 70-72)."""
    _, out = ex2_run
    led = out.ledger
    lhs = led.energy_change - led.heat_into_system - led.work_switch
    assert np.max(np.abs(lhs)) < 1e-12
    assert np.max(np.abs(led.first_law_residual)) < 1e-12
    # the ledger's energy change equals the change between consecutive states
    de = np.diff(np.asarray(jt.energy(0.5 * jt.sigmaz(), out.states)))
    assert np.max(np.abs(de - np.asarray(led.energy_change))) < 1e-14
    diff = np.asarray(led.entropy_production_002 - led.entropy_production_003)
    assert np.max(np.abs(diff)) < 1e-12
    assert np.min(np.asarray(led.entropy_production_003)) > 0


def test_steady_state_against_reference_and_identities():
    """Spec R4, R10: fixed point of the exact channel, W_sw = -dQ, Sigma_ss = beta W_sw."""
    for beta, xyz, w in [(0.5, (0.001713292, -4.1183e-7, -0.2444288), 1.020354e-6),
                         (1.0, (0.005339014, -1.15485e-6, -0.4573485), 1.594055e-6),
                         (2.0, (0.009807910, -1.56566e-6, -0.7265479), 1.692893e-6)]:
        m = ex2(beta)
        np.testing.assert_allclose(bloch(m.steady_state()), xyz, atol=1e-9)
        led = m.steady_state_ledger()
        assert abs(led.energy_change) < 1e-15
        np.testing.assert_allclose(led.work_switch, w, rtol=1e-6)
        np.testing.assert_allclose(-led.heat_into_system, w, rtol=1e-6)
        np.testing.assert_allclose(led.entropy_production_003, beta * led.work_switch, rtol=1e-9)


def _ex2_closed_form(beta, kappa=0.3, alpha=0.1, dt=0.1, w=1.0):
    """Spec 2.4: fixed point of B7-B10 with B11 and B14 corrected (B12, B13 as printed)."""
    eta = np.asarray(jt.gibbs_state(jc.structured_pair_hamiltonian(0.5, 1.5, kappa), beta))
    gpm, gmp, g = alpha**2 * eta[1, 1].real, alpha**2 * eta[2, 2].real, alpha * eta[1, 2].real
    s, d = gpm + gmp, gmp - gpm
    k = 4 * w**2 * s + 8 * g**2 * (s - w**2) + dt**2 * (s + w**2) * (s * (s + w**2) - 2 * w**2 * g**2)
    z = d * (4 * w**2 + dt**2 * (s + w**2) ** 2) / k
    x = 2 * g * w * d * (4 + dt**2 * (s + w**2)) / k
    y = -4 * dt * g * d * s / k
    return np.array([x, y, z])


def test_ex2_second_order_map_matches_corrected_closed_form():
    """Spec R5: the truncated map's fixed point equals the corrected B11-B14 closed form; the exact
    channel differs from it at O(dt^3) per step (ratio 8 per halving)."""
    m = ex2()
    ss2 = jc.channel_fixed_point(m.second_order_channel())
    np.testing.assert_allclose(bloch(ss2), _ex2_closed_form(1.0), atol=1e-12)
    np.testing.assert_allclose(bloch(ss2), [0.005338248521, -1.150875e-6, -0.4572851256], atol=1e-9)
    # exact fixed point close to it (relative 1e-3)
    np.testing.assert_allclose(bloch(m.steady_state())[2], _ex2_closed_form(1.0)[2], rtol=1e-3)
    rho = jnp.array([[0.3, 0.2 - 0.15j], [0.2 + 0.15j, 0.7]])
    errs = []
    for dt in (0.1, 0.05):
        mm = ex2(alpha=0.2, dt=dt)
        x = ((mm.channel() - mm.second_order_channel()) @ rho.reshape(-1)).reshape(2, 2)
        errs.append(np.sum(np.abs(np.linalg.eigvalsh(np.asarray(x)))))
    np.testing.assert_allclose(errs[0], 8.64e-5, rtol=2e-3)
    assert abs(errs[0] / errs[1] - 8.0) < 0.1


def test_kappa_zero_detailed_balance():
    """Spec R6: resonant thermal ancilla without internal coupling keeps Gibbs(beta) fixed, W_sw = 0."""
    m = ex2(kappa=0.0)
    rho0 = jt.gibbs_state(m.H_S, 1.0)
    out = m.run(rho0, 200, entropic=False)
    assert np.max(np.abs(np.asarray(out.states - rho0))) < 1e-12
    assert np.max(np.abs(np.asarray(out.ledger.work_switch))) < 1e-12


def test_example1_steady_state_diagonal_eq51():
    """Spec R15: independent coupling to both TLS (003 Example 1): exactly diagonal fixed point and
    Eq. 51 (z_ss = (<B^dag B> - <B B^dag>)/(<B^dag B> + <B B^dag>), B = a1 s1- + a2 s2-)."""
    he = jc.structured_pair_hamiltonian(0.5, 1.5, 0.3)
    sm1 = jnp.kron(jt.sigmam(), jnp.eye(2))
    sm2 = jnp.kron(jnp.eye(2), jt.sigmam())
    b = 0.1 * sm1 + 0.1 * sm2
    v = jnp.kron(jt.sigmap(), b)
    v = v + v.conj().T
    anc = jc.Ancilla.thermal(he, 1.0, dims=(2, 2))
    m = jc.CollisionModel(0.5 * jt.sigmaz(), anc, v, 0.1)
    ss = m.steady_state()
    assert abs(ss[0, 1]) < 1e-12
    np.testing.assert_allclose(bloch(ss)[2], -0.4895323639, atol=1e-9)
    eta = anc.rho
    bdb = jnp.trace(eta @ b.conj().T @ b).real
    bbd = jnp.trace(eta @ b @ b.conj().T).real
    np.testing.assert_allclose(bloch(ss)[2], (bdb - bbd) / (bdb + bbd), atol=1e-6)


def test_thermal_ancilla_energy_conserving_leaves_gibbs_invariant():
    """Any energy-conserving coupling ([V, H_S + H_A] = 0) with a Gibbs ancilla at the system's
    frequency leaves Gibbs(beta) invariant and does no work (002, Eq. 4)."""
    om = 1.3
    h = 0.5 * om * jt.sigmaz()
    v = (0.7 + 0.4j) * jnp.kron(jt.sigmap(), jt.sigmam())
    v = v + v.conj().T + 0.3 * jnp.kron(jt.sigmaz(), jt.sigmaz())
    for beta in (0.4, -0.8):
        m = jc.CollisionModel(h, jc.Ancilla.thermal(h, beta), v, 0.37)
        rho0 = jt.gibbs_state(h, beta)
        out = m.run(rho0, 50)
        assert np.max(np.abs(np.asarray(out.states - rho0))) < 1e-13
        assert np.max(np.abs(np.asarray(out.ledger.work_switch))) < 1e-14
    # a non-Gibbs start relaxes towards Gibbs, still without work
    m = jc.CollisionModel(h, jc.Ancilla.thermal(h, 0.4), v, 0.37)
    out = m.run(jt.ket2dm(jt.basis(2, 0)), 400, keep_every=400)
    assert np.max(np.abs(np.asarray(out.states[-1] - jt.gibbs_state(h, 0.4)))) < 1e-6


def test_strict_energy_conservation_zero_work_002():
    """002: [V, H_S + H_A] = 0, weakly coherent ancilla: W_sw = 0 exactly, dE_S = -Q_A (S12)."""
    m = qubit002(lam=0.5, tau=0.05)
    out = m.run(jt.ket2dm(jt.basis(2, 0)), 40)
    led = out.ledger
    assert np.max(np.abs(np.asarray(led.work_switch))) < 1e-14
    assert np.max(np.abs(np.asarray(led.energy_change + led.heat_into_ancilla))) < 1e-14
    assert np.max(np.abs(np.asarray(led.first_law_residual))) < 1e-12


def _second_law(n_models, n_collisions, seed):
    key = jax.random.PRNGKey(seed)
    for i in range(n_models):
        ks = jax.random.split(jax.random.fold_in(key, i), 5)
        hs = jt.quantum.random_hermitian(ks[0], 3)
        ha = jt.quantum.random_hermitian(ks[1], 2)
        v = jt.quantum.random_hermitian(ks[2], 6, scale=0.5)
        beta = float(jax.random.uniform(ks[3], minval=-1.0, maxval=2.0))
        rho0 = jt.quantum.random_density_matrix(ks[4], 3)
        m = jc.CollisionModel(hs, jc.Ancilla.thermal(ha, beta), v, 0.3)
        led = m.run(rho0, n_collisions).ledger
        assert np.min(np.asarray(led.entropy_production_003)) > -1e-12
        assert np.min(np.asarray(led.entropy_production_002)) > -1e-12
        assert np.max(np.abs(np.asarray(led.first_law_residual))) < 1e-12
        # arbitrary (non-thermal) ancilla state: Sigma_002 still >= 0
        anc = jc.Ancilla(ha, jt.quantum.random_density_matrix(ks[3], 2))
        led = jc.CollisionModel(hs, anc, v, 0.3).run(rho0, n_collisions).ledger
        assert np.min(np.asarray(led.entropy_production_002)) > -1e-12


def test_second_law_random_models():
    """Sigma_002 = I + S(rho_A'||rho_A) >= 0 for any ancilla; Sigma_003 >= 0 for a Gibbs one
    (any sign of beta); random Hamiltonians, couplings and initial states, 150 collisions each."""
    _second_law(4, 150, seed=3)


@pytest.mark.slow
def test_second_law_random_models_long():
    _second_law(25, 3000, seed=11)


def test_run_jit_vmap():
    """run() composes with jit and vmap (over the ancilla temperature)."""
    def final_z(beta):
        out = ex2(beta=beta).run(jnp.eye(2) / 2, 20, keep_every=10, entropic=False)
        return jnp.real(out.states[-1, 0, 0] - out.states[-1, 1, 1])

    zs = jax.jit(jax.vmap(final_z))(jnp.array([0.5, 1.0]))
    np.testing.assert_allclose(zs, [final_z(0.5), final_z(1.0)], atol=1e-14)
    assert zs[1] < zs[0] < 0


def test_collision_against_qutip_brute_force():
    """Three collisions of a qubit with a composite ancilla against QuTiP (expm and ptrace)."""
    key = jax.random.PRNGKey(7)
    ks = jax.random.split(key, 4)
    hs = np.asarray(jt.quantum.random_hermitian(ks[0], 2))
    ha = np.asarray(jc.structured_pair_hamiltonian(0.5, 1.5, 0.4))
    v = np.asarray(jt.quantum.random_hermitian(ks[1], 8, scale=0.3))
    rho0 = np.asarray(jt.quantum.random_density_matrix(ks[2], 2))
    beta, dt = 0.8, 0.25
    out = jc.CollisionModel(hs, jc.Ancilla.thermal(ha, beta, dims=(2, 2)), v, dt).run(rho0, 3)
    dims = [[2, 2, 2], [2, 2, 2]]
    htot = qutip.Qobj(np.kron(hs, np.eye(4)) + np.kron(np.eye(2), ha) + v, dims=dims)
    u = (-1j * dt * htot).expm()
    eta = (-beta * qutip.Qobj(ha, dims=[[2, 2], [2, 2]])).expm()
    eta = eta / eta.tr()
    rho = qutip.Qobj(rho0)
    for n in range(3):
        big = u * qutip.tensor(rho, eta) * u.dag()
        heat = -((qutip.Qobj(ha, dims=[[2, 2], [2, 2]]) * (big.ptrace([1, 2]) - eta)).tr()).real
        np.testing.assert_allclose(out.ledger.heat_into_system[n], heat, atol=1e-13)
        rho = big.ptrace(0)
        np.testing.assert_allclose(np.asarray(out.states[n + 1]), rho.full(), atol=1e-13)


def test_keep_every_and_species_sequence():
    m = ex2()
    rho0 = jt.gibbs_state(m.H_S, 1.0)
    full = m.run(rho0, 60, entropic=False)
    sub = m.run(rho0, 60, keep_every=20, entropic=False)
    np.testing.assert_allclose(np.asarray(sub.states), np.asarray(full.states[::20]), atol=1e-13)
    np.testing.assert_array_equal(np.asarray(sub.cycles), [0, 20, 40, 60])
    np.testing.assert_array_equal(np.asarray(sub.ledger_cycles), [1, 21, 41])
    np.testing.assert_allclose(np.asarray(sub.ledger.work_switch),
                               np.asarray(full.ledger.work_switch[::20]), atol=1e-16)
    # two species in one cycle == two single-species collisions in sequence (each dt/2)
    a1, a2 = m.ancillae[0], jc.Ancilla.thermal(m.ancillae[0].H, 0.3, dims=(2, 2))
    both = jc.CollisionModel(m.H_S, [a1, a2], [m.V[0], m.V[0]], 0.2)
    s1 = jc.CollisionModel(m.H_S, a1, m.V[0], 0.1)
    s2 = jc.CollisionModel(m.H_S, a2, m.V[0], 0.1)
    r = both.run(rho0, 3)
    seq = rho0
    for _ in range(3):
        seq = s2.apply(s1.apply(seq))
    np.testing.assert_allclose(np.asarray(r.states[-1]), np.asarray(seq), atol=1e-13)
    assert r.ledger.work_switch.shape == (3, 2)
    np.testing.assert_allclose(r.ledger.work_switch[0, 1],
                               s2.ledger(s1.apply(rho0)).work_switch, atol=1e-16)


def test_jit_vmap_grad_steady_ledger():
    """Spec R16: gradients through the fixed point vs the reference and central differences;
    vmap over beta, jit of run."""
    def ledger(kappa, beta):
        led = ex2(beta=beta, kappa=kappa).steady_state_ledger()
        return led.work_switch, led.entropy_production_003, led.l1_coherence

    val = jax.jit(ledger)
    jac = jax.jit(jax.jacfwd(ledger, argnums=(0, 1)))
    (dw_dk, dw_db), (ds_dk, ds_db), (dc_dk, _) = jac(0.3, 1.0)
    np.testing.assert_allclose(dw_dk, 1.060679e-5, rtol=1e-5)
    np.testing.assert_allclose(dc_dk, 0.01733218, rtol=1e-5)
    h = 1e-5
    fd_k = [(a - b) / (2 * h) for a, b in zip(val(0.3 + h, 1.0), val(0.3 - h, 1.0), strict=True)]
    fd_b = [(a - b) / (2 * h) for a, b in zip(val(0.3, 1.0 + h), val(0.3, 1.0 - h), strict=True)]
    np.testing.assert_allclose(dw_dk, fd_k[0], rtol=1e-6)
    np.testing.assert_allclose(ds_dk, fd_k[1], rtol=1e-5)
    np.testing.assert_allclose(dw_db, fd_b[0], rtol=1e-5)
    np.testing.assert_allclose(ds_db, fd_b[1], rtol=1e-5)
    ws = jax.vmap(lambda b: val(0.3, b)[0])(jnp.array([0.5, 1.0, 2.0]))
    np.testing.assert_allclose(ws, [1.020354e-6, 1.594055e-6, 1.692893e-6], rtol=1e-6)


def test_bad_input():
    h = 0.5 * jt.sigmaz()
    anc = jc.Ancilla.thermal(h, 1.0)
    v = jnp.kron(jt.sigmax(), jt.sigmax())
    with pytest.raises(ValueError, match="V has shape"):
        jc.CollisionModel(h, anc, jnp.eye(3), 0.1)
    with pytest.raises(ValueError, match="dt"):
        jc.CollisionModel(h, anc, v, 0.0)
    with pytest.raises(ValueError, match="dt"):
        jc.CollisionModel(h, anc, v, -0.1)
    with pytest.raises(ValueError, match="scaling"):
        jc.CollisionModel(h, anc, v, 0.1, scaling="sqrt")
    with pytest.raises(ValueError, match="V\\[1\\]|couplings"):
        jc.CollisionModel(h, [anc, anc], [v], 0.1)
    with pytest.raises(ValueError, match="H_S"):
        jc.CollisionModel(jnp.array([[0, 1], [0, 0.0]]), anc, v, 0.1)
    with pytest.raises(TypeError, match="ancilla"):
        jc.CollisionModel(h, h, v, 0.1)
    m = jc.CollisionModel(h, anc, v, 0.1)
    with pytest.raises(ValueError, match="keep_every"):
        m.run(jnp.eye(2) / 2, 10, keep_every=3)
    with pytest.raises(ValueError, match="rho_S0"):
        m.run(jnp.eye(2), 10)
    with pytest.raises(ValueError, match="n_collisions"):
        m.run(jnp.eye(2) / 2, 0)
