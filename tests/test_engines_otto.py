"""Otto engines: ideal qubit closed forms, collective vs independent spins (paper 001, Eqs. 49-50,
spec seed-001 cases 18-19), limit cycle by solve vs running cycles, QuTiP cross-check of finite
strokes, laws per cycle, jit/vmap/grad, bad input."""

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.engines import (
    OttoCycle,
    SpinLadderMedium,
    otto_work_collective,
    otto_work_independent,
    spin_operator_medium,
)
from jaxthermo.optimize import check_gradient

H0_QUBIT = jnp.diag(jnp.array([1.0, 0.0]))  # levels 0 (ground) and 1 (excited), omega units
SX = jnp.array([[0.0, 1.0], [1.0, 0.0]])


class Ens:
    """Duck-typed spin ensemble (n, s, omega), like jt.ensembles.SpinEnsemble."""

    def __init__(self, n, s=0.5, omega=1.0):
        self.n, self.s, self.omega = n, s, omega


def qubit_cycle(beta_h, beta_c, lam, **kw):
    return OttoCycle(H0_QUBIT, beta_h, beta_c, lam, coupling=SX, **kw)


@eqx.filter_jit
def _lc(o):
    c = o.limit_cycle()
    return c.work, c.heat_hot, c.heat_cold, c.efficiency, c.entropy_production, c.power


def test_ideal_qubit_closed_form_efficiency_and_laws():
    # excited population p(x) = 1/(1 + e^x); W = -(1 - lam)[p(b_h) - p(lam b_c)] (omega_h = 1)
    bh, bc, lam = 0.3, 2.0, 0.6
    w, qh, qc, eff, sig, pw = _lc(qubit_cycle(bh, bc, lam))
    p = lambda x: 1.0 / (1.0 + math.exp(x))  # noqa: E731
    assert float(w) == pytest.approx(-(1 - lam) * (p(bh) - p(lam * bc)), rel=1e-12)
    assert float(qh) == pytest.approx(p(bh) - p(lam * bc), rel=1e-12)
    assert float(eff) == pytest.approx(1 - lam, rel=1e-12)
    assert float(w + qh + qc) == pytest.approx(0.0, abs=1e-14)
    assert float(sig) == pytest.approx(float(-bh * qh - bc * qc), rel=1e-12) and float(sig) > 0
    assert float(pw) == 0.0  # infinite strokes


def test_ideal_qubit_carnot_and_second_law_over_a_grid():
    bh = jnp.array([0.1, 0.5, 1.0, -0.5])
    bc = jnp.array([2.0, 1.0, 3.0, 1.0])
    lams = jnp.array([0.07, 0.21, 0.33, 0.47, 0.61, 0.77, 0.93])

    def one(b_h, b_c, lam):
        c = qubit_cycle(b_h, b_c, lam).limit_cycle()
        return c.work, c.efficiency, c.entropy_production, c.is_engine

    # jax.lax.map over every grid point, no vmap: a jitted vmap over full-space limit cycles runs
    # concurrent batched LAPACK kernels, which can deadlock jaxlib 0.10.2 on 2 cores (README,
    # "Known issue"); lax.map runs the points one after another
    gb_h, gl = jnp.meshgrid(bh, lams, indexing="ij")
    gb_c = jnp.broadcast_to(bc[:, None], gb_h.shape)
    f = jax.jit(lambda a: jax.lax.map(lambda x: one(x[0], x[1], x[2]), a))
    w, eff, sig, eng = (v.reshape(gb_h.shape) for v in f(
        (gb_h.ravel(), gb_c.ravel(), gl.ravel())))
    assert np.all(np.asarray(sig) >= -1e-14)  # second law per cycle, every regime
    carnot = 1 - np.asarray(bh / bc)[:, None] * np.ones((1, 7))
    carnot = np.where(np.asarray(bh)[:, None] < 0, 1.0, carnot)  # hot bath at negative temperature
    eng = np.asarray(eng)
    assert eng.any() and (~eng).any()
    assert np.all(np.asarray(eff)[eng] <= carnot[eng] + 1e-12)
    # engine iff lam beta_c > beta_h (full thermalisation, positive temperatures)
    pos = np.asarray(bh)[:, None] > 0
    expect = (np.asarray(lams)[None, :] * np.asarray(bc)[:, None]) > np.asarray(bh)[:, None]
    assert np.array_equal(eng[np.broadcast_to(pos, eng.shape)],
                          expect[np.broadcast_to(pos, eng.shape)])


def test_collective_vs_independent_spec_case_18():
    # spec seed-001 case 18: n=6, s=1/2, x_h=0.1, x_c=2, lam=0.5
    o = OttoCycle(Ens(6), 0.1, 2.0, 0.5, beta0=math.inf)
    w_coh, *_, eff, _, _ = _lc(o)
    w_inc, _, _, eff_inc, _, _ = _lc(o.incoherent())
    assert float(w_coh) == pytest.approx(-1.01385359612, rel=1e-10)
    assert float(w_inc) == pytest.approx(-0.618238173453, rel=1e-10)
    assert float(w_coh / w_inc) == pytest.approx(1.63990778903, rel=1e-10)
    assert float(eff) == pytest.approx(0.5, rel=1e-12) and float(eff_inc) == pytest.approx(0.5)
    # memory of the initial state: x0 = 2
    w2 = _lc(OttoCycle(Ens(6), 0.1, 2.0, 0.5, beta0=2.0))[0]
    assert float(w2) == pytest.approx(-0.798968286378, rel=1e-10)
    assert float(w2 / w_inc) == pytest.approx(1.29233088587, rel=1e-10)
    # and the closed forms (Eqs. 49-50)
    assert float(otto_work_collective(6, 0.5, 2.0, 0.1, 1.0, 0.5)) == pytest.approx(float(w2))
    assert float(otto_work_independent(6, 0.5, 0.1, 1.0, 0.5)) == pytest.approx(float(w_inc))


def test_collective_full_space_brute_force_spec_case_19():
    # spec case 19: n=3, x0=2, x_h=0.2, x_c=3, lam=0.5, full-space Lindblad, three cycles
    med = spin_operator_medium(3, 0.5, "collective")
    o = OttoCycle(med, 0.2, 3.0, 0.5, beta0=2.0)
    w, qh, qc, eff, sig, _ = _lc(o)
    assert float(w) == pytest.approx(-0.413445088219, rel=1e-9)
    np.testing.assert_allclose(np.asarray(o.run(3)), -0.413445088219, rtol=1e-9)
    w_inc = _lc(o.incoherent())[0]
    assert float(w_inc) == pytest.approx(-0.401610718322, rel=1e-9)
    assert float(eff) == pytest.approx(0.5, rel=1e-10)
    # the collective-ladder medium gives the same numbers
    assert float(_lc(OttoCycle(Ens(3), 0.2, 3.0, 0.5, beta0=2.0))[0]) == pytest.approx(
        float(w), rel=1e-12)


def test_finite_strokes_ladder_equals_full_space_and_limit_cycle_equals_running():
    med = spin_operator_medium(3, 0.5, "collective")
    kw = dict(beta0=2.0, tau_hot=0.3, tau_cold=0.5)
    full = OttoCycle(med, 0.2, 3.0, 0.5, **kw)
    lad = OttoCycle(Ens(3), 0.2, 3.0, 0.5, **kw)
    a, b = _lc(full), _lc(lad)
    for x, y in zip(a, b, strict=True):
        assert float(x) == pytest.approx(float(y), rel=1e-10, abs=1e-13)
    # the solve gives what running many cycles converges to (memory of x0 = 2 kept)
    runs = np.asarray(full.run(40))
    assert runs[-1] == pytest.approx(float(a[0]), rel=1e-10)
    assert abs(runs[0] - runs[-1]) > 1e-4  # not trivially already on the cycle
    assert float(a[5]) == pytest.approx(float(a[0]) / 0.8, rel=1e-12)  # power = W / (tau_h + tau_c)
    # laws on the finite-time cycle
    assert float(a[0] + a[1] + a[2]) == pytest.approx(0.0, abs=1e-13)
    assert float(a[4]) > 0 and float(a[3]) == pytest.approx(0.5, rel=1e-10)


def test_full_space_limit_cycle_is_a_fixed_point_of_an_independent_propagator():
    """n = 2 collective spins-1/2: one more cycle with scipy.linalg.expm propagators built here
    (not jaxthermo's maps) leaves the solved limit cycle unchanged, and it keeps the singlet
    weight of the initial thermal state (the memory)."""
    sla = pytest.importorskip("scipy.linalg")
    bh, bc, lam, th, tc, b0 = 0.2, 2.5, 0.5, 0.7, 0.4, 1.0
    o = OttoCycle(spin_operator_medium(2, 0.5, "collective"), bh, bc, lam, beta0=b0,
                  tau_hot=th, tau_cold=tc)
    c = o.limit_cycle()
    rho = np.asarray(o.medium.density(c.state_start))
    # |m1 m2>, index 0 = up; H0 = Jz + 1, collective J- (emission at Bohr frequency +1)
    sm = np.array([[0.0, 0.0], [1.0, 0.0]])
    jm = np.kron(sm, np.eye(2)) + np.kron(np.eye(2), sm)
    h0 = np.diag([2.0, 1.0, 1.0, 0.0])
    eye = np.eye(4)

    def propagator(w, beta, tau):  # column-stacking vec: vec(A X B) = (B^T kron A) vec(X)
        g_dn, g_up = 1 / (1 + math.exp(-beta * w)), 1 / (1 + math.exp(beta * w))
        gen = -1j * (np.kron(eye, w * h0) - np.kron(w * h0.T, eye))
        for rate, a in ((g_dn, jm), (g_up, jm.T)):
            ada = a.T @ a
            gen += rate * (np.kron(a.conj(), a) - 0.5 * np.kron(eye, ada) - 0.5 * np.kron(ada.T, eye))
        return sla.expm(tau * gen)

    def apply(p, r):
        return (p @ r.reshape(-1, order="F")).reshape(4, 4, order="F")

    r1 = apply(propagator(1.0, bh, th), rho)
    r2 = apply(propagator(lam, bc, tc), r1)
    np.testing.assert_allclose(r2, rho, atol=1e-12)
    assert float(c.work) == pytest.approx((1 - lam) * np.trace(h0 @ (r2 - r1)).real, abs=1e-12)
    assert np.trace(rho).real == pytest.approx(1.0, abs=1e-12)
    assert np.min(np.linalg.eigvalsh(0.5 * (rho + rho.conj().T))) > -1e-12
    singlet = np.array([0.0, 1.0, -1.0, 0.0]) / math.sqrt(2)
    p_singlet0 = math.exp(-b0) / (1 + math.exp(-b0)) ** 2  # thermal weight of the energy-1 singlet
    assert (singlet @ rho @ singlet).real == pytest.approx(p_singlet0, rel=1e-12)


def test_finite_strokes_against_qutip_one_cycle():
    qutip = pytest.importorskip("qutip")
    bh, bc, lam, th, tc = 0.2, 2.5, 0.5, 0.7, 0.4
    o = qubit_cycle(bh, bc, lam, tau_hot=th, tau_cold=tc, beta0=1.0)
    w1 = float(o.run(1)[0])

    def rates(w, beta):
        return 1 / (1 + math.exp(-beta * w)), 1 / (1 + math.exp(beta * w))

    h = qutip.Qobj(np.diag([1.0, 0.0]))
    lower = qutip.Qobj(np.array([[0.0, 0.0], [1.0, 0.0]]))  # |0><1|, index 0 = excited
    p = 1 / (1 + math.exp(1.0))
    rho = qutip.Qobj(np.diag([p, 1 - p]))
    opts = {"atol": 1e-12, "rtol": 1e-10}
    gd, gu = rates(1.0, bh)
    r1 = qutip.mesolve(h, rho, [0, th], [math.sqrt(gd) * lower, math.sqrt(gu) * lower.dag()],
                       options=opts).states[-1]
    gd, gu = rates(lam, bc)
    r2 = qutip.mesolve(lam * h, r1, [0, tc], [math.sqrt(gd) * lower, math.sqrt(gu) * lower.dag()],
                       options=opts).states[-1]
    w_ref = (1 - lam) * (qutip.expect(h, r2) - qutip.expect(h, r1))
    assert w1 == pytest.approx(w_ref, rel=1e-8)


def test_long_strokes_approach_ideal_cycle():
    ideal = float(_lc(OttoCycle(Ens(4), 0.2, 3.0, 0.5, beta0=1.0))[0])
    long = float(_lc(OttoCycle(Ens(4), 0.2, 3.0, 0.5, beta0=1.0, tau_hot=40.0, tau_cold=40.0))[0])
    short = float(_lc(OttoCycle(Ens(4), 0.2, 3.0, 0.5, beta0=1.0, tau_hot=0.05, tau_cold=0.05))[0])
    assert long == pytest.approx(ideal, rel=1e-9)
    assert abs(short) < abs(ideal)


def test_gradients_match_finite_differences():
    def work(p):
        o = OttoCycle(Ens(4), p[0], 3.0, p[1], beta0=2.0, tau_hot=p[2], tau_cold=0.4)
        return o.limit_cycle().power

    dev, g, _ = check_gradient(jax.jit(work), jnp.array([0.3, 0.55, 0.8]), eps=1e-6)
    assert dev < 1e-7 and np.all(np.isfinite(np.asarray(g)))

    med = spin_operator_medium(2, 0.5, "collective")

    def work_full(p):
        o = OttoCycle(med, p[0], p[1], 0.5, beta0=1.0, tau_hot=p[2], tau_cold=0.5)
        return o.limit_cycle().work

    dev, g, _ = check_gradient(jax.jit(work_full), jnp.array([0.3, 2.0, 0.6]), eps=1e-6)
    assert dev < 1e-7 and np.all(np.isfinite(np.asarray(g)))


def test_bad_input():
    with pytest.raises(ValueError, match="compression"):
        qubit_cycle(0.1, 2.0, 1.5)
    with pytest.raises(ValueError, match="compression"):
        qubit_cycle(0.1, 2.0, 0.0)
    with pytest.raises(ValueError, match="coupling is required"):
        OttoCycle(H0_QUBIT, 0.1, 2.0, 0.5)
    with pytest.raises(ValueError, match="tau_hot"):
        qubit_cycle(0.1, 2.0, 0.5, tau_hot=-1.0, tau_cold=1.0)
    with pytest.raises(ValueError, match="bath"):
        OttoCycle(Ens(2), 0.1, 2.0, 0.5, bath="local")
    # a refrigerator parameter set asked to run as an engine: lam beta_c < beta_h
    o = qubit_cycle(1.0, 1.5, 0.5, regime="engine")
    with pytest.raises(ValueError, match="do not run an engine.*beta_hot < compression"):
        o.limit_cycle()
    c = qubit_cycle(1.0, 1.5, 0.5).limit_cycle()
    assert c.regime() == "refrigerator" and bool(c.is_refrigerator)
    # under jit the same check is an eqx.error_if
    with pytest.raises(Exception, match="do not run an engine"):
        jax.jit(lambda b: qubit_cycle(b, 1.5, 0.5, regime="engine").limit_cycle().work)(1.0)


def test_ladder_medium_matches_ensemble_steady_state_energy():
    # relax of the ladder medium: E_inf of paper 001 Eq. 18 (spec case 13: n=100, x0=2, x_B=1)
    med = SpinLadderMedium(100, 0.5, "collective")
    st = med.initial_state(1.0, 2.0)
    e = med.energy0(med.relax(1.0, jt.ThermalBath(1.0), st))
    assert float(e) == pytest.approx(12.3457512663, rel=1e-10)


def test_accepts_the_ensembles_spin_ensemble_and_jits_incoherent():
    SpinEnsemble = pytest.importorskip("jaxthermo.ensembles").SpinEnsemble
    o = OttoCycle(SpinEnsemble(6, 0.5, 1.0), 0.1, 2.0, 0.5, beta0=math.inf)
    w, w_inc = eqx.filter_jit(lambda o: (o.limit_cycle().work, o.incoherent().limit_cycle().work))(o)
    assert float(w) == pytest.approx(-1.01385359612, rel=1e-10)
    assert float(w_inc) == pytest.approx(-0.618238173453, rel=1e-10)
    with pytest.raises(TypeError, match="concrete"):
        jax.jit(lambda h: OttoCycle(h, 0.1, 2.0, 0.5, coupling=SX).limit_cycle().work)(H0_QUBIT)


def test_cycles_by_mesolve_match_propagators_and_limit_cycle():
    med = spin_operator_medium(2, 0.5, "collective")
    o = OttoCycle(med, 0.3, 2.0, 0.6, beta0=1.5, tau_hot=0.7, tau_cold=0.9)
    by_ode = np.asarray(o.run(3, method="mesolve"))
    np.testing.assert_allclose(by_ode, np.asarray(o.run(3)), rtol=1e-7)
    with pytest.raises(ValueError, match="mesolve"):
        OttoCycle(Ens(2), 0.3, 2.0, 0.6, tau_hot=1.0, tau_cold=1.0).run(1, method="mesolve")
