"""Block dynamics of jaxthermo.ensembles against brute force in the full (2s+1)^n space.

The reference is the core's ``collective_ops`` + ``mesolve`` with the explicit jump operators
``sqrt(G_down) J-`` and ``sqrt(G_up) J+`` (spec seed-001, Sec. 1.3), G from ThermalBath.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from jaxthermo import (
    ThermalBath,
    collective_ops,
    dephase,
    entropy,
    gibbs_state,
    lindbladian,
    mesolve,
    spin_ops,
    tensor,
)
from jaxthermo.dynamics.steady import kernel_dimension
from jaxthermo.ensembles import (
    BlockState,
    SpinEnsemble,
    entropy_production_steady,
    multiplicities_exact,
)
from jaxthermo.ensembles.fullspace import from_full, to_full

INF = float("inf")


def _full_problem(n, s, xb, gamma=1.0):
    jx, jy, jz = collective_ops(n, s)
    jp, jm = jx + 1j * jy, jx - 1j * jy
    bath = ThermalBath(xb, gamma)
    gd, gu = bath.rate(1.0), bath.rate(-1.0)
    return jz, [jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp], jp, jm


def _mesolve(n, s, xb, rho0, ts):
    h, ops, _, _ = _full_problem(n, s, xb)
    return mesolve(h, rho0, ts, ops, rtol=1e-11, atol=1e-13).states


def _random_block_state(key, ens):
    """A block state with random coherences inside every block (sigma_J = 1/l_J)."""
    nb, dim = ens.num_blocks, ens.dim_pad
    rng = np.random.default_rng(key)
    a = rng.normal(size=(nb, dim, dim)) + 1j * rng.normal(size=(nb, dim, dim))
    mask = np.abs(np.asarray(ens.m_grid))[None, :] <= np.asarray(ens.j_values)[:, None] + 1e-9
    a = np.where(mask[:, :, None] & mask[:, None, :], a, 0.0)
    rho = a @ np.conj(np.swapaxes(a, -1, -2))
    rho = rho / np.trace(rho, axis1=-2, axis2=-1)[:, None, None]
    w = rng.uniform(size=nb) + 0.1
    return BlockState(ens.j_values, ens.log_mult, jnp.asarray(w / w.sum()), jnp.asarray(rho),
                      ens.log_mult, diagonal=False)


CASES = [(2, 0.5, 2.0, 0.5), (4, 0.5, -1.0, -0.7), (2, 1.0, 2.0, -0.5), (2, 1.5, 1.0, 0.5),
         pytest.param(3, 0.5, 2.0, -1.0, marks=pytest.mark.slow),
         pytest.param(5, 0.5, 0.3, 2.0, marks=pytest.mark.slow),
         pytest.param(6, 0.5, 1.5, 1.0, marks=pytest.mark.slow),
         pytest.param(3, 1.0, 0.5, 1.0, marks=pytest.mark.slow)]


@pytest.mark.parametrize("n,s,x0,xb", CASES)
def test_thermal_initial_state_vs_full_space(n, s, x0, xb):
    ens = SpinEnsemble(n, s)
    ts = jnp.array([0.0, 0.1, 0.7, 3.0])
    traj = ens.evolve(ens.thermal_state(x0), ts, xb)
    h, *_ = _full_problem(n, s, xb)
    full = _mesolve(n, s, xb, gibbs_state(h, x0), ts)
    for i in range(len(ts)):
        st = traj.at(i)
        rf = to_full(st, n, s)
        assert float(jnp.max(jnp.abs(rf - full[i]))) < 1e-8
        assert float(ens.energy(st)) == pytest.approx(float(jnp.real(jnp.trace(h @ full[i]))),
                                                      abs=1e-8)
        assert float(ens.entropy(st)) == pytest.approx(float(entropy(full[i])), abs=1e-8)


@pytest.mark.parametrize("n,s,xb", [pytest.param(3, 0.5, 0.8, marks=pytest.mark.slow), (2, 1.0, -1.2),
                                    pytest.param(3, 0.5, -1.2, marks=pytest.mark.slow),
                                    pytest.param(2, 1.5, -0.6, marks=pytest.mark.slow)])
def test_coherent_block_states_vs_full_space(n, s, xb):
    ens = SpinEnsemble(n, s)
    st0 = _random_block_state(n + int(10 * s), ens)
    ts = jnp.array([0.0, 0.2, 1.5])
    rho0 = to_full(st0, n, s)
    assert float(jnp.abs(jnp.trace(rho0) - 1)) < 1e-12
    full = _mesolve(n, s, xb, rho0, ts)
    traj = ens.evolve(st0, ts, xb)
    traj_dfx = ens.evolve(st0, ts, xb, method="diffrax") if n == 3 else traj
    for i in range(len(ts)):
        assert float(jnp.max(jnp.abs(to_full(traj.at(i), n, s) - full[i]))) < 1e-8
        assert float(jnp.max(jnp.abs(to_full(traj_dfx.at(i), n, s) - full[i]))) < 1e-7
        assert float(ens.entropy(traj.at(i))) == pytest.approx(float(entropy(full[i])), abs=1e-8)
    # from_full recovers the block content
    back = from_full(full[-1], n, s)
    assert float(jnp.max(jnp.abs(back.blocks - traj.at(2).blocks))) < 1e-8
    # the local state (s = 1/2) with coherences equals the partial trace
    if s == 0.5:
        from jaxthermo import ptrace
        loc = ptrace(full[-1], (2,) * n, [0])
        assert float(jnp.max(jnp.abs(loc - ens.local_state(traj.at(2))))) < 1e-8


def test_spin_coherent_state():
    """A product of identical single-spin pure states lives in J = ns (l = 1)."""
    n, s, xb = 4, 0.5, 0.9
    ens = SpinEnsemble(n, s)
    psi1 = jnp.array([np.cos(0.4), np.exp(0.7j) * np.sin(0.4)])
    psi = tensor(*[psi1[:, None]] * n)[:, 0]
    rho0 = jnp.outer(psi, jnp.conj(psi))
    st0 = from_full(rho0, n, s)
    assert float(st0.w[-1]) == pytest.approx(1.0, abs=1e-12)
    ts = jnp.array([0.0, 0.3, 2.0])
    full = _mesolve(n, s, xb, rho0, ts)
    traj = ens.evolve(st0, ts, xb)
    for i in range(3):
        assert float(jnp.max(jnp.abs(to_full(traj.at(i), n, s) - full[i]))) < 1e-8


def test_finite_time_energy_spec_values():  # spec checks 8, 9, 10
    ens = SpinEnsemble(3, 0.5)
    ts = jnp.array([0.1, 0.3, 1.0, 3.0])
    e = jax.vmap(lambda st: ens.energy(st, "ground"))(ens.evolve(ens.thermal_state(2.0), ts, -0.5))
    np.testing.assert_allclose(e, [0.503737694909614, 0.765809244507855, 1.39151762077543,
                                   1.91641133588480], atol=1e-8)
    ens = SpinEnsemble(100, 0.5)
    ts = jnp.array([0.0, 0.001, 0.01, 0.1, 1.0])
    traj = ens.evolve(ens.thermal_state(2.0), ts, 1.0)
    e = jax.vmap(lambda st: ens.energy(st, "ground"))(traj)
    np.testing.assert_allclose(e, [11.9202922022118, 11.9350009662475, 12.0461989465534,
                                   12.3321781164741, 12.3457512663311], atol=1e-7)
    assert float(ens.steady_energy(2.0, 1.0, "ground")) == pytest.approx(12.3457512663314,
                                                                         abs=1e-9)
    ens = SpinEnsemble(4, 4.5)
    ts = jnp.array([0.0, 0.01, 0.1, 1.0])
    for st0 in (ens.thermal_state(2.0), ens.thermal_state(2.0).to_matrices()):
        e = jax.vmap(lambda st: ens.energy(st, "ground"))(ens.evolve(st0, ts, 1.0))
        np.testing.assert_allclose(e, [0.626070488552518, 0.689066063160607, 0.964115136684052,
                                       1.05152945186470], atol=1e-7)


@pytest.mark.parametrize("xb", [0.5, -0.7, INF, -INF])
def test_long_time_limit_is_steady_state(xb):
    ens = SpinEnsemble(5, 1.0)
    st0 = _random_block_state(3, ens)
    late = ens.evolve(st0, jnp.array([60.0]), xb).at(0)
    ss = ens.steady_state(rho0=st0, beta_bath=xb)
    assert float(jnp.max(jnp.abs(late.blocks - ss.matrices()))) < 1e-9
    assert float(ens.entropy(late)) == pytest.approx(float(ens.entropy(ss)), abs=1e-8)
    np.testing.assert_allclose(late.w, st0.w)  # block weights are conserved


def test_independent_dissipation_vs_full_space():
    n, s, xb = 2, 1.0, 0.6
    ens = SpinEnsemble(n, s)
    jx, jy, jz = spin_ops(s)
    jp, jm = jx + 1j * jy, jx - 1j * jy
    bath = ThermalBath(xb, 1.0)
    gd, gu = bath.rate(1.0), bath.rate(-1.0)
    loc0 = gibbs_state(jz, 2.5)
    ts = jnp.array([0.0, 0.4, 2.0])
    loc = ens.independent_evolve(loc0, ts, xb)
    ref = mesolve(jz, loc0, ts, [jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp], rtol=1e-11,
                  atol=1e-13).states
    assert float(jnp.max(jnp.abs(loc - ref))) < 1e-9
    # in the full space: sum_k over local jump ops, product initial state
    eye = jnp.eye(3)
    ops = []
    for op in (jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp):
        ops += [tensor(op, eye), tensor(eye, op)]
    hfull = collective_ops(n, s)[2]
    full = mesolve(hfull, tensor(loc0, loc0), ts, ops, rtol=1e-11, atol=1e-13).states
    for i in range(3):
        assert float(jnp.max(jnp.abs(full[i] - tensor(loc[i], loc[i])))) < 1e-9
    # its steady state is the thermal state at the bath temperature
    late = ens.independent_evolve(loc0, jnp.array([80.0]), xb)[0]
    assert float(jnp.max(jnp.abs(late - ens.local_thermal_state(xb)))) < 1e-10


@pytest.mark.parametrize("n,s,xb,expected", [
    (2, 0.5, 0.7, 2), (3, 0.5, 0.7, 5), (2, 1.0, -0.4, 3), (2, 0.5, INF, 4), (3, 0.5, INF, 9)])
def test_kernel_dimension(n, s, xb, expected):  # spec check 6 (interaction picture, H = 0)
    h, ops, _, _ = _full_problem(n, s, xb)
    h = jnp.zeros_like(h)
    _, l = multiplicities_exact(n, s)
    assert kernel_dimension(lindbladian(h, ops)) == expected
    if xb != INF:
        assert expected == sum(x * x for x in l)
    else:
        assert expected == sum(l) ** 2


@pytest.mark.parametrize("n,s,xb,expected", [
    (2, 0.5, 1.0, 1.31055009013), (3, 0.5, 1.0, 1.59190706685), (2, 1.0, 1.0, 1.41750603955),
    (2, 0.5, -1.0, -1.31055009013)])
def test_dephased_apparent_temperature(n, s, xb, expected):  # spec check 24, erratum X6
    ens = SpinEnsemble(n, s)
    rf = dephase(to_full(ens.steady_state(INF, xb), n, s))  # product (local) basis
    _, _, jp, jm = _full_problem(n, s, xb)
    ratio = jnp.real(jnp.trace(jm @ jp @ rf)) / jnp.real(jnp.trace(jp @ jm @ rf))
    assert float(jnp.log(ratio)) == pytest.approx(expected, abs=1e-10)


def test_non_symmetric_initial_state_general_rule():
    """|up,down,down>: coherences between degenerate copies survive (sigma_J is pure), spec 1.7."""
    n, s, xb = 3, 0.5, 0.7
    ens = SpinEnsemble(n, s)
    up, dn = jnp.array([[1.0], [0.0]]), jnp.array([[0.0], [1.0]])
    psi = tensor(up, dn, dn)[:, 0]
    rho0 = jnp.outer(psi, jnp.conj(psi)).astype(complex)
    st0 = from_full(rho0, n, s)
    np.testing.assert_allclose(st0.mult_entropy, 0.0, atol=1e-12)  # pure multiplicity states
    ss = ens.steady_state(rho0=st0, beta_bath=xb)
    full = _mesolve(n, s, xb, rho0, jnp.array([0.0, 60.0]))[-1]
    assert float(ens.entropy(ss)) == pytest.approx(float(entropy(full)), abs=1e-8)
    h, *_ = _full_problem(n, s, xb)
    assert float(ens.energy(ss)) == pytest.approx(float(jnp.real(jnp.trace(h @ full))), abs=1e-8)
    # not the "thermal-weights" state (Eq. 9 with sigma_J = 1/l_J) and not Gibbs
    assert abs(float(ens.entropy(ss)) - float(entropy(gibbs_state(h, xb)))) > 1e-2


def test_relative_entropy_and_free_energy_vs_full_space():
    from jaxthermo import free_energy, relative_entropy

    n, s, x0, xb = 3, 1.0, 2.0, -0.6
    ens = SpinEnsemble(n, s)
    ss = ens.steady_state(x0, xb)
    h, *_ = _full_problem(n, s, xb)
    rf = to_full(ss, n, s)
    d_ref = relative_entropy(rf, gibbs_state(h, xb))
    assert float(ens.relative_entropy_to_thermal(ss, xb)) == pytest.approx(float(d_ref), abs=1e-9)
    assert float(ens.free_energy(ss, xb)) == pytest.approx(float(free_energy(h, rf, xb)),
                                                          abs=1e-9)
    th0 = ens.thermal_state(x0)
    sig = ens.entropy_production(th0, ss, xb)
    # Sigma = D(rho0 || th_B) - D(rho_inf || th_B) >= 0 and equals the closed form
    d0 = ens.relative_entropy_to_thermal(th0, xb)
    assert float(sig) == pytest.approx(float(d0 - ens.relative_entropy_to_thermal(ss, xb)),
                                       abs=1e-10)
    assert float(sig) == pytest.approx(
        float(entropy_production_steady(n, s, x0, xb)),
        abs=1e-10)
    assert float(sig) > 0


def test_extra_energies_diffrax_path_vs_full_space():
    """H = J_z + 0.3 J_z^2 (a function of J_z): diffrax block path vs full-space mesolve."""
    n, s, xb = 2, 1.0, 0.5
    ens = SpinEnsemble(n, s)
    st0 = _random_block_state(11, ens)
    m = ens.m_grid
    extra = jnp.broadcast_to(0.3 * m**2, (ens.num_blocks, ens.dim_pad))
    ts = jnp.array([0.0, 0.4, 1.2])
    traj = ens.evolve(st0, ts, xb, method="diffrax", extra_energies=extra)
    jz, ops, _, _ = _full_problem(n, s, xb)
    full = mesolve(jz + 0.3 * jz @ jz, to_full(st0, n, s), ts, ops, rtol=1e-11, atol=1e-13).states
    for i in range(3):
        assert float(jnp.max(jnp.abs(to_full(traj.at(i), n, s) - full[i]))) < 1e-7
    with pytest.raises(ValueError, match="extra_energies needs method='diffrax'"):
        ens.evolve(st0, ts, xb, extra_energies=extra)


@pytest.mark.parametrize("n, x0, xb", [(5, 0.7, -1.3), (4, -2.0, 0.8), (40, 2.0, -0.7)])
def test_population_diffrax_path_vs_exact_and_full_space(n, x0, xb):
    """``method="diffrax"`` on diagonal states integrates the birth-death equation alone; it agrees
    with the contour propagator and (small n) with the full-space Lindblad evolution."""
    ens = SpinEnsemble(n=n, s=0.5, omega=1.0)
    st = ens.thermal_state(x0)
    ts = jnp.array([0.0, 0.2, 1.1])
    by_ode = ens.evolve(st, ts, beta_bath=xb, gamma=1.0, method="diffrax")
    exact = ens.evolve(st, ts, beta_bath=xb, gamma=1.0)
    assert by_ode.diagonal and by_ode.blocks.shape == exact.blocks.shape
    np.testing.assert_allclose(by_ode.blocks, exact.blocks, atol=1e-9)
    if n <= 6:
        h, *_ = _full_problem(n, 0.5, xb)
        full = _mesolve(n, 0.5, xb, gibbs_state(h, x0), ts)
        e_full = [float(jnp.real(jnp.trace(h @ full[i]))) for i in range(3)]
        np.testing.assert_allclose([float(ens.energy(by_ode.at(i))) for i in range(3)], e_full,
                                   atol=1e-8)


def test_inverted_state_exact_path_refuses_and_diffrax_path_works():
    """All spins up against a positive-temperature bath at J = 150: the contour propagator is out
    of its range (non-normal chain) and raises instead of returning populations outside [0, 1];
    the diffrax population path gives the superradiant decay, whose initial slope is the closed
    form dE/dt = -2 J G_down omega of |J, J> (J+ J- |J, J> = 2J |J, J>, J- J+ |J, J> = 0)."""
    n, xb = 300, 1.0
    ens = SpinEnsemble(n=n, s=0.5, omega=1.0)
    st = ens.thermal_state(-60.0)  # |J = n/2, m = n/2> up to e^-60
    with pytest.raises(Exception, match="method='diffrax'"):
        ens.evolve(st, jnp.array([0.0, 0.01]), beta_bath=xb, gamma=1.0)
    # ... also when only a gradient is taken under jit (the energy is linear in the populations,
    # so the gradient never reads them; the check rides on their tangent)
    with pytest.raises(Exception, match="method='diffrax'"):
        jax.block_until_ready(jax.jit(jax.grad(lambda b: ens.energy(
            ens.evolve(st, jnp.array([0.0, 0.01]), beta_bath=b, gamma=1.0).at(1))))(xb))
    h = 1e-7
    traj = ens.evolve(st, jnp.array([0.0, h, 0.01]), beta_bath=xb, gamma=1.0, method="diffrax",
                      rtol=1e-12, atol=1e-14)
    e = [float(ens.energy(traj.at(i))) for i in range(3)]
    gd, _ = ens.rates(xb, 1.0)
    np.testing.assert_allclose((e[1] - e[0]) / h, -2 * (n / 2) * float(gd), rtol=1e-4)
    assert float(jnp.min(traj.blocks)) > -1e-12 and e[2] < e[0]
    np.testing.assert_allclose(jnp.sum(traj.blocks * traj.w[..., None], axis=(-2, -1)), 1.0, atol=1e-10)
