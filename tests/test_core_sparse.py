import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.quantum.sparse import dia_offsets, to_dia


@pytest.mark.slow
def test_dia_operator_products_match_dense():
    jp, jm = jt.collective_ladder(4, 0.5)
    x = jax.random.normal(jax.random.PRNGKey(0), (16, 16)) + 1j * jax.random.normal(jax.random.PRNGKey(1), (16, 16))
    for a in (jm, jp, jp @ jm, jt.collective_ops(4)[2]):
        op = to_dia(a)
        np.testing.assert_allclose(np.asarray(op.todense()), np.asarray(a), atol=1e-14)
        np.testing.assert_allclose(np.asarray(op.matmul(x)), np.asarray(a @ x), atol=1e-12)
        np.testing.assert_allclose(np.asarray(op.rmatmul(x)), np.asarray(x @ a), atol=1e-12)
        np.testing.assert_allclose(np.asarray(op.dag().todense()), np.asarray(jt.dag(a)), atol=1e-14)
    assert dia_offsets(jm) == (-8, -4, -2, -1)


@pytest.mark.slow
def test_mesolve_dia_layout_equals_dense_layout():
    n = 5
    jp, jm = jt.collective_ladder(n)
    _, _, jz = jt.collective_ops(n)
    ops = [0.4 * jm, 0.2 * jp]
    rho0 = jt.gibbs_state(jz, 1.5)
    ts = jnp.linspace(0, 3, 4)
    a = jt.mesolve(jz, rho0, ts, ops, layout="dia").states
    b = jt.mesolve(jz, rho0, ts, ops, layout="dense").states
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-9)


# --- row-compressed (ELL) layout used by mesolve(layout="dia") ---------------------------------

import pytest  # noqa: E402
import qutip  # noqa: E402

from jaxthermo.quantum import random_density_matrix  # noqa: E402
from jaxthermo.quantum.sparse import ell_pattern, materialize, to_ell  # noqa: E402


def _random_sparse(seed, d, density, hermitian=False):
    rng = np.random.default_rng(seed)
    a = (rng.random((d, d)) < density) * (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d)))
    return a + a.conj().T if hermitian else a


def _ell_cases():
    jp4, jm4 = jt.collective_ladder(4, 0.5)
    jx3, _, jz3 = jt.collective_ops(3, 1.0)  # spin-1 product basis, d = 27
    jp3, _ = jt.collective_ladder(3, 1.0)
    jp32, _ = jt.collective_ladder(2, 1.5)  # spin-3/2: unequal ladder values
    return [np.asarray(a) for a in (jm4, jp4, jp4 @ jm4, jx3, jz3, jp3, jp32)] + [
        _random_sparse(0, 9, 0.3), _random_sparse(1, 12, 0.05), np.zeros((5, 5)), np.eye(4)]


@pytest.mark.parametrize("case", range(11))
def test_ell_operator_products_match_dense(case):
    a = _ell_cases()[case]
    d = a.shape[0]
    op = to_ell(a)
    rng = np.random.default_rng(case)
    x = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    np.testing.assert_allclose(np.asarray(op.todense()), a, atol=1e-14)
    np.testing.assert_allclose(np.asarray(op.transpose().todense()), a.T, atol=1e-14)
    np.testing.assert_allclose(np.asarray(op.dag().todense()), a.conj().T, atol=1e-14)
    for scale in (1.0, -1j, 0.5 + 0.3j):
        np.testing.assert_allclose(np.asarray(op.matmul(x, scale)), scale * a @ x, atol=1e-12)
        np.testing.assert_allclose(np.asarray(op.rmatmul(x, scale)), scale * x @ a, atol=1e-12)
        for o in (op, to_ell(a.real)):  # complex values and real values (cross terms skipped)
            ref = scale * np.asarray(o.todense()) @ x
            got = np.asarray(o.matmul_split(jnp.stack([x.real, x.imag]), scale))
            np.testing.assert_allclose(got[0] + 1j * got[1], ref, atol=1e-12)
    # the row count E is the largest number of nonzeros in a row, never the number of diagonals
    assert op.n_terms == max(1, int(np.max(np.sum(a != 0, axis=1))))


def test_ell_values_may_be_traced_with_a_static_pattern():
    jp, jm = jt.collective_ladder(3, 0.5)
    pat = ell_pattern(np.asarray(jm))
    x = jnp.eye(8, dtype=complex)

    def f(g):
        return jnp.real(jnp.sum(to_ell(g * jm, pat).matmul(x) * jp.T))

    np.testing.assert_allclose(jax.jit(jax.grad(f))(0.7), float(jnp.real(jnp.sum(jm * jp.T))), rtol=1e-12)


def test_materialize_is_the_identity_under_transformations():
    def f(x, t):
        return jnp.sum(jnp.sin(materialize(2.0 * x, t)) ** 2)

    def ref(x, t):
        return jnp.sum(jnp.sin(2.0 * x) ** 2)

    x = jnp.arange(3.0)
    np.testing.assert_allclose(jax.jit(jax.grad(f))(x, 0.5), jax.grad(ref)(x, 0.5), rtol=1e-14)
    np.testing.assert_allclose(jax.hessian(f)(x, 0.5), jax.hessian(ref)(x, 0.5), rtol=1e-14)
    xs, ts = jnp.ones((2, 3)), jnp.array([0.1, 0.2])
    np.testing.assert_allclose(jax.vmap(jax.grad(f))(xs, ts), jax.vmap(jax.grad(ref))(xs, ts), rtol=1e-14)
    assert np.all(np.isnan(np.asarray(materialize(x, jnp.nan))))  # a NaN time is not hidden


def _qutip_states(h, rho0, ts, ops):
    opts = {"atol": 1e-12, "rtol": 1e-10, "nsteps": 10**6, "progress_bar": False}
    out = qutip.mesolve(qutip.Qobj(np.asarray(h)), qutip.Qobj(np.asarray(rho0)), np.asarray(ts),
                        [qutip.Qobj(np.asarray(o)) for o in ops], options=opts).states
    return np.stack([s.full() for s in out])


def test_mesolve_sparse_layout_matches_qutip_spin1_product_basis():
    jp, jm = jt.collective_ladder(3, 1.0)  # d = 27, real operators: the (Re, Im) path
    jx, _, jz = jt.collective_ops(3, 1.0)
    h = jz + 0.3 * jx
    ops = [0.4 * jm, 0.2 * jp]
    rho0 = jt.gibbs_state(h, 0.7)
    ts = jnp.linspace(0.0, 3.0, 7)
    ours = jt.mesolve(h, rho0, ts, ops, layout="dia", rtol=1e-10, atol=1e-12).states
    np.testing.assert_allclose(np.asarray(ours), _qutip_states(h, rho0, ts, ops), atol=1e-8)
    dense = jt.mesolve(h, rho0, ts, ops, layout="dense", rtol=1e-10, atol=1e-12).states
    np.testing.assert_allclose(np.asarray(ours), np.asarray(dense), atol=1e-9)


def test_mesolve_sparse_layout_matches_qutip_random_sparse_complex():
    d = 20
    h = _random_sparse(3, d, 0.1, hermitian=True)
    ops = [0.3 * _random_sparse(4, d, 0.1), 0.2 * _random_sparse(5, d, 0.15)]
    rho0 = random_density_matrix(jax.random.PRNGKey(2), d)
    ts = jnp.linspace(0.0, 2.0, 5)
    ours = jt.mesolve(h, rho0, ts, ops, layout="dia", rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.asarray(ours.states), _qutip_states(h, rho0, ts, ops), atol=1e-8)
    np.testing.assert_allclose(np.asarray(ours.states), np.conj(np.swapaxes(np.asarray(ours.states), 1, 2)),
                               atol=0)  # exactly Hermitian


_JP3, _JM3 = (np.asarray(a) for a in jt.collective_ladder(3))
_JZ3 = np.asarray(jt.collective_ops(3)[2])


def _collective_energy(beta0, layout):
    jz = _JZ3  # concrete operators (the sparse pattern is static); the initial state is traced
    ts = np.linspace(0.0, 2.0, 3)
    st = jt.mesolve(jz, jt.gibbs_state(jz, beta0), ts, [0.4 * _JM3, 0.2 * _JP3], layout=layout,
                    rtol=1e-10, atol=1e-12).states
    return jnp.real(jnp.trace(jz @ st[-1]))


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["dia", "sectors"])
def test_mesolve_sparse_layout_grad_matches_finite_differences(layout):
    g = jax.jit(jax.grad(lambda b: _collective_energy(b, layout)))(1.3)
    fd = (_collective_energy(1.3 + 1e-5, layout) - _collective_energy(1.3 - 1e-5, layout)) / 2e-5
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    assert abs(float(g)) > 1e-3  # the energy does depend on the initial temperature


@pytest.mark.parametrize("layout", [pytest.param("dia", marks=pytest.mark.slow), "sectors"])
def test_mesolve_sparse_layout_vmap_matches_dense(layout):
    betas = jnp.array([0.5, 1.3])
    v = jax.vmap(lambda b: _collective_energy(b, layout))(betas)
    np.testing.assert_allclose(v, [_collective_energy(b, "dense") for b in betas], atol=1e-10)
