"""Central finite differences of a scalar function of a parameter pytree (float64 gradient checks).

``finite_difference_grad(f, params, eps)`` returns a pytree like ``params`` with
``(f(p + eps e_i) - f(p - eps e_i)) / (2 eps)`` per real component (relative step
``eps * max(1, |p_i|)``); ``check_gradient`` compares it with ``jax.grad`` and returns the maximum
relative deviation. Use float64 (``jax_enable_x64``): in float32 the truncation/rounding trade-off
leaves only ~3 digits.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np


def finite_difference_grad(f, params, eps: float = 1e-6):
    """Central-difference gradient of the real scalar ``f`` at ``params`` (a pytree of real arrays;
    a complex leaf raises ``TypeError``: split it into real and imaginary parts)."""
    leaves, struct = jax.tree_util.tree_flatten(params)
    for i, x in enumerate(leaves):
        if np.iscomplexobj(np.asarray(x)):
            raise TypeError(f"finite_difference_grad: params leaf {i} is complex; only real leaves "
                            "are supported (pass the real and imaginary parts as separate leaves)")
    leaves = [np.asarray(x, dtype=float) for x in leaves]

    def call(ls):
        return float(jnp.real(f(jax.tree_util.tree_unflatten(struct, [jnp.asarray(x) for x in ls]))))

    grads = []
    for i, x in enumerate(leaves):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            h = eps * max(1.0, abs(float(x[idx])))
            xp, xm = x.copy(), x.copy()
            xp[idx] += h
            xm[idx] -= h
            lp = [*leaves[:i], xp, *leaves[i + 1:]]
            lm = [*leaves[:i], xm, *leaves[i + 1:]]
            g[idx] = (call(lp) - call(lm)) / (2 * h)
        grads.append(jnp.asarray(g))
    return jax.tree_util.tree_unflatten(struct, grads)


def check_gradient(f, params, eps: float = 1e-6):
    """``(max relative deviation, autodiff grad, finite-difference grad)`` of ``f`` at ``params``.

    The deviation is ``max |g_ad - g_fd| / max(1e-12, max |g_fd|)`` over all components.
    """
    g_ad = jax.grad(lambda p: jnp.real(f(p)))(params)
    g_fd = finite_difference_grad(f, params, eps)
    a = np.concatenate([np.ravel(np.asarray(x)) for x in jax.tree_util.tree_leaves(g_ad)])
    b = np.concatenate([np.ravel(np.asarray(x)) for x in jax.tree_util.tree_leaves(g_fd)])
    dev = float(np.max(np.abs(a - b)) / max(1e-12, float(np.max(np.abs(b)))))
    return dev, g_ad, g_fd


__all__ = ["check_gradient", "finite_difference_grad"]
