"""Phase space (paper 004): input validation (positivity, NaN/inf, grids, chunking), Pi_vN on
rank-deficient states, the thermal closed form's gradient and precision, the three-grid stopping
rule, and an independent (numpy/scipy) finite-difference check of dS_Q/dt = Pi - Phi."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.linalg import expm, logm

import jaxthermo as jt

ps = jt.phasespace
G8 = ps.SphereGrid(8)


# ---------------------------------------------------------------- independent numpy references


def np_spin_ops(j):
    """(J_z, J_+, J_-) in the basis m = J..-J (index 0 = spin up), built here from scratch."""
    d = int(round(2 * j)) + 1
    m = j - np.arange(d)
    jp = np.zeros((d, d), complex)
    for k in range(1, d):
        jp[k - 1, k] = math.sqrt(j * (j + 1) - m[k] * (m[k] + 1))
    return np.diag(m).astype(complex), jp, jp.conj().T


def np_embed(op, k, dims):
    mats = [np.eye(d) for d in dims]
    mats[k] = op
    out = mats[0]
    for m in mats[1:]:
        out = np.kron(out, m)
    return out


def np_ad_ops(js, gam, nb):
    dims = [int(round(2 * j)) + 1 for j in js]
    ops = []
    for k, j in enumerate(js):
        _, jp, jm = np_spin_ops(j)
        ops += [math.sqrt(gam[k] * (nb[k] + 1)) * np_embed(jm, k, dims),
                math.sqrt(gam[k] * nb[k]) * np_embed(jp, k, dims)]
    return ops


def np_deph_ops(js, lam):
    dims = [int(round(2 * j)) + 1 for j in js]
    return [math.sqrt(lam[k]) * np_embed(np_spin_ops(j)[0], k, dims) for k, j in enumerate(js)]


def np_ad_fixed_point(js, nb):
    out = np.eye(1)
    for j, n in zip(js, nb, strict=True):
        d = int(round(2 * j)) + 1
        r = n / (n + 1)
        p = r ** (2 * j - np.arange(d))  # p_m ~ r^{J+m}, m = J - k
        out = np.kron(out, np.diag(p / p.sum()))
    return out.astype(complex)


def np_dissipator(ops, rho):
    return sum(a @ rho @ a.conj().T - 0.5 * (a.conj().T @ a @ rho + rho @ a.conj().T @ a)
               for a in ops)


def np_spohn(rho, ops, rho_eq):
    """-Tr[D(rho)(ln rho - ln rho_eq)] for full-rank rho (eigh log) and rho_eq (scipy logm)."""
    w, v = np.linalg.eigh(rho)
    ln_rho = v @ np.diag(np.log(w)) @ v.conj().T
    return -np.real(np.trace(np_dissipator(ops, rho) @ (ln_rho - logm(rho_eq))))


def _per_spin(v, js):
    return list(v) if len(js) == 2 else v[0]


def rand_rho(rng, d, w=0.7):
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    r = a @ a.conj().T
    r /= np.trace(r).real
    return w * r + (1 - w) * np.eye(d) / d


GOOD = jnp.eye(2, dtype=complex) / 2
NEG_DIAG = jnp.diag(jnp.array([1.5, -0.5])).astype(complex)
NEG_OFF = jnp.array([[0.5, 0.9], [0.9, 0.5]], dtype=complex)  # eigenvalues 1.4, -0.4


def _spin_fns():
    ch = ps.AmplitudeDamping(1.0, 0.5)
    return [lambda r: ps.husimi_q(r, 0.5, G8), lambda r: ps.wehrl_entropy(r, 0.5, G8),
            lambda r: ps.wehrl_production(r, 0.5, ch, G8), lambda r: ps.wehrl_rate(r, 0.5, ch, G8),
            lambda r: ps.von_neumann_production(r, 0.5, ch)]


# ---------------------------------------------------------------- finding 1: positivity


def test_non_positive_states_are_rejected():
    for fn in _spin_fns():
        for bad in (NEG_DIAG, NEG_OFF):
            with pytest.raises(ValueError, match="rho must be positive semidefinite"):
                fn(bad)
        with pytest.raises(ValueError, match=r"rho\[2\] \(batch index 2\) must be positive semi"):
            fn(jnp.stack([GOOD, GOOD, NEG_OFF]))
        with pytest.raises(ValueError, match=r"rho\[1, 0\] .* must be positive semidefinite"):
            fn(jnp.stack([GOOD, GOOD, NEG_DIAG, GOOD]).reshape(2, 2, 2, 2))
    # two spins: the partial transpose of the singlet is Hermitian, of unit trace, eigenvalue -1/2
    singlet = jnp.array([0, 1, -1, 0], dtype=complex) / math.sqrt(2)
    pt = jnp.outer(singlet, singlet.conj()).reshape(2, 2, 2, 2).transpose(0, 3, 2, 1).reshape(4, 4)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        ps.wehrl_entropy(pt, (0.5, 0.5), G8)
    # the bosonic mode
    plane = ps.PlaneGrid(16, 8, 4.0)
    with pytest.raises(ValueError, match="rho must be positive semidefinite"):
        ps.wehrl_entropy(NEG_DIAG, grid=plane)
    with pytest.raises(ValueError, match=r"rho\[1\] .* positive semidefinite"):
        ps.husimi_q(jnp.stack([GOOD, NEG_DIAG]), grid=plane)


def test_positivity_tolerance_and_tracing():
    # round-off-sized negative eigenvalues pass (1e-10 x scale), a real one does not
    tiny = jnp.diag(jnp.array([1 + 1e-12, -1e-12])).astype(complex)
    assert np.isfinite(float(ps.wehrl_entropy(tiny, 0.5, G8)))
    with pytest.raises(ValueError, match="positive semidefinite"):
        ps.wehrl_entropy(jnp.diag(jnp.array([1 + 1e-8, -1e-8])).astype(complex), 0.5, G8)
    # a pure state (eigenvalues 0 up to round-off) is valid; S_Q of a coherent state ~ 1/2
    z = ps.coherent_state(0.5, 1.0, 0.5)
    assert abs(float(ps.wehrl_entropy(jnp.outer(z, z.conj()), 0.5, ps.SphereGrid(64))) - 0.5) < 1e-6
    # under jit the check is an error_if that fires at run time, single state and batch
    f = jax.jit(lambda r: ps.wehrl_entropy(r, 0.5, G8))
    with pytest.raises(Exception, match="positive semidefinite"):
        jax.block_until_ready(f(NEG_OFF))
    with pytest.raises(Exception, match="positive semidefinite"):
        jax.block_until_ready(f(jnp.stack([GOOD, NEG_OFF])))
    np.testing.assert_allclose(f(jnp.stack([GOOD, GOOD])), [math.log(2)] * 2, atol=1e-13)
    # the check adds nothing to derivatives: jit(grad) still matches a finite difference
    g = ps.SphereGrid(12)

    def s(t):
        zt = ps.coherent_state(0.5, t, 0.3)
        return ps.wehrl_entropy(0.6 * jnp.outer(zt, zt.conj()) + 0.2 * jnp.eye(2), 0.5, g)

    h = 1e-5
    fd = (s(0.7 + h) - s(0.7 - h)) / (2 * h)
    assert float(jax.jit(jax.grad(s))(0.7)) == pytest.approx(float(fd), rel=1e-7, abs=1e-11)


# ---------------------------------------------------------------- finding 3: NaN and inf


def test_non_finite_states_rates_and_arguments_are_rejected():
    nan_state = jnp.array([[jnp.nan, 0], [0, 0.5]], dtype=complex)
    inf_state = jnp.array([[jnp.inf, 0], [0, 0.5]], dtype=complex)
    for fn in _spin_fns():
        for bad in (nan_state, inf_state):
            with pytest.raises(ValueError, match="rho must be finite"):
                fn(bad)
        with pytest.raises(ValueError, match=r"rho\[1\] \(batch index 1\) must be finite"):
            fn(jnp.stack([GOOD, nan_state]))
    with pytest.raises(ValueError, match="rho must be finite"):
        ps.wehrl_entropy(nan_state, grid=ps.PlaneGrid(16, 8, 4.0))
    with pytest.raises(Exception, match="finite"):
        jax.block_until_ready(jax.jit(lambda r: ps.wehrl_entropy(r, 0.5, G8))(
            jnp.stack([GOOD, nan_state])))
    for bad in (jnp.nan, jnp.inf, -1.0):
        with pytest.raises(ValueError, match="lam"):
            ps.Dephasing(bad)
        with pytest.raises(ValueError, match="gamma"):
            ps.AmplitudeDamping(bad, 0.5)
        with pytest.raises(ValueError, match="nbar"):
            ps.AmplitudeDamping(1.0, bad)
        with pytest.raises(ValueError, match="nbar"):
            ps.thermal_wehrl_entropy(0.5, bad)
    with pytest.raises(ValueError, match="nbar"):
        ps.AmplitudeDamping([1.0, 1.0], [0.5, jnp.nan])
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="js"):
            ps.wehrl_entropy(GOOD, bad, G8)
        with pytest.raises(ValueError, match="n_theta"):
            ps.SphereGrid(bad)


# ---------------------------------------------------------------- finding 6: too-coarse grids


def test_grids_too_coarse_for_the_spin_are_rejected():
    rho = jnp.array([[0.6, 0.3 - 0.2j], [0.3 + 0.2j, 0.4]])
    with pytest.raises(ValueError, match=r"grid: SphereGrid\(n_theta=1, n_phi=1\) is too coarse "
                                         r"for spin J = 0.5"):
        ps.wehrl_entropy(rho, 0.5, ps.SphereGrid(1, 1))
    with pytest.raises(ValueError, match="n_theta >= J"):
        ps.husimi_q(jnp.eye(3) / 3, 1.0, ps.SphereGrid(1, 3))  # J = 1 needs n_theta >= 2
    with pytest.raises(ValueError, match=r"grid\[1\] \(spin b\).* J = 1.5"):
        ps.wehrl_production(jnp.eye(8) / 8, (0.5, 1.5), ps.Dephasing(1.0),
                            (ps.SphereGrid(4), ps.SphereGrid(2, 3)))
    # the minimal grids are accepted and integrate Q exactly: c_J sum w Q = 1
    rng = np.random.default_rng(3)
    for j, (nt, nphi) in ((0.5, (1, 2)), (1.0, (2, 3)), (1.5, (2, 4)), (2.5, (3, 6))):
        d = int(2 * j + 1)
        g = ps.SphereGrid(nt, nphi)
        q = ps.husimi_q(jnp.asarray(rand_rho(rng, d)), j, g)
        assert float(ps.normalisation(j) * jnp.sum(g.weights * q)) == pytest.approx(1.0, abs=1e-13)


# ---------------------------------------------------------------- finding 7: chunking arguments


def test_chunk_nodes_and_batch_size_must_be_positive_integers():
    ch = ps.Dephasing(1.0)
    for bad in (0, -5, 1.5):
        with pytest.raises(ValueError, match="chunk_nodes"):
            ps.wehrl_entropy(GOOD, 0.5, G8, chunk_nodes=bad)
        with pytest.raises(ValueError, match="chunk_nodes"):
            ps.wehrl_production(GOOD, 0.5, ch, G8, chunk_nodes=bad)
        with pytest.raises(ValueError, match="chunk_nodes"):
            ps.wehrl_rate(GOOD, 0.5, ch, G8, chunk_nodes=bad)
        with pytest.raises(ValueError, match="chunk_nodes"):
            ps.wehrl_trajectory(GOOD, jnp.array([0.0, 0.1]), 0.5, ch, G8, exact=True,
                                chunk_nodes=bad)
        with pytest.raises(ValueError, match="batch_size"):
            ps.wehrl_entropy(jnp.stack([GOOD, GOOD]), 0.5, G8, batch_size=bad)
        with pytest.raises(ValueError, match="batch_size"):
            ps.wehrl_production(jnp.stack([GOOD, GOOD]), 0.5, ch, G8, batch_size=bad)
    # valid values give the unchunked result
    rho = jnp.asarray(rand_rho(np.random.default_rng(5), 4))
    ref = ps.wehrl_entropy(rho, (0.5, 0.5), G8)
    assert float(ps.wehrl_entropy(rho, (0.5, 0.5), G8, chunk_nodes=64)) == pytest.approx(
        float(ref), abs=1e-14)


# ---------------------------------------------------------------- finding 2: Pi_vN


def test_von_neumann_production_validates_rho():
    ch = ps.Dephasing(1.0)
    with pytest.raises(ValueError, match="rho must be Hermitian"):
        ps.von_neumann_production(jnp.array([[0.5, 0.3], [0.1, 0.5]]), 0.5, ch)
    with pytest.raises(ValueError, match="rho must have unit trace"):
        ps.von_neumann_production(jnp.eye(2), 0.5, ch)
    with pytest.raises(ValueError, match="rho has dimension 3, but js need dimension 2"):
        ps.von_neumann_production(jnp.eye(3) / 3, 0.5, ch)
    with pytest.raises(ValueError, match="rho must be a"):
        ps.von_neumann_production(jnp.ones(4) / 4, 0.5, ch)
    with pytest.raises(ValueError, match=r"rho\[1\] .* unit trace"):
        ps.von_neumann_production(jnp.stack([GOOD, 2 * GOOD]), 0.5, ch)


PLUS = np.array([[0.5, 0.5], [0.5, 0.5]], complex)
UP = np.array([[1, 0], [0, 0]], complex)  # |0><0| = spin up, the excited state
CASES = [  # (pure state, channel, numpy jump ops, numpy rho_eq, Tr[P_ker D(pure)])
    (PLUS, ps.Dephasing(1.0), np_deph_ops((0.5,), (1.0,)), np.eye(2) / 2, 0.25),
    (UP, ps.AmplitudeDamping(1.0, 0.5), np_ad_ops((0.5,), (1.0,), (0.5,)),
     np_ad_fixed_point((0.5,), (0.5,)), 1.5),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_von_neumann_production_rank_deficient(case):
    pure, ch, ops, rho_eq, feed = CASES[case]
    vals = {}
    for eps in (1e-2, 1e-4, 1e-8, 1e-12):
        r = (1 - eps) * pure + eps * np.eye(2) / 2
        vals[eps] = float(ps.von_neumann_production(jnp.asarray(r), 0.5, ch))
        assert vals[eps] == pytest.approx(np_spohn(r, ops, rho_eq), rel=1e-9)
    # the divergence: Pi_vN ~ Tr[P_ker D(rho)] ln(1/eps)
    slope = (vals[1e-12] - vals[1e-8]) / math.log(1e4)
    assert slope == pytest.approx(feed, rel=1e-3)
    # at eps = 0 the true value is +inf, eagerly, under jit and in a batch
    assert float(ps.von_neumann_production(jnp.asarray(pure), 0.5, ch)) == math.inf
    assert float(jax.jit(lambda r: ps.von_neumann_production(r, 0.5, ch))(pure)) == math.inf
    r4 = jnp.asarray((1 - 1e-4) * pure + 1e-4 * np.eye(2) / 2)
    out = np.asarray(ps.von_neumann_production(jnp.stack([jnp.asarray(pure), r4]), 0.5, ch))
    assert out[0] == math.inf and out[1] == pytest.approx(vals[1e-4], rel=1e-12)


def test_von_neumann_production_unfed_kernel_and_full_rank_values():
    # |0><0| (x) rho_b under dephasing of both spins: the kernel (|1> (x) .) is not fed, so Pi_vN
    # is finite and equals the production of spin b alone
    rng = np.random.default_rng(7)
    rho_b = rand_rho(rng, 2)
    got = float(ps.von_neumann_production(jnp.asarray(np.kron(UP, rho_b)), (0.5, 0.5),
                                          ps.Dephasing([0.8, 1.3])))
    want = np_spohn(rho_b, np_deph_ops((0.5,), (1.3,)), np.eye(2) / 2)
    assert want > 0.01 and got == pytest.approx(want, rel=1e-9)
    assert float(ps.von_neumann_production(jnp.asarray(UP), 0.5, ps.Dephasing(1.0))) == 0.0
    # full-rank states: unchanged, against the numpy Spohn formula
    for js, kind, r1, r2 in (((1.0, 0.5), "ad", (0.5, 1.2), (0.4, 1.5)), ((1.5,), "ad", (0.7,), (0.3,)),
                             ((0.5, 0.5), "deph", (0.7, 1.9), None), ((1.0,), "deph", (1.3,), None)):
        d = int(np.prod([int(2 * j + 1) for j in js]))
        rho = rand_rho(rng, d, 0.8)
        if kind == "ad":
            ch, ops = ps.AmplitudeDamping(_per_spin(r1, js), _per_spin(r2, js)), np_ad_ops(js, r1, r2)
            rho_eq = np_ad_fixed_point(js, r2)
        else:
            ch, ops, rho_eq = ps.Dephasing(_per_spin(r1, js)), np_deph_ops(js, r1), np.eye(d) / d
        got = float(ps.von_neumann_production(jnp.asarray(rho), js, ch))
        assert got == pytest.approx(np_spohn(rho, ops, rho_eq), rel=1e-10, abs=1e-13)
    # nbar = 0: pure fixed point, +inf as before
    assert float(ps.von_neumann_production(jnp.eye(2) / 2, 0.5, ps.AmplitudeDamping(1.0, 0.0))) \
        == math.inf


# ---------------------------------------------------------------- finding 4: thermal closed form


def _thermal_reference(j, nbar):
    """S_Q = 2J/n + ln Z + (n-1) r^n ln r / (1 - r^n) in high precision (mpmath), else None."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(60):
        nb = mpmath.mpf(nbar)
        n = int(round(2 * j)) + 1
        if nb == 0:
            return float(mpmath.mpf(n - 1) / n)
        r = nb / (nb + 1)
        rn = r**n
        z = (1 - rn) / (1 - r)
        return float(mpmath.mpf(n - 1) / n + mpmath.log(z) + (n - 1) * rn * mpmath.log(r) / (1 - rn))


@pytest.mark.parametrize("j", [0.5, 1.0, 1.5, 2.5, 5.0])
def test_thermal_wehrl_entropy_gradient_at_zero_and_precision(j):
    f = lambda nb: ps.thermal_wehrl_entropy(j, nb)  # noqa: E731
    # right-derivative at nbar = 0 is 1 for every J (ln Z ~ nbar; the tail is O(nbar^2 ln nbar))
    assert float(jax.grad(f)(0.0)) == pytest.approx(1.0, abs=1e-14)
    assert float(jax.jit(jax.grad(f))(0.0)) == pytest.approx(1.0, abs=1e-14)
    h = 1e-7
    assert float((f(h) - f(0.0)) / h) == pytest.approx(1.0, abs=1e-5)
    assert float(f(0.0)) == pytest.approx(ps.lieb_minimum(j), abs=1e-15)
    for nb in (0.5, 3.0):
        fd = (f(nb + 1e-6) - f(nb - 1e-6)) / 2e-6
        assert float(jax.grad(f)(nb)) == pytest.approx(float(fd), rel=1e-7, abs=1e-9)
    # values against a 60-digit reference, small to very large nbar
    nbs = [0.0, 1e-300, 1e-10, 1e-3, 0.5, 7.0, 1e3, 1e6, 1e8, 1e12, 1e15]
    got = np.asarray(jax.vmap(f)(jnp.asarray(nbs)))
    for g, nb in zip(got, nbs, strict=True):
        assert abs(g - _thermal_reference(j, nb)) < 5e-14, nb
    # nbar -> infinity: the maximally mixed value ln(2J+1)
    assert float(f(1e15)) == pytest.approx(math.log(2 * j + 1), abs=1e-13)


# ---------------------------------------------------------------- finding 5: stopping rule


def test_grid_for_tolerance_needs_three_agreeing_grids():
    # the audit's counter-example: a coherent qubit (exact S_Q = 1/2, the Lieb minimum). The grid
    # error oscillates in sign: n = 72 and 108 agree to 4.3e-9 < tol, yet the 108 error is 1.2e-8
    z = ps.coherent_state(0.5, 1.0, 0.5)
    rho = jnp.outer(z, z.conj())
    tol = 5e-9
    e72, e108 = (abs(float(ps.wehrl_entropy(rho, 0.5, ps.SphereGrid(n))) - 0.5) for n in (72, 108))
    assert e108 > tol and e72 > tol
    g, est = ps.grid_for_tolerance(rho, 0.5, tol, n_start=72)
    assert g.n_theta > 108
    assert float(est.error) < tol
    assert abs(float(est.value) - 0.5) < tol  # the TRUE error, against the exact value
    # and against a 420^2 quadrature reference, as well
    s420 = float(ps.wehrl_entropy(rho, 0.5, ps.SphereGrid(420)))
    assert abs(s420 - 0.5) < 1e-10 and abs(float(est.value) - s420) < tol
    # a cap below the third grid: it says so
    with pytest.raises(RuntimeError, match="three successive grids"):
        ps.grid_for_tolerance(rho, 0.5, tol, n_start=72, max_n=200)


# ---------------------------------------------------------------- finding 8: independent FD balance


def _np_sq(rho, j, n):
    """S_Q = -c_J int Q ln Q on an n x n Gauss-Legendre x uniform grid, coherent states by expm."""
    jz, jp, jm = np_spin_ops(j)
    jy = (jp - jm) / 2j
    d = jz.shape[0]
    x, w = np.polynomial.legendre.leggauss(n)
    ph = 2 * np.pi * np.arange(n) / n
    top = np.zeros(d, complex)
    top[0] = 1
    kets = np.array([[expm(-1j * p * jz) @ expm(-1j * np.arccos(t) * jy) @ top for p in ph]
                     for t in x])
    q = np.real(np.einsum("abm,mn,abn->ab", kets.conj(), rho, kets))
    wts = w[:, None] * np.full(n, 2 * np.pi / n)[None, :]
    return -(2 * j + 1) / (4 * np.pi) * np.sum(wts * q * np.log(q))


def test_balance_spin_three_halves_against_scipy_finite_difference():
    j, gam, nb, n = 1.5, 1.0, 0.5, 40
    d = 4
    ops = np_ad_ops((j,), (gam,), (nb,))
    lv = sum(np.kron(a, a.conj()) - 0.5 * np.kron(a.conj().T @ a, np.eye(d))
             - 0.5 * np.kron(np.eye(d), (a.conj().T @ a).T) for a in ops)  # row-major vec
    rho0 = rand_rho(np.random.default_rng(11), d, 0.6)

    def state(t):
        return (expm(t * lv) @ rho0.reshape(-1)).reshape(d, d)

    t0, h = 0.3, 2e-3
    s = [_np_sq(state(t0 + k * h), j, n) for k in (-2, -1, 1, 2)]
    fd = (s[0] - 8 * s[1] + 8 * s[2] - s[3]) / (12 * h)
    r = jnp.asarray(state(t0))
    g = ps.SphereGrid(n)
    ch = ps.AmplitudeDamping(gam, nb)
    pi, phi = (float(v) for v in ps.wehrl_production(r, j, ch, g))
    assert abs(fd) > 1e-2 and pi > 0
    assert pi - phi == pytest.approx(fd, abs=1e-8)
    assert float(ps.wehrl_rate(r, j, ch, g)) == pytest.approx(fd, abs=1e-8)
    assert float(ps.wehrl_entropy(r, j, g)) == pytest.approx(_np_sq(np.asarray(r), j, n), abs=1e-13)


def test_von_neumann_production_gradients_match_finite_differences():
    # w.r.t. the state (a triply degenerate spectrum included) and w.r.t. nbar (equal spins: a
    # degenerate fixed point); Pi_vN is first order in d/dt, so its gradient is a second derivative
    # of S(rho || rho_eq): it needs the Frechet derivative of the logarithm
    z = ps.coherent_state(1.5, 1.0, 0.4)
    for ch in (ps.AmplitudeDamping(1.0, 0.5), ps.Dephasing(0.8)):
        for base in (jnp.eye(4) / 4, jnp.diag(jnp.array([0.1, 0.2, 0.3, 0.4]))):
            def f(t, ch=ch, base=base):
                r = t * jnp.outer(z, z.conj()) + (1 - t) * base
                return ps.von_neumann_production(r.astype(complex), 1.5, ch)

            fd = (f(0.6 + 1e-5) - f(0.6 - 1e-5)) / 2e-5
            assert abs(float(fd)) > 1.0
            assert float(jax.jit(jax.grad(f))(0.6)) == pytest.approx(float(fd), rel=1e-8)
            assert float(jax.jacfwd(f)(0.6)) == pytest.approx(float(fd), rel=1e-8)

    def fn(nb):
        r = 0.5 * jnp.eye(4) / 4 + 0.5 * jnp.diag(jnp.array([0.1, 0.2, 0.3, 0.4]))
        return ps.von_neumann_production(r, (0.5, 0.5), ps.AmplitudeDamping(0.7, nb))

    fd = (fn(0.4 + 1e-5) - fn(0.4 - 1e-5)) / 2e-5
    assert float(jax.grad(fn)(0.4)) == pytest.approx(float(fd), rel=1e-8)
