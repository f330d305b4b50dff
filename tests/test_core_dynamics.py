import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip
from analytic import qubit_sigma_z

import jaxthermo as jt
from jaxthermo.quantum import random_density_matrix, random_hermitian


def _random_problem(seed, d, k=2):
    key = jax.random.PRNGKey(seed)
    keys = jax.random.split(key, k + 2)
    h = random_hermitian(keys[0], d)
    ops = [0.3 * (jax.random.normal(kk, (d, d)) + 1j * jax.random.normal(jax.random.fold_in(kk, 1), (d, d)))
           for kk in keys[1:k + 1]]
    rho0 = random_density_matrix(keys[-1], d)
    return h, ops, rho0


@pytest.mark.parametrize("d", [2, 3, 5, 8])
def test_mesolve_matches_qutip_random_lindbladians(d):
    h, ops, rho0 = _random_problem(d, d)
    ts = np.linspace(0.0, 3.0, 11)
    ours = jt.mesolve(h, rho0, ts, ops, rtol=1e-10, atol=1e-12).states
    opts = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 100000}
    ref = qutip.mesolve(qutip.Qobj(np.asarray(h)), qutip.Qobj(np.asarray(rho0)), ts,
                        [qutip.Qobj(np.asarray(o)) for o in ops], options=opts).states
    ref = np.stack([r.full() for r in ref])
    np.testing.assert_allclose(np.asarray(ours), ref, atol=1e-8)


def test_mesolve_matches_exact_propagator_and_converges():
    h, ops, rho0 = _random_problem(7, 4)
    ts = jnp.linspace(0.0, 2.0, 5)
    exact = jt.evolve_exact(h, rho0, ts, ops)
    errs = []
    for tol in (1e-5, 1e-7, 1e-9, 1e-11):
        st = jt.mesolve(h, rho0, ts, ops, rtol=tol, atol=tol * 1e-2).states
        errs.append(float(jnp.max(jnp.abs(st - exact))))
    assert errs[-1] < 1e-10
    assert errs[0] > errs[-1]
    assert all(b <= a * 1.5 for a, b in zip(errs, errs[1:], strict=False))  # tightening helps


def test_mesolve_preserves_trace_and_hermiticity():
    h, ops, rho0 = _random_problem(11, 6)
    st = jt.mesolve(h, rho0, jnp.linspace(0, 4, 9), ops).states
    np.testing.assert_allclose(np.trace(np.asarray(st), axis1=1, axis2=2), 1.0, atol=1e-9)
    np.testing.assert_allclose(np.asarray(st), np.conj(np.swapaxes(np.asarray(st), 1, 2)), atol=1e-14)
    assert np.min(np.linalg.eigvalsh(np.asarray(st))) > -1e-9


def test_qubit_relaxation_closed_form():
    w, beta, gamma = 1.3, -0.8, 0.4  # negative bath temperature: inverted steady state
    h = 0.5 * w * jt.sigmaz()
    ops = jt.thermal_jump_ops(h, jt.sigmax(), jt.ThermalBath(beta, gamma))
    ts = jnp.linspace(0.0, 10.0, 21)
    res = jt.mesolve(h, jt.ket2dm(jt.basis(2, 1)), ts, ops, exp_ops=[jt.sigmaz()])
    np.testing.assert_allclose(np.real(np.asarray(res.expects[0])),
                               qubit_sigma_z(ts, -1.0, beta, w, gamma), atol=1e-8)


@pytest.mark.parametrize("beta", [-1.5, -0.2, 0.0, 0.7, 3.0])
def test_gibbs_state_is_stationary_under_detailed_balance(beta):
    # three-level system with a generic coupling, local and collective baths
    jx, _, jz = jt.spin_ops(1)
    h = jz + 0.3 * jz @ jz
    ops = jt.thermal_jump_ops(h, jx + 0.2 * jz, jt.ThermalBath(beta, 0.7))
    rho = jt.gibbs_state(h, beta)
    assert float(jnp.max(jnp.abs(jt.lindblad_rhs(h, ops, rho)))) < 1e-13
    # collective bath of two spins-1/2 through J_x: Gibbs still stationary
    cx, _, cz = jt.collective_ops(2)
    ops2 = jt.thermal_jump_ops(cz, cx, jt.ThermalBath(beta, 1.0))
    assert float(jnp.max(jnp.abs(jt.lindblad_rhs(cz, ops2, jt.gibbs_state(cz, beta))))) < 1e-13


def test_eigenoperators_lower_energy_and_detailed_balance():
    jx, _, jz = jt.spin_ops(1.5)
    h = jz + 0.1 * jz @ jz
    bath = jt.ThermalBath(0.9, 1.0)
    freqs, a_w = jt.eigenoperators(h, jx)
    for w, a in zip(freqs, a_w, strict=True):
        np.testing.assert_allclose(np.asarray(h @ a - a @ h), np.asarray(-w * a), atol=1e-12)
    for w in freqs[freqs > 0]:
        assert np.isclose(bath.rate(-w) / bath.rate(w), np.exp(-0.9 * w))
    # the eigenoperators add up to A
    np.testing.assert_allclose(np.asarray(a_w.sum(0)), np.asarray(jx), atol=1e-12)


def test_bosonic_bath_rates_and_requires_positive_beta():
    b = jt.ThermalBath(2.0, 0.5, spectrum="bosonic")
    nbar = 1 / np.expm1(2.0 * 1.2)
    assert np.isclose(b.rate(1.2), 0.5 * (1 + nbar))
    assert np.isclose(b.rate(-1.2), 0.5 * nbar)
    with pytest.raises(ValueError, match="beta must be positive"):
        jt.ThermalBath(-1.0, 1.0, spectrum="bosonic")


def test_steady_state_equals_long_time_mesolve_and_gradient():
    jx, _, jz = jt.spin_ops(1)
    h = jz + 0.2 * jx
    hot = jt.thermal_jump_ops(h, jx, jt.ThermalBath(0.3, 0.5))
    cold = jt.thermal_jump_ops(h, jx, jt.ThermalBath(2.0, 0.5))
    ops = jnp.concatenate([hot, cold])
    rho_ss = jt.steady_state(h, ops)
    rho_t = jt.mesolve(h, jt.maximally_mixed(3), jnp.array([0.0, 80.0]), ops).states[-1]
    np.testing.assert_allclose(np.asarray(rho_ss), np.asarray(rho_t), atol=1e-8)

    def f(beta):
        o = jt.thermal_jump_ops(h, jx, jt.ThermalBath(beta, 0.5))
        return jt.energy(h, jt.steady_state(h, jnp.concatenate([hot, o]), check_unique=False))

    g = jax.grad(f)(1.1)
    eps = 1e-5
    fd = (f(1.1 + eps) - f(1.1 - eps)) / (2 * eps)
    assert np.isclose(g, fd, rtol=1e-6)


def test_non_unique_steady_state_and_projection():
    cx, _, cz = jt.collective_ops(3)
    ops = jt.thermal_jump_ops(cz, cx, jt.ThermalBath(1.0, 1.0))
    with pytest.raises(jt.NonUniqueSteadyStateError, match="stationary_projection"):
        jt.steady_state(cz, ops)
    rho0 = jt.gibbs_state(cz, 2.0)
    proj = jt.stationary_projection(cz, ops, rho0)
    long = jt.mesolve(cz, rho0, jnp.array([0.0, 60.0]), ops).states[-1]
    np.testing.assert_allclose(np.asarray(proj), np.asarray(long), atol=1e-7)
    # stationary and trace one
    assert float(jnp.max(jnp.abs(jt.lindblad_rhs(cz, ops, proj)))) < 1e-10
    assert np.isclose(np.trace(np.asarray(proj)).real, 1.0)


def test_time_dependent_hamiltonian_callable_and_piecewise_against_qutip():
    w0, a, nu = 1.0, 0.4, 1.7
    ops = [jnp.sqrt(0.2) * jt.sigmam()]
    rho0 = jt.ket2dm(jt.basis(2, 0))
    ts = np.linspace(0, 5, 11)
    h_t = lambda t: 0.5 * w0 * jt.sigmaz() + a * jnp.cos(nu * t) * jt.sigmax()
    ours = jt.mesolve(h_t, rho0, ts, ops, rtol=1e-10, atol=1e-12).states
    hq = [0.5 * w0 * qutip.sigmaz(), [a * qutip.sigmax(), lambda t: np.cos(nu * t)]]
    ref = qutip.mesolve(hq, qutip.Qobj(np.asarray(rho0)), ts, [qutip.Qobj(np.asarray(ops[0]))],
                        options={"atol": 1e-12, "rtol": 1e-10}).states
    np.testing.assert_allclose(np.asarray(ours), np.stack([r.full() for r in ref]), atol=1e-8)
    # piecewise constant: a quench at t = 2 equals two exact propagations
    h1, h2 = 0.5 * jt.sigmaz(), 0.5 * jt.sigmaz() + 0.3 * jt.sigmax()
    pc = jt.PiecewiseConstant(jnp.array([2.0]), jnp.stack([h1, h2]))
    out = jt.mesolve(pc, rho0, jnp.array([0.0, 2.0, 3.5]), ops).states
    mid = jt.evolve_exact(h1, rho0, jnp.array([2.0]), ops)[0]
    end = jt.evolve_exact(h2, mid, jnp.array([1.5]), ops)[0]
    np.testing.assert_allclose(np.asarray(out[-1]), np.asarray(end), atol=1e-8)


def test_mesolve_solver_objects_pass_through():
    h, ops, rho0 = _random_problem(3, 3)
    ts = jnp.linspace(0, 1, 3)
    a = jt.mesolve(h, rho0, ts, ops, solver=diffrax.Dopri8(),
                   stepsize_controller=diffrax.PIDController(rtol=1e-10, atol=1e-12)).states
    b = jt.evolve_exact(h, rho0, ts, ops)
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-9)


def test_local_vs_collective_couplings_differ():
    cx, _, cz = jt.collective_ops(2)
    from jaxthermo.quantum import embed

    loc = [embed(jt.sigmax() / 2, k, (2, 2)) for k in range(2)]
    bath = jt.ThermalBath(1.0, 1.0)
    l_loc = jt.local_thermal_jump_ops(cz, loc, bath)
    l_col = jt.thermal_jump_ops(cz, cx, bath)
    # local: unique steady state = Gibbs; collective: not unique
    rho = jt.steady_state(cz, l_loc)
    np.testing.assert_allclose(np.asarray(rho), np.asarray(jt.gibbs_state(cz, 1.0)), atol=1e-12)
    with pytest.raises(jt.NonUniqueSteadyStateError):
        jt.steady_state(cz, l_col)


def test_collective_benchmark_problem_matches_qutip():
    """The bench_mesolve problem (n = 4): collective J-, J+ with bosonic rates, Gibbs start."""
    n = 4
    jp, jm = jt.collective_ladder(n)
    _, _, jz = jt.collective_ops(n)
    nbar = 1 / np.expm1(1.0)
    ops = [np.sqrt(0.1 * (nbar + 1)) * np.asarray(jm), np.sqrt(0.1 * nbar) * np.asarray(jp)]
    rho0 = np.asarray(jt.gibbs_state(jz, 2.0))
    ts = np.linspace(0, 20, 21)
    ours = jt.mesolve(jz, rho0, ts, ops, rtol=1e-10, atol=1e-12).states
    ref = qutip.mesolve(qutip.Qobj(np.asarray(jz)), qutip.Qobj(rho0), ts, [qutip.Qobj(o) for o in ops],
                        options={"atol": 1e-12, "rtol": 1e-10}).states
    np.testing.assert_allclose(np.asarray(ours), np.stack([r.full() for r in ref]), atol=1e-8)
