"""Single-spin reduced state of block states with coherences, any s, against the partial trace of
the full-space state (``to_full`` + ``ptrace``), and the Wigner symbols against sympy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from test_ensembles_dynamics import _random_block_state  # random coherences, sigma_J = 1/l_J

from jaxthermo import ptrace
from jaxthermo.ensembles import BlockState, SpinEnsemble
from jaxthermo.ensembles.fullspace import to_full
from jaxthermo.ensembles.recoupling import wigner_3j, wigner_6j


def _random_state(seed, ens, diagonal=False):
    st = _random_block_state(seed, ens)
    if diagonal:
        return BlockState(st.j, st.log_mult, st.w, st.populations(), st.mult_entropy, diagonal=True)
    return st


@pytest.mark.parametrize("n,s", [(2, 1.0), (3, 1.0), (4, 1.0), (2, 1.5), (3, 1.5), (2, 0.5),
                                 (3, 0.5), (1, 1.5), (2, 2.0)])
def test_local_state_with_coherences_vs_partial_trace(n, s):
    ens = SpinEnsemble(n, s)
    d = int(round(2 * s)) + 1
    for seed in (0, 1):
        st = _random_state(seed, ens)
        full = to_full(st, n, s)
        ref = ptrace(full, (d,) * n, [0])
        loc = ens.local_state(st)
        assert loc.shape == (d, d)
        assert float(jnp.max(jnp.abs(loc - ref))) < 1e-10
        # the other spins have the same reduced state (sigma_J = 1/l_J is permutation invariant)
        assert float(jnp.max(jnp.abs(ptrace(full, (d,) * n, [n - 1]) - ref))) < 1e-10
        assert float(jnp.abs(jnp.trace(loc) - 1)) < 1e-12
        assert float(jnp.max(jnp.abs(loc - jnp.conj(loc.T)))) < 1e-12
        assert float(jnp.min(jnp.linalg.eigvalsh(loc))) > -1e-12
        assert float(jnp.max(jnp.abs(loc - jnp.diag(jnp.diag(loc))))) > 1e-3  # coherences seen


@pytest.mark.parametrize("n,s", [(3, 1.0), (2, 1.5)])
def test_general_path_agrees_with_diagonal_fast_path(n, s):
    ens = SpinEnsemble(n, s)
    dg = _random_state(3, ens, diagonal=True)
    general = ens.local_state(dg.to_matrices())
    assert float(jnp.max(jnp.abs(general - ens.local_state(dg)))) < 1e-12


def test_local_state_jit_and_grad():
    ens = SpinEnsemble(3, 1.0)
    st = _random_state(4, ens)

    @jax.jit
    def pop_top(theta):
        # rotate the block state's weights smoothly and read the local up-population
        w = jax.nn.softmax(jnp.log(st.w) + theta * jnp.arange(st.w.shape[0]))
        moved = BlockState(st.j, st.log_mult, w, st.blocks, st.mult_entropy, diagonal=False)
        return jnp.real(ens.local_state(moved)[0, 0])

    g = jax.grad(pop_top)(0.1)
    fd = (pop_top(0.1 + 1e-6) - pop_top(0.1 - 1e-6)) / 2e-6
    assert float(g) == pytest.approx(float(fd), rel=1e-6)


def test_wigner_symbols_vs_sympy():
    wig = pytest.importorskip("sympy.physics.wigner")
    from sympy import Rational

    def r(x):
        return Rational(int(round(2 * x)), 2)

    rng = np.random.default_rng(5)
    for _ in range(60):
        j1, j2, j3 = rng.integers(0, 10, 3) / 2
        m1 = rng.integers(-int(2 * j1), int(2 * j1) + 1) / 2 if j1 else 0.0
        m2 = rng.integers(-int(2 * j2), int(2 * j2) + 1) / 2 if j2 else 0.0
        ref = float(wig.wigner_3j(r(j1), r(j2), r(j3), r(m1), r(m2), r(-m1 - m2)))
        assert float(wigner_3j(j1, j2, j3, m1, m2, -m1 - m2)) == pytest.approx(ref, abs=1e-14)
        a = rng.integers(0, 10, 6) / 2
        try:
            ref6 = float(wig.wigner_6j(*[r(x) for x in a]))
        except ValueError:  # sympy raises off the triangle conditions (the symbol is 0)
            ref6 = 0.0
        assert float(wigner_6j(*a)) == pytest.approx(ref6, abs=1e-14)
    # large angular momenta stay finite and accurate (log-space)
    ref = float(wig.wigner_6j(Rational(3, 2), Rational(801, 2), 400, Rational(801, 2),
                              Rational(3, 2), 2))
    assert float(wigner_6j(1.5, 400.5, 400, 400.5, 1.5, 2)) == pytest.approx(ref, rel=1e-10)
