"""Otto-cycle inputs and edge cases found in review: no silent NaN, no silently ignored setting."""

import math
import warnings

import jax
import jax.numpy as jnp
import optax
import pytest

import jaxthermo as jt
from jaxthermo.engines.media import SpinLadderMedium, spin_operator_medium
from jaxthermo.optimize import (
    NonFiniteGradientError,
    compression,
    finite_difference_grad,
    minimize,
)

SX, SZ = jt.sigmax(), jt.sigmaz()


def _fd(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("beta0", [math.inf, -math.inf])
def test_gradient_in_omega_is_finite_at_infinite_beta0(beta0):
    """omega * inf gave inf * 0 = NaN in d/d omega; the initial state does not depend on omega."""
    def w_qubit(om):
        return jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX, omega=om, beta0=beta0,
                                    tau_hot=0.7, tau_cold=0.9).limit_cycle().work

    def w_ladder(om):
        return jt.engines.OttoCycle(SpinLadderMedium(4, 0.5), 0.2, 2.0, 0.5, omega=om, beta0=beta0,
                                    tau_hot=0.7, tau_cold=0.9).limit_cycle().work

    def w_qubit_inf(om):  # infinite strokes (stationary projectors)
        return jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX, omega=om,
                                    beta0=beta0).limit_cycle().work

    def w_ladder_cold_bath_at_zero_temperature(om):  # relax at beta_cold = inf
        return jt.engines.OttoCycle(SpinLadderMedium(4, 0.5), 0.2, math.inf, 0.5, omega=om,
                                    beta0=beta0, tau_hot=0.7).limit_cycle().work

    for f in (w_qubit, w_qubit_inf, w_ladder, w_ladder_cold_bath_at_zero_temperature):
        g = float(jax.grad(f)(1.3))
        assert math.isfinite(g)
        assert g == pytest.approx(float(_fd(f, 1.3)), rel=1e-6)


def test_nan_temperatures_and_infinite_durations():
    for kw in ({"beta_hot": math.nan}, {"beta_cold": math.nan}, {"beta0": math.nan}):
        args = {"beta_hot": 0.2, "beta_cold": 2.0, **kw}
        name = next(iter(kw))
        with pytest.raises(ValueError, match=f"{name} must not be NaN"):
            jt.engines.OttoCycle(0.5 * SZ, args["beta_hot"], args["beta_cold"], 0.5, coupling=SX,
                                 beta0=kw.get("beta0", math.inf))
    with pytest.raises(ValueError, match="tau_hot must be positive and finite"):
        jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX, tau_hot=-math.inf)
    # a concrete +inf is the stationary stroke, like None
    a = jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX, tau_hot=math.inf).limit_cycle()
    b = jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX).limit_cycle()
    assert float(a.work) == pytest.approx(float(b.work), rel=1e-12)
    with pytest.raises(ValueError, match="n_cycles must be a positive integer"):
        jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX).run(0)


def test_medium_settings_are_not_silently_ignored():
    with pytest.raises(ValueError, match="bath='independent' disagrees with the medium"):
        jt.engines.OttoCycle(spin_operator_medium(2, 0.5, "collective"), 0.1, 2.0, 0.5,
                             beta0=2.0, bath="independent")
    with pytest.raises(ValueError, match="bath='independent' disagrees with the medium"):
        jt.engines.OttoCycle(SpinLadderMedium(3, 0.5, "collective"), 0.1, 2.0, 0.5,
                             bath="independent")
    with pytest.raises(ValueError, match="beta0 must be infinite"):
        jt.engines.OttoCycle(SpinLadderMedium(2, 0.5, top_block_only=True), 0.1, 2.0, 0.5, beta0=2.0)
    # the matching bath is accepted, and the spec's case 19 (finite beta0, all blocks) holds
    w = jt.engines.OttoCycle(SpinLadderMedium(2, 0.5, "collective"), 0.1, 2.0, 0.5, beta0=2.0,
                             bath="collective").limit_cycle().work
    w_full = jt.engines.OttoCycle(spin_operator_medium(2, 0.5, "collective"), 0.1, 2.0, 0.5,
                                  beta0=2.0).limit_cycle().work
    assert float(w) == pytest.approx(float(w_full), rel=1e-10)


def test_minimize_stop_never_returns_the_non_finite_iterate():
    """The bad iterate produced by the LAST update (sqrt of a negative) is not returned."""
    def loss(p):
        return jnp.sqrt(p["lam"] - 0.5)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = minimize(loss, {"lam": 0.9}, optax.adam(1e-1), 60, {"lam": compression()},
                         on_nonfinite="stop")
    s = first.nonfinite_step
    assert 1 < s < 60
    with pytest.warns(RuntimeWarning, match="final update produced it"):
        res = minimize(loss, {"lam": 0.9}, optax.adam(1e-1), s, {"lam": compression()},
                       on_nonfinite="stop")
    assert res.nonfinite_step == s
    assert float(res.params["lam"]) > 0.5 and math.isfinite(float(res.loss))
    assert float(res.loss) == pytest.approx(float(loss(res.params)), rel=1e-12)
    with pytest.raises(NonFiniteGradientError, match="final update produced it"):
        minimize(loss, {"lam": 0.9}, optax.adam(1e-1), s, {"lam": compression()})


def test_traced_top_block_beta0_and_infinite_duration_raise_under_jit():
    med = SpinLadderMedium(2, 0.5, top_block_only=True)
    with pytest.raises(ValueError, match="rho0 cannot be used with a top_block_only"):
        jt.engines.OttoCycle(med, 0.1, 2.0, 0.5, rho0=jnp.eye(3) / 3)

    def w_top(b0):
        return jt.engines.OttoCycle(med, 0.1, 2.0, 0.5, beta0=b0).limit_cycle().work

    ref = float(jt.engines.OttoCycle(SpinLadderMedium(2, 0.5), 0.1, 2.0, 0.5).limit_cycle().work)
    assert float(jax.jit(w_top)(math.inf)) == pytest.approx(ref, rel=1e-12)
    with pytest.raises(Exception, match="beta0 must be infinite for a top_block_only"):
        jax.block_until_ready(jax.jit(w_top)(2.0))

    h0 = 0.5 * SZ  # concrete: the structure of the medium

    def w_tau(t):
        return jt.engines.OttoCycle(h0, 0.2, 2.0, 0.5, coupling=SX, tau_hot=t,
                                    tau_cold=1.0).limit_cycle().work

    assert math.isfinite(float(jax.jit(w_tau)(0.5)))
    with pytest.raises(Exception, match="tau_hot must be positive and finite.*pass None"):
        jax.block_until_ready(jax.jit(w_tau)(math.inf))
    for kw in ({"omega": math.inf}, {"gamma": math.nan}, {"gamma_cold": math.inf}):
        with pytest.raises(ValueError, match=f"{next(iter(kw))}.* must be positive and finite"):
            jt.engines.OttoCycle(0.5 * SZ, 0.2, 2.0, 0.5, coupling=SX, **kw)


def _w_exact(bh, bc, lam, th, tc):
    """Exact qubit limit-cycle work (rates sum to gamma = 1), cancellation-free (expm1)."""
    p = lambda x: 1 / (1 + math.exp(x))  # noqa: E731
    a1, b1 = -math.expm1(-th), -math.expm1(-tc)
    return -(1 - lam) * (p(bh) - p(lam * bc)) * a1 * b1 / (a1 + b1 - a1 * b1)


@pytest.mark.parametrize("tau", [1e-2, 1e-6, 1e-10])
def test_short_strokes_limit_cycle_is_accurate(tau):
    """gamma tau = 1e-10 gave 4x the exact work (absolute null-space tolerance on I - T)."""
    ref = _w_exact(0.2, 2.0, 0.5, tau, 1.5 * tau)
    kw = dict(tau_hot=tau, tau_cold=1.5 * tau)
    full = jt.engines.OttoCycle(jnp.diag(jnp.array([1.0, 0.0])), 0.2, 2.0, 0.5, coupling=SX, **kw)
    lad = jt.engines.OttoCycle(SpinLadderMedium(1, 0.5), 0.2, 2.0, 0.5, **kw)
    for o in (full, lad):
        c = o.limit_cycle()
        assert float(c.work) == pytest.approx(ref, rel=1e-6)
        assert float(c.power) == pytest.approx(ref / (2.5 * tau), rel=1e-6)
    # slow bath, moderate stroke: the same gamma tau
    slow = jt.engines.OttoCycle(jnp.diag(jnp.array([1.0, 0.0])), 0.2, 2.0, 0.5, coupling=SX,
                                gamma=tau * 1e2, tau_hot=1e-2, tau_cold=1.5e-2)
    assert float(slow.limit_cycle().work) == pytest.approx(ref, rel=1e-6)
    # collective full space (conserved total spin, memory of beta0 = 1) agrees with the ladder
    args = (0.2, 2.0, 0.5)
    kw2 = dict(beta0=1.0, tau_hot=tau, tau_cold=tau)
    wf = jt.engines.OttoCycle(spin_operator_medium(2, 0.5, "collective"), *args, **kw2)
    wl = jt.engines.OttoCycle(SpinLadderMedium(2, 0.5), *args, **kw2)
    assert float(wf.limit_cycle().work) == pytest.approx(float(wl.limit_cycle().work), rel=1e-6)


def test_regime_labels_follow_the_actual_temperatures():
    def cyc(bh, bc, lam, **kw):
        return jt.engines.OttoCycle(0.5 * SZ, bh, bc, lam, coupling=SX, **kw)

    # the "hot" bath is the colder one: work spent, heat flows from the hotter bath (the cold
    # stroke's) into the colder one -- an accelerator, not a refrigerator
    for bh, bc in ((2.0, 1.0), (0.3, -2.0)):
        c = cyc(bh, bc, 0.5).limit_cycle()
        assert float(c.work) > 0 and float(c.heat_cold) > 0
        assert c.regime() == "accelerator" and not bool(c.is_refrigerator)
        with pytest.raises(ValueError, match="do not run a refrigerator.*run an accelerator"):
            cyc(bh, bc, 0.5, regime="refrigerator").limit_cycle()
    # a true refrigerator (beta_hot < beta_cold, beta_hot > lam beta_cold) is accepted as such
    c = cyc(1.0, 1.5, 0.5, regime="refrigerator").limit_cycle()
    assert c.regime() == "refrigerator" and bool(c.is_refrigerator)
    with pytest.raises(ValueError, match="do not run an engine.*run a refrigerator"):
        cyc(1.0, 1.5, 0.5, regime="engine").limit_cycle()
    # the idle cycle beta_h = lam beta_c: the same tolerance in regime() and in regime=
    c = cyc(1.0, 2.0, 0.5).limit_cycle()
    assert abs(float(c.work)) < 1e-15 and c.regime() == "idle" and not bool(c.is_engine)
    with pytest.raises(ValueError, match="do not run an engine.*idle"):
        cyc(1.0, 2.0, 0.5, regime="engine").limit_cycle()
    # an engine with a hot bath at negative temperature
    assert cyc(-0.5, 1.0, 0.5, regime="engine").limit_cycle().regime() == "engine"


def test_carnot_edge_cases_and_complex_finite_differences():
    def carnot(bh, bc):
        return float(jt.engines.OttoCycle(0.5 * SZ, bh, bc, 0.5, coupling=SX).limit_cycle()
                     .carnot_efficiency)

    assert carnot(0.0, 0.0) == 0.0 and carnot(1.0, 1.0) == 0.0
    assert carnot(0.5, 0.0) == -math.inf and carnot(-0.5, 0.0) == math.inf
    assert carnot(0.5, 2.0) == pytest.approx(0.75, rel=1e-15)
    with pytest.raises(TypeError, match="leaf 0 is complex"):
        finite_difference_grad(lambda z: jnp.abs(z) ** 2, jnp.array(1.0 + 2.0j))
