"""jit, vmap and grad work on every public core function."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo.quantum import random_density_matrix

JX, _, JZ = jt.spin_ops(1)


def _ops(beta):
    return jt.thermal_jump_ops(JZ, JX, jt.ThermalBath(beta, 0.5))


def test_gibbs_energy_entropy_jit_vmap_grad():
    betas = jnp.linspace(-2, 2, 5)
    f = lambda b: jt.entropy(jt.gibbs_state(JZ, b))
    v = jax.vmap(f)(betas)
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(f))(betas)), np.asarray(v), atol=1e-13)
    g = jax.vmap(jax.grad(f))(betas)
    assert np.all(np.isfinite(np.asarray(g)))
    # dS/dbeta = -beta Var(H) for a Gibbs family
    e = np.array([1.0, 0.0, -1.0])
    for b, gi in zip(np.asarray(betas), np.asarray(g), strict=True):
        p = np.exp(-b * e) / np.exp(-b * e).sum()
        assert np.isclose(gi, -b * (p @ e**2 - (p @ e) ** 2), atol=1e-10)


def test_mesolve_jit_vmap_grad_over_bath_beta():
    rho0 = jt.gibbs_state(JZ, 3.0)
    ts = jnp.array([0.0, 1.0, 2.0])

    def e_final(beta):
        return jt.energy(JZ, jt.mesolve(JZ, rho0, ts, _ops(beta)).states[-1])

    betas = jnp.array([-1.0, 0.5, 2.0])
    vals = jax.jit(jax.vmap(e_final))(betas)
    ref = jnp.stack([e_final(b) for b in betas])
    np.testing.assert_allclose(np.asarray(vals), np.asarray(ref), atol=1e-10)
    g = jax.grad(e_final)(0.5)
    fd = (e_final(0.5 + 1e-5) - e_final(0.5 - 1e-5)) / 2e-5
    assert np.isclose(g, fd, rtol=1e-5)


def test_steady_state_vmap_and_grad():
    f = lambda b: jt.energy(JZ, jt.steady_state(JZ, _ops(b), check_unique=False))
    betas = jnp.array([-1.0, 0.0, 1.5])
    vals = jax.vmap(f)(betas)
    np.testing.assert_allclose(np.asarray(vals),
                               [float(jt.energy(JZ, jt.gibbs_state(JZ, b))) for b in betas], atol=1e-10)
    g = jax.jit(jax.grad(f))(0.3)
    fd = (f(0.3 + 1e-5) - f(0.3 - 1e-5)) / 2e-5
    assert np.isclose(g, fd, rtol=1e-6)


def test_thermo_functions_vmap_and_jit():
    rhos = jnp.stack([random_density_matrix(jax.random.PRNGKey(i), 3) for i in range(4)])
    sig = jt.gibbs_state(JZ, 1.0)
    for fn in (jt.entropy, lambda r: jt.relative_entropy(r, sig), jt.l1_coherence,
               jt.relative_entropy_of_coherence, lambda r: jt.energy(JZ, r),
               lambda r: jt.spohn_production_rate(JZ, [(_ops(1.0), 1.0)], r)):
        a = jax.vmap(fn)(rhos)
        b = jax.jit(jax.vmap(fn))(rhos)
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-12)
        gr = jax.grad(lambda r, f=fn: jnp.real(f(r)))(rhos[0])
        assert np.all(np.isfinite(np.asarray(gr)))


def test_lindbladian_propagator_ptrace_grad():
    f = lambda b: jnp.real(jnp.trace(jt.propagator(JZ, _ops(b), 0.5)))
    assert np.isfinite(jax.grad(f)(0.4))
    rho = random_density_matrix(jax.random.PRNGKey(9), 6)
    g = jax.grad(lambda r: jnp.real(jt.ptrace(r, (2, 3), 0)[0, 0]))(rho)
    assert g.shape == (6, 6)
    pr = jax.jit(lambda b: jt.stationary_projection(JZ, _ops(b), jt.maximally_mixed(3)))(0.7)
    np.testing.assert_allclose(np.asarray(pr), np.asarray(jt.gibbs_state(JZ, 0.7)), atol=1e-9)


@pytest.mark.parametrize("d", [5, 9])  # complex products, and real contractions (d >= 8)
def test_lindblad_rhs_reverse_vjp_equals_jax_rule(d):
    """The hand-written, product-sharing VJP of the generator (mesolve's reverse-mode path) is the
    exact VJP of ``lindblad_rhs_from_k``: compared with JAX's own rule on random complex K, jump
    operators (complex and real), a NON-Hermitian rho and a complex cotangent, plain and vmapped over
    states with K and L unbatched (their cotangents summed over the batch). The value is checked
    against numpy's complex products (X + X^dag, X = K rho + 1/2 sum L rho L^dag)."""
    from jaxthermo.dynamics.lindblad import lindblad_rhs_from_k, lindblad_rhs_reverse

    rng = np.random.default_rng(7)

    def cx(*s):
        return jnp.asarray(rng.normal(size=s) + 1j * rng.normal(size=s))

    k, ls, rho, w = cx(d, d), cx(3, d, d), cx(d, d), cx(d, d)
    assert float(jnp.max(jnp.abs(rho - rho.conj().T))) > 0.1  # a generic, non-Hermitian input
    np.testing.assert_array_equal(lindblad_rhs_reverse(k, ls, rho), lindblad_rhs_from_k(k, ls, rho))
    kn, ln, rn = np.asarray(k), np.asarray(ls), np.asarray(rho)
    x = kn @ rn + 0.5 * sum(op @ rn @ op.conj().T for op in ln)
    np.testing.assert_allclose(np.asarray(lindblad_rhs_from_k(k, ls, rho)), x + x.conj().T,
                               rtol=0, atol=1e-12)
    for ops in (ls, jnp.real(ls)):
        ref = jax.vjp(lindblad_rhs_from_k, k, ops, rho)[1](w)
        new = jax.vjp(lindblad_rhs_reverse, k, ops, rho)[1](w)
        for a, b in zip(ref, new, strict=True):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=0, atol=1e-12)
    rhos, ws = cx(4, d, d), cx(4, d, d)

    def batched(fn):
        return jax.vjp(lambda k_, l_: jax.vmap(lambda r: fn(k_, l_, r))(rhos), k, ls)[1](ws)

    for a, b in zip(batched(lindblad_rhs_from_k), batched(lindblad_rhs_reverse), strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=0, atol=1e-11)


def test_mesolve_forward_mode_adjoint_and_reverse_agree():
    """mesolve's dense path takes the custom-VJP generator only under reverse-mode adjoints: with
    ``diffrax.ForwardMode()`` ``jax.jvp`` works, and equals the reverse-mode gradient and a central
    difference."""
    import diffrax

    jx, jy, jz = jt.spin_ops(1)
    rho0 = jnp.eye(3, dtype=complex) / 3
    ops = [0.5 * (jx - 1j * jy)]

    def f(w, **kw):
        r = jt.mesolve(w * jz + 0.3 * jx, rho0, jnp.linspace(0, 1, 3), ops, exp_ops=[jz],
                       save_states=False, **kw)
        return jnp.sum(jnp.real(r.expects))

    fwd = jax.jvp(lambda w: f(w, adjoint=diffrax.ForwardMode()), (1.0,), (1.0,))[1]
    rev = jax.grad(f)(1.0)
    fd = (f(1.0 + 1e-5) - f(1.0 - 1e-5)) / 2e-5
    np.testing.assert_allclose(float(fwd), float(rev), rtol=1e-9)
    np.testing.assert_allclose(float(rev), float(fd), rtol=1e-5)
