"""Worked optimisation 1: the collective advantage of a spin Otto engine (paper 001, App. G).

n spins-1/2, hot bath at infinite temperature (beta_h = 0), ground-state start (x0 = +inf),
compression lambda = 1/2, full thermalisation. We maximise the coherent advantage
``(|W_coh| - |W_inc|) / ((1 - lambda) n s)`` over the cold bath's inverse temperature with optax
(Adam, a decaying step), through ``jt.engines.OttoCycle`` (collective vs independent baths), and
compare the optimum ``y* = lambda beta_c*`` with the exact root of ``Var_ns(y) = n Var_s(y)``
(App. G, Eq. G4) and the large-n closed form ``ln[(sqrt n + 1)/(sqrt n - 1)]`` (spec seed-001).

    python examples/otto_work_optimum.py [--quick] [--out DIR]
"""

import argparse
import math
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import optax  # noqa: E402

from jaxthermo.engines import (  # noqa: E402
    OttoCycle,
    SpinLadderMedium,
    beta_l_exact,
    beta_l_large_n,
    coherent_advantage,
)
from jaxthermo.optimize import duration, maximize  # noqa: E402

LAM = 0.5


def advantage_fn(n):
    med = SpinLadderMedium(n, 0.5, "collective", top_block_only=True)  # x0 = +inf: top block only

    def adv(p):
        o = OttoCycle(med, 0.0, p["beta_c"], LAM)
        w_coh = o.limit_cycle().work
        w_inc = o.incoherent().limit_cycle().work
        return (w_inc - w_coh) / ((1 - LAM) * n * 0.5)  # engines: W < 0, so |W_coh| - |W_inc|

    return adv


def optimise(n, steps):
    adv = advantage_fn(n)
    p0 = {"beta_c": 1.0 / math.sqrt(n)}
    res = maximize(adv, p0, optax.adam(optax.exponential_decay(0.1, steps // 10, 0.5)), steps,
                   {"beta_c": duration()})
    y = float(res.params["beta_c"]) * LAM
    return y, float(-res.loss), res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="examples/output")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    steps = 600 if args.quick else 1500
    sizes = (10, 100, 10_000)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    worst = 0.0
    for n in sizes:
        t0 = time.perf_counter()
        y, a_max, res = optimise(n, steps)
        exact = beta_l_exact(n)
        rel = abs(y / exact - 1)
        worst = max(worst, rel)
        print(f"n={n:6d}: optimum y*={y:.10f}  exact root={exact:.10f}  large-n={beta_l_large_n(n):.10f}"
              f"  rel.err={rel:.2e}  max advantage={a_max:.8f}"
              f"  (1-1/sqrt n)^2={(1 - 1 / math.sqrt(n)) ** 2:.8f}  [{time.perf_counter() - t0:.1f}s]")
        ys = jnp.geomspace(exact / 30, exact * 30, 200)
        curve = jax.vmap(lambda yy, n=n: coherent_advantage(n, 0.5, yy))(ys)
        (line,) = axes[0].semilogx(ys, curve, label=f"n={n}")
        axes[0].plot([y], [a_max], "o", color=line.get_color())
        axes[1].semilogy(jnp.abs(res.params_history["beta_c"] * LAM / exact - 1), label=f"n={n}")
    axes[0].set_xlabel(r"$y = \lambda \hbar\omega\beta_c$")
    axes[0].set_ylabel(r"$(|W_{coh}| - |W_{inc}|)/((1-\lambda) n s)$")
    axes[0].set_title(r"$\beta_h = 0$, $x_0 = \infty$ (paper 001 Fig. 9c)")
    axes[0].legend()
    axes[1].set_xlabel("Adam step")
    axes[1].set_ylabel(r"$|y/\beta_l - 1|$")
    axes[1].legend()
    fig.tight_layout()
    path = os.path.join(args.out, "otto_work_optimum.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"max relative error vs exact root: {worst:.2e}; plot: {path}")
    return worst


if __name__ == "__main__":
    main()
