"""Product-basis parts of spin-ensemble block states (paper 000 App. E, Fig. 3; spec R1-R7),
against the full 2^n (3^n) space, the closed forms (E.5) and the Fig. 3 ratio, and spec values."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.ensembles import SpinEnsemble
from jaxthermo.ensembles.fullspace import to_full
from jaxthermo.thermo.coherent_parts import coherence_parts
from jaxthermo.thermo.ensemble_parts import (
    ensemble_coherence_parts,
    ensemble_integrated_production,
    ensemble_production_rates,
    fig3_ratio,
)
from jaxthermo.thermo.production_split import entropy_production_rates


@pytest.mark.parametrize("n", [3, pytest.param(2, marks=pytest.mark.slow),
                               pytest.param(4, marks=pytest.mark.slow)])
def test_block_parts_equal_full_space(n):
    ens = SpinEnsemble(n, 0.5, 1.0)
    _, _, jz = jt.collective_ops(n, 0.5)
    traj = ens.evolve(ens.thermal_state(2.0).to_matrices(), jnp.array([0.0, 0.3, 1.0]), 0.5)
    p = ensemble_coherence_parts(ens, traj, 0.5)
    for i in range(3):
        q = coherence_parts(to_full(traj.at(i), n, 0.5), jz, 0.5)
        for f in ("population", "vertical", "horizontal", "s", "s_d"):
            np.testing.assert_allclose(getattr(p, f)[i], getattr(q, f), atol=1e-12)
    assert p.horizontal[-1] > 1e-3


def test_block_rates_equal_full_space_rates():
    """jvp along the exact block dynamics = full-space rates (core fermi bath, same generator)."""
    n, x = 3, 0.5
    ens = SpinEnsemble(n, 0.5, 1.0)
    st = ens.evolve(ens.thermal_state(2.0).to_matrices(), jnp.array([0.3]), x).at(0)
    r = ensemble_production_rates(ens, st, x)
    jx, _, jz = jt.collective_ops(n, 0.5)
    ops = jt.thermal_jump_ops(jz, 2 * jx, jt.ThermalBath(x))
    q = entropy_production_rates(jz, ops, to_full(st, n, 0.5), x)
    for f in ("population", "vertical", "horizontal", "total"):
        np.testing.assert_allclose(getattr(r, f), getattr(q, f), atol=1e-9)
    assert r.horizontal < 0 and abs(r.residual) < 1e-12


def test_R4_steady_state_from_block_state():
    ens = SpinEnsemble(2, 0.5, 1.0)
    p = ensemble_coherence_parts(ens, ens.steady_state(beta0=2.0, beta_bath=0.5), 0.5)
    np.testing.assert_allclose([p.horizontal, p.population, p.s], [0.0393912, 0.0164954, 1.2489963],
                               atol=1e-7)
    assert abs(p.vertical) < 1e-12


@pytest.mark.parametrize("n,x,expected", [(2, 1.0, 0.1696328), (4, 1.0, 0.5228078),
                                          (10, 1.0, 1.1093764), (10, 0.0, 3.4561021)])
def test_R6_ch_infinity_matches_E5(n, x, expected):
    ens = SpinEnsemble(n, 0.5, 1.0)
    st = ens.steady_state(beta0=jnp.inf, beta_bath=x)
    ch = ensemble_coherence_parts(ens, st, x).horizontal
    ms = np.arange(n / 2, -n / 2 - 1, -1)
    w = np.exp(-ms * x)
    e5 = np.sum(w / w.sum() * np.log([math.comb(n, int(n / 2 + m)) for m in ms]))
    np.testing.assert_allclose(ch, e5, rtol=1e-10)
    np.testing.assert_allclose(ch, expected, atol=1e-7)


def test_R7_spin1_symmetric_irrep_and_E5_overestimate():
    ens = SpinEnsemble(2, 1.0, 1.0)
    st = ens.steady_state(beta0=jnp.inf, beta_bath=0.0)
    ch = ensemble_coherence_parts(ens, st, 0.0).horizontal
    _, _, jz = jt.collective_ops(2, 1.0)
    full = coherence_parts(to_full(st, 2, 1.0), jz, 0.0).horizontal
    np.testing.assert_allclose(ch, full, atol=1e-12)
    np.testing.assert_allclose(ch, 0.4507715, atol=1e-7)
    im = [1, 2, 3, 2, 1]  # product states of 2 spin-1 with m = 2..-2
    e5 = np.mean(np.log(im))
    np.testing.assert_allclose(e5, 0.4969813, atol=1e-7)
    assert ch < e5
    # mixed J for s = 1 is refused with a clear message
    with pytest.raises(ValueError, match="symmetric J = ns block"):
        ensemble_coherence_parts(ens, ens.thermal_state(1.0), 1.0)


R1 = {2: [1.393791, 1.537081, 1.776066, 1.907415, 1.986659],
      4: [2.238584, 2.772752, 3.492597, 3.805633, 3.973139],
      10: [5.104974, 6.829956, 8.728766, 9.514026, 9.932846]}
XS = [0.5, 1.0, 2.0, 3.0, 5.0]


@pytest.mark.parametrize("n", [2, 4, 10])
def test_R1_R3_fig3_ratio_from_block_states(n):
    """Pi^th / Pi^col from endpoint relative entropies of block states = closed form = spec R1."""
    ens = SpinEnsemble(n, 0.5, 1.0)
    rho0 = ens.thermal_state(jnp.inf)

    def ratio(x):
        pi_th = ens.relative_entropy_to_thermal(rho0, x)  # independent: ends in rho_th
        traj = jax.tree.map(lambda a, b: jnp.stack([a, b]), rho0,
                            ens.steady_state(beta0=jnp.inf, beta_bath=x))
        sig = ensemble_integrated_production(ens, traj, x)
        np.testing.assert_allclose(sig.residual[-1], 0.0, atol=1e-11)
        return pi_th / sig.total[-1], pi_th, sig.total[-1]

    for x, expected in zip(XS, R1[n], strict=True):
        r, pi_th, pi_col = ratio(x)
        np.testing.assert_allclose(r, expected, rtol=1e-6)
        np.testing.assert_allclose(r, fig3_ratio(n, x), rtol=1e-10)
        if n == 10 and x == 1.0:
            np.testing.assert_allclose([pi_th, pi_col], [3.1326169, 0.4586584], atol=1e-7)


def test_R2_fig3_closed_form_limits():
    for n in (2, 4, 10):
        np.testing.assert_allclose(fig3_ratio(n, 0.0), n * np.log(2) / np.log(n + 1), rtol=1e-12)
        xs = jnp.linspace(-8.0, 30.0, 400)
        r = np.asarray(fig3_ratio(n, xs))
        assert np.all(np.diff(r) > 0) or np.all(np.diff(r[:-40]) > 0)  # monotone (flat at n)
        assert np.all(r > 1.0) and np.all(r <= n)  # no overshoot of the asymptote
        np.testing.assert_allclose(fig3_ratio(n, 12.0), n * (1 - np.exp(-12.0)), rtol=1e-5)
    np.testing.assert_allclose(fig3_ratio(2, -5.0), 1.000667, atol=1e-6)
    np.testing.assert_allclose(fig3_ratio(1, jnp.array([-2.0, 0.0, 3.0])), 1.0, rtol=1e-12)
    assert np.isfinite(jax.grad(lambda x: fig3_ratio(10, x))(1.0))


def test_R5_beta0_minus_beta_bath_gives_thermal():
    for n in (2, 3, 4):
        ens = SpinEnsemble(n, 0.5, 1.0)
        p = ensemble_coherence_parts(ens, ens.steady_state(beta0=-0.5, beta_bath=0.5), 0.5)
        assert abs(p.horizontal) < 1e-10 and abs(p.population) < 1e-10


def test_jit_grad_and_bad_input():
    ens = SpinEnsemble(6, 0.5, 1.0)
    f = jax.jit(lambda x: ensemble_coherence_parts(
        ens, ens.steady_state(beta0=2.0, beta_bath=x), x).horizontal)
    g = jax.grad(f)(0.7)
    fd = (f(0.7 + 1e-5) - f(0.7 - 1e-5)) / 2e-5
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    with pytest.raises(ValueError, match="blocks of size"):
        ensemble_coherence_parts(SpinEnsemble(4, 0.5), ens.thermal_state(1.0), 1.0)
    with pytest.raises(TypeError, match="ens must be a SpinEnsemble"):
        ensemble_coherence_parts(None, ens.thermal_state(1.0), 1.0)
    st = ens.thermal_state(1.0)
    bad = type(st)(st.j, st.log_mult, st.w, st.blocks, 0.0 * st.mult_entropy, diagonal=True)
    with pytest.raises(ValueError, match="maximally mixed"):
        ensemble_coherence_parts(ens, bad, 1.0)


@pytest.mark.parametrize("n,s,x", [(3, 1.0, 0.7), (2, 1.5, -0.4)])
def test_higher_spin_symmetric_irrep_against_full_space(n, s, x):
    ens = SpinEnsemble(n, s, 1.0)
    st = ens.steady_state(beta0=jnp.inf, beta_bath=x)
    p = ensemble_coherence_parts(ens, st, x)
    q = coherence_parts(to_full(st, n, s), jt.collective_ops(n, s)[2], x)
    np.testing.assert_allclose([p.horizontal, p.population, p.s], [q.horizontal, q.population, q.s],
                               atol=1e-12)
