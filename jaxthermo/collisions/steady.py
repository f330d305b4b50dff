"""Fixed points of collision channels and continuum generators by a bordered linear solve.

The fixed point of a channel ``Phi`` (d^2 x d^2, row-major vec) solves ``(Phi - 1) vec(rho) = 0``
with one row replaced by ``Tr rho = 1`` (the same bordering as ``jt.steady_state`` for a
Lindbladian), solved with lineax LU: differentiable by implicit differentiation, no ``eig`` (spec
seed-002-003, Sec. 4.6: relaxation needs 10^4-10^6 collisions, so backpropagating through a scan
is wasteful). Non-uniqueness is detected eagerly (SVD) for concrete inputs.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import lineax as lx

from .._checks import _fail, _is_concrete
from ..dynamics.steady import NonUniqueSteadyStateError, kernel_dimension


def kernel_state(gen, *, what: str = "generator", check_unique: bool = True):
    """Unit-trace ``rho`` with ``gen @ vec(rho) = 0`` (``gen`` singular, d^2 x d^2)."""
    d = math.isqrt(gen.shape[0])
    if check_unique and _is_concrete(gen):
        kdim = kernel_dimension(gen)
        if kdim > 1:
            raise NonUniqueSteadyStateError(
                f"the {what} has a {kdim}-dimensional fixed-point space: the steady state is not "
                "unique (it depends on the initial state); iterate model.run instead"
            )
    tr_row = jnp.eye(d, dtype=gen.dtype).reshape(-1)
    a = gen.at[0, :].set(tr_row)
    b = jnp.zeros(d * d, dtype=gen.dtype).at[0].set(1.0)
    sol = lx.linear_solve(lx.MatrixLinearOperator(a), b, solver=lx.LU(), throw=False)
    rho = sol.value.reshape(d, d)
    rho = 0.5 * (rho + rho.conj().T)
    resid = jnp.max(jnp.abs(gen @ rho.reshape(-1)))
    bad = ~jnp.all(jnp.isfinite(rho)) | (resid > 1e-8 * jnp.maximum(1.0, jnp.max(jnp.abs(gen))))
    return _fail(rho, bad, f"steady state: the bordered {what} system is singular (not unique?)")


def channel_fixed_point(phi, *, check_unique: bool = True):
    """Fixed point ``Phi(rho) = rho`` of a channel superoperator (trace one, differentiable)."""
    eye = jnp.eye(phi.shape[0], dtype=phi.dtype)
    return kernel_state(phi - eye, what="collision channel", check_unique=check_unique)


__all__ = ["channel_fixed_point", "kernel_state"]
