"""Free energy per Otto cycle and "effective amplification" (paper 001, Eqs. 53-55, Fig. 10):
the spec's crossing points, the closed forms against a brute-force full-space limit cycle, and the
equivalence of condition (55) with |Delta F_coh| > |Delta F_inc|."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxthermo.engines import (
    OttoCycle,
    collective_entropy,
    effective_amplification,
    entropy_crossing,
    free_energy_per_cycle_collective,
    free_energy_per_cycle_independent,
    spin_operator_medium,
    thermal_entropy,
)
from jaxthermo.thermo.entropy import entropy


@pytest.mark.parametrize("n, x_star", [(2, 2.0186404), (6, 1.4409486), pytest.param(9, 1.2480137, marks=pytest.mark.slow),
                                       (100, 0.4877200)])
def test_fig10_crossing_points_match_spec(n, x_star):
    xs = entropy_crossing(n)
    assert xs == pytest.approx(x_star, abs=2e-7)
    # below x* the collective entropy drop is the larger one, above it the smaller one
    for x, below in ((0.5 * xs, True), (1.5 * xs, False)):
        d_coh = collective_entropy(n, 0.5, math.inf, x) - collective_entropy(n, 0.5, math.inf, 0.0)
        d_inc = thermal_entropy(n, 0.5, x) - thermal_entropy(n, 0.5, 0.0)
        assert bool(d_coh < d_inc) is below


def test_effective_amplification_region_from_fig10():
    # x0 = +inf: condition (55) holds when x_h and lambda x_c both lie in (0, x*) (paper's Fig. 10)
    n, lam, xs = 6, 0.5, entropy_crossing(6)
    assert bool(effective_amplification(n, 0.5, math.inf, 0.2, 2 * 0.9 * xs / 2, lam))
    # both well beyond x*: the independent engine has the larger free-energy change
    assert not bool(effective_amplification(n, 0.5, math.inf, 1.2 * xs, 3.0 * xs / lam, lam))
    # (55) is the entropy form of |dF_coh| > |dF_inc|: same verdict on a grid
    xh = jnp.linspace(0.05, 3.0, 13)
    y = jnp.linspace(0.1, 4.0, 11)
    xhg, yg = jnp.meshgrid(xh, y)
    keep = yg > xhg  # engine regime x_h < lambda x_c
    amp = effective_amplification(n, 0.5, math.inf, xhg, yg / lam, lam)
    cond55 = (collective_entropy(n, 0.5, math.inf, xhg) - collective_entropy(n, 0.5, math.inf, yg)
              > thermal_entropy(n, 0.5, xhg) - thermal_entropy(n, 0.5, yg))
    assert np.array_equal(np.asarray(amp)[keep], np.asarray(cond55)[keep])
    assert np.any(np.asarray(amp)[keep]) and not np.all(np.asarray(amp)[keep])


def test_free_energy_per_cycle_sign_and_prefactor():
    # Eqs. 53-54 are <= 0 in the engine regime and vanish when x_h = lambda x_c (no entropy change)
    for n in (2, 6):
        for xh, xc, lam in ((0.1, 2.0, 0.5), (0.5, 3.0, 0.8), (0.05, 1.0, 0.5)):
            f_coh = float(free_energy_per_cycle_collective(n, 0.5, math.inf, xh, xc, lam))
            f_inc = float(free_energy_per_cycle_independent(n, 0.5, xh, xc, lam))
            assert math.isfinite(f_coh) and math.isfinite(f_inc)
            assert f_coh < 0 and f_inc < 0  # strictly: x_h < lambda x_c here
        assert float(free_energy_per_cycle_collective(n, 0.5, 2.0, 0.6, 1.2, 0.5)) == pytest.approx(
            0.0, abs=1e-14)
    # n = 1: collective and independent coincide
    assert float(free_energy_per_cycle_collective(1, 0.5, 1.0, 0.3, 2.0, 0.6)) == pytest.approx(
        float(free_energy_per_cycle_independent(1, 0.5, 0.3, 2.0, 0.6)), rel=1e-12)


@pytest.mark.parametrize("x0", [2.0, math.inf])
def test_free_energy_per_cycle_vs_full_space_limit_cycle(x0):
    # brute force: n = 3 spins-1/2 in the full 8-dim space, collective (and independent) Lindblad
    # isochores run to stationarity; the limit-cycle states' von Neumann entropies give Eq. 53/54
    n, xh, xc, lam = 3, 0.3, 2.0, 0.6
    for bath in ("collective", "independent"):
        o = OttoCycle(spin_operator_medium(n, 0.5, bath), xh, xc, lam, beta0=x0)
        c = o.limit_cycle()
        s_hot = float(entropy(o.medium.density(c.state_hot)))
        s_cold = float(entropy(o.medium.density(c.state_start)))
        d_f = (1 / xc - 1 / xh) * (s_hot - s_cold)
        if bath == "collective":
            assert s_hot == pytest.approx(float(collective_entropy(n, 0.5, x0, xh)), abs=1e-9)
            assert s_cold == pytest.approx(float(collective_entropy(n, 0.5, x0, lam * xc)), abs=1e-9)
            ref = free_energy_per_cycle_collective(n, 0.5, x0, xh, xc, lam)
        else:
            assert s_hot == pytest.approx(float(thermal_entropy(n, 0.5, xh)), abs=1e-9)
            ref = free_energy_per_cycle_independent(n, 0.5, xh, xc, lam)
        assert d_f == pytest.approx(float(ref), rel=1e-9)


def test_free_energy_per_cycle_jit_vmap_grad():
    f = jax.jit(jax.vmap(lambda y: free_energy_per_cycle_collective(6, 0.5, math.inf, 0.1, y, 0.5)))
    ys = jnp.linspace(0.5, 3.0, 5)
    np.testing.assert_allclose(
        f(ys), [float(free_energy_per_cycle_collective(6, 0.5, math.inf, 0.1, y, 0.5)) for y in ys],
        rtol=1e-12)
    g = jax.grad(lambda y: free_energy_per_cycle_independent(6, 0.5, 0.1, y, 0.5))(2.0)
    h = 1e-5
    fd = (free_energy_per_cycle_independent(6, 0.5, 0.1, 2.0 + h, 0.5)
          - free_energy_per_cycle_independent(6, 0.5, 0.1, 2.0 - h, 0.5)) / (2 * h)
    assert float(g) == pytest.approx(float(fd), rel=1e-7)


def test_entropy_crossing_bad_input():
    with pytest.raises(ValueError, match="n >= 2"):
        entropy_crossing(1)
    with pytest.raises(ValueError, match="n"):
        entropy_crossing(0)
