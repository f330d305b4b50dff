"""Cost of a reverse-mode gradient through ``jt.mesolve`` relative to the forward solve, side by
side with dynamiqs on the same problem (issue 7; target: gradient <= 3x forward).

Problem (identical in both libraries, float64, Tsit5, rtol = 1e-8, atol = 1e-10, expectation
values only, no states saved): a spin J (dimension d = 2J + 1) with
``H = omega J_z + eps J_x`` relaxing through ``sqrt(G(omega)) J^-`` and ``sqrt(G(-omega)) J^+``
(Fermi rates ``G(w) = gamma / (1 + exp(-beta w))``, gamma = 1) from the ground state, saved at 11
times in [0, 2]. Loss: the sum over saved times of ``<J_z>``; gradient with respect to
``(omega, eps, beta)`` (jaxthermo: diffrax's RecursiveCheckpointAdjoint, the default; dynamiqs:
``gradient.BackwardCheckpointed``; also jaxthermo with ``RecursiveCheckpointAdjoint(checkpoints=256)``,
which trades memory for fewer recomputations; and jaxthermo with its own
``jaxthermo.dynamics.adjoint.StoredStepAdjoint()``, a stored-step discrete adjoint, same forward
solve: the exact VJP of every accepted Tsit5 step and of the dense output at the save times, with
the adjoint generator for the state cotangents, stage inputs rebuilt per block of steps in one
batched pass, and parameter cotangents batched per block (small d) or one joint VJP per stage
(large d); its gradient equals the default adjoint's to round-off, reported below). Agreement of values and gradients (each against central finite differences and against
dynamiqs) is checked first; timings are warm (compile reported apart), ``block_until_ready``,
median of repeats, the variants interleaved in the same process.

    python benchmarks/bench_gradient.py [--quick]
"""

import argparse
import json
import os
import pathlib
import statistics
import time

import jax

jax.config.update("jax_enable_x64", True)

import diffrax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo.dynamics.adjoint import StoredStepAdjoint  # noqa: E402

RTOL, ATOL = 1e-8, 1e-10
CKPT, CKPT_MAX_STEPS = 256, 16_384
SIZED = 1024  # StoredStepAdjoint's store sized to this problem (default 4096)
T_FINAL, N_SAVE = 2.0, 11


def operators(d):
    s = (d - 1) / 2
    jx, _, jz = jt.spin_ops(s)
    jp, jm = jt.spin_ladder(s)
    rho0 = jnp.zeros((d, d), dtype=complex).at[d - 1, d - 1].set(1.0)  # m = -J (ground state)
    return jx, jz, jp, jm, rho0


def make_jaxthermo(d, **numerics):
    jx, jz, jp, jm, rho0 = operators(d)
    ts = jnp.linspace(0.0, T_FINAL, N_SAVE)

    def loss(p):
        omega, eps, beta = p
        h = omega * jz + eps * jx
        gd, gu = jax.nn.sigmoid(beta * omega), jax.nn.sigmoid(-beta * omega)
        ops = jnp.stack([jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp])
        res = jt.mesolve(h, rho0, ts, ops, exp_ops=[jz], rtol=RTOL, atol=ATOL, save_states=False,
                         **numerics)
        return jnp.sum(jnp.real(res.expects[0]))

    return loss


def make_dynamiqs(d):
    import dynamiqs as dq

    try:
        dq.set_precision("double")
    except Exception:  # pragma: no cover
        pass
    jx, jz, jp, jm, rho0 = operators(d)
    ts = jnp.linspace(0.0, T_FINAL, N_SAVE)
    method = dq.method.Tsit5(rtol=RTOL, atol=ATOL)

    def loss(p):
        omega, eps, beta = p
        h = omega * jz + eps * jx
        gd, gu = jax.nn.sigmoid(beta * omega), jax.nn.sigmoid(-beta * omega)
        res = dq.mesolve(h, [jnp.sqrt(gd) * jm, jnp.sqrt(gu) * jp], rho0, ts, exp_ops=[jz],
                         method=method, gradient=dq.gradient.BackwardCheckpointed(),
                         save_states=False, progress_meter=False)
        return jnp.sum(jnp.real(res.expects[0]))

    return loss


def first_call(fn, arg):
    """Value of the first call and its wall time (compilation included)."""
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn(arg))
    return out, time.perf_counter() - t0


def timed(fn, arg, repeats):
    """Median warm wall time (the function is already compiled)."""
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(arg))
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(pathlib.Path(__file__).parent / "results" / "gradient.json"))
    args = ap.parse_args(argv)
    dims = (4, 8, 16) if args.quick else (4, 8, 16, 32)
    repeats = 7 if args.quick else 21
    p = jnp.array([1.0, 0.4, 0.7])
    rows = []
    try:
        import dynamiqs  # noqa: F401

        have_dq = True
    except Exception:  # pragma: no cover
        have_dq = False
    for d in dims:
        lt = make_jaxthermo(d)
        f_jt, g_jt = jax.jit(lt), jax.jit(jax.grad(lt))
        v_jt, cf = first_call(f_jt, p)
        gr_jt, cg = first_call(g_jt, p)
        v_jt, gr_jt = float(v_jt), np.asarray(gr_jt)
        # gradient vs central differences (float64)
        fd = np.array([(float(f_jt(p.at[i].add(1e-5))) - float(f_jt(p.at[i].add(-1e-5)))) / 2e-5
                       for i in range(3)])
        row = {"d": d, "n_save": N_SAVE, "t_final": T_FINAL, "rtol": RTOL, "atol": ATOL,
               "params": [float(x) for x in p], "jaxthermo_value": v_jt,
               "jaxthermo_grad": gr_jt.tolist(),
               "grad_vs_finite_difference_max_rel": float(np.max(np.abs(gr_jt - fd))
                                                          / np.max(np.abs(fd)))}
        tf, tg = timed(f_jt, p, repeats), timed(g_jt, p, repeats)
        row.update(jaxthermo_forward_s=tf, jaxthermo_grad_s=tg, jaxthermo_forward_compile_s=cf,
                   jaxthermo_grad_compile_s=cg, grad_over_forward=tg / tf)
        # the same with more checkpoints for the reverse pass (fewer recomputations)
        lc = make_jaxthermo(d, max_steps=CKPT_MAX_STEPS,
                            adjoint=diffrax.RecursiveCheckpointAdjoint(checkpoints=CKPT))
        gc = jax.jit(jax.grad(lc))
        first_call(gc, p)
        tgc = timed(gc, p, repeats)
        row.update(jaxthermo_grad_ckpt_s=tgc, grad_ckpt_over_forward=tgc / tf,
                   ckpt_settings={"checkpoints": CKPT, "max_steps": CKPT_MAX_STEPS})
        # the stored-step discrete adjoint (jaxthermo.dynamics.adjoint)
        gs = jax.jit(jax.grad(make_jaxthermo(d, adjoint=StoredStepAdjoint())))
        gr_s, cgs = first_call(gs, p)
        gr_s = np.asarray(gr_s)
        row["stored_grad_vs_finite_difference_max_rel"] = float(np.max(np.abs(gr_s - fd))
                                                                / np.max(np.abs(fd)))
        row["stored_grad_vs_default_max_rel"] = float(np.max(np.abs(gr_s - gr_jt))
                                                      / np.max(np.abs(gr_jt)))
        # interleaved rounds (forward, default gradient, stored-step gradient), each variant timed
        # as the median of a block of 5 consecutive calls (a lone call after another variant pays
        # the CPU thread pool's wake-up, which would inflate the sub-millisecond forward)
        # ... and with the store sized to the solve (its buffer is allocated and filled at
        # max_stored_steps states per gradient; this problem takes <= 300 accepted steps)
        gz = jax.jit(jax.grad(make_jaxthermo(d, adjoint=StoredStepAdjoint(max_stored_steps=SIZED))))
        gr_z, _ = first_call(gz, p)
        row["stored_sized_grad_vs_default_max_rel"] = float(
            np.max(np.abs(np.asarray(gr_z) - gr_jt)) / np.max(np.abs(gr_jt)))
        tf2, tg2, tgs, tgz = [], [], [], []
        for _ in range(max(3, repeats // 3)):
            tf2.append(timed(f_jt, p, 5))
            tg2.append(timed(g_jt, p, 5))
            tgs.append(timed(gs, p, 5))
            tgz.append(timed(gz, p, 5))
        tf_i, tg_i, tgs_i, tgz_i = (statistics.median(x) for x in (tf2, tg2, tgs, tgz))
        row.update(jaxthermo_grad_stored_s=tgs_i, jaxthermo_grad_stored_compile_s=cgs,
                   interleaved_forward_s=tf_i, interleaved_grad_default_s=tg_i,
                   grad_stored_over_forward=tgs_i / tf_i, interleaved_grad_over_forward=tg_i / tf_i,
                   stored_sized_max_stored_steps=SIZED, jaxthermo_grad_stored_sized_s=tgz_i,
                   grad_stored_sized_over_forward=tgz_i / tf_i)
        if have_dq:
            ld = make_dynamiqs(d)
            f_dq, g_dq = jax.jit(ld), jax.jit(jax.grad(ld))
            v_dq, cfd = first_call(f_dq, p)
            gr_dq, cgd = first_call(g_dq, p)
            row["max_value_deviation"] = abs(float(v_dq) - v_jt)
            row["max_grad_deviation"] = float(np.max(np.abs(np.asarray(gr_dq) - gr_jt)))
            tfd, tgd = timed(f_dq, p, repeats), timed(g_dq, p, repeats)
            row.update(dynamiqs_forward_s=tfd, dynamiqs_grad_s=tgd, dynamiqs_forward_compile_s=cfd,
                       dynamiqs_grad_compile_s=cgd, dynamiqs_grad_over_forward=tgd / tfd,
                       jaxthermo_over_dynamiqs_forward=tf / tfd,
                       jaxthermo_over_dynamiqs_grad=tg / tgd)
        rows.append(row)
        msg = (f"d={d:3d}: jaxthermo fwd {tf * 1e3:8.2f} ms, grad {tg * 1e3:8.2f} ms, "
               f"grad/fwd {tg / tf:5.2f} (compile {cf:.1f}s/{cg:.1f}s); with {CKPT} checkpoints "
               f"grad {tgc * 1e3:8.2f} ms, grad/fwd {tgc / tf:5.2f}; grad vs FD "
               f"{row['grad_vs_finite_difference_max_rel']:.1e}\n        stored-step adjoint: grad "
               f"{tgs_i * 1e3:8.2f} ms, grad/fwd {tgs_i / tf_i:5.2f} (default interleaved "
               f"{tg_i / tf_i:5.2f}); vs FD {row['stored_grad_vs_finite_difference_max_rel']:.1e}, "
               f"vs default {row['stored_grad_vs_default_max_rel']:.1e}\n        stored-step adjoint, "
               f"max_stored_steps={SIZED}: grad {tgz_i * 1e3:8.2f} ms, grad/fwd {tgz_i / tf_i:5.2f}")
        if have_dq:
            msg += (f"\n        dynamiqs  fwd {tfd * 1e3:8.2f} ms, grad {tgd * 1e3:8.2f} ms, "
                    f"grad/fwd {tgd / tfd:5.2f}; agreement: value {row['max_value_deviation']:.1e}"
                    f", grad {row['max_grad_deviation']:.1e}")
        print(msg, flush=True)
    dev = jax.devices()[0]
    out = {"benchmark": "gradient", "device": dev.device_kind, "platform": dev.platform,
           "quick": bool(args.quick), "target_grad_over_forward": 3.0,
           "load_average": list(os.getloadavg()), "rows": rows}
    path = pathlib.Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    worst = max(r["grad_over_forward"] for r in rows)
    worst_c = max(r["grad_ckpt_over_forward"] for r in rows)
    worst_s = max(r["grad_stored_over_forward"] for r in rows)
    worst_z = max(r["grad_stored_sized_over_forward"] for r in rows)
    print(f"worst jaxthermo grad/forward = {worst:.2f} (default adjoint), {worst_c:.2f} "
          f"({CKPT} checkpoints), {worst_s:.2f} (StoredStepAdjoint), {worst_z:.2f} "
          f"(StoredStepAdjoint(max_stored_steps={SIZED})); target <= 3; results: {path}")


if __name__ == "__main__":
    main()
