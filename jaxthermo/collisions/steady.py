"""Fixed points of collision channels and continuum generators by a bordered linear solve.

The fixed point of a channel ``Phi`` (d^2 x d^2, row-major vec) solves ``(Phi - 1) vec(rho) = 0``
with one row replaced by ``Tr rho = 1`` (the same bordering as ``jt.steady_state`` for a
Lindbladian), solved with lineax LU: differentiable by implicit differentiation, no ``eig`` (spec
seed-002-003, Sec. 4.6: relaxation needs 10^4-10^6 collisions, so backpropagating through a scan
is wasteful). Non-uniqueness is detected eagerly (SVD) for concrete inputs.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..dynamics.steady import kernel_state


def channel_fixed_point(phi, *, check_unique: bool = True):
    """Fixed point ``Phi(rho) = rho`` of a channel superoperator (trace one, differentiable)."""
    eye = jnp.eye(phi.shape[0], dtype=phi.dtype)
    return kernel_state(phi - eye, what="collision channel", check_unique=check_unique,
                        hint="Iterate model.run from the initial state instead.")


__all__ = ["channel_fixed_point", "kernel_state"]
