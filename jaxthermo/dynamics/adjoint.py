"""A stored-step discrete adjoint for diffrax solves: pass ``adjoint=StoredStepAdjoint()`` to
:func:`jaxthermo.mesolve` (or to ``diffrax.diffeqsolve``).

Why: diffrax's default ``RecursiveCheckpointAdjoint`` differentiates the whole adaptive loop (the
step-size controller, the dense interpolation to the save times, the save buffers and the
while-loop bookkeeping) and recomputes steps from checkpoints. For the Lindblad equation (linear in
``rho``, small ``d``) that overhead, not the arithmetic, dominates the reverse pass.

How (discretise-then-optimise on a stored grid):

* forward: the ordinary adaptive solve (values identical to the default adjoint), which also
  stores the state after every accepted step and at every save time;
* the grid ``t0 = tau_0 < tau_1 < ... < tau_K = t1`` of step ends and save times splits into
  segments no longer than an accepted step; the reverse sweep applies, segment by segment, the
  exact vector-Jacobian product of ONE explicit Runge-Kutta step (the solver's Butcher tableau)
  from the stored state at ``tau_i`` over ``[tau_i, tau_{i+1}]``, and adds the output cotangents at
  the save times. For ``d rho/dt = L rho`` this is the transposed step polynomial ``R(h L)^T``
  applied to the adjoint (Heisenberg-picture generator ``L^dagger``); the parameter cotangent is
  accumulated from the stored states, stage by stage. No step is recomputed from a checkpoint and
  no controller or interpolation is differentiated.

The gradient is that of the solution reconstructed by single steps on the stored grid, which
agrees with the adaptive solution (and with the default adjoint's gradient) to the solver
tolerance, not to round-off; tests check it against central finite differences in float64.
Unlike ``diffrax.BacksolveAdjoint`` it works with ``SaveAt(fn=...)`` (``mesolve(...,
save_states=False)``) and with values captured by closure in the vector field (they are
closure-converted). Memory: ``max_stored_steps`` states (the solve may take at most that many
accepted steps: diffrax reports "maximum number of solver steps" beyond it).

Limitations (clear errors): one ``ODETerm``, an explicit Runge-Kutta solver (Tsit5, Dopri5,
Dopri8, Bosh3, ...), ``SaveAt(ts=...)`` with optional ``fn`` (no ``t0``/``t1``/``steps``/``dense``
flags, no ``subs`` trees), no events; gradients with respect to ``y0``, ``args`` and whatever the
vector field and ``fn`` capture, not with respect to the times.
"""

from __future__ import annotations

import functools

import diffrax
import equinox as eqx
import equinox.internal as eqxi
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np


def _diffrax_internals():
    """diffrax 0.7 internals this adjoint needs (as ``BacksolveAdjoint`` uses them), imported when a
    solve runs so that ``import jaxthermo`` never depends on diffrax's private layout."""
    try:
        from diffrax._adjoint import _only_transpose_ys
        from diffrax._integrate import SaveState
    except ImportError as err:  # pragma: no cover - depends on the installed diffrax
        raise ImportError(
            f"StoredStepAdjoint needs diffrax 0.7's internals (SaveState, _only_transpose_ys); "
            f"the installed diffrax {diffrax.__version__} lacks them: use the default adjoint"
        ) from err
    return SaveState, _only_transpose_ys

__all__ = ["StoredStepAdjoint"]

_CHUNK = 32  # at most this many segments per vectorised parameter-cotangent batch
_CHUNK_ELEMENTS = 4096  # ... and about this many state elements per batch
_JOINT_SIZE = 256  # states larger than this (d > ~11 for a density matrix) use one joint VJP


def _erk_tableau(solver):
    """Explicit Butcher tableau ``(a_lower, b, c)`` truncated after the last stage with ``b != 0``."""
    tab = getattr(solver, "tableau", None)
    if not isinstance(solver, diffrax.AbstractERK) or tab is None:
        raise ValueError(
            "StoredStepAdjoint needs an explicit Runge-Kutta solver (e.g. diffrax.Tsit5(), "
            f"Dopri5()), got {type(solver).__name__}"
        )
    b = np.asarray(tab.b_sol, dtype=float)
    n_st = int(np.nonzero(b)[0].max()) + 1
    # Python floats (not arrays): the tableau is static, zeros are skipped at trace time
    a = tuple(tuple(float(v) for v in np.asarray(r)) for r in tab.a_lower[: n_st - 1])
    c = (float(tab.c1),) + tuple(float(v) for v in np.asarray(tab.c))
    return a, tuple(float(v) for v in b[:n_st]), c[:n_st]


def _erk_step(vf, tableau, t, h, y, args):
    """One explicit RK step of ``dy/dt = vf(t, y, args)`` (arrays ``y``; pytrees via tree_map)."""
    a, b, c = tableau
    ks = [vf(t, y, args)]
    for i, row in enumerate(a, start=1):
        inc = y
        for aij, k in zip(row, ks, strict=True):
            if aij != 0.0:
                inc = jtu.tree_map(lambda u, kk, aij=aij: u + (h * aij) * kk, inc, k)
        ks.append(vf(t + c[i] * h, inc, args))
    out = y
    for bi, k in zip(b, ks, strict=True):
        if bi != 0.0:
            out = jtu.tree_map(lambda u, kk, bi=bi: u + (h * bi) * kk, out, k)
    return out


def _check_saveat(saveat):
    subs = saveat.subs
    if not isinstance(subs, diffrax.SubSaveAt):
        raise ValueError("StoredStepAdjoint supports SaveAt(ts=..., fn=...) only (no subs=...)")
    if saveat.dense or subs.t0 or subs.t1 or subs.steps or subs.ts is None:
        raise ValueError(
            "StoredStepAdjoint supports SaveAt(ts=..., fn=...) only (no t0=/t1=/steps=/dense=)"
        )
    return subs


def _empty_save_state(n, struct, t_dtype):
    SaveState, _ = _diffrax_internals()
    return SaveState(
        saveat_ts_index=0,
        ts=jnp.full(n, jnp.inf, dtype=t_dtype),
        ys=jtu.tree_map(lambda s: jnp.full((n,) + s.shape, jnp.inf, dtype=s.dtype), struct),
        save_index=0,
    )


class StoredStepAdjoint(diffrax.AbstractAdjoint):
    """Reverse-mode gradients by a stored-step discrete adjoint (see the module docstring).

    ``max_stored_steps``: how many accepted steps are stored (memory ``max_stored_steps`` states);
    the forward solve is capped at that many steps.
    """

    max_stored_steps: int = eqx.field(static=True, default=4096)

    def __check_init__(self):
        if int(self.max_stored_steps) < 1:
            raise ValueError(f"max_stored_steps must be >= 1, got {self.max_stored_steps}")

    def loop(self, *, args, terms, solver, stepsize_controller, event, saveat, t0, t1, dt0,
             max_steps, throw, init_state, passed_solver_state, passed_controller_state,
             progress_meter):
        del throw, passed_controller_state
        if event is not None:
            raise ValueError("StoredStepAdjoint does not support events")
        inner = getattr(terms, "term", terms)  # diffeqsolve wraps the term (time direction)
        if not isinstance(inner, diffrax.ODETerm):
            raise ValueError(f"StoredStepAdjoint needs a single diffrax.ODETerm, got {type(inner)}")
        if passed_solver_state:
            raise ValueError("StoredStepAdjoint does not support passing solver_state")
        tableau = _erk_tableau(solver)
        sub = _check_saveat(saveat)
        y0 = init_state.y
        cap = int(self.max_stored_steps) if max_steps is None else min(int(max_steps),
                                                                       int(self.max_stored_steps))
        # closure-convert so that captured tracers become explicit (differentiable) inputs
        vf_c = eqx.filter_closure_convert(lambda t, y, a: terms.vf(t, y, a), t0, y0, args)
        fn_c = eqx.filter_closure_convert(sub.fn, t0, y0, args)
        # the rest of the initial state is not differentiated (step sizes, counters, buffers)
        rest = eqx.tree_at(lambda s: s.y, init_state, None, is_leaf=lambda x: x is None)
        rest = jtu.tree_map(lambda x: jax.lax.stop_gradient(x) if eqx.is_array(x) else x, rest)
        static = dict(solver=solver, controller=stepsize_controller, dt0=dt0,
                      cap=cap, tableau=tableau, progress_meter=progress_meter)
        t0 = jnp.asarray(t0, dtype=jnp.result_type(sub.ts.dtype, float))
        t1 = jnp.asarray(t1, dtype=t0.dtype)
        final_state, aux = _solve((y0, args, vf_c, fn_c, t0, sub.ts, t1), self, rest, static)
        return _diffrax_internals()[1](final_state), aux


def _forward(adj, vjp_arg, rest, static):
    y0, args, vf_c, fn_c, t0, ts, t1 = vjp_arg
    cap = static["cap"]
    terms = diffrax.ODETerm(vf_c)
    solver = static["solver"]
    t_dtype = jnp.result_type(ts.dtype, float)
    tnext = rest.tnext
    solver_state = solver.init(terms, t0, tnext, y0, args)
    y_struct = jax.eval_shape(lambda: y0)
    saves = (
        rest.save_state,
        _empty_save_state(ts.shape[0], y_struct, t_dtype),
        _empty_save_state(cap, y_struct, t_dtype),
    )
    state = eqx.tree_at(lambda s: (s.y, s.solver_state, s.save_state), rest,
                        (y0, solver_state, saves), is_leaf=lambda x: x is None)
    saveat = diffrax.SaveAt(subs=(diffrax.SubSaveAt(ts=ts, fn=fn_c),
                                  diffrax.SubSaveAt(ts=ts),
                                  diffrax.SubSaveAt(steps=True)))
    lax_loop = functools.partial(eqxi.while_loop, kind="lax")
    final_state, aux = adj._loop(
        solver=solver, stepsize_controller=static["controller"], event=None, saveat=saveat,
        t0=t0, t1=t1, dt0=static["dt0"], max_steps=cap, terms=terms,
        args=args, init_state=state, inner_while_loop=lax_loop, outer_while_loop=lax_loop,
        progress_meter=static["progress_meter"],
    )
    out_save, ts_save, step_save = final_state.save_state
    final_state = eqx.tree_at(lambda s: s.save_state, final_state, out_save)
    return (final_state, aux), (ts_save.ys, step_save.ts, step_save.ys, step_save.save_index)


@eqx.filter_custom_vjp
def _solve(vjp_arg, adj, rest, static):
    return _forward(adj, vjp_arg, rest, static)[0]


@_solve.def_fwd
def _solve_fwd(perturbed, vjp_arg, adj, rest, static):
    del perturbed
    return _forward(adj, vjp_arg, rest, static)


def _zeros_like_diff(tree):
    return jtu.tree_map(lambda x: jnp.zeros_like(x) if eqx.is_inexact_array(x) else None, tree)


@_solve.def_bwd
def _solve_bwd(residuals, grad_obj, perturbed, vjp_arg, adj, rest, static):
    del perturbed, adj, rest
    y0, args, vf_c, fn_c, t0, ts, t1 = vjp_arg
    tableau = static["tableau"]
    y_ts, step_ts, step_ys, n_acc = residuals
    grad_final, _ = grad_obj
    ct_out = grad_final.save_state.ys
    struct_out = jax.eval_shape(lambda: fn_c(ts[0], y0, args))
    ct_out = jtu.tree_map(
        lambda c, s: jnp.zeros((ts.shape[0],) + s.shape, s.dtype) if c is None else c,
        ct_out, struct_out, is_leaf=lambda x: x is None)

    diff_args, nondiff_args = eqx.partition(args, eqx.is_inexact_array)
    diff_vf, nondiff_vf = eqx.partition(vf_c, eqx.is_inexact_array)
    diff_fn, nondiff_fn = eqx.partition(fn_c, eqx.is_inexact_array)

    # 1. output cotangents -> state cotangents at the save times (and fn's own inputs)
    def fn_vjp(t, y, ct):
        def f(t_, y_, da, dfn):
            return eqx.combine(dfn, nondiff_fn)(t_, y_, eqx.combine(da, nondiff_args))

        _, vjp = jax.vjp(f, t, y, diff_args, diff_fn)
        return vjp(ct)

    ct_t_fn, ct_y_ts, ct_args_fn, ct_fn = jax.vmap(fn_vjp)(ts, y_ts, ct_out)
    ct_args_fn = jtu.tree_map(lambda x: jnp.sum(x, 0), ct_args_fn)
    ct_fn = jtu.tree_map(lambda x: jnp.sum(x, 0), ct_fn)

    # 2. the grid: t0, the save times and the accepted step ends, sorted (padding = +inf last);
    #    only the times are permuted, states are read from their own buffers inside the sweep
    m = ts.shape[0]
    times = jnp.concatenate([jnp.asarray(t0, step_ts.dtype)[None], ts.astype(step_ts.dtype),
                             step_ts])
    order = jnp.argsort(times, stable=True)
    times = times[order]
    n_pts = 1 + m + n_acc

    def point(i):
        """State and output cotangent at grid point ``i`` (0: y0; 1..m: save times; then steps)."""
        src = order[i]
        j_ts = jnp.clip(src - 1, 0, m - 1)
        j_st = jnp.clip(src - 1 - m, 0, step_ts.shape[0] - 1)
        is_ts = (src >= 1) & (src <= m)
        y = jtu.tree_map(lambda a, b, c: jnp.where(src == 0, a, jnp.where(is_ts, b[j_ts], c[j_st])),
                         y0, y_ts, step_ys)
        ct = jtu.tree_map(lambda c: jnp.where(is_ts, c[j_ts], jnp.zeros_like(c[0])), ct_y_ts)
        return y, ct

    def step(y, da, dvf, t, h):
        return _erk_step(eqx.combine(dvf, nondiff_vf), tableau, t, h, y,
                         eqx.combine(da, nondiff_args))

    y_struct = jax.eval_shape(lambda: y0)
    y_size = sum(int(np.prod(x.shape)) for x in jtu.tree_leaves(y_struct))
    add = lambda p, q: jtu.tree_map(lambda u, v: u + v, p, q)  # noqa: E731
    if y_size > _JOINT_SIZE:
        # large states (arithmetic-bound): one joint VJP per segment, no separate parameter pass
        def joint_body(k, carry):
            lam, g_args, g_vf = carry
            i = n_pts - 2 - k
            t, h = times[i], _h(times[i + 1], times[i])
            y_i, ct_i = point(i)
            _, vjp = jax.vjp(lambda y, da, dvf: step(y, da, dvf, t, h), y_i, diff_args, diff_vf)
            lam, ga, gv = vjp(lam)
            return add(lam, ct_i), add(g_args, ga), add(g_vf, gv)

        carry = (point(n_pts - 1)[1], _zeros_like_diff(diff_args), _zeros_like_diff(diff_vf))
        lam, g_args, g_vf = jax.lax.fori_loop(0, n_pts - 1, joint_body, carry)
        return _finish(lam, g_args, g_vf, ct_args_fn, ct_fn, ct_t_fn, ct_y_ts, y_ts, ts, t0, t1,
                       y0, args, eqx.combine(diff_vf, nondiff_vf))

    # 3. small states (overhead-bound): sequential reverse sweep of the adjoint alone,
    #    lam(tau_i) = R(h_i L)^T lam(tau_{i+1}) + ct_i,
    #    the transposed step of the LINEAR vector field (no primal recomputation); lam(tau_{i+1})
    #    is stored for the parameter pass
    vf_full = eqx.combine(diff_vf, nondiff_vf)
    n_grid = times.shape[0]

    def body(k, carry):
        lam, lam_buf = carry
        i = n_pts - 2 - k
        t, h = times[i], _h(times[i + 1], times[i])
        lam_buf = jtu.tree_map(lambda b, v: b.at[i].set(v), lam_buf, lam)
        tr = jax.linear_transpose(lambda y: _erk_step(vf_full, tableau, t, h, y, args), y_struct)
        (lam,) = tr(lam)
        return add(lam, point(i)[1]), lam_buf

    lam0 = point(n_pts - 1)[1]
    lam_buf0 = jtu.tree_map(lambda x: jnp.zeros((n_grid,) + x.shape, x.dtype), y0)
    lam, lam_buf = jax.lax.fori_loop(0, n_pts - 1, body, (lam0, lam_buf0))

    # 4. parameter cotangents sum_i d/dtheta <lam(tau_{i+1}), Phi_{h_i}(y(tau_i); theta)>, batched
    #    over chunks of segments (vmap) so that small-d problems are not dominated by loop overhead
    chunk = int(np.clip(_CHUNK_ELEMENTS // max(y_size, 1), 1, _CHUNK))  # less padding at large d

    def seg_vjp(i, valid):
        y_i = point(i)[0]
        t = jnp.where(valid, times[i], 0.0)
        h = jnp.where(valid, _h(times[jnp.minimum(i + 1, n_grid - 1)], times[i]), 0.0)
        lam_i = jtu.tree_map(lambda b: jnp.where(valid, b[i], 0.0), lam_buf)
        y_i = jtu.tree_map(lambda v: jnp.where(valid, v, 0.0), y_i)
        _, vjp = jax.vjp(lambda da, dvf: step(y_i, da, dvf, t, h), diff_args, diff_vf)
        return vjp(lam_i)

    def chunk_body(c, carry):
        idx = c * chunk + jnp.arange(chunk)
        valid = idx < n_pts - 1
        ga, gv = jax.vmap(seg_vjp)(jnp.minimum(idx, n_grid - 1), valid)
        return add(carry, (jtu.tree_map(lambda x: jnp.sum(x, 0), ga),
                           jtu.tree_map(lambda x: jnp.sum(x, 0), gv)))

    n_chunks = (n_pts - 1 + chunk - 1) // chunk
    g_args, g_vf = jax.lax.fori_loop(0, n_chunks, chunk_body,
                                     (_zeros_like_diff(diff_args), _zeros_like_diff(diff_vf)))
    return _finish(lam, g_args, g_vf, ct_args_fn, ct_fn, ct_t_fn, ct_y_ts, y_ts, ts, t0, t1, y0,
                   args, vf_full)


def _finish(lam, g_args, g_vf, ct_args_fn, ct_fn, ct_t_fn, ct_y_ts, y_ts, ts, t0, t1, y0, args,
            vf_full):
    g_args = jtu.tree_map(lambda u, v: u + v, g_args, ct_args_fn)

    # the times: moving a save time t_j moves only output j (d/dt_j = ct_j . f(t_j, y_j), plus
    # fn's explicit t-dependence); moving t0 shifts the whole solution (-lam(t0) . f(t0, y0))
    def dot(a, b):
        return sum(jnp.sum(jnp.real(u * v)) for u, v in zip(jtu.tree_leaves(a), jtu.tree_leaves(b),
                                                            strict=True))

    f_ts = jax.vmap(lambda t, y: vf_full(t, y, args))(ts, y_ts)
    g_ts = jax.vmap(dot)(ct_y_ts, f_ts) + ct_t_fn
    g_t0 = -dot(lam, vf_full(t0, y0, args))
    # t1 >= ts[-1] only bounds the solve: the outputs do not depend on it beyond ts[-1]
    return lam, g_args, g_vf, ct_fn, g_t0, g_ts, jnp.zeros_like(t1)


def _h(t_next, t):
    # end the reconstructed step one ulp before the next grid time, as diffrax does at jumps
    # (a piecewise-constant H evaluated at its switching time takes the value before the switch)
    return eqxi.prevbefore(t_next) - t
