"""Phase space (paper 004, spec seed-004): coherent states, quadrature, Husimi Q vs brute force
and QuTiP, normalisation (R1), Wehrl entropy closed forms (R2-R4, R17), convergence, gradients."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip
from scipy.special import digamma

import jaxthermo as jt
from jaxthermo.quantum import expm

ps = jt.phasespace
LN2 = math.log(2.0)


def fig3_state(alpha=0.02, beta=0.15, gamma=0.02):
    """Paper 004 eq. (30) state of Fig. 3 (rho11 = rho33 = 0.1, rho22 = 0.2, rho44 = 0.6)."""
    return jnp.array(
        [[0.1, alpha, alpha, gamma], [alpha, 0.2, gamma, beta], [alpha, gamma, 0.1, beta],
         [gamma, beta, beta, 0.6]], dtype=complex)


def cs_dm(j, theta, phi):
    z = ps.coherent_state(j, theta, phi)
    return jnp.outer(z, z.conj())


# ---------------------------------------------------------------- coherent states, quadrature


@pytest.mark.parametrize("j", [0.5, 1.0, 1.5, 2.5])
def test_coherent_state_is_rotated_top_state(j):
    jx, jy, jz = jt.spin_ops(j)
    th, ph = 1.1, -0.7
    d = jz.shape[0]
    brute = expm(-1j * ph * jz) @ expm(-1j * th * jy) @ jt.basis(d, 0)
    z = ps.coherent_state(j, th, ph)
    np.testing.assert_allclose(z, brute, atol=1e-13)
    mean = [jnp.real(jnp.vdot(z, o @ z)) for o in (jx, jy, jz)]
    want = j * np.array([np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th)])
    np.testing.assert_allclose(mean, want, atol=1e-13)


@pytest.mark.parametrize("j", [0.5, 1.0, 2.0, 5.0])
def test_resolution_of_identity(j):
    d = int(2 * j + 1)
    g = ps.SphereGrid(int(j + 1), d)  # the smallest exact rule
    amps = ps.coherent_amplitudes(j, g.theta[:, None], g.phi[None, :]).reshape(-1, d)
    ident = ps.normalisation(j) * jnp.einsum("g,gm,gn->mn", g.weights.reshape(-1), amps,
                                             amps.conj())
    np.testing.assert_allclose(ident, np.eye(d), atol=1e-12)
    assert float(jnp.sum(g.weights)) == pytest.approx(4 * np.pi, rel=1e-14)


@pytest.mark.slow
@pytest.mark.parametrize("j", [0.5, 2.0])
def test_grid_rules_meet_their_tolerance(j):
    d = int(2 * j + 1)
    rho = 0.9 * cs_dm(j, 1.0, 0.5) + 0.1 * jnp.eye(d) / d  # the harder calibration state
    ch = ps.AmplitudeDamping(1.0, 0.5)
    ref = ps.SphereGrid(160)
    s_ref = float(ps.wehrl_entropy(rho, j, ref))
    p_ref = float(ps.wehrl_production(rho, j, ch, ref)[0])
    g = ps.SphereGrid.for_accuracy(j, 1e-10)
    assert abs(float(ps.wehrl_entropy(rho, j, g)) - s_ref) < 1e-10
    assert abs(float(ps.wehrl_production(rho, j, ch, g)[0]) - p_ref) < 1e-10
    assert g.n_theta < 80
    # the adaptive rule, on the production rate
    g2, est = ps.grid_for_tolerance(rho, j, 1e-9,
                                    quantity=lambda r, js, gr: ps.wehrl_production(r, js, ch, gr)[0])
    assert float(est.error) < 1e-9 and abs(float(est.value) - p_ref) < 1e-9
    # with a tiny tolerance and a cap, it says it could not converge
    with pytest.raises(RuntimeError, match="no agreement"):
        ps.grid_for_tolerance(cs_dm(j, 1.0, 0.5), j, 1e-15, max_n=20)


def test_bad_inputs_name_the_argument():
    with pytest.raises(ValueError, match="n_theta"):
        ps.SphereGrid(0)
    with pytest.raises(ValueError, match="js"):
        ps.husimi_q(jnp.eye(2) / 2, js=0.3, grid=ps.SphereGrid(4))
    with pytest.raises(ValueError, match="rho has dimension 2"):
        ps.husimi_q(jnp.eye(2) / 2, js=(0.5, 0.5), grid=ps.SphereGrid(4))
    with pytest.raises(ValueError, match="js: one or two"):
        ps.wehrl_entropy(jnp.eye(8) / 8, js=(0.5, 0.5, 0.5), grid=ps.SphereGrid(4))
    with pytest.raises(ValueError, match="unit trace"):
        ps.wehrl_entropy(jnp.eye(2), js=0.5, grid=ps.SphereGrid(4))
    with pytest.raises(TypeError, match="grid"):
        ps.wehrl_entropy(jnp.eye(2) / 2, js=0.5, grid=32)
    with pytest.raises(ValueError, match="tol"):
        ps.SphereGrid.for_accuracy(0.5, 2.0)


def test_batched_states_are_checked_state_by_state():
    g = ps.SphereGrid(4)
    good = jnp.eye(2, dtype=complex) / 2
    bad_h = jnp.array([[0.5, 0.1], [0.3, 0.5]], dtype=complex)
    bad_t = jnp.eye(2, dtype=complex)
    ch = ps.Dephasing(1.0)
    fns = [lambda r: ps.husimi_q(r, 0.5, g), lambda r: ps.wehrl_entropy(r, 0.5, g),
           lambda r: ps.wehrl_production(r, 0.5, ch, g), lambda r: ps.wehrl_rate(r, 0.5, ch, g),
           lambda r: ps.wehrl_entropy(r, grid=ps.PlaneGrid(8, 8, 3.0))]
    for fn in fns:
        with pytest.raises(ValueError, match=r"rho\[2\] \(batch index 2\) must be Hermitian"):
            fn(jnp.stack([good, good, bad_h]))
        with pytest.raises(ValueError, match=r"rho\[1, 0\] .* must be of unit trace"):
            fn(jnp.stack([good, good, bad_t, good]).reshape(2, 2, 2, 2))
    # a valid batch passes (maximally mixed spin 1/2: S_Q = ln 2 exactly on any grid)
    f = jax.jit(lambda r: ps.wehrl_entropy(r, 0.5, g))
    np.testing.assert_allclose(f(jnp.stack([good, good])), [LN2, LN2], atol=1e-13)
    # under jit the per-state check is an error_if: it still fires, at run time
    with pytest.raises(Exception, match="Hermitian"):
        jax.block_until_ready(f(jnp.stack([good, bad_h])))
    with pytest.raises(Exception, match="unit trace"):
        jax.block_until_ready(f(jnp.stack([bad_t, good])))
    # and it does not get in the way of vmap / grad over a batch
    v = jax.vmap(lambda r: ps.wehrl_entropy(r[None], 0.5, g)[0])(jnp.stack([good, good]))
    np.testing.assert_allclose(v, [LN2, LN2], atol=1e-13)
    def total(t):  # S_Q is rotation invariant: vary the purity, not the direction
        mixed = t * cs_dm(0.5, 1.1, 0.3) + (1 - t) / 2 * jnp.eye(2)
        return jnp.sum(ps.wehrl_entropy(jnp.stack([good, mixed]), 0.5, ps.SphereGrid(12)))

    dg = jax.grad(total)(0.7)
    h = 1e-5
    fd = (total(0.7 + h) - total(0.7 - h)) / (2 * h)
    assert abs(float(fd)) > 1e-3
    assert float(dg) == pytest.approx(float(fd), rel=1e-7)


# ---------------------------------------------------------------- Husimi Q


def test_two_spin_q_matches_brute_force_and_bloch_form():
    key = jax.random.PRNGKey(3)
    ja, jb = 1.0, 0.5
    rho = jt.quantum.random_density_matrix(key, 6)
    g = ps.SphereGrid(5, 7)
    q = ps.husimi_q(rho, (ja, jb), g)
    assert q.shape == (5, 7, 5, 7)
    th, ph = np.asarray(g.theta), np.asarray(g.phi)
    for (i, k, m, n) in [(0, 0, 0, 0), (1, 3, 4, 6), (4, 6, 2, 1)]:
        ket = jt.tensor(ps.coherent_state(ja, th[i], ph[k]), ps.coherent_state(jb, th[m], ph[n]))
        assert float(q[i, k, m, n]) == pytest.approx(float(jnp.real(jnp.vdot(ket, rho @ ket))),
                                                     abs=1e-14)
    # qubits: Q = 1/4 sum T_mu,nu n^a_mu n^b_nu (spec Sec. 1.2)
    rho2 = fig3_state()
    q2 = ps.husimi_q(rho2, (0.5, 0.5), g)
    paulis = [jnp.eye(2), jt.sigmax(), jt.sigmay(), jt.sigmaz()]
    t = np.array([[float(jnp.real(jnp.trace(rho2 @ jt.tensor(a, b)))) for b in paulis]
                  for a in paulis])
    nv = np.stack([np.ones_like(th[:, None] * ph), np.sin(th)[:, None] * np.cos(ph),
                   np.sin(th)[:, None] * np.sin(ph), np.cos(th)[:, None] + 0 * ph])
    bloch = 0.25 * np.einsum("mn,mab,ncd->abcd", t, nv, nv)
    np.testing.assert_allclose(q2, bloch, atol=1e-14)


@pytest.mark.parametrize("j", [0.5, 1.5, 3.0])
def test_one_spin_q_matches_qutip(j):
    d = int(2 * j + 1)
    rho = jt.quantum.random_density_matrix(jax.random.PRNGKey(int(2 * j)), d)
    g = ps.SphereGrid(9, 11)
    q = ps.husimi_q(rho, j, g)
    qq, _, _ = qutip.spin_q_function(qutip.Qobj(np.asarray(rho)), np.asarray(g.theta),
                                     np.asarray(g.phi))
    np.testing.assert_allclose(q, qq.T, atol=1e-13)  # QuTiP indexes [phi, theta]
    # QuTiP's docstring claims (4 pi/(2j+1)) int Q = 1; the correct factor is (2j+1)/(4 pi)
    assert float(jnp.sum(g.weights * qq.T)) * (2 * j + 1) / (4 * np.pi) == pytest.approx(1, abs=1e-12)


def test_normalisation_r1():
    g = ps.SphereGrid(8, 8)
    singlet = jnp.array([0, 1, -1, 0], dtype=complex) / np.sqrt(2)
    for rho in (fig3_state(), jnp.outer(singlet, singlet)):
        q = ps.husimi_q(rho, (0.5, 0.5), g)
        tot = jnp.einsum("ab,abcd,cd->", g.weights, q, g.weights) / (2 * np.pi) ** 2
        assert abs(float(tot) - 1) < 1e-12
    for j in (0.5, 1.0, 2.0, 5.0):
        d = int(2 * j + 1)
        rho = 0.6 * cs_dm(j, 1.0, 0.5) + 0.4 * jnp.eye(d) / d
        gj = ps.SphereGrid(int(j) + 2, d + 2)
        q = ps.husimi_q(rho, j, gj)
        assert abs(float(ps.normalisation(j) * jnp.sum(gj.weights * q)) - 1) < 1e-12
        assert float(jnp.min(q)) >= 0 and float(jnp.max(q)) <= 1
    # unequal spins and a batch of states
    rhos = jax.vmap(lambda k: jt.quantum.random_density_matrix(k, 12))(
        jax.random.split(jax.random.PRNGKey(0), 3))
    ga, gb = ps.SphereGrid(3, 4), ps.SphereGrid(4, 6)
    q = ps.husimi_q(rhos, (1.0, 1.5), (ga, gb))
    assert q.shape == (3, 3, 4, 4, 6)
    tot = jnp.einsum("ab,nabcd,cd->n", ga.weights, q, gb.weights) * ps.normalisation(1.0) \
        * ps.normalisation(1.5)
    np.testing.assert_allclose(tot, 1.0, atol=1e-12)


# ---------------------------------------------------------------- Wehrl entropy


@pytest.mark.parametrize("j", [0.5, 1.0, 1.5, 2.0, 5.0])
def test_lieb_minimum_r2(j):
    n = 400 if j == 0.5 else 200
    s = ps.wehrl_entropy(cs_dm(j, 1.0, 0.5), j, ps.SphereGrid(n, n))
    assert ps.lieb_minimum(j) == pytest.approx(2 * j / (2 * j + 1), rel=1e-15)
    assert float(s) == pytest.approx(ps.lieb_minimum(j), abs=1e-8 if j == 0.5 else 1e-12)


@pytest.mark.parametrize("j,nbar,want", [(0.5, 1.5, 0.6826642158773657),
                                         (0.5, 0.5, 0.6503555363682669),
                                         (1.0, 0.5, 0.9498828092021293),
                                         (2.0, 1.5, 1.4630569399131752),
                                         (5.0, 0.5, 1.3144883548185275)])
def test_thermal_spin_closed_form_r3(j, nbar, want):
    ch = ps.AmplitudeDamping(1.0, nbar)
    rho = ch.fixed_point(j)
    n = int(8 * 2 * j + 32)
    s = ps.wehrl_entropy(rho, j, ps.SphereGrid(n, n))
    assert float(ps.thermal_wehrl_entropy(j, nbar)) == pytest.approx(want, abs=1e-13)
    assert float(s) == pytest.approx(want, abs=1e-12)


def test_two_qubit_values_r4():
    g32, g48 = ps.SphereGrid(32), ps.SphereGrid(48)
    up = cs_dm(0.5, 0.3, 1.2)
    prod = jt.tensor(up, cs_dm(0.5, 2.0, -0.4))
    singlet = jnp.array([0, 1, -1, 0], dtype=complex) / np.sqrt(2)
    bell = jnp.array([1, 0, 0, 1], dtype=complex) / np.sqrt(2)
    thermal = ps.AmplitudeDamping(1.0, 1.5).fixed_point((0.5, 0.5))
    s_pure = ps.wehrl_entropy(jnp.stack([prod, jnp.outer(singlet, singlet),
                                         jnp.outer(bell, bell)]), (0.5, 0.5), g48)
    np.testing.assert_allclose(s_pure, [1.0, 0.5 + LN2, 0.5 + LN2], atol=1e-5)
    s_mixed = ps.wehrl_entropy(jnp.stack([jnp.eye(4, dtype=complex) / 4, thermal, fig3_state()]),
                               (0.5, 0.5), g32)
    np.testing.assert_allclose(s_mixed, [2 * LN2, 1.3653284317547314, 1.2513280691327504],
                               atol=1e-10)
    # additivity on a product of mixed spins of different sizes
    ra = ps.AmplitudeDamping(1.0, 0.5).fixed_point(1.0)
    rb = 0.7 * cs_dm(1.5, 0.4, 0.1) + 0.3 * jnp.eye(4) / 4
    g = ps.SphereGrid(40)
    s_ab = ps.wehrl_entropy(jt.tensor(ra, rb), (1.0, 1.5), g)
    assert float(s_ab) == pytest.approx(float(ps.wehrl_entropy(ra, 1.0, g) +
                                              ps.wehrl_entropy(rb, 1.5, g)), abs=1e-11)


def test_grid_convergence():
    rho = fig3_state()
    errs = [abs(float(ps.wehrl_entropy(rho, (0.5, 0.5), ps.SphereGrid(n))) - 1.2513280691327504)
            for n in (8, 12, 16)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-10 and errs[0] > 1e-9  # exponential
    est = ps.wehrl_convergence(rho, (0.5, 0.5), ps.SphereGrid(12))
    assert float(est.error) == pytest.approx(errs[1], rel=0.3)  # the two-grid estimate is honest
    # pure state: algebraic; the estimate bounds the fine-grid error
    r = cs_dm(0.5, 1.0, 0.5)
    e1 = ps.wehrl_convergence(r, 0.5, ps.SphereGrid(40))
    err_fine = abs(float(e1.value) - 0.5)
    assert 0 < err_fine < float(e1.error) < 1e-4


def test_jit_vmap_grad_and_gradients_vs_finite_differences():
    g = ps.SphereGrid(16)

    def s_of(p):
        a, b, c = p
        return ps.wehrl_entropy(fig3_state(a, b, c), (0.5, 0.5), g)

    p0 = jnp.array([0.02, 0.15, 0.02])
    grad = jax.jit(jax.grad(s_of))(p0)
    h = 1e-5
    fd = [(s_of(p0.at[i].add(h)) - s_of(p0.at[i].add(-h))) / (2 * h) for i in range(3)]
    np.testing.assert_allclose(grad, fd, rtol=1e-7, atol=1e-10)
    assert float(jnp.linalg.norm(grad)) > 1e-3
    # vmap over states equals the batched call
    rhos = jnp.stack([fig3_state(), fig3_state(0.0, 0.1, 0.05)])
    v = jax.vmap(lambda r: ps.wehrl_entropy(r, (0.5, 0.5), g))(rhos)
    np.testing.assert_allclose(v, ps.wehrl_entropy(rhos, (0.5, 0.5), g), atol=1e-14)
    # a pure state: S_Q stays finite and its gradient has no NaN
    gp = jax.grad(lambda t: ps.wehrl_entropy(cs_dm(0.5, t, 0.3), 0.5, g))(1.0)
    assert np.isfinite(float(gp))


# ---------------------------------------------------------------- bosonic mode (R17)


def test_bosonic_wehrl_r17():
    n = 80
    grid = ps.PlaneGrid.for_levels(n)
    coh = jnp.exp(-0.5 * 1.3**2) * jnp.array([1.3**k / math.sqrt(math.factorial(k))
                                                for k in range(n)], dtype=complex)
    rhos = [jnp.outer(coh, coh.conj())]
    want = [1.0]
    for nbar in (0.5, 2.0):
        p = (nbar / (nbar + 1)) ** np.arange(n)
        rhos.append(jnp.diag(p / p.sum()).astype(complex))
        want.append(1 + math.log1p(nbar))
    for k in (1, 3):
        rhos.append(jt.ket2dm(jt.basis(n, k)))
        want.append(k + 1 + math.lgamma(k + 1) - k * digamma(k + 1))
    s = ps.wehrl_entropy(jnp.stack(rhos), grid=grid)
    np.testing.assert_allclose(s, want, atol=1e-9)
    q = ps.husimi_q(rhos[0], grid=grid)
    assert float(jnp.sum(grid.weights * q)) == pytest.approx(1, abs=1e-12)
    # Q(alpha) of the coherent state |1.3> is exp(-|alpha - 1.3|^2)
    np.testing.assert_allclose(q, np.exp(-np.abs(np.asarray(grid.alpha) - 1.3) ** 2), atol=1e-14)
    with pytest.raises(TypeError, match="grid must be a PlaneGrid"):
        ps.husimi_q_mode(rhos[0], ps.SphereGrid(4))
    with pytest.raises(ValueError, match="radius"):
        ps.PlaneGrid(radius=-1.0)
