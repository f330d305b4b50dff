import jax
import jax.numpy as jnp
import numpy as np
import pytest
import qutip

import jaxthermo as jt
from jaxthermo.quantum import random_density_matrix


@pytest.mark.parametrize("s", [0.5, 1, 1.5, 2, 4.5])
def test_spin_ops_match_qutip_and_algebra(s):
    jx, jy, jz = jt.spin_ops(s)
    for ours, ax in zip((jx, jy, jz), "xyz", strict=True):
        np.testing.assert_allclose(np.asarray(ours), qutip.jmat(s, ax).full(), atol=1e-14)
    np.testing.assert_allclose(np.asarray(jx @ jy - jy @ jx), np.asarray(1j * jz), atol=1e-12)
    j2 = jx @ jx + jy @ jy + jz @ jz
    np.testing.assert_allclose(np.asarray(j2), s * (s + 1) * np.eye(int(2 * s + 1)), atol=1e-12)
    jp, jm = jt.spin_ladder(s)
    np.testing.assert_allclose(np.asarray(jp), qutip.jmat(s, "+").full(), atol=1e-14)
    np.testing.assert_allclose(np.asarray(jm), qutip.jmat(s, "-").full(), atol=1e-14)


def test_pauli_and_ladder_conventions():
    np.testing.assert_allclose(np.asarray(jt.sigmaz()), qutip.sigmaz().full())
    np.testing.assert_allclose(np.asarray(jt.sigmax()), qutip.sigmax().full())
    np.testing.assert_allclose(np.asarray(jt.sigmay()), qutip.sigmay().full())
    np.testing.assert_allclose(np.asarray(jt.sigmap()), qutip.sigmap().full())
    np.testing.assert_allclose(np.asarray(jt.sigmam()), qutip.sigmam().full())
    np.testing.assert_allclose(np.asarray(jt.destroy(5)), qutip.destroy(5).full(), atol=1e-14)


@pytest.mark.parametrize("n,s", [(2, 0.5), (3, 0.5), (2, 1.0), (2, 1.5)])
def test_collective_ops_brute_force(n, s):
    jx, jy, jz = jt.collective_ops(n, s)
    d = int(2 * s + 1)
    for ours, ax in zip((jx, jy, jz), "xyz", strict=True):
        ref = sum(
            qutip.tensor(*[qutip.jmat(s, ax) if k == j else qutip.qeye(d) for k in range(n)])
            for j in range(n)
        )
        np.testing.assert_allclose(np.asarray(ours), ref.full(), atol=1e-12)
    j2 = jx @ jx + jy @ jy + jz @ jz
    evals = np.linalg.eigvalsh(np.asarray(j2))
    jmax = n * s
    assert np.isclose(evals.max(), jmax * (jmax + 1))


@pytest.mark.parametrize("dims,keep", [((2, 3), (0,)), ((2, 3), (1,)), ((2, 2, 3), (0, 2)),
                                        ((2, 3, 2), (2, 0)), ((3, 2, 2), (1,))])
def test_ptrace_against_qutip(dims, keep):
    d = int(np.prod(dims))
    rho = random_density_matrix(jax.random.PRNGKey(3), d)
    ours = jt.ptrace(rho, dims, keep)
    q = qutip.Qobj(np.asarray(rho), dims=[list(dims), list(dims)])
    # qutip's ptrace sorts the kept indices; reorder ours to compare
    ref = q.ptrace(sorted(keep)).full()
    if list(keep) != sorted(keep):
        perm = list(np.argsort(keep))
        kd = [dims[k] for k in keep]
        t = np.asarray(ours).reshape(kd + kd)
        t = t.transpose(perm + [p + len(keep) for p in perm])
        ours = t.reshape(ref.shape)
    np.testing.assert_allclose(np.asarray(ours), ref, atol=1e-13)


def test_ptrace_batched_and_tensor():
    a = random_density_matrix(jax.random.PRNGKey(0), 2)
    b = random_density_matrix(jax.random.PRNGKey(1), 3)
    ab = jt.tensor(a, b)
    np.testing.assert_allclose(np.asarray(jt.ptrace(ab, (2, 3), 0)), np.asarray(a), atol=1e-14)
    batch = jnp.stack([ab, ab])
    assert jt.ptrace(batch, (2, 3), 1).shape == (2, 3, 3)


@pytest.mark.parametrize("beta", [-3.0, -0.5, 0.0, 0.5, 2.0])
def test_gibbs_state_closed_form(beta):
    _, _, jz = jt.spin_ops(1.5)
    rho = jt.gibbs_state(jz, beta)
    from analytic import gibbs_populations

    np.testing.assert_allclose(np.real(np.diag(rho)), gibbs_populations([1.5, 0.5, -0.5, -1.5], beta),
                               atol=1e-14)
    assert np.isclose(np.trace(np.asarray(rho)).real, 1.0)


def test_gibbs_no_overflow_large_beta():
    h = jnp.diag(jnp.array([0.0, 1.0, 2.0]))
    for beta in (800.0, -800.0, 1e5, jnp.inf, -jnp.inf):
        rho = jt.gibbs_state(h, beta)
        assert np.all(np.isfinite(np.asarray(rho)))
        expected = np.zeros(3)
        expected[0 if beta > 0 else 2] = 1.0
        np.testing.assert_allclose(np.real(np.diag(rho)), expected, atol=1e-12)


def test_gibbs_grad_in_beta_matches_finite_difference():
    h = jnp.diag(jnp.array([0.0, 1.0, 3.0])) + 0.2 * jt.sigmax().real.sum() * 0
    f = lambda b: jt.energy(h, jt.gibbs_state(h, b))
    g = jax.grad(f)(0.7)
    eps = 1e-5
    fd = (f(0.7 + eps) - f(0.7 - eps)) / (2 * eps)
    assert np.isclose(g, fd, rtol=1e-7)
    # d<E>/dbeta = -Var(H)
    p = np.exp(-0.7 * np.array([0, 1, 3.0]))
    p /= p.sum()
    var = p @ np.array([0, 1, 9.0]) - (p @ np.array([0, 1, 3.0])) ** 2
    assert np.isclose(g, -var, rtol=1e-10)


def test_xlogx_limits_and_gradient():
    """x ln x: 0 at x = 0 and for x < 0, numpy's value elsewhere, derivative ln x + 1 (0 at x = 0)."""
    x = jnp.array([0.0, -1e-17, 1e-300, 0.3, 1.0, 7.5])
    want = np.where(np.asarray(x) > 0, np.asarray(x) * np.log(np.where(np.asarray(x) > 0, x, 1.0)), 0.0)
    np.testing.assert_allclose(np.asarray(jt.quantum.xlogx(x)), want, rtol=1e-15, atol=0)
    g = jax.vmap(jax.grad(jt.quantum.xlogx))(x)
    np.testing.assert_allclose(np.asarray(g[3:]), np.log(np.asarray(x[3:])) + 1.0, rtol=1e-14)
    assert float(g[0]) == 0.0 and float(g[1]) == 0.0


def test_complex_einsum_matches_numpy_for_every_dtype_mix_and_transforms():
    """complex_einsum / complex_matmul (one real contraction) against numpy's complex einsum, for
    complex x complex, real x complex and complex x real operands, batched and summed specs; and
    jit, vmap and grad through it (grad against numpy's closed form of d|sum(A @ B)|^2)."""
    from jaxthermo.quantum.linalg import complex_einsum, complex_matmul

    rng = np.random.default_rng(7)

    def c(*shape):
        return rng.normal(size=shape) + 1j * rng.normal(size=shape)

    a, b, ops = c(5, 4), c(4, 6), c(3, 5, 5)
    for x, y in ((a, b), (a.real, b), (a, b.real), (a.real, b.real)):
        np.testing.assert_allclose(complex_matmul(x, y), x @ y, atol=1e-13)
    rho = c(5, 5)
    for spec, x, y in (("kij,jl->kil", ops, rho), ("kil,kml->im", ops, np.conj(ops)),
                       ("kji,kjl->il", ops.real, ops), ("ij,lj->il", rho, rho.real)):
        np.testing.assert_allclose(complex_einsum(spec, x, y), np.einsum(spec, x, y), atol=1e-13)
    np.testing.assert_allclose(complex_matmul(ops, rho), ops @ rho, atol=1e-13)  # broadcast
    batched = jax.jit(jax.vmap(complex_matmul, in_axes=(None, 0)))(a, c(7, 4, 6))
    assert batched.shape == (7, 5, 6)
    with pytest.raises(ValueError, match="spec"):
        complex_einsum("Xj,jl->Xl", a, b)

    # grad of |sum(A @ B)|^2 with respect to Re A: 2 Re(conj(s) * rowsum(B)) for every row
    def loss(ar):
        s = jnp.sum(complex_matmul(ar + 1j * a.imag, b))
        return jnp.abs(s) ** 2

    s = np.sum(a @ b)
    expected = np.broadcast_to(2 * np.real(np.conj(s) * b.sum(axis=1)), a.shape)
    np.testing.assert_allclose(jax.grad(loss)(a.real), expected, rtol=1e-12)
