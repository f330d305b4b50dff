"""StoredStepAdjoint (jaxthermo.dynamics.adjoint): reverse-mode gradients through jt.mesolve /
diffrax checked against central finite differences (float64) and against diffrax's default
RecursiveCheckpointAdjoint, with expectation-only output (save_states=False), full states,
time-dependent and piecewise-constant H (jumps), gradients with respect to times (Otto stroke
durations), vmap, and bad input (step store exceeded, nonlinear vector field)."""

import math

import diffrax
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.dynamics.adjoint import StoredStepAdjoint
from jaxthermo.engines import OttoCycle

P = jnp.array([1.0, 0.4, 0.7])


def spin_problem(d, save_states=False, time_dependent=False, **numerics):
    """The benchmark's problem (benchmarks/bench_gradient.py): spin J relaxing at Fermi rates."""
    s = (d - 1) / 2
    jx, _, jz = jt.spin_ops(s)
    jp, jm = jt.spin_ladder(s)
    rho0 = jnp.zeros((d, d), dtype=complex).at[d - 1, d - 1].set(1.0)
    ts = jnp.linspace(0.0, 2.0, 11)

    def loss(p):
        omega, eps, beta = p
        gd, gu = jax.nn.sigmoid(beta * omega), jax.nn.sigmoid(-beta * omega)
        ops = jnp.stack([jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp])
        h = (lambda t: omega * jz + eps * jnp.cos(2.0 * t) * jx) if time_dependent else omega * jz + eps * jx
        if save_states:
            res = jt.mesolve(h, rho0, ts, ops, **numerics)
            st = res.states
            return jnp.sum(jnp.real(jnp.einsum("tij,tji->t", st, st))) + jnp.real(
                jnp.trace(jz @ st[-1]))
        res = jt.mesolve(h, rho0, ts, ops, exp_ops=[jz], save_states=False, **numerics)
        return jnp.sum(jnp.real(res.expects[0]))

    return loss


def central_fd(f, p, h=1e-5):
    return np.array([(float(f(p.at[i].add(h))) - float(f(p.at[i].add(-h)))) / (2 * h)
                     for i in range(p.shape[0])])


# d = 12: a state of 2 d^2 = 288 > 256 reals takes one VJP per stage (state and parameter
# cotangents together); d = 2, 5 the transposed sweep with one batched parameter VJP per block
@pytest.mark.parametrize("d", [2, pytest.param(5, marks=pytest.mark.slow), pytest.param(12, marks=pytest.mark.slow)])
def test_expectation_gradient_vs_fd_and_default(d):
    f_ref = jax.jit(spin_problem(d))
    f_new = spin_problem(d, adjoint=StoredStepAdjoint())
    assert float(jax.jit(f_new)(P)) == float(f_ref(P))  # forward values are diffrax's, unchanged
    g_new = np.asarray(jax.jit(jax.grad(f_new))(P))
    g_ref = np.asarray(jax.jit(jax.grad(spin_problem(d)))(P))
    # at d = 12 the adaptive step choice makes central differences noisy below ~1e-6 (steps
    # change with p): a wider FD step and tolerance there; the default adjoint is the tight check
    fd = central_fd(f_ref, P, h=1e-5 if d < 12 else 1e-4)
    np.testing.assert_allclose(g_new, fd, rtol=0, atol=(2e-7 if d < 12 else 1e-5) * np.max(np.abs(fd)))
    # exact to the discrete solve (dense output at the save times included): round-off agreement
    np.testing.assert_allclose(g_new, g_ref, rtol=0, atol=1e-11 * np.max(np.abs(g_ref)))


# slow set (the default run stays under 10 minutes; Tsit5 is checked by the tests above)
@pytest.mark.slow
@pytest.mark.parametrize("solver", [diffrax.Dopri5(), diffrax.Heun(), diffrax.Dopri8(),
                                    diffrax.Bosh3(), diffrax.Ralston(), diffrax.Midpoint()],
                         ids=lambda s: type(s).__name__)
def test_other_explicit_rk_solvers(solver):
    # every explicit RK tableau (FSAL or not, dense-output-only stages or none): the stored-step
    # gradient is the default adjoint's to round-off, through each solver's own dense output
    numerics = dict(solver=solver, rtol=1e-7, atol=1e-9, max_steps=20_000)
    f_ref = spin_problem(3, **numerics)
    f_new = spin_problem(3, adjoint=StoredStepAdjoint(max_stored_steps=20_000), **numerics)
    g_ref = np.asarray(jax.jit(jax.grad(f_ref))(P))
    g_new = np.asarray(jax.jit(jax.grad(f_new))(P))
    np.testing.assert_allclose(g_new, g_ref, rtol=0, atol=1e-11 * np.max(np.abs(g_ref)))
    fd = central_fd(jax.jit(f_ref), P, h=1e-4)
    np.testing.assert_allclose(g_new, fd, rtol=0, atol=1e-4 * np.max(np.abs(fd)))


@pytest.mark.slow
def test_piecewise_constant_h_with_jumps_and_small_blocks():
    # H switches at t = 0.55 and 1.3 (diffrax steps end one ulp before each jump); a store of 40
    # steps (several blocks are swept, the last one padded)
    d = 3
    s = (d - 1) / 2
    jx, _, jz = jt.spin_ops(s)
    jp, jm = jt.spin_ladder(s)
    rho0 = jnp.zeros((d, d), dtype=complex).at[d - 1, d - 1].set(1.0)
    ts = jnp.linspace(0.0, 2.0, 7)

    def loss(p, adjoint):
        omega, eps, beta = p
        h = jt.PiecewiseConstant(jnp.array([0.55, 1.3]),
                                 jnp.stack([omega * jz, omega * jz + eps * jx, 0.5 * omega * jz]))
        ops = jnp.stack([jnp.sqrt(jax.nn.sigmoid(beta * omega)) * jm,
                         jnp.sqrt(jax.nn.sigmoid(-beta * omega)) * jp])
        res = jt.mesolve(h, rho0, ts, ops, exp_ops=[jz, jx], save_states=False, adjoint=adjoint)
        return jnp.sum(jnp.real(res.expects) * jnp.arange(1.0, 8.0))

    g_new = np.asarray(jax.jit(jax.grad(lambda p: loss(p, StoredStepAdjoint(400))))(P))
    g_ref = np.asarray(jax.jit(jax.grad(lambda p: loss(p, None)))(P))
    np.testing.assert_allclose(g_new, g_ref, rtol=0, atol=1e-11 * np.max(np.abs(g_ref)))
    fd = central_fd(jax.jit(lambda p: loss(p, None)), P)
    np.testing.assert_allclose(g_new, fd, rtol=0, atol=2e-7 * np.max(np.abs(fd)))


def test_state_gradient_time_dependent_h():
    f_ref = spin_problem(3, save_states=True, time_dependent=True)
    f_new = spin_problem(3, save_states=True, time_dependent=True, adjoint=StoredStepAdjoint())
    g_new = np.asarray(jax.jit(jax.grad(f_new))(P))
    g_ref = np.asarray(jax.jit(jax.grad(f_ref))(P))
    fd = central_fd(jax.jit(f_ref), P)
    np.testing.assert_allclose(g_new, fd, rtol=0, atol=2e-7 * np.max(np.abs(fd)))
    np.testing.assert_allclose(g_new, g_ref, rtol=0, atol=1e-11 * np.max(np.abs(g_ref)))


@pytest.mark.slow
def test_otto_cycle_mesolve_gradient_in_compression_and_stroke_time():
    # finite-time qubit Otto cycle integrated stroke by stroke with mesolve: d W / d(lambda, tau_h)
    # (a gradient with respect to a save time) vs finite differences and the default adjoint
    h0, sx = jnp.diag(jnp.array([1.0, 0.0])), jnp.array([[0.0, 1.0], [1.0, 0.0]])

    def works(q, adjoint):
        o = OttoCycle(h0, 0.2, 2.0, q[0], coupling=sx, tau_hot=q[1], tau_cold=0.8, beta0=1.0)
        return jnp.sum(o.run(2, method="mesolve", adjoint=adjoint))

    q = jnp.array([0.6, 0.9])
    g_new = np.asarray(jax.jit(jax.grad(lambda x: works(x, StoredStepAdjoint())))(q))
    g_ref = np.asarray(jax.jit(jax.grad(lambda x: works(x, None)))(q))
    fd = central_fd(jax.jit(lambda x: works(x, None)), q)
    np.testing.assert_allclose(g_new, fd, rtol=1e-6)
    np.testing.assert_allclose(g_new, g_ref, rtol=1e-7)


@pytest.mark.slow
def test_vmap_of_grad():
    g = jax.jit(jax.vmap(jax.grad(spin_problem(2, adjoint=StoredStepAdjoint()))))
    ps = jnp.stack([P, P * 1.1])
    out = np.asarray(g(ps))
    for k in range(2):
        np.testing.assert_allclose(out[k], jax.grad(spin_problem(2))(ps[k]), rtol=1e-7)


def test_bad_input():
    with pytest.raises(ValueError, match="max_stored_steps"):
        StoredStepAdjoint(0)
    f = spin_problem(2, adjoint=StoredStepAdjoint(), solver=diffrax.Kvaerno5())
    with pytest.raises(ValueError, match="explicit Runge-Kutta"):
        f(P)

    def loss(a, saveat):
        return diffrax.diffeqsolve(diffrax.ODETerm(lambda t, y, args: -a * y), diffrax.Tsit5(), 0.0,
                                   1.0, 0.1, jnp.ones(2), saveat=saveat,
                                   adjoint=StoredStepAdjoint()).ys

    with pytest.raises(ValueError, match="SaveAt"):
        loss(1.0, diffrax.SaveAt(t1=True))
    assert math.isfinite(float(jnp.sum(loss(1.0, diffrax.SaveAt(ts=jnp.array([0.5, 1.0]))))))
    # too many steps for the store: an error naming max_stored_steps, not a silent truncation
    f = spin_problem(2, adjoint=StoredStepAdjoint(max_stored_steps=3))
    with pytest.raises(Exception, match="max_stored_steps=3"):
        jax.block_until_ready(jax.grad(f)(P))
    # ... also under jit, where the gradient drops the primal outputs (the check rides on the
    # residuals the backward pass reads, so it cannot be removed with them)
    with pytest.raises(Exception, match="max_stored_steps=3"):
        jax.block_until_ready(jax.jit(jax.grad(f))(P))
    # ... while a solve that is not differentiated stores nothing and is not capped
    assert float(jax.jit(f)(P)) == float(jax.jit(spin_problem(2))(P))
    # a vector field that is not linear in y: a clear error when the gradient is traced
    with pytest.raises(ValueError, match="linear in the state"):
        jax.grad(lambda a: jnp.sum(diffrax.diffeqsolve(
            diffrax.ODETerm(lambda t, y, args: -a * y * y), diffrax.Tsit5(), 0.0, 1.0, 0.1,
            jnp.ones(2), saveat=diffrax.SaveAt(ts=jnp.array([0.5, 1.0])),
            adjoint=StoredStepAdjoint()).ys))(1.0)


@pytest.mark.parametrize("d", [6, pytest.param(12, marks=pytest.mark.slow)])
def test_sparse_layout_gradient_wrt_initial_state(d):
    # mesolve's sparse layout (concrete operators; its fusion boundaries have no transpose rule, the
    # adjoint generator then comes from a VJP): d/d(populations of rho0) vs the default adjoint
    s = (d - 1) / 2
    jx, _, jz = jt.spin_ops(s)
    jp, jm = jt.spin_ladder(s)
    ops = jnp.stack([0.8 * jm, 0.5 * jp])
    h = jz + 0.4 * jx  # concrete (the sparse pattern is structural)
    ts = jnp.linspace(0.0, 1.0, 5)

    def loss(x, adjoint):
        rho0 = jnp.diag(jax.nn.softmax(x)).astype(complex)
        res = jt.mesolve(h, rho0, ts, ops, exp_ops=[jz], save_states=False,
                         adjoint=adjoint, layout="dia")
        return jnp.sum(jnp.real(res.expects))

    x = jnp.linspace(-1.0, 1.0, d)
    g_new = np.asarray(jax.jit(jax.grad(lambda x: loss(x, StoredStepAdjoint())))(x))
    g_ref = np.asarray(jax.jit(jax.grad(lambda x: loss(x, None)))(x))
    np.testing.assert_allclose(g_new, g_ref, rtol=0, atol=1e-11 * np.max(np.abs(g_ref)))
