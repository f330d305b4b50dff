"""The exact block propagator ``expm_tridiag`` against uniformization (a method we did not tune).

Uniformization ``e^{tA} p = sum_k Poisson(k; Lt) (1 + A/L)^k p`` uses only non-negative matrices
(stable for stochastic generators however non-normal), so it checks the contour quadrature on the
strongly biased chains of both bath signs.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.stats import poisson

from jaxthermo.ensembles.dynamics import expm_tridiag, ladder_coefficients, population_chain


def _chain(j, xb):
    m = j - np.arange(2 * j + 1)
    a, b = ladder_coefficients(j, m)
    gd, gu = 1 / (1 + np.exp(-xb)), np.exp(-xb) / (1 + np.exp(-xb))
    return m, population_chain(a, b, gd, gu)


def _uniformization(dl, d, du, p, t):
    dl, d, du = map(np.asarray, (dl, d, du))
    lam = 1.05 * np.max(-d)
    k_max = int(lam * t + 12 * np.sqrt(lam * t) + 50)
    w = poisson.pmf(np.arange(k_max), lam * t)
    v, out = p.copy(), w[0] * p
    for k in range(1, k_max):
        v = v + (d * v + np.r_[0, dl[1:] * v[:-1]] + np.r_[du[:-1] * v[1:], 0]) / lam
        out += w[k] * v
    return out


@pytest.mark.parametrize("xb", [1.0, -1.0])
@pytest.mark.parametrize("j", [10, 40])
def test_contour_propagator_vs_uniformization(j, xb):
    m, (dl, d, du) = _chain(j, xb)
    p = np.exp(-2.0 * m)
    p /= p.sum()
    for t in (1e-3, 0.01, 1.0):
        ref = _uniformization(dl, d, du, p, t)
        got = np.asarray(expm_tridiag(dl, d, du, jnp.asarray(p), t))
        assert np.max(np.abs(got - ref)) < 1e-12
        # complex input: real and imaginary parts propagate separately
        gotc = np.asarray(expm_tridiag(dl, d, du, jnp.asarray(p + 0.5j * p[::-1]), t))
        refc = ref + 0.5j * _uniformization(dl, d, du, p[::-1].copy(), t)
        assert np.max(np.abs(gotc - refc)) < 1e-12


def test_time_zero_is_exact_and_differentiable():
    from jaxthermo.ensembles import SpinEnsemble

    ens = SpinEnsemble(6, 0.5)
    st = ens.thermal_state(1.3)

    def e_of(t):
        return ens.energy(ens.evolve(st, jnp.atleast_1d(t), 0.4).at(0))

    assert float(e_of(0.0)) == float(ens.energy(st))
    eps = 1e-5
    # one-sided second-order difference (times must be >= 0; e^{tA} is analytic in t)
    fd = (-3 * float(e_of(0.0)) + 4 * float(e_of(eps)) - float(e_of(2 * eps))) / (2 * eps)
    assert float(jax.grad(e_of)(0.0)) == pytest.approx(fd, rel=1e-7, abs=1e-9)
    assert float(jax.grad(e_of)(0.0)) != 0.0
