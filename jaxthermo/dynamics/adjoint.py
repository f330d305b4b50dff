"""A stored-step discrete adjoint for diffrax solves of LINEAR ODEs (the Lindblad equation): pass
``adjoint=StoredStepAdjoint()`` to :func:`jaxthermo.mesolve` (or to ``diffrax.diffeqsolve``).

Why: diffrax's default ``RecursiveCheckpointAdjoint`` differentiates the whole adaptive loop (the
step-size controller, the dense interpolation to the save times, the save buffers and the
while-loop bookkeeping) and recomputes steps from checkpoints. For the Lindblad equation (linear in
``rho``) that overhead dominates the reverse pass at small ``d``, and the recomputation at large
``d``.

How (discretise-then-optimise, exact to the discrete solve):

* forward: the ordinary adaptive solve (values identical to the default adjoint), which also
  stores the state after every accepted step (and at every save time);
* reverse: the exact VJP of what diffrax computed, step by step (``y_{n+1} = y_n + sum_i b_i k_i``,
  ``k_i = h f(t_i, Y_i)``, ``Y_i = y_n + sum_j a_ij k_j``) and of the dense output at the save times
  (linear in the step's ``(y_n, y_{n+1}, k)`` with t-only coefficients, so it needs no stage values;
  a first-same-as-last stage's input is ``y_{n+1}``). As ``f`` is linear in ``y``, a stage's state
  cotangent is the adjoint generator (``jax.linear_transpose``; ``L^dagger`` for ``L rho``) applied
  to its cotangent. The stage inputs, needed for the parameter cotangents only, are rebuilt for a
  block of steps at once (batched, not sequential); one parameter VJP covers a block's stages (the
  parameters are unbatched, so its products contract over all of them). Blocks hold up to 64 steps
  (the steps after the last full block in blocks of 8, no work on padding). States over 256 reals:
  one step per block and one VJP per stage for both cotangents, so a product-sharing rule (mesolve's
  :func:`jaxthermo.dynamics.lindblad.lindblad_rhs_reverse`) pays for shared products once.
  Measurements: ARCHITECTURE.md and benchmarks/README.md.
  As in diffrax (``PIDController`` stops gradients through the step-size choice), the step sizes
  are constants: the gradient equals the default adjoint's to round-off (tests: ~1e-14 relative).

Time gradients (save times, ``t0``): ``d y(t_j)/d t_j`` is taken as ``f(t_j, y(t_j))``, equal to the
derivative of the dense output to the solver tolerance.

Unlike ``diffrax.BacksolveAdjoint`` it works with ``SaveAt(fn=...)`` (``mesolve(...,
save_states=False)``) and with values captured by closure in the vector field (they are
closure-converted). Memory, only when a gradient is taken: ``max_stored_steps`` states (a
differentiated solve may take at most that many accepted steps: a clear error beyond it) plus a
block of stages; a solve that is not differentiated stores nothing. Piecewise-constant fields
with ``jump_ts`` are supported (steps end one ulp before a jump, as diffrax's).

Limitations (clear errors): one ``ODETerm`` whose vector field is linear in ``y`` (one real or
complex dtype for all of ``y``'s leaves), an explicit Runge-Kutta solver (Tsit5, Dopri5, Dopri8,
Bosh3, ...), ``SaveAt(ts=...)`` with optional ``fn`` (no ``t0``/``t1``/``steps``/``dense`` flags, no
``subs`` trees), no events.
"""

from __future__ import annotations

import functools

import diffrax
import equinox as eqx
import equinox.internal as eqxi
import jax
import jax.flatten_util
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np

from ._erk import erk_tableau as _erk_tableau
from ._erk import stage_times as _stage_times
from ._erk import stages as _stages


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

_BLOCK_ELEMENTS = 1 << 16  # about this many state elements per stage buffer of a block of steps
_STAGED_SIZE = 256  # states larger than this (d > ~11 for a density matrix): one VJP per stage
_TAIL_DIVISOR = 8  # the steps after the last full block go in blocks of blk // 8
_MAX_BLOCK = 64  # at most this many steps per block (the last block is padded with no-op steps)
_BLOCK_ELEMENTS_LARGE = 1 << 12  # large states: one step per block (fastest at d = 16, 32)


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

    ``max_stored_steps``: how many accepted steps a differentiated solve may store (memory
    ``max_stored_steps`` states, allocated and filled on every gradient evaluation); a
    differentiated solve that needs more raises an error naming it (also under ``jit``). Sizing it
    to the solve saves that fill, and more where the temporaries pass glibc's dynamic mmap
    threshold and every call faults fresh pages in (d = 16 in bench_gradient, 4096 steps, 22 MB:
    4.4-5.1 forward solves per gradient in some processes, 3.3 with
    ``MALLOC_MMAP_THRESHOLD_=33554432``; see benchmarks/README.md). Solves that are not
    differentiated store nothing and run up to ``max_steps`` like diffrax's own loop.
    """

    max_stored_steps: int = eqx.field(static=True, default=4096)

    def __check_init__(self):
        if int(self.max_stored_steps) < 1:
            raise ValueError(f"max_stored_steps must be >= 1, got {self.max_stored_steps}")

    def loop(self, *, args, terms, solver, stepsize_controller, event, saveat, t0, t1, dt0,
             max_steps, throw, init_state, passed_solver_state, passed_controller_state,
             progress_meter):
        del passed_controller_state
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
        static = dict(solver=solver, controller=stepsize_controller, dt0=dt0, cap=cap,
                      max_steps=max_steps, throw=throw, tableau=tableau,
                      progress_meter=progress_meter)
        t0 = jnp.asarray(t0, dtype=jnp.result_type(sub.ts.dtype, float))
        t1 = jnp.asarray(t1, dtype=t0.dtype)
        final_state, aux = _solve((y0, args, vf_c, fn_c, t0, sub.ts, t1), self, rest, static)
        return _diffrax_internals()[1](final_state), aux


def _forward(adj, vjp_arg, rest, static, store):
    """The adaptive solve. ``store=False`` (no gradient taken): diffrax's loop with the user's
    ``max_steps`` and nothing stored. ``store=True`` (the forward pass of a gradient): also the state
    at the save times and after every accepted step, at most ``cap`` steps."""
    y0, args, vf_c, fn_c, t0, ts, t1 = vjp_arg
    cap = static["cap"]
    terms = diffrax.ODETerm(vf_c)
    solver = static["solver"]
    t_dtype = jnp.result_type(ts.dtype, float)
    tnext = rest.tnext
    solver_state = solver.init(terms, t0, tnext, y0, args)
    y_struct = jax.eval_shape(lambda: y0)
    if store:
        # the states at the save times and after every step; the outputs fn(t, y(t)) are formed
        # from the former after the loop (the same values, one save-time search per step, not two)
        saves = (_empty_save_state(ts.shape[0], y_struct, t_dtype),
                 _empty_save_state(cap, y_struct, t_dtype))
        saveat = diffrax.SaveAt(subs=(diffrax.SubSaveAt(ts=ts), diffrax.SubSaveAt(steps=True)))
    else:
        saves = rest.save_state
        saveat = diffrax.SaveAt(subs=diffrax.SubSaveAt(ts=ts, fn=fn_c))
    state = eqx.tree_at(lambda s: (s.y, s.solver_state, s.save_state), rest,
                        (y0, solver_state, saves), is_leaf=lambda x: x is None)
    lax_loop = functools.partial(eqxi.while_loop, kind="lax")
    final_state, aux = adj._loop(
        solver=solver, stepsize_controller=static["controller"], event=None, saveat=saveat,
        t0=t0, t1=t1, dt0=static["dt0"], max_steps=cap if store else static["max_steps"],
        terms=terms, args=args, init_state=state, inner_while_loop=lax_loop,
        outer_while_loop=lax_loop, progress_meter=static["progress_meter"],
    )
    if not store:
        return (final_state, aux), None
    ts_save, step_save = final_state.save_state
    n_acc = step_save.save_index
    reached = jnp.isfinite(ts_save.ts)  # save times the solve reached (all, unless it failed)
    outs = jax.vmap(lambda t, y: fn_c(t, y, args))(ts, ts_save.ys)
    outs = jtu.tree_map(
        lambda o: jnp.where(reached.reshape((-1,) + (1,) * (o.ndim - 1)), o, jnp.inf), outs)
    out_save = eqx.tree_at(lambda s: (s.ts, s.ys, s.save_index, s.saveat_ts_index),
                           rest.save_state,
                           (ts_save.ts, outs, ts_save.save_index, ts_save.saveat_ts_index))
    max_steps = static["max_steps"]
    if static["throw"] and (max_steps is None or cap < int(max_steps)):
        # the store, not the user's max_steps, ended the solve: say so (diffrax's own message
        # would only name max_steps)
        full = final_state.result == diffrax.RESULTS.max_steps_reached
        msg = (f"StoredStepAdjoint: a differentiated solve needs more than "
               f"max_stored_steps={cap} accepted steps; raise max_stored_steps (memory: "
               "one state per step) or use the default adjoint")
        out_save = eqx.tree_at(lambda s: s.ys, out_save, eqx.error_if(out_save.ys, full, msg))
        # the check guards the residuals too: under jax.grad the primal outputs are dropped, and
        # a check on them alone would be removed with them (a truncated solve, silently)
        n_acc = eqx.error_if(n_acc, full, msg)
    final_state = eqx.tree_at(lambda s: s.save_state, final_state, out_save)
    return (final_state, aux), (ts_save.ys, step_save.ts, step_save.ys, n_acc)


@eqx.filter_custom_vjp
def _solve(vjp_arg, adj, rest, static):
    # primal only (no gradient through this solve): nothing stored, no step cap beyond max_steps
    return _forward(adj, vjp_arg, rest, static, store=False)[0]


@_solve.def_fwd
def _solve_fwd(perturbed, vjp_arg, adj, rest, static):
    del perturbed
    return _forward(adj, vjp_arg, rest, static, store=True)


def _zeros_like_diff(tree):
    return jtu.tree_map(lambda x: jnp.zeros_like(x) if eqx.is_inexact_array(x) else None, tree)


@_solve.def_bwd
def _solve_bwd(residuals, grad_obj, perturbed, vjp_arg, adj, rest, static):
    del perturbed, adj, rest
    y0, args, vf_c, fn_c, t0, ts, t1 = vjp_arg
    tableau = static["tableau"]
    a, b, _, n_b = tableau
    n_all = len(b)
    solver = static["solver"]
    jump_ts = getattr(static["controller"], "jump_ts", None)
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
    vf_full = eqx.combine(diff_vf, nondiff_vf)

    # 1. output cotangents -> state cotangents at the save times (and fn's own inputs)
    def fn_vjp(t, y, ct):
        def f(t_, y_, da, dfn):
            return eqx.combine(dfn, nondiff_fn)(t_, y_, eqx.combine(da, nondiff_args))

        _, vjp = jax.vjp(f, t, y, diff_args, diff_fn)
        return vjp(ct)

    ct_t_fn, ct_y_ts, ct_args_fn, ct_fn = jax.vmap(fn_vjp)(ts, y_ts, ct_out)
    ct_args_fn = jtu.tree_map(lambda x: jnp.sum(x, 0), ct_args_fn)
    ct_fn = jtu.tree_map(lambda x: jnp.sum(x, 0), ct_fn)

    # everything below works on the flattened state (one real vector of n entries)
    y0_flat, unravel = jax.flatten_util.ravel_pytree(y0)
    n = y0_flat.shape[0]
    ravel = lambda tree: jax.flatten_util.ravel_pytree(tree)[0]  # noqa: E731
    ct_ts_flat = jax.vmap(ravel)(ct_y_ts)
    ys_flat = jax.vmap(ravel)(step_ys)  # state after accepted step n (a reshape for one array)
    cap = ys_flat.shape[0]

    def vf_flat(t, y):
        return ravel(vf_full(t, unravel(y), args))

    def vf_transpose(t, w):
        """``J(t)^T w`` for the vector field's Jacobian (the field is linear in y)."""
        try:
            return jax.linear_transpose(lambda y: vf_flat(t, y), y0_flat)(w)[0]
        except NotImplementedError:
            # an operation with a custom rule but no transpose rule (e.g. the fusion boundary
            # quantum.sparse.materialize of mesolve's sparse layouts): the VJP at any point is the
            # same linear map (its unused primal is removed by the compiler)
            return jax.vjp(lambda y: vf_flat(t, y), jnp.zeros_like(y0_flat))[1](w)[0]
        except (AssertionError, TypeError) as err:
            raise ValueError("StoredStepAdjoint needs a vector field linear in the state y "
                             f"(the Lindblad equation is); transposing it failed: {err!r}") from err

    def param_vjp(tq, yq, wq):
        """sum_q d/dtheta <w_q, f(t_q, Y_q; theta)> as ONE VJP: theta is not batched, so the
        batched products in f contract over all pairs at once (matrix-matrix products)."""
        def f(da, dvf):
            vf = eqx.combine(dvf, nondiff_vf)
            aa = eqx.combine(da, nondiff_args)
            return jax.vmap(lambda t, y: ravel(vf(t, unravel(y), aa)))(tq, yq)

        _, vjp = jax.vjp(f, diff_args, diff_vf)
        return vjp(wq)

    add = lambda p, q: jtu.tree_map(lambda u, v: u + v, p, q)  # noqa: E731

    # 2. the accepted steps: step i runs from T[i] to its end (T[i + 1], or prevbefore(jump)
    #    when the step was clipped at a jump and diffrax restarted at nextafter(jump))
    t_dtype = step_ts.dtype
    t0 = jnp.asarray(t0, t_dtype)
    big_t = jnp.concatenate([t0[None], step_ts])

    def step_end(t_restart):
        if jump_ts is None:
            return t_restart
        before = eqxi.prevbefore(t_restart)
        jumped = jnp.any(before == jnp.asarray(jump_ts, t_dtype))
        return jnp.where(jumped, eqxi.prevbefore(before), t_restart)

    def step_data(i):
        """(t_start, t_end, y_start) of step i; padding steps (i >= n_acc) are no-ops (h = 0)."""
        valid = i < n_acc
        ic = jnp.clip(i, 0, cap - 1)
        tp = jnp.where(valid, big_t[ic], t0)
        tn = jnp.where(valid, step_end(big_t[ic + 1]), t0)
        y = jnp.where(valid & (i > 0), ys_flat[jnp.clip(i - 1, 0, cap - 1)], 0.0)
        y = jnp.where(i == 0, y0_flat, y)
        return tp, tn, y

    # 3. the save times: y(ts[j]) is the solver's dense output on step n_j, linear in the step's
    #    (y0, y1, k); its transpose gives cotangents for y_start, y_end and the stage increments.
    #    Stages with b = 0 (after the last b != 0) feed only the dense output: transposed here.
    ends = jnp.where(jnp.arange(cap) < n_acc, jax.vmap(step_end)(step_ts), jnp.inf)
    n_j = jnp.clip(jnp.searchsorted(ends, ts.astype(t_dtype), side="left"), 0,
                   jnp.maximum(n_acc - 1, 0))

    # the dense output's VJP needs no stage values (see the module docstring); trailing b = 0
    # stages need their inputs: y1 for first-same-as-last ones, else the step is replayed
    replay = any(tuple(a[i - 1][:n_b]) != tuple(b[:n_b]) or any(v != 0.0 for v in a[i - 1][n_b:])
                 for i in range(n_b, n_all))

    def save_contrib(n_step, t_save, ct):
        tp, tn, y = step_data(n_step)
        y1 = ys_flat[jnp.clip(n_step, 0, cap - 1)]
        if replay:
            stage_ys, ks = _stages(vf_flat, tableau, tp, tn, y, n_all)
        else:
            stage_ys, ks = [y1] * n_all, [jnp.zeros_like(y)] * n_all

        def dense(y0_, y1_, k_):
            interp = solver.interpolation_cls(t0=tp, t1=tn, y0=unravel(y0_), y1=unravel(y1_),
                                              k=jax.vmap(unravel)(k_))
            return ravel(interp.evaluate(t_save))

        _, vjp = jax.vjp(dense, y, y1, jnp.stack(ks))
        ct_y0, ct_y1, ct_k = vjp(ct)
        ct_k = list(ct_k)
        h = tn - tp
        t_st = _stage_times(tableau, tp, tn, n_all)
        w_trail = []
        for i in range(n_all - 1, n_b - 1, -1):
            w = h * ct_k[i]
            ybar = vf_transpose(t_st[i], w)
            for jdx, aij in enumerate(a[i - 1]):
                if aij != 0.0 and jdx < i:
                    ct_k[jdx] = ct_k[jdx] + aij * ybar
            ct_y0 = ct_y0 + ybar
            w_trail.append((t_st[i], stage_ys[i], w))
        trail = tuple(jnp.stack(x) for x in zip(*w_trail, strict=True)) if w_trail else None
        return ct_y0, ct_y1, jnp.stack(ct_k[:n_b]), trail

    sv_y0, sv_y1, sv_k, trail = jax.vmap(save_contrib)(n_j, ts.astype(t_dtype), ct_ts_flat)
    g_args, g_vf = _zeros_like_diff(diff_args), _zeros_like_diff(diff_vf)
    if trail is not None:
        tt, ty, tw = (x.reshape((-1,) + x.shape[2:]) for x in trail)
        g_args, g_vf = add((g_args, g_vf), param_vjp(tt, ty, tw))

    # 4. reverse sweep over blocks of steps, last first: the block's stage inputs (batched), then
    #    its steps in reverse. Small states: the adjoint generator per stage and ONE parameter VJP
    #    per block; large states: one VJP per stage for both cotangents (shared products).
    staged = n > _STAGED_SIZE
    blk = int(np.clip((_BLOCK_ELEMENTS_LARGE if staged else _BLOCK_ELEMENTS) // max(n * n_b, 1), 1,
                      min(_MAX_BLOCK, cap)))

    def stage_vjp(t, y, w):
        """``(J^T w, d/dtheta <w, f(t, y)>)`` of one stage: one VJP (the field's own rule shares
        the products of the two parts; its unused value is removed by the compiler)."""
        def f(y_, da, dvf):
            vf = eqx.combine(dvf, nondiff_vf)
            return ravel(vf(t, unravel(y_), eqx.combine(da, nondiff_args)))

        return jax.vjp(f, y, diff_args, diff_vf)[1](w)

    def run_block(s0, blk, carry):
        """The reverse sweep over steps ``s0 .. s0 + blk - 1`` (those >= n_acc are no-ops)."""
        lam, g_args, g_vf = carry
        idx = s0 + jnp.arange(blk)
        tp, tn, ys = jax.vmap(step_data)(idx)
        stage_ys = jnp.stack(
            jax.vmap(lambda p, q, y: jnp.stack(_stages(vf_flat, tableau, p, q, y, n_b)[0]))(
                tp, tn, ys))  # (blk, n_b, n)
        t_st = jnp.stack(_stage_times(tableau, tp, tn, n_b), axis=1)  # (blk, n_b)
        local = n_j - s0
        loc = jnp.where((local >= 0) & (local < blk), local, blk)
        k_in = jnp.zeros((blk, n_b, n), ys.dtype).at[loc].add(sv_k, mode="drop")
        y0_in = jnp.zeros((blk, n), ys.dtype).at[loc].add(sv_y0, mode="drop")
        y1_in = jnp.zeros((blk, n), ys.dtype).at[loc].add(sv_y1, mode="drop")
        n_valid = jnp.clip(n_acc - s0, 0, blk)

        def step_body(q_rev, inner):
            if staged:
                lam, g_a, g_v = inner
            else:
                lam, w_buf = inner
            q = n_valid - 1 - q_rev
            h = tn[q] - tp[q]
            lam = lam + y1_in[q]
            kbar = [b[i] * lam + k_in[q, i] if b[i] != 0.0 else k_in[q, i] for i in range(n_b)]
            ybar = lam + y0_in[q]
            if staged:
                for i in range(n_b - 1, -1, -1):
                    yb_i, ga, gv = stage_vjp(t_st[q, i], stage_ys[q, i], h * kbar[i])
                    g_a, g_v = add((g_a, g_v), (ga, gv))
                    ybar = ybar + yb_i
                    if i > 0:
                        for jdx, aij in enumerate(a[i - 1]):
                            if aij != 0.0:
                                kbar[jdx] = kbar[jdx] + aij * yb_i
                return ybar, g_a, g_v
            ws = [None] * n_b
            for i in range(n_b - 1, -1, -1):
                ws[i] = h * kbar[i]
                yb_i = vf_transpose(t_st[q, i], ws[i])
                ybar = ybar + yb_i
                if i > 0:
                    for jdx, aij in enumerate(a[i - 1]):
                        if aij != 0.0:
                            kbar[jdx] = kbar[jdx] + aij * yb_i
            w_buf = jax.lax.dynamic_update_index_in_dim(w_buf, jnp.stack(ws), q, 0)
            return ybar, w_buf

        if staged:
            lam, g_args, g_vf = jax.lax.fori_loop(0, n_valid, step_body, (lam, g_args, g_vf))
            return lam, g_args, g_vf
        w0 = jnp.zeros((blk, n_b, n), ys.dtype)
        lam, w_buf = jax.lax.fori_loop(0, n_valid, step_body, (lam, w0))
        g = param_vjp(t_st.reshape(-1), stage_ys.reshape(-1, n), w_buf.reshape(-1, n))
        return lam, *add((g_args, g_vf), g)

    # the n_acc % blk last steps (swept first) in blocks of blk // 8, then full blocks: no batched
    # work on padding. Small states only (large: slower on 2 cores at d = 16)
    small = blk if staged else max(1, blk // _TAIL_DIVISOR)
    n_full = 0 if small == blk else n_acc // blk  # one size: one loop
    tail0 = n_full * blk
    n_small = (n_acc - tail0 + small - 1) // small
    carry = jax.lax.fori_loop(
        0, n_small, lambda kb, c: run_block(tail0 + (n_small - 1 - kb) * small, small, c),
        (jnp.zeros_like(y0_flat), g_args, g_vf))
    if small != blk:
        carry = jax.lax.fori_loop(
            0, n_full, lambda kb, c: run_block((n_full - 1 - kb) * blk, blk, c), carry)
    lam_flat, g_args, g_vf = carry
    lam = unravel(lam_flat)
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
