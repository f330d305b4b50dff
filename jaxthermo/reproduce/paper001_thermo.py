"""Paper 001 (Latune et al., PRR 1, 033192 (2019)), Figs. 7-10: free energy, entropy production,
Otto-engine work and the entropic condition (55), from :mod:`jaxthermo.ensembles.analytic`.

Figs. 7-9 take x0 = +inf (the paper's "hbar omega beta_0 >> 1"; spec ambiguity list: it matters
for Delta F and Sigma, which are not even in x0). Fig. 9 uses beta_h = 0 and y = lambda x_c
(W_coh/W_inc does not depend on lambda). Eq. (52) needs lambda x_c << 1/(ns), not only
<< 1 (spec Sec. 6): the y -> 0 limit is checked at y = 1e-3.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..ensembles import analytic
from .paper001 import _plt, curve, evaluate
from .registry import reproduction

INF = float("inf")
S32 = [(2, 1.5), (6, 1.5), (9, 1.5), (100, 1.5)]


def _xgrid(quick):
    x = np.linspace(-3, 3, 60 if quick else 300)  # even count: avoids x_B = 0 (Delta F ~ 1/x_B)
    return x


@reproduction(paper="001", name="fig7")
def fig7(ctx):
    """Fig. 7: Delta F_+ (x0 = inf, solid) and Delta F_th (dashed) vs x_B, s = 3/2; (b) per spin."""
    plt = _plt()
    xs = _xgrid(ctx.quick)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    pts = np.array([1.0, 0.5, -1.3, 1.3, -2.0, -0.5, 0.3, 2.0])
    vals = {}
    for n, s in S32:
        r = evaluate(n, s, np.concatenate([xs, pts]),
                     {"fp": analytic.free_energy_change_steady,
                      "ft": analytic.free_energy_change_thermal}, INF)
        fp, ft = r["fp"][:len(xs)], r["ft"][:len(xs)]
        vals[(n, s)] = {k: dict(zip(pts.tolist(), v[len(xs):].tolist(), strict=True))
                        for k, v in r.items()}
        line, = axs[0].plot(xs, fp, label=f"n={n}")
        axs[0].plot(xs, ft, "--", color=line.get_color())
        axs[1].plot(xs, fp / n, color=line.get_color(), label=f"n={n}")
        axs[1].plot(xs, ft / n, "--", color=line.get_color())
    for ax in axs:
        ax.set_xlabel(r"$\hbar\omega\beta_B$")
        ax.legend(fontsize=7)
    axs[0].set_ylabel(r"$\Delta F/\hbar\omega$")
    axs[1].set_ylabel(r"$\Delta F/(n\hbar\omega)$")
    axs[0].set_ylim(-5, 40)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig7.png"), dpi=110)
    plt.close(fig)
    got = [vals[k]["fp"][1.0] for k in S32]
    ctx.check("Delta F_+ at x_B=1 (n = 2, 6, 9, 100)",
              [-0.4577628474, -0.4586751398, -0.4586751454, -0.4586751454], got, atol=1e-10)
    ctx.check("Delta F_+ -> ln(1 - e^-1) for large ns", math.log(1 - math.exp(-1)), got[-1],
              atol=1e-10)
    ctx.check("Delta F_th/n at x_B = 1 and 0.5", [-0.4401896986, -1.5746773434],
              [vals[(6, 1.5)]["ft"][x] / 6 for x in (1.0, 0.5)], atol=1e-10)
    sym = [vals[(n, s)]["fp"][-1.3] + vals[(n, s)]["fp"][1.3] - 2 * n * s for n, s in S32]
    ctx.check("Delta F_+(-x) = 2ns - Delta F_+(x)", 0.0, sym, atol=1e-9)
    ok = all(abs(vals[k]["fp"][x]) < abs(vals[k]["ft"][x])
             for k in S32 for x in (-2.0, -0.5, 0.3, 2.0))
    ctx.check_true("|Delta F_inf| < |Delta F_th| (Theorem F6-F8)", ok)


@reproduction(paper="001", name="fig8")
def fig8(ctx):
    """Fig. 8: entropy production Sigma_+/n (solid) and Sigma_th/n (dashed) vs x_B, s = 3/2."""
    plt = _plt()
    xs = np.linspace(-3, 3, 61 if ctx.quick else 301)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    pts = np.array([1.0, -1.0, 0.8, -0.8])
    vals = {}
    for n, s in S32:
        r = evaluate(n, s, np.concatenate([xs, pts]),
                     {"sp": analytic.entropy_production_steady,
                      "st": analytic.entropy_production_thermal}, INF)
        sp, st = r["sp"][:len(xs)] / n, r["st"][:len(xs)] / n
        vals[(n, s)] = {k: dict(zip(pts.tolist(), v[len(xs):].tolist(), strict=True))
                        for k, v in r.items()}
        line, = ax.plot(xs, sp, label=f"n={n}")
        ax.plot(xs, st, "--", color=line.get_color())
    ax.set_xlabel(r"$\hbar\omega\beta_B$")
    ax.set_ylabel(r"$\Sigma/n$")
    ax.set_yscale("log")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig8.png"), dpi=110)
    plt.close(fig)
    got = [vals[(n, s)]["sp"][1.0] / n for n, s in S32]
    ctx.check("Sigma_+/n at x=1 (n = 2, 6, 9, 100)",
              [0.2288814237, 0.0764458566, 0.0509639050, 0.0045867515], got, atol=1e-10)
    closed = [math.log(sum(math.exp(-k) for k in range(int(2 * n * s) + 1))) / n for n, s in S32]
    ctx.check("closed form Sigma_+ = ln sum_k e^{-k x_B}", closed, got, rtol=1e-12)
    ctx.check("Sigma_th/n = 0.4401896986 for every n", 0.4401896986,
              [vals[(n, s)]["st"][1.0] / n for n, s in S32], atol=1e-10)
    ctx.check("Sigma_+/n at x=-1, n=2: 3.2289", 3.2289, vals[(2, 1.5)]["sp"][-1.0] / 2,
              atol=1e-4)
    sym = [vals[(n, s)]["sp"][-0.8] - vals[(n, s)]["sp"][0.8] - 2 * n * s * 0.8 for n, s in S32]
    ctx.check("Sigma_+(-x) = 2ns x + Sigma_+(x)", 0.0, sym, atol=1e-9)


SETS_9A = [(4, 0.5), (4, 1.5), (4, 4.5)]
SETS_9C = [(2, 0.5), (6, 0.5), (9, 0.5), (100, 0.5)]


def _works(n, s, y, x0=INF, xh=0.0, lam=0.5):
    return analytic.otto_work(n, s, x0, xh, y / lam, lam)


@reproduction(paper="001", name="fig9")
def fig9(ctx):
    """Fig. 9: Otto engine, beta_h = 0: (|W_coh| - |W_inc|)/((1-lam) ns) and W_coh/W_inc vs y."""
    plt = _plt()
    ys = np.logspace(-3, 1.3, 50 if ctx.quick else 300)
    fig, axs = plt.subplots(2, 2, figsize=(9, 6.5))
    lam = 0.5
    res = {}
    for col, sets in enumerate((SETS_9A, SETS_9C)):
        for n, s in sets:
            @jax.jit
            def run(y, n=n, s=s):
                bl = analytic.beta_l(n, s)
                pts = jnp.concatenate([y, jnp.stack([bl, 1e-3, 1.0])])
                wc, wi = jax.vmap(lambda yy: _works(n, s, yy))(pts)
                return wc, wi, bl

            wc, wi, bl = (np.asarray(v) for v in run(jnp.asarray(ys)))
            diff = (np.abs(wc) - np.abs(wi)) / ((1 - lam) * n * s)
            k = len(ys)
            res[(n, s)] = dict(bl=float(bl), mx=float(diff[k]), r3=float(wc[k + 1] / wi[k + 1]),
                               r1=float(wc[k + 2] / wi[k + 2]))
            axs[0, col].plot(ys, diff[:k], label=f"n={n}, s={s}")
            axs[1, col].plot(ys, wc[:k] / wi[:k], label=f"n={n}, s={s}")
        for r in range(2):
            axs[r, col].set_xscale("log")
            axs[r, col].set_xlabel(r"$\lambda\hbar\omega\beta_c$")
            axs[r, col].legend(fontsize=7)
    axs[0, 0].set_ylabel(r"$(|W^{coh}|-|W^{inc}|)/((1-\lambda) ns\hbar\omega)$")
    axs[1, 0].set_ylabel(r"$W^{coh}/W^{inc}$")
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig9.png"), dpi=110)
    plt.close(fig)
    table = {(2, 0.5): (1.2080566, 0.1162158), (6, 0.5): (0.8074968, 0.3567423),
             (9, 0.5): (0.6715872, 0.4468543), (100, 0.5): (0.2006706, 0.8100000),
             (4, 0.5): (0.9545074, 0.2642757), (4, 1.5): (0.4604098, 0.3580756),
             (4, 4.5): (0.1835537, 0.4077315)}
    for (n, s), (bl_ref, mx_ref) in table.items():
        ctx.check(f"(beta_l, max) n={n} s={s} (Eq. G4-G5)", [bl_ref, mx_ref],
                  [res[(n, s)]["bl"], res[(n, s)]["mx"]], atol=1e-7)
    ctx.check("large-n s=1/2 closed form: max = (1 - 1/sqrt(n))^2 = 0.81, beta_l = "
              "ln((sqrt n + 1)/(sqrt n - 1))", [0.81, math.log(11 / 9)],
              [res[(100, 0.5)]["mx"], res[(100, 0.5)]["bl"]], atol=1e-7)
    for (n, s) in SETS_9C + SETS_9A:
        lim = (n * s + 1) / (s + 1)
        ctx.check(f"W_coh/W_inc at y=1e-3 within 1% of (ns+1)/(s+1) = {lim:.4g} (n={n}, s={s})",
                  lim, res[(n, s)]["r3"], rtol=1e-2)
    ctx.check("n=100 ratio at y=1e-3", 33.9942231, res[(100, 0.5)]["r3"], atol=1e-6)
    at1 = [res[k]["r1"] for k in SETS_9C + SETS_9A]
    ctx.check("W_coh/W_inc at y=1", [1.2447285, 1.7487718, 1.8843116, 2.1387660, 1.5709670,
                                     1.3645388, 1.1112750], at1, atol=1e-7)
    wc, wi = analytic.otto_work(100, 0.5, INF, 0.1, 2.0, 0.5)
    ctx.check("size threshold: n=100, x_h=0.1, x_c=2, lam=0.5 ratio (spec check 21)",
              0.432949941406, float(wc / wi), atol=1e-10)
    yy = jnp.linspace(0.52, 20.0, 200)
    wc, wi = jax.vmap(lambda y: _works(100, 0.5, y, xh=0.5))(yy)
    ctx.check_true("n=100, x_h=0.5: |W_coh| < |W_inc| for lam x_c in (0.51, 20)",
                   bool(jnp.all(jnp.abs(wc) < jnp.abs(wi))))
    wc, wi = analytic.otto_work(6, 0.5, 2.0, 0.1, 2.0, 0.5)
    ctx.check("finite x0 = 2: W_coh = -0.798968286378, ratio 1.29233088587",
              [-0.798968286378, 1.29233088587], [float(wc), float(wc / wi)], atol=1e-10)


@reproduction(paper="001", name="fig10")
def fig10(ctx):
    """Fig. 10: S_+(x) - S_+(0) (solid) and S_th(x) - S_th(0) (dotted) vs x, s = 1/2."""
    plt = _plt()
    xs = np.linspace(-3, 3, 61 if ctx.quick else 301)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    xstar = []
    for n in (2, 6, 9, 100):
        sp = curve(analytic.entropy_plus, n, 0.5, xs) - float(analytic.entropy_plus(n, 0.5, 0.0))
        st = curve(analytic.entropy_thermal, n, 0.5, xs) - float(
            analytic.entropy_thermal(n, 0.5, 0.0))
        line, = ax.plot(xs, sp, label=f"n={n}")
        ax.plot(xs, st, ":", color=line.get_color())

        @jax.jit
        def f(x, n=n):
            return (analytic.entropy_plus(n, 0.5, x) - analytic.entropy_plus(n, 0.5, 0.0)
                    - analytic.entropy_thermal(n, 0.5, x) + analytic.entropy_thermal(n, 0.5, 0.0))

        a, b = 0.05, 5.0  # f < 0 on (0, x*), > 0 beyond
        for _ in range(60):
            c = 0.5 * (a + b)
            a, b = (c, b) if float(f(c)) < 0 else (a, c)
        xstar.append(0.5 * (a + b))
    ax.set_xlabel(r"$\hbar\omega\beta$")
    ax.set_ylabel(r"$S(x) - S(0)$")
    ax.set_ylim(-8, 0.5)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig10.png"), dpi=110)
    plt.close(fig)
    ctx.check("crossing x* (n = 2, 6, 9, 100)", [2.0186404, 1.4409486, 1.2480137, 0.4877200],
              xstar, atol=1e-7)
    ctx.record("x_star", xstar)
