"""Bad input: each raises a clear error that names the argument."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt

H2 = 0.5 * jt.sigmaz()
RHO2 = jt.maximally_mixed(2)
TS = jnp.linspace(0, 1, 3)
OPS = [jt.sigmam()]

CASES = [
    ("non-square H", lambda: jt.mesolve(jnp.ones((2, 3)), RHO2, TS, OPS), ValueError, "H must be a square"),
    ("non-Hermitian H", lambda: jt.mesolve(jt.sigmap(), RHO2, TS, OPS), ValueError, "H must be Hermitian"),
    ("rho0 trace != 1", lambda: jt.mesolve(H2, 2 * RHO2, TS, OPS), ValueError, "rho0 must have unit trace"),
    ("rho0 not Hermitian", lambda: jt.mesolve(H2, RHO2 + 0.1 * jt.sigmap(), TS, OPS), ValueError,
     "rho0 must be Hermitian"),
    ("rho0 wrong dimension", lambda: jt.mesolve(H2, jt.maximally_mixed(3), TS, OPS), ValueError,
     "rho0 has dimension 3"),
    ("jump op wrong dimension", lambda: jt.mesolve(H2, RHO2, TS, [jnp.eye(3)]), ValueError,
     r"jump_ops\[0\] has shape"),
    ("unsorted ts", lambda: jt.mesolve(H2, RHO2, jnp.array([0.0, 2.0, 1.0]), OPS), ValueError,
     "ts must be strictly increasing"),
    ("negative rate", lambda: jt.ThermalBath(1.0, -0.1), ValueError, "gamma must be non-negative"),
    ("bosonic with beta <= 0", lambda: jt.ThermalBath(-1.0, spectrum="bosonic"), ValueError,
     "beta must be positive"),
    ("unknown spectrum", lambda: jt.ThermalBath(1.0, spectrum="ohmic?"), ValueError, "spectrum must be"),
    ("coupling wrong dimension", lambda: jt.thermal_jump_ops(H2, jnp.eye(3), jt.ThermalBath(1.0)),
     ValueError, "A has shape"),
    ("spin not a half-integer", lambda: jt.spin_ops(0.3), ValueError, "s must be a positive multiple"),
    ("gibbs of non-Hermitian", lambda: jt.gibbs_state(jt.sigmap(), 1.0), ValueError, "H must be Hermitian"),
    ("steady state non-square", lambda: jt.steady_state(jnp.ones((2, 3)), OPS), ValueError,
     "H must be a square"),
    ("projection rho0 trace", lambda: jt.stationary_projection(H2, OPS, 3 * RHO2), ValueError,
     "rho0 must have unit trace"),
    ("ptrace wrong dims", lambda: jt.ptrace(jnp.eye(4), (2, 3), 0), ValueError, "dims=.*need"),
    ("ptrace bad keep", lambda: jt.ptrace(jnp.eye(4) / 4, (2, 2), (0, 0)), ValueError, "keep="),
    ("energy mismatched", lambda: jt.energy(H2, jt.maximally_mixed(3)), ValueError, "does not match H"),
    ("relative entropy mismatched", lambda: jt.relative_entropy(RHO2, jt.maximally_mixed(3)), ValueError,
     "same dimension"),
    ("piecewise values shape", lambda: jt.PiecewiseConstant(jnp.array([1.0]), jnp.stack([H2])), ValueError,
     "values must have shape"),
    ("energy_scale <= 0", lambda: jt.thermal_jump_ops(H2, jt.sigmax(), jt.ThermalBath(1.0), energy_scale=-1.0),
     ValueError, "energy_scale must be positive"),
]


@pytest.mark.parametrize("name,call,exc,match", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_clear_error(name, call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_value_errors_under_jit_are_reported():
    import jax

    @jax.jit
    def f(rho0):
        return jt.mesolve(H2, rho0, TS, OPS).states[-1]

    # equinox's runtime error class is private: the message is what users read
    with pytest.raises(Exception, match="rho0 must have unit trace"):
        f(2 * RHO2)


def test_value_checks_survive_when_only_a_derivative_is_taken():
    """A check on an array that the gradient does not need (a loss linear in it) used to be removed
    under jit(grad) with that array, returning the gradient of invalid input silently. The checks
    (jaxthermo._checks.error_if) also gate the array's tangent: jit(grad) and jvp raise, and valid
    input gets the unchanged derivative."""
    import jax
    import numpy as np

    from jaxthermo._checks import error_if

    def loss(a, bad_flag):
        x = error_if(a * jnp.arange(3.0), bad_flag, "x: refused")
        return jnp.sum(x)  # linear: the gradient never reads x itself

    with pytest.raises(Exception, match="x: refused"):
        jax.block_until_ready(jax.jit(jax.grad(loss))(1.0, jnp.array(True)))
    with pytest.raises(Exception, match="x: refused"):
        jax.block_until_ready(jax.jit(lambda a, b: jax.jvp(lambda u: loss(u, b), (a,), (1.0,))[1])(
            1.0, jnp.array(True)))
    assert float(jax.jit(jax.grad(loss))(1.0, jnp.array(False))) == 3.0
    assert float(jax.jit(jax.grad(jax.grad(lambda a: loss(a, False) ** 2)))(1.0)) == 18.0
    np.testing.assert_array_equal(jax.vmap(jax.grad(loss))(jnp.ones(2), jnp.array([False, False])),
                                  [3.0, 3.0])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_value_checks_reject_nan_and_inf(bad):
    """A comparison with NaN is False: every value check must still reject NaN and inf."""
    from jaxthermo import _checks as C

    m = np.array([[bad, 0.0], [0.0, 1.0]])
    for fn, arg in [(C.hermitian, m), (C.density_matrix, m), (C.nonnegative, bad),
                    (C.positive, bad), (C.sorted_times, [0.0, bad])]:
        with pytest.raises(ValueError, match="arg must be finite"):
            fn(arg, "arg")
    with pytest.raises(ValueError, match="s must be a positive multiple of 1/2"):
        C.spin_value(bad, "s")
    with pytest.raises(ValueError, match="n must be a positive integer"):
        C.positive_int(bad, "n")
    with pytest.raises(ValueError, match="H must be finite"):
        jt.mesolve(jnp.array([[bad, 0], [0, 1.0]]), jnp.eye(2) / 2, jnp.linspace(0, 1, 3))
