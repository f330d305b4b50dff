"""optimize: transforms keep parameters physical, the optax loop converges, non-finite gradients
are reported (never silently applied), finite-difference gradient check, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from jaxthermo.optimize import (
    Disk,
    Interval,
    NonFiniteGradientError,
    Positive,
    ancilla_coherence,
    check_gradient,
    compression,
    duration,
    finite_difference_grad,
    maximize,
    minimize,
    to_physical,
    to_unconstrained,
)


@pytest.mark.parametrize(
    "tf, x",
    [
        (compression(), jnp.array([1e-6, 0.3, 0.999])),
        (duration(), jnp.array([1e-8, 0.5, 40.0])),
        (Positive(2.0), jnp.array([2.5, 10.0])),
        (Interval(-0.3, 0.7), jnp.array([-0.29, 0.0, 0.69])),
        (Disk(0.5), jnp.array([[0.1, -0.2], [0.0, 0.0], [0.35, 0.35]])),
    ],
)
def test_transform_round_trip_and_range(tf, x):
    u = tf.inverse(x)
    np.testing.assert_allclose(np.asarray(tf.forward(u)), np.asarray(x), rtol=1e-10, atol=1e-14)
    big = tf.forward(jnp.linspace(-30.0, 30.0, 2 * 7).reshape(7, 2))
    if isinstance(tf, Disk):
        assert np.all(np.linalg.norm(np.asarray(big), axis=-1) < 0.5)
    elif isinstance(tf, Interval):
        assert np.all((np.asarray(big) >= tf.low) & (np.asarray(big) <= tf.high))
    else:
        assert np.all(np.asarray(big) >= tf.lower)
    # smooth: finite derivative everywhere (also at the origin of the disk)
    g = jax.jacfwd(lambda v: jnp.sum(tf.forward(v)))(jnp.zeros_like(u))
    assert np.all(np.isfinite(np.asarray(g)))


def test_transform_domain_errors_name_the_parameter():
    with pytest.raises(ValueError, match=r"params\['lam'\].*\(0, 1\)"):
        to_unconstrained({"lam": 1.5}, {"lam": compression()})
    with pytest.raises(ValueError, match=r"params\['tau'\].*> 0"):
        to_unconstrained({"tau": -1.0}, {"tau": duration()})
    with pytest.raises(ValueError, match="inside the disk"):
        Disk(1.0).inverse(jnp.array([1.0, 0.5]))
    with pytest.raises(ValueError, match="low < high"):
        Interval(1.0, 0.0)
    with pytest.raises(ValueError, match="not in params"):
        minimize(lambda p: p["a"] ** 2, {"a": 1.0}, steps=2, constraints={"b": duration()})
    with pytest.raises(ValueError, match="scalar"):
        minimize(lambda p: p["a"], {"a": jnp.ones(2)}, steps=2)


def test_minimize_converges_and_stays_physical():
    seen = []

    def loss(p):
        jax.debug.callback(lambda lam, tau: seen.append((float(lam), float(tau))), p["lam"],
                           p["tau"])
        return (p["lam"] - 0.8) ** 2 + (jnp.log(p["tau"]) - 1.0) ** 2 + p["phi"] ** 2

    p0 = {"lam": 0.2, "tau": 3.0, "phi": 1.0}
    res = minimize(loss, p0, optax.adam(5e-2), 400, {"lam": compression(), "tau": duration()})
    assert float(res.params["lam"]) == pytest.approx(0.8, abs=1e-5)
    assert float(res.params["tau"]) == pytest.approx(np.e, rel=1e-5)
    assert float(res.params["phi"]) == pytest.approx(0.0, abs=1e-5)
    assert res.losses.shape == (400,) and res.params_history["lam"].shape == (400,)
    assert float(res.losses[0]) == pytest.approx(float(loss(p0)))
    lam_seen = np.array([s[0] for s in seen])
    tau_seen = np.array([s[1] for s in seen])
    assert np.all((lam_seen > 0) & (lam_seen < 1)) and np.all(tau_seen > 0)
    assert res.nonfinite_step == -1 and float(res.best_loss) <= float(res.losses[-1])
    # round trip of the helpers
    u = to_unconstrained(res.params, {"lam": compression(), "tau": duration()})
    back = to_physical(u, {"lam": compression(), "tau": duration()})
    assert float(back["lam"]) == pytest.approx(float(res.params["lam"]))


def test_lbfgs_and_maximize():
    res = maximize(lambda p: -jnp.sum((p - jnp.array([0.3, -2.0])) ** 2), jnp.zeros(2),
                   optax.lbfgs(), 20)
    np.testing.assert_allclose(np.asarray(res.params), [0.3, -2.0], atol=1e-10)


def test_non_finite_gradient_is_reported_not_used():
    # sqrt(lam - 0.5) has an infinite/NaN gradient once lam reaches 0.5 from above
    def loss(p):
        return jnp.sqrt(p["lam"] - 0.5)

    with pytest.raises(NonFiniteGradientError, match=r"step \d+.*params\['lam'\]"):
        minimize(loss, {"lam": 0.9}, optax.adam(1e-1), 60, {"lam": compression()})
    with pytest.warns(RuntimeWarning, match="not finite"):
        res = minimize(loss, {"lam": 0.9}, optax.adam(1e-1), 60, {"lam": compression()},
                       on_nonfinite="stop")
    assert res.nonfinite_step > 0
    assert np.isfinite(float(res.params["lam"])) and float(res.params["lam"]) > 0.5
    assert np.isfinite(float(res.loss))
    # the parameters are frozen at the last finite iterate after the bad step
    hist = np.asarray(res.params_history["lam"])
    assert np.all(hist[res.nonfinite_step:] == hist[res.nonfinite_step])
    with pytest.raises(ValueError, match="on_nonfinite"):
        minimize(loss, {"lam": 0.9}, steps=1, on_nonfinite="ignore")


def test_finite_difference_gradient_check():
    def f(p):
        return jnp.sin(p["a"]) * jnp.exp(p["b"][0]) + p["b"][1] ** 3

    p = {"a": jnp.asarray(0.3), "b": jnp.array([0.2, -0.7])}
    dev, g_ad, g_fd = check_gradient(f, p)
    assert dev < 1e-8
    fd = finite_difference_grad(f, p)
    assert float(fd["a"]) == pytest.approx(np.cos(0.3) * np.exp(0.2), rel=1e-8)
    # a wrong gradient is detected
    wrong = jax.custom_jvp(lambda x: x**2)
    wrong.defjvp(lambda x, t: (x[0] ** 2, 3 * x[0] * t[0]))
    dev_wrong, *_ = check_gradient(lambda p: wrong(p["a"]), {"a": jnp.asarray(1.0)})
    assert dev_wrong > 0.1


def test_ancilla_coherence_bound_is_the_positivity_bound():
    # qubit ancilla, chi = sigma_x: tau lam^2 <= p_up p_down (spec seed-002-003 Sec. 1.1)
    h = 0.5 * jnp.diag(jnp.array([1.0, -1.0]))
    sx = jnp.array([[0.0, 1.0], [1.0, 0.0]])
    beta, tau = 1.0, 0.05
    tf = ancilla_coherence(h, beta, sx, tau)
    p_up = 1 / (1 + np.exp(beta))
    bound = np.sqrt(p_up * (1 - p_up) / tau)
    assert tf.high == pytest.approx(bound, rel=1e-10) and tf.low == pytest.approx(-bound, rel=1e-10)
    with pytest.raises(ValueError, match="margin"):
        ancilla_coherence(h, beta, sx, tau, margin=1.5)
