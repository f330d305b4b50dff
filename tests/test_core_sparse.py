import jax
import jax.numpy as jnp
import numpy as np

import jaxthermo as jt
from jaxthermo.quantum.sparse import dia_offsets, to_dia


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
