"""Wehrl entropy production (paper 004; spec seed-004 checks R5-R12, R16, R18): Pi - Phi = dS_Q/dt,
Pi >= 0, closed forms, the Fig. 3 table, channels against their exact solutions, autodiff."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.integrate import quad

import jaxthermo as jt
from jaxthermo.quantum import unvec, vec

ps = jt.phasespace
G24 = ps.SphereGrid(24)
G32 = ps.SphereGrid(32)
QUBITS = (0.5, 0.5)


def fig3_state(alpha=0.02, beta=0.15, gamma=0.02):
    return jnp.array(
        [[0.1, alpha, alpha, gamma], [alpha, 0.2, gamma, beta], [alpha, gamma, 0.1, beta],
         [gamma, beta, beta, 0.6]], dtype=complex)


def bloch_dm(r):
    return 0.5 * (jnp.eye(2) + r[0] * jt.sigmax() + r[1] * jt.sigmay() + r[2] * jt.sigmaz())


def mixed_random(key, d, w=0.5):
    return w * jt.quantum.random_density_matrix(key, d) + (1 - w) * jnp.eye(d) / d


# ---------------------------------------------------------------- channels (spec R5)


def test_channels_follow_the_papers_exact_solutions():
    rho0 = mixed_random(jax.random.PRNGKey(1), 4, 0.9)
    t, nbar, gamma = 0.8, 0.5, 0.3
    ad = ps.AmplitudeDamping(gamma, nbar)
    gb = float(ad.gamma_bar)
    h0 = jnp.zeros((4, 4), dtype=complex)
    rho = jt.evolve_exact(h0, rho0, jnp.array([t]), ad.jump_ops(QUBITS))[0]
    r0 = np.asarray(rho0)
    e1, e3 = np.exp(-3 * gb * t / 2), np.exp(gb * t)
    for (i12, i34) in [((0, 1), (2, 3)), ((0, 2), (1, 3))]:  # (B1)-(B2) and the a<->b copy
        a0, b0 = r0[i12], r0[i34]
        b1 = e1 / (1 + 2 * nbar) * ((1 + nbar) * a0 - nbar * b0 + nbar * e3 * (a0 + b0))
        b2 = e1 / (1 + 2 * nbar) * (nbar * b0 - (1 + nbar) * a0 + (nbar + 1) * e3 * (a0 + b0))
        assert abs(complex(rho[i12]) - b1) < 1e-14 and abs(complex(rho[i34]) - b2) < 1e-14
    for ij in [(0, 3), (1, 2)]:
        assert abs(complex(rho[ij]) - np.exp(-gb * t) * r0[ij]) < 1e-14
    # dephasing, eqs. (24)-(26): populations fixed, one flip e^{-lam t/2}, two flips e^{-lam t}
    lam = 1.3
    rho = jt.evolve_exact(h0, rho0, jnp.array([t]), ps.Dephasing(lam).jump_ops(QUBITS))[0]
    flips = np.array([[bin(i ^ k).count("1") for k in range(4)] for i in range(4)])
    np.testing.assert_allclose(rho, r0 * np.exp(-lam * t * flips / 2), atol=1e-14)
    # per-spin parameters and a spin-1 factor build the right number of operators
    assert ps.AmplitudeDamping([1.0, 2.0], [0.1, 0.2]).jump_ops((1.0, 0.5)).shape == (4, 6, 6)


def test_bad_channel_inputs():
    with pytest.raises(ValueError, match="gamma"):
        ps.AmplitudeDamping(gamma=-1.0, nbar=0.5)
    with pytest.raises(ValueError, match="nbar"):
        ps.AmplitudeDamping(gamma=1.0, nbar=-0.5)
    with pytest.raises(ValueError, match="lam"):
        ps.Dephasing([1.0, 2.0, 3.0]).jump_ops(QUBITS)
    with pytest.raises(TypeError, match="channel"):
        ps.wehrl_production(fig3_state(), QUBITS, "dephasing", G24)


# ---------------------------------------------------------------- the balance Pi - Phi = dS/dt


@pytest.mark.parametrize("js", [QUBITS, pytest.param((1.0, 0.5), marks=pytest.mark.slow),
                                pytest.param(1.5, marks=pytest.mark.slow)])
def test_balance_and_positivity_on_full_rank_states(js):
    d = math.prod(int(2 * j + 1) for j in (js if isinstance(js, tuple) else (js,)))
    keys = jax.random.split(jax.random.PRNGKey(7), 3)
    rhos = jnp.stack([mixed_random(k, d, w) for k, w in zip(keys, (0.3, 0.6, 0.8), strict=True)])
    chans = [ps.AmplitudeDamping([1.0, 0.4] if isinstance(js, tuple) else 1.0, nb)
             for nb in (0.0, 0.5, 1.5)]
    chans.append(ps.Dephasing([0.7, 1.9] if isinstance(js, tuple) else 0.7))
    for ch in chans:
        pi, phi = ps.wehrl_production(rhos, js, ch, G32)
        rate = ps.wehrl_rate(rhos, js, ch, G32)
        np.testing.assert_allclose(pi - phi, rate, atol=1e-10)
        assert float(jnp.min(pi)) > 0
        assert float(jnp.max(jnp.abs(rate))) > 1e-3  # a test that can fail
    # near-equilibrium perturbations keep Pi >= 0 (spec: not manifest, numerically true)
    ch = ps.AmplitudeDamping(1.0, 0.5)
    eq = ch.fixed_point(js)
    pert = jnp.stack([(1 - e) * eq + e * rhos[0] for e in (1e-3, 1e-2, 0.1)])
    pi, _ = ps.wehrl_production(pert, js, ch, G32)
    assert float(jnp.min(pi)) > 0


def test_finite_difference_rate_r7_and_autodiff_r18():
    ch = ps.AmplitudeDamping(0.25, 1.5)  # gamma_bar = 1
    ops = ch.jump_ops(QUBITS)
    h0 = jnp.zeros((4, 4), dtype=complex)
    lv = jt.lindbladian(h0, ops)
    rho0 = fig3_state()

    def s_at(t):
        return ps.wehrl_entropy(unvec(jt.quantum.expm(t * lv) @ vec(rho0)), QUBITS, G24)

    h = 1e-4
    fd = (s_at(1.0 + h) - s_at(1.0 - h)) / (2 * h)
    pi, phi = ps.wehrl_production(unvec(jt.quantum.expm(lv) @ vec(rho0)), QUBITS, ch, G24)
    assert float(fd) == pytest.approx(0.0376952230, abs=1e-9)
    assert float(pi - phi) == pytest.approx(0.0376952229, abs=1e-10)
    ad = jax.jit(jax.jacfwd(s_at))(1.0)
    assert float(ad) == pytest.approx(float(pi - phi), abs=1e-10)


# ---------------------------------------------------------------- closed forms and the Fig. 3 table


def test_fig3_table_r6_r8():
    ch = ps.AmplitudeDamping(0.25, 1.5)
    ts = jnp.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    tr = ps.wehrl_trajectory(fig3_state(), ts, QUBITS, ch, G24, rtol=1e-12, atol=1e-14)
    table = np.array([
        [1.2513280691, 0.1160548174, -0.0422019554, 0.1582567728, 0.5591784210],
        [1.2835037271, 0.0714493513, -0.0328669159, 0.1043162672, 0.2814739609],
        [1.3052697749, 0.0467130916, -0.0255967799, 0.0723098715, 0.1655157956],
        [1.3316560059, 0.0221699911, -0.0155252318, 0.0376952229, 0.0714312010],
        [1.3538391571, 0.0062820050, -0.0057114136, 0.0119934186, 0.0192877229],
        [1.3638316812, 0.0007327769, -0.0007729558, 0.0015057327, 0.0022209117]])
    got = np.stack([tr.wehrl, tr.production, tr.flux, tr.rate, tr.vn_production], axis=1)
    np.testing.assert_allclose(got, table, atol=2e-10)
    np.testing.assert_allclose(tr.production - tr.flux, tr.rate, atol=1e-12)
    assert float(tr.l1[0]) == pytest.approx(0.76, abs=1e-14)
    assert float(tr.rel_coherence[0]) == pytest.approx(0.158308, abs=1e-6)
    # R8: Phi_j = (G/4) K(N) (1 + N m_j) with K(N) = 2N - (N^2 - 1) ln((N+1)/(N-1))
    n = 4.0
    k = 2 * n - (n**2 - 1) * math.log((n + 1) / (n - 1))
    mz = [jnp.real(jnp.einsum("tij,ji->t", tr.states, jt.embed(jt.sigmaz(), i, (2, 2))))
          for i in (0, 1)]
    np.testing.assert_allclose(tr.flux, 0.25 / 4 * k * ((1 + n * mz[0]) + (1 + n * mz[1])),
                               atol=1e-14)
    # exact propagation gives the same trajectory
    tr2 = ps.wehrl_trajectory(fig3_state(), ts, QUBITS, ch, G24, exact=True, vn=False)
    np.testing.assert_allclose(tr2.production, tr.production, atol=1e-11)


def test_fixed_point_r9_and_zero_temperature_r10():
    ch = ps.AmplitudeDamping(1.0, 1.5)
    eq = ch.fixed_point(QUBITS)
    pi, phi = ps.wehrl_production(eq, QUBITS, ch, G24)
    assert abs(float(pi)) < 1e-14 and abs(float(phi)) < 1e-14
    assert float(ps.wehrl_entropy(eq, QUBITS, G24)) == pytest.approx(1.3653284317547314, abs=1e-13)
    assert abs(float(ps.von_neumann_production(eq, QUBITS, ch))) < 1e-13
    # spin-J fixed point: Pi = Phi = 0 too
    pj, fj = ps.wehrl_production(ch.fixed_point(2.0), 2.0, ch, G32)
    assert abs(float(pj)) < 1e-13 and abs(float(fj)) < 1e-13
    # zero temperature: Wehrl quantities stay finite
    ch0 = ps.AmplitudeDamping(1.0, 0.0)
    tr = ps.wehrl_trajectory(fig3_state(), jnp.array([0.0, 1.0]), QUBITS, ch0, G32, exact=True,
                             vn=False)
    np.testing.assert_allclose(tr.production, [0.379156784418, 0.0813532325181], atol=1e-12)
    np.testing.assert_allclose(tr.flux, [0.5, 0.5 / math.e], atol=1e-12)
    np.testing.assert_allclose(tr.rate, [-0.120843215582, -0.102586488068], atol=1e-12)
    assert float(ps.von_neumann_production(fig3_state(), QUBITS, ch0)) == np.inf


def test_spin_j_split_r16():
    for j, want in [(1.0, (1.988149082075, 1.127682575481, 0.860466506594)),
                    (0.5, (0.689052044249, 0.309202121251, 0.379849922999))]:
        d = int(2 * j + 1)
        z = ps.coherent_state(j, 1.0, 0.5)
        rho = 0.7 * jnp.outer(z, z.conj()) + 0.3 * jnp.eye(d) / d
        ch = ps.AmplitudeDamping(1.0, 0.5)
        g = ps.SphereGrid(48)
        pi, phi = ps.wehrl_production(rho, j, ch, g)
        rate = ps.wehrl_rate(rho, j, ch, g)
        np.testing.assert_allclose([pi, phi, rate], want, atol=1e-11)


def _dephasing_closed_form(r, lam):
    """Pi = (lam/4)[2 - int_{-1}^{1} sqrt((1 + r_z x)^2 - r_perp^2 (1 - x^2)) dx] (spec Sec. 2)."""
    rz, rp2 = r[2], r[0] ** 2 + r[1] ** 2
    val, _ = quad(lambda x: math.sqrt((1 + rz * x) ** 2 - rp2 * (1 - x * x)), -1, 1,
                  epsabs=1e-13, epsrel=1e-13)
    return lam / 4 * (2 - val)


def test_dephasing_r11_r12():
    ra, rb = np.array([0.6, 0.0, 0.3]), np.array([0.2, 0.5, -0.4])
    rho = jt.tensor(bloch_dm(ra), bloch_dm(rb))
    ch = ps.Dephasing(1.0)
    pi, phi = ps.wehrl_production(rho, QUBITS, ch, G32)
    closed = _dephasing_closed_form(ra, 1.0) + _dephasing_closed_form(rb, 1.0)
    assert closed == pytest.approx(0.1206316149619, abs=1e-12)
    assert float(pi) == pytest.approx(closed, abs=1e-12)
    # Phi = 0 for dephasing: the direct rate -c^2 int <Omega|D(rho)|Omega> ln Q (the core's
    # dissipator, an independent path) must equal Pi - Phi and the closed form for Pi alone
    rate = float(ps.wehrl_rate(rho, QUBITS, ch, G32))
    assert rate == pytest.approx(closed, abs=1e-12)
    assert float(pi) - float(phi) == pytest.approx(rate, abs=1e-12)
    # |+> (x) |0>: lam/4 in the limit; algebraic convergence (spec: 0.24960 at 64^2)
    plus = jnp.array([1, 1], dtype=complex) / math.sqrt(2)
    rho_p = jt.tensor(jnp.outer(plus, plus), jt.ket2dm(jt.basis(2, 0)))
    p64 = float(ps.wehrl_production(rho_p, QUBITS, ch, ps.SphereGrid(64))[0])
    assert abs(p64 - 0.25) < 1e-3
    # R11: Fig.-1 analogue (populations 0.1..0.4, C = 0.14)
    pops = jnp.diag(jnp.array([0.1, 0.2, 0.3, 0.4], dtype=complex))
    x_state = pops + 0.035 * jnp.fliplr(jnp.eye(4))
    ones = jnp.array([[0, 1, 1, 0], [1, 0, 0, 1], [1, 0, 0, 1], [0, 1, 1, 0]])
    nonx = pops + 0.0175 * ones
    lv = jt.lindbladian(jnp.zeros((4, 4), dtype=complex), ch.jump_ops(QUBITS))
    states = jnp.stack([x_state, nonx, unvec(jt.quantum.expm(lv) @ vec(x_state)),
                        unvec(jt.quantum.expm(lv) @ vec(nonx))])
    pi, _ = ps.wehrl_production(states, QUBITS, ch, G32)
    np.testing.assert_allclose(pi, [2.280940910e-3, 1.738920809e-3, 3.079602138e-4,
                                    6.383603318e-4], rtol=1e-9)


def test_von_neumann_production_matches_spohn():
    ch = ps.AmplitudeDamping([0.5, 1.2], [0.4, 1.5])
    js = (1.0, 0.5)
    rho = mixed_random(jax.random.PRNGKey(4), 6, 0.7)
    ops = ch.jump_ops(js)
    h = jt.embed(jt.spin_ops(1.0)[2], 0, (3, 2)) + jt.embed(jt.spin_ops(0.5)[2], 1, (3, 2))
    betas = [math.log1p(1 / 0.4), math.log1p(1 / 1.5)]
    spohn = jt.spohn_production_rate(h, [(ops[:2], betas[0]), (ops[2:], betas[1])], rho)
    got = ps.von_neumann_production(rho, js, ch)
    assert float(got) == pytest.approx(float(spohn), abs=1e-12)
    assert float(got) > 0


def test_jit_vmap_grad_of_production():
    ch = ps.AmplitudeDamping(1.0, 0.5)

    def pi_of(p, nbar):
        a, b, c = p
        return ps.wehrl_production(fig3_state(a, b, c), QUBITS, ps.AmplitudeDamping(1.0, nbar),
                                   G24)[0]

    p0, nb0 = jnp.array([0.02, 0.15, 0.02]), 0.5
    g_p, g_n = jax.jit(jax.grad(pi_of, argnums=(0, 1)))(p0, nb0)
    h = 1e-5
    fd = [(pi_of(p0.at[i].add(h), nb0) - pi_of(p0.at[i].add(-h), nb0)) / (2 * h) for i in range(3)]
    np.testing.assert_allclose(g_p, fd, rtol=1e-6, atol=1e-10)
    fdn = (pi_of(p0, nb0 + h) - pi_of(p0, nb0 - h)) / (2 * h)
    assert float(g_n) == pytest.approx(float(fdn), rel=1e-6)
    rhos = jnp.stack([fig3_state(), fig3_state(0.05, 0.1, 0.0)])
    v = jax.vmap(lambda r: ps.wehrl_production(r, QUBITS, ch, G24))(rhos)
    b = ps.wehrl_production(rhos, QUBITS, ch, G24)
    np.testing.assert_allclose(v[0], b[0], atol=1e-15)
    np.testing.assert_allclose(v[1], b[1], atol=1e-15)


def test_log_q_is_the_core_safe_log_convention():
    # the rate integrand's ln Q (guard inside the log, so XLA:CPU vectorises it) must keep the
    # core's safe_log values and gradients, including Q = 0 and slightly negative Q (round-off)
    from jaxthermo.phasespace.wehrl import entropy_density, log_q

    q = jnp.array([0.7, 1e-300, 1.0, 0.0, -0.0, -1e-17, 3e-5])
    np.testing.assert_array_equal(np.asarray(log_q(q)), np.asarray(jt.quantum.safe_log(q)))
    np.testing.assert_array_equal(np.asarray(jax.vmap(jax.grad(log_q))(q)),
                                  np.asarray(jax.vmap(jax.grad(jt.quantum.safe_log))(q)))
    np.testing.assert_array_equal(np.asarray(entropy_density(q)), -np.asarray(jt.quantum.xlogx(q)))
    assert np.all(np.asarray(jax.vmap(jax.grad(log_q))(q))[3:6] == 0.0)
