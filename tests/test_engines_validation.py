"""Otto-cycle inputs and edge cases found in review: no silent NaN, no silently ignored setting."""

import math
import warnings

import jax
import jax.numpy as jnp
import optax
import pytest

import jaxthermo as jt
from jaxthermo.engines.media import SpinLadderMedium, spin_operator_medium
from jaxthermo.optimize import NonFiniteGradientError, compression, minimize

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

    for f in (w_qubit, w_ladder):
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
