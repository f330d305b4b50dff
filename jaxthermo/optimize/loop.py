"""A small, general gradient-descent loop around optax, with physical parameter transforms.

``minimize(loss, params, optimizer=optax.adam(1e-2), steps=500, constraints=...)`` minimises a
scalar ``loss(params)`` over a pytree of parameters. Each leaf may carry a
:class:`~jaxthermo.optimize.transforms.Transform` in ``constraints`` (same tree structure, or, for
dict parameters, a dict naming only the constrained keys): the optimiser then works on the
unconstrained variables ``u`` with ``params = transform.forward(u)``, so the loss only ever sees
physical values (``0 < lambda < 1``, ``tau > 0``, a positive ancilla state, ...).

The whole loop is one ``jax.lax.scan`` compiled once. Gradients are ``jax.value_and_grad`` of the
loss: through diffrax (``jt.mesolve`` uses a checkpointed adjoint by default), through
``lax.scan`` (collision models) and through linear solves (steady states and limit cycles are
differentiated implicitly by lineax / ``jnp.linalg.solve``).

Non-finite values are never silently used: when the loss or any gradient component is NaN or
infinite at some step, that update is not applied, the parameters are frozen from then on, and
``minimize`` raises :class:`NonFiniteGradientError` naming the step and the offending leaves
(``on_nonfinite="raise"``, the default) or warns and returns the last finite iterate with
``result.nonfinite_step`` set (``on_nonfinite="stop"``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .transforms import Identity, Transform


class NonFiniteGradientError(FloatingPointError):
    """The loss or its gradient became NaN/inf during an optimisation."""


class OptimizeResult(eqx.Module):
    """Output of :func:`minimize`.

    ``params``: final physical parameters (the last finite iterate); ``loss``: the loss there;
    ``losses[k]`` and ``params_history`` (leaves with a leading axis of length ``steps``): the loss
    and the physical parameters at which step ``k``'s gradient was taken; ``grad_norms[k]``: the
    global 2-norm of that gradient (in the unconstrained variables); ``best_params``/``best_loss``:
    the lowest loss seen; ``nonfinite_step``: first step whose loss or gradient was not finite
    (``-1`` if none).
    """

    params: Any
    loss: jax.Array
    losses: jax.Array
    grad_norms: jax.Array
    params_history: Any
    best_params: Any
    best_loss: jax.Array
    nonfinite_step: int
    steps: int


def _is_tf(x):
    return isinstance(x, Transform) or x is None


def _resolve_constraints(constraints, params):
    """A pytree of Transforms with the structure of ``params`` (None / missing = Identity)."""
    if constraints is None:
        return jax.tree_util.tree_map(lambda _: Identity(), params)
    if isinstance(params, dict) and isinstance(constraints, dict):
        unknown = set(constraints) - set(params)
        if unknown:
            raise ValueError(f"constraints name keys that are not in params: {sorted(unknown)}")
        constraints = {k: constraints.get(k, None) for k in params}
        full = {}
        for k, p in params.items():
            c = constraints[k]
            if c is None or isinstance(c, Transform):
                full[k] = jax.tree_util.tree_map(lambda _, c=c: c or Identity(), p)
            else:
                full[k] = _resolve_constraints(c, p)
        return full
    if isinstance(constraints, Transform):
        return jax.tree_util.tree_map(lambda _: constraints, params)
    p_struct = jax.tree_util.tree_structure(params)
    c_leaves, c_struct = jax.tree_util.tree_flatten(constraints, is_leaf=_is_tf)
    if c_struct.num_leaves != p_struct.num_leaves:
        raise ValueError(
            f"constraints must have the structure of params (or be a dict of Transforms for dict "
            f"params): got {c_struct.num_leaves} constraint leaves for {p_struct.num_leaves} "
            "parameter leaves"
        )
    for c in c_leaves:
        if not _is_tf(c):
            raise TypeError(f"constraints leaves must be Transforms or None, got {type(c).__name__}")
    c_leaves = [Identity() if c is None else c for c in c_leaves]
    return jax.tree_util.tree_unflatten(p_struct, c_leaves)


def _tmap(f, tfs, *trees):
    return jax.tree_util.tree_map(f, tfs, *trees, is_leaf=lambda x: isinstance(x, Transform))


def _paths(params):
    flat = jax.tree_util.tree_flatten_with_path(params)[0]
    return ["params" + jax.tree_util.keystr(p) for p, _ in flat]


def to_unconstrained(params, constraints=None):
    """Map physical ``params`` to the optimiser's unconstrained variables (checks the domain)."""
    tfs = _resolve_constraints(constraints, params)
    names = iter(_paths(params))
    leaves, struct = jax.tree_util.tree_flatten(params)
    tf_leaves = jax.tree_util.tree_leaves(tfs, is_leaf=lambda x: isinstance(x, Transform))
    u = [t.inverse(x, name=next(names)) for t, x in zip(tf_leaves, leaves, strict=True)]
    return jax.tree_util.tree_unflatten(struct, u)


def to_physical(u, constraints=None):
    """Inverse of :func:`to_unconstrained`."""
    tfs = _resolve_constraints(constraints, u)
    return _tmap(lambda t, x: t.forward(x), tfs, u)


def _all_finite(tree):
    leaves = jax.tree_util.tree_leaves(tree)
    if not leaves:
        return jnp.array(True)
    return jnp.all(jnp.stack([jnp.all(jnp.isfinite(x)) for x in leaves]))


def _where(cond, a, b):
    return jax.tree_util.tree_map(lambda x, y: jnp.where(cond, x, y), a, b)


def minimize(
    loss: Callable[[Any], jax.Array],
    params: Any,
    optimizer: optax.GradientTransformation | None = None,
    steps: int = 100,
    constraints: Any = None,
    *,
    on_nonfinite: str = "raise",
) -> OptimizeResult:
    """Minimise ``loss(params)`` with ``optimizer`` (default ``optax.adam(1e-2)``) for ``steps``.

    Parameters
    ----------
    loss : scalar function of the (physical) parameter pytree; must be differentiable and
        jittable.
    params : initial physical parameters (a pytree of float arrays; must lie in the domains of
        ``constraints``, else ``ValueError`` naming the leaf).
    optimizer : any ``optax.GradientTransformation`` (``optax.lbfgs()`` works too: the loss value,
        gradient and ``value_fn`` are passed to its update).
    steps : number of gradient steps (static).
    constraints : pytree of :class:`Transform` (``None`` leaves = unconstrained), or a dict of
        Transforms naming some keys of dict ``params``, or a single Transform for every leaf.
    on_nonfinite : ``"raise"`` (default) or ``"stop"`` (warn and return the last finite iterate).
    """
    if on_nonfinite not in ("raise", "stop"):
        raise ValueError(f"on_nonfinite must be 'raise' or 'stop', got {on_nonfinite!r}")
    steps = int(steps)
    if steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps}")
    optimizer = optax.adam(1e-2) if optimizer is None else optimizer
    # value/grad/value_fn are passed to every update, so line-search methods (optax.lbfgs) work
    optimizer = optax.with_extra_args_support(optimizer)
    params = jax.tree_util.tree_map(
        lambda x: jnp.asarray(x, dtype=jnp.result_type(float))
        if not jnp.issubdtype(jnp.asarray(x).dtype, jnp.inexact) else jnp.asarray(x), params
    )
    tfs = _resolve_constraints(constraints, params)
    u0 = to_unconstrained(params, tfs)

    def phys(u):
        return _tmap(lambda t, x: t.forward(x), tfs, u)

    def objective(u):
        val = loss(phys(u))
        val = jnp.asarray(val)
        if val.shape != ():
            raise ValueError(f"loss must return a scalar, got shape {val.shape}")
        return jnp.real(val)

    vg = jax.value_and_grad(objective)

    @eqx.filter_jit
    def run(u0):
        state0 = optimizer.init(u0)

        def step(carry, i):
            u, state, bad = carry
            val, g = vg(u)
            ok = _all_finite(g) & jnp.isfinite(val) & (bad < 0)
            updates, new_state = optimizer.update(g, state, u, value=val, grad=g,
                                                  value_fn=objective)
            new_u = optax.apply_updates(u, updates)
            bad = jnp.where((bad < 0) & ~ok, i, bad)
            gn = optax.tree.norm(g)
            return (_where(ok, new_u, u), _where(ok, new_state, state), bad), (val, gn, u)

        carry0 = (u0, state0, jnp.array(-1))
        (u, _, bad), (vals, gns, u_hist) = jax.lax.scan(step, carry0, jnp.arange(steps))
        final_val, final_g = vg(u)
        return u, bad, vals, gns, u_hist, jax.vmap(phys)(u_hist), final_val, final_g

    u, bad, vals, gns, u_hist, hist, final_val, final_g = run(u0)
    bad = int(bad)
    if bad < 0 and not (np.isfinite(float(final_val)) and bool(_all_finite(final_g))):
        bad = steps
    final_params = phys(u)
    losses = jnp.asarray(vals)
    if 0 < bad <= steps:  # the last finite iterate is the one before the bad step (bad == steps:
        # the final update produced the non-finite iterate, which is not returned)
        final_params = jax.tree_util.tree_map(lambda h: h[bad - 1], hist)
        final_val = losses[bad - 1]
    elif bad == 0:
        final_params, final_val = params, losses[0]
    best = int(jnp.nanargmin(jnp.where(jnp.isfinite(losses), losses, jnp.inf)))
    best_params = jax.tree_util.tree_map(lambda h: h[best], hist)
    if bad >= 0:
        if bad < steps:
            gb = jax.grad(objective)(jax.tree_util.tree_map(lambda h: h[bad], u_hist))
        else:
            gb = final_g
        bad_leaves = [
            n for n, g in zip(_paths(params), jax.tree_util.tree_leaves(gb), strict=True)
            if not bool(jnp.all(jnp.isfinite(g)))
        ]
        msg = (
            f"minimize: the loss or its gradient is not finite at step {bad} "
            f"(loss = {float(losses[min(bad, steps - 1)]) if bad < steps else float(final_val)}; "
            f"non-finite gradient in {bad_leaves or 'none (the loss itself)'}); "
            + ("the final update produced it and is not returned. " if bad == steps else
               "the update was not applied. ")
            + "Check the loss for log(0), 1/0 or an unstable solve at these parameters."
        )
        if on_nonfinite == "raise":
            raise NonFiniteGradientError(msg)
        warnings.warn(msg + " Returning the last finite iterate.", RuntimeWarning, stacklevel=2)
    return OptimizeResult(
        params=final_params,
        loss=final_val,
        losses=losses,
        grad_norms=jnp.asarray(gns),
        params_history=hist,
        best_params=best_params,
        best_loss=losses[best],
        nonfinite_step=bad,
        steps=steps,
    )


def maximize(objective, params, optimizer=None, steps=100, constraints=None, *,
             on_nonfinite: str = "raise") -> OptimizeResult:
    """``minimize(-objective)``; the returned ``losses``/``loss`` are those of ``-objective``."""
    return minimize(lambda p: -objective(p), params, optimizer, steps, constraints,
                    on_nonfinite=on_nonfinite)


__all__ = [
    "NonFiniteGradientError",
    "OptimizeResult",
    "maximize",
    "minimize",
    "to_physical",
    "to_unconstrained",
]
