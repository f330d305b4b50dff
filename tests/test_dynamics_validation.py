"""Dynamics: the general Lindblad right-hand side and the input checks of mesolve, evolve_exact,
propagator, ThermalBath / thermal_jump_ops and the steady-state functions (API audit findings 1, 2,
4 and 6)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.dynamics.lindblad import effective_hamiltonian_term, lindblad_rhs_from_k

H2 = 0.5 * jt.sigmaz() + 0.3 * jt.sigmax()
L2 = [0.6 * jt.sigmam()]
RHO2 = jnp.array([[0.7, 0.1 - 0.05j], [0.1 + 0.05j, 0.3]])
TS = jnp.linspace(0.0, 1.0, 5)
RHO_NEG = jnp.diag(jnp.array([1.2, -0.2])).astype(complex)  # Hermitian, unit trace, not PSD


def _numpy_lindblad(h, ops, x):
    """``L(X) = -i[H, X] + sum_k (L_k X L_k^dag - 1/2 {L_k^dag L_k, X})`` written in numpy."""
    h, x = np.asarray(h), np.asarray(x)
    out = -1j * (h @ x - x @ h)
    for op in ops:
        op = np.asarray(op)
        ld = op.conj().T
        out = out + op @ x @ ld - 0.5 * (ld @ op @ x + x @ ld @ op)
    return out


def _random_problem(d, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    h = a + a.conj().T
    ops = [0.4 * (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) for _ in range(k)]
    x = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))  # not Hermitian
    return jnp.asarray(h), [jnp.asarray(o) for o in ops], jnp.asarray(x)


# ---------------------------------------------------------------- 1. general right-hand side


def test_lindblad_rhs_on_a_coherence_matches_the_superoperator():
    x = jnp.array([[0, 1], [0, 0]], dtype=complex)  # |0><1|
    ref = _numpy_lindblad(H2, L2, x)
    np.testing.assert_allclose(ref, [[0.3j, -0.18 - 1j], [0, -0.3j]], atol=1e-14)
    sup = (jt.lindbladian(H2, L2) @ x.reshape(-1)).reshape(2, 2)
    np.testing.assert_allclose(np.asarray(jt.lindblad_rhs(H2, L2, x)), ref, atol=1e-14)
    np.testing.assert_allclose(np.asarray(sup), ref, atol=1e-14)
    d_ref = _numpy_lindblad(np.zeros((2, 2)), L2, x)
    np.testing.assert_allclose(np.asarray(jt.dissipator(L2, x)), d_ref, atol=1e-14)


@pytest.mark.parametrize("d,k", [(3, 2), (8, 3)])  # d = 8: the real-contraction product path on CPU
def test_lindblad_rhs_any_operator_random(d, k):
    h, ops, x = _random_problem(d, k, seed=d)
    ref = _numpy_lindblad(h, ops, x)
    got = jt.lindblad_rhs(h, ops, x)
    sup = (jt.lindbladian(h, ops) @ x.reshape(-1)).reshape(d, d)
    np.testing.assert_allclose(np.asarray(got), ref, atol=1e-11)
    np.testing.assert_allclose(np.asarray(got), np.asarray(sup), atol=1e-11)
    np.testing.assert_allclose(np.asarray(jt.dissipator(jnp.stack(ops), x)),
                               _numpy_lindblad(np.zeros((d, d)), ops, x), atol=1e-11)
    # on a Hermitian state the solver's X + X^dag form (mesolve) gives the same values
    rho = x @ jnp.conj(x.T)
    rho = rho / jnp.trace(rho)
    fast = lindblad_rhs_from_k(effective_hamiltonian_term(h, jnp.stack(ops)), jnp.stack(ops), rho)
    np.testing.assert_allclose(np.asarray(jt.lindblad_rhs(h, ops, rho)), np.asarray(fast), atol=1e-11)


def test_lindblad_rhs_jit_and_grad():
    x = jnp.array([[0, 1], [0, 0]], dtype=complex)
    f = jax.jit(lambda c, x: jt.lindblad_rhs(H2, [c * jt.sigmam()], x))
    np.testing.assert_allclose(np.asarray(f(0.6, x)), _numpy_lindblad(H2, L2, x), atol=1e-14)
    # d/dc of the |0><1| entry: L X L^dag = 0 here, -1/2 {L^dag L, X}_{01} = -c^2 / 2 -> -c
    g = jax.grad(lambda c: jnp.real(jt.dissipator([c * jt.sigmam()], x)[0, 1]))(0.6)
    np.testing.assert_allclose(g, -0.6, atol=1e-14)


def test_lindblad_rhs_operator_shape_errors():
    with pytest.raises(ValueError, match=r"rho must be a \(2, 2\) operator"):
        jt.lindblad_rhs(H2, L2, jnp.eye(3))
    with pytest.raises(ValueError, match=r"rho must be a \(3, 3\) operator"):
        jt.dissipator(L2, jnp.ones((3, 3, 3)))


# ---------------------------------------------------------------- 4. mesolve / evolve_exact inputs


def test_mesolve_callable_h_wrong_shape():
    with pytest.raises(ValueError, match=r"H \(a callable\) returned shape \(3, 3\)"):
        jt.mesolve(lambda t: jnp.eye(3), RHO2, TS, L2)


@pytest.mark.parametrize("bad", [jnp.array([[1, 1], [0, -1]], dtype=complex),
                                 jnp.array([[jnp.nan, 0], [0, 1.0]])], ids=["non-Hermitian", "NaN"])
def test_mesolve_callable_h_bad_value(bad):
    with pytest.raises(ValueError, match=r"H \(a callable\) must return finite Hermitian"):
        jt.mesolve(lambda t: bad, RHO2, TS, L2)


def test_mesolve_callable_h_checked_under_jit():
    @jax.jit
    def f(c):
        return jt.mesolve(lambda t: c * jt.sigmap() + jt.sigmaz(), RHO2, TS, L2).states[-1]

    with pytest.raises(Exception, match=r"H \(a callable\) must return finite Hermitian"):
        f(0.5).block_until_ready()


def test_mesolve_callable_h_valid_matches_exact():
    out = jt.mesolve(lambda t: H2, RHO2, TS, L2).states
    np.testing.assert_allclose(np.asarray(out), np.asarray(jt.evolve_exact(H2, RHO2, TS, L2)), atol=1e-8)


def test_piecewise_constant_checks():
    with pytest.raises(ValueError, match="values must be finite Hermitian"):
        jt.PiecewiseConstant([0.5], [jt.sigmaz(), jt.sigmap()])
    with pytest.raises(ValueError, match="values must be finite Hermitian"):
        jt.PiecewiseConstant([0.5], [jt.sigmaz(), jnp.full((2, 2), jnp.nan)])
    with pytest.raises(ValueError, match="times must be strictly increasing"):
        jt.PiecewiseConstant([0.5, 0.2], [jt.sigmaz()] * 3)
    with pytest.raises(ValueError, match="times must be finite"):
        jt.PiecewiseConstant([jnp.nan], [jt.sigmaz()] * 2)
    with pytest.raises(ValueError, match="values must hold square"):
        jt.PiecewiseConstant([0.5], jnp.ones((2, 2, 3)))


def test_rho0_must_be_positive_semidefinite():
    msg = "rho0 must be positive semidefinite"
    with pytest.raises(ValueError, match=msg):
        jt.mesolve(0.5 * jt.sigmaz(), RHO_NEG, TS, L2)
    with pytest.raises(ValueError, match=msg):
        jt.evolve_exact(0.5 * jt.sigmaz(), RHO_NEG, TS, L2)
    with pytest.raises(ValueError, match=msg):
        jt.stationary_projection(0.5 * jt.sigmaz(), L2, RHO_NEG)
    # traced rho0 (jit): the LAPACK-free necessary test (diagonal, 2x2 principal minors)
    f = jax.jit(lambda r: jt.mesolve(0.5 * jt.sigmaz(), r, TS, L2).states)
    with pytest.raises(Exception, match=msg):
        f(RHO_NEG).block_until_ready()
    with pytest.raises(Exception, match=msg):  # eigenvalues 1.1, -0.1 with a positive diagonal
        f(jnp.array([[0.5, 0.6], [0.6, 0.5]], dtype=complex)).block_until_ready()
    np.testing.assert_allclose(np.asarray(f(RHO2)), np.asarray(jt.mesolve(0.5 * jt.sigmaz(), RHO2, TS, L2).states),
                               atol=1e-12)
    # concrete rho0: exact test; an eigenvalue of -1e-9 is refused, -1e-11 is within the 1e-10 tolerance
    u = jnp.array([[1, 1], [1j, -1j]]) / jnp.sqrt(2)
    for lam, ok in ((-1e-9, False), (-1e-11, True)):
        r = u @ jnp.diag(jnp.array([1 - lam, lam])) @ jnp.conj(u.T)
        if ok:
            jt.mesolve(H2, r, TS, L2)
        else:
            with pytest.raises(ValueError, match=msg):
                jt.mesolve(H2, r, TS, L2)


def test_pure_rho0_accepted():
    rng = np.random.default_rng(1)
    psi = rng.normal(size=4) + 1j * rng.normal(size=4)
    rho = jt.ket2dm(jnp.asarray(psi / np.linalg.norm(psi)))
    h = jnp.kron(H2, jnp.eye(2))
    ops = [jnp.kron(L2[0], jnp.eye(2))]
    out = jt.mesolve(h, rho, TS, ops).states
    np.testing.assert_allclose(np.asarray(out), np.asarray(jt.evolve_exact(h, rho, TS, ops)), atol=1e-8)


def test_mesolve_non_finite_jump_ops():
    with pytest.raises(ValueError, match="jump_ops must be finite"):
        jt.mesolve(H2, RHO2, TS, [jt.sigmam() * jnp.nan])


def test_save_states_false_needs_exp_ops():
    with pytest.raises(ValueError, match="save_states=False needs exp_ops"):
        jt.mesolve(H2, RHO2, TS, L2, save_states=False)


def test_t0_after_first_save_time():
    with pytest.raises(ValueError, match=r"t0 must be finite and <= ts\[0\]"):
        jt.mesolve(H2, RHO2, TS + 0.5, L2, t0=0.7)
    with pytest.raises(ValueError, match=r"t0 must be finite and <= ts\[0\]"):
        jt.mesolve(H2, RHO2, TS, L2, t0=jnp.nan)
    # t0 < ts[0] still integrates from t0
    out = jt.mesolve(H2, RHO2, TS + 0.5, L2, t0=0.0).states
    np.testing.assert_allclose(np.asarray(out), np.asarray(jt.evolve_exact(H2, RHO2, TS + 0.5, L2)),
                               atol=1e-8)


def test_negative_or_nan_times_in_exact_evolution():
    with pytest.raises(ValueError, match="ts must be non-negative"):
        jt.evolve_exact(H2, RHO2, jnp.array([0.0, -1.0]), L2)
    with pytest.raises(ValueError, match="ts must be finite"):
        jt.evolve_exact(H2, RHO2, jnp.array([0.0, jnp.nan]), L2)
    with pytest.raises(ValueError, match="t must be non-negative"):
        jt.propagator(H2, [3 * jt.sigmam()], -30.0)
    with pytest.raises(ValueError, match="t must be finite"):
        jt.propagator(H2, L2, jnp.inf)
    with pytest.raises(Exception, match="t must be non-negative"):
        jax.jit(lambda t: jt.propagator(H2, L2, t))(-1.0).block_until_ready()


# ---------------------------------------------------------------- 6. / 2. ThermalBath


def test_thermal_bath_parameters_checked():
    with pytest.raises(ValueError, match="zero_frequency_rate must be non-negative"):
        jt.ThermalBath(1.0, 1.0, zero_frequency_rate=-1.0)
    with pytest.raises(ValueError, match="zero_frequency_rate must be finite"):
        jt.ThermalBath(1.0, 1.0, zero_frequency_rate=jnp.nan)
    with pytest.raises(ValueError, match="beta must not be NaN"):
        jt.ThermalBath(jnp.nan)
    with pytest.raises(ValueError, match="gamma must be finite"):
        jt.ThermalBath(1.0, jnp.nan)
    with pytest.raises(ValueError, match="gamma must be finite"):
        jt.ThermalBath(1.0, jnp.inf)
    h0, a = np.asarray(H2), np.asarray(jt.sigmax())
    with pytest.raises(Exception, match="beta must not be NaN"):
        jax.jit(lambda b: jt.thermal_jump_ops(h0, a, jt.ThermalBath(b)))(jnp.nan).block_until_ready()


def test_thermal_jump_ops_non_finite_operators():
    bath = jt.ThermalBath(1.0)
    with pytest.raises(ValueError, match="H0 must be finite"):
        jt.thermal_jump_ops(jt.sigmaz() * jnp.nan, jt.sigmax(), bath)
    with pytest.raises(ValueError, match="A must be finite"):
        jt.thermal_jump_ops(jt.sigmaz(), jt.sigmax().at[0, 1].set(jnp.inf), bath)


def test_energy_scale_nan():
    with pytest.raises(ValueError, match="energy_scale must be finite"):
        jt.thermal_jump_ops(jt.sigmaz(), jt.sigmax(), jt.ThermalBath(1.0), energy_scale=jnp.nan)


def test_thermal_bath_infinite_beta_still_allowed():
    ops = jt.thermal_jump_ops(jt.sigmaz(), jt.sigmax(), jt.ThermalBath(jnp.inf, 1.0))
    assert bool(jnp.all(jnp.isfinite(ops)))
    # zero temperature: only the lowering operator survives (rate gamma)
    np.testing.assert_allclose(sorted(np.asarray(jnp.sum(jnp.abs(ops) ** 2, axis=(1, 2)))), [0.0, 1.0],
                               atol=1e-14)


def test_zero_frequency_rate_used():
    a = jt.sigmax() + jt.sigmaz()
    ops = jt.thermal_jump_ops(jt.sigmaz(), a, jt.ThermalBath(1.0, 1.0, zero_frequency_rate=0.25))
    # the w = 0 part of A is sigma_z, with rate 0.25: sqrt(0.25) sigma_z
    norms = np.asarray(jnp.sum(jnp.abs(ops) ** 2, axis=(1, 2)))
    assert np.any(np.isclose(norms, 0.25 * 2, atol=1e-14))


@pytest.mark.parametrize("spec", [lambda w: -w, lambda w: jnp.full_like(w, jnp.nan),
                                  lambda w: jnp.exp(1000.0 * w)], ids=["negative", "NaN", "overflow"])
def test_callable_spectrum_rates_checked(spec):
    with pytest.raises(ValueError, match="bath.spectrum returned a negative or non-finite rate"):
        jt.thermal_jump_ops(jt.sigmaz(), jt.sigmax(), jt.ThermalBath(1.0, spectrum=spec))


def test_callable_spectrum_overflow_at_negative_beta_under_jit():
    bath = lambda b: jt.ThermalBath(b, spectrum=lambda w: jnp.ones_like(w))  # noqa: E731
    h0, a = np.asarray(jt.sigmaz()), np.asarray(jt.sigmax())
    f = jax.jit(lambda b: jt.thermal_jump_ops(h0, a, bath(b)))
    assert bool(jnp.all(jnp.isfinite(f(-2.0))))
    with pytest.raises(Exception, match="bath.spectrum returned"):
        f(-1000.0).block_until_ready()  # exp(-beta w) g(w) overflows to inf


# ---------------------------------------------------------------- 2. steady state with NaN / inf


@pytest.mark.parametrize("which,val", [("H", jnp.nan), ("H", jnp.inf), ("jump_ops", jnp.nan),
                                       ("jump_ops", jnp.inf)])
def test_steady_state_non_finite_input(which, val):
    h, ops = H2, [L2[0]]
    if which == "H":
        h = h.at[0, 0].set(val)
    else:
        ops = [ops[0].at[1, 0].set(val)]
    with pytest.raises(ValueError, match=f"{which} must be finite"):
        jt.steady_state(h, ops)
    with pytest.raises(ValueError, match=f"{which} must be finite"):
        jt.dynamics.stationary_projector(h, ops)


def test_kernel_dimension_non_finite():
    lv = np.asarray(jt.lindbladian(H2, L2))
    assert jt.dynamics.kernel_dimension(lv) == 1
    with pytest.raises(ValueError, match="superoperator must be finite"):
        jt.dynamics.kernel_dimension(np.where(np.eye(4, dtype=bool), np.nan, lv))


def test_steady_state_still_correct():
    rho = jt.steady_state(H2, L2)
    np.testing.assert_allclose(np.asarray(jt.lindblad_rhs(H2, L2, rho)), 0, atol=1e-12)
    np.testing.assert_allclose(complex(jnp.trace(rho)), 1.0, atol=1e-12)
