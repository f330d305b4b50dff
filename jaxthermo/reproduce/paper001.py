"""Paper 001 (Latune, Sinayskiy, Petruccione, PRR 1, 033192 (2019)), Figs. 1-6: energy and entropy
of collective (indistinguishable-spin) dissipation, from :mod:`jaxthermo.ensembles`.

Every curve is the closed form in the total-spin basis (Eqs. 18, 25, 26, 32-36, 40) with
log-space multiplicities; numeric checks are the limits and point values of spec seed-001
(Sec. 3 table and Sec. 4). Fig. 1 is also validated by exact block dynamics (n = 100 spins
evolved to t = 30 reach E_inf). Figs. 7-10 are in ``paper001_thermo.py``.
Axis ranges are not given in the paper; Fig. 2 uses x_B = +-1 (spec ambiguity list).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..ensembles import SpinEnsemble, analytic
from .registry import reproduction

INF = float("inf")


def curve(fn, n, s, xs, *extra):
    """``fn(n, s, *extra, x)`` on a grid of x (vmapped, jitted per (n, s))."""
    return np.asarray(jax.vmap(lambda x: fn(n, s, *extra, x))(jnp.asarray(xs)))


def evaluate(n, s, xs, fns, *extra):
    """``{name: fn(n, s, *extra, x) on xs}`` for several functions with ONE jit compile."""

    @jax.jit
    def run(x):
        return {k: jax.vmap(lambda xx, f=f: f(n, s, *extra, xx))(x) for k, f in fns.items()}

    return {k: np.asarray(v) for k, v in run(jnp.asarray(xs, dtype=float)).items()}


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


SETS_A = [(4, 0.5), (4, 1.5), (4, 4.5)]
SETS_B = [(2, 0.5), (6, 0.5), (9, 0.5), (100, 0.5)]


@reproduction(paper="001", name="fig1")
def fig1(ctx):
    """Fig. 1: steady-state energy E_inf vs x_B for n = 100 spins-1/2 and |x0| = 0.1..inf."""
    plt = _plt()
    n, s = 100, 0.5
    xs = np.linspace(-5, 5, 81 if ctx.quick else 401)
    x0s = [0.1, 1.0, 2.0, 5.0, INF]
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for x0 in x0s:
        ax.plot(xs, curve(analytic.energy_steady, n, s, xs, x0), label=f"|x0|={x0}")
    eth = curve(analytic.energy_thermal, n, s, xs)
    ax.plot(xs, eth, "k:", label="E_th")
    ax.set_xlabel(r"$\hbar\omega\beta_B$")
    ax.set_ylabel(r"$E^\infty_{\beta_0}(\beta_B)/\hbar\omega$")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig1.png"), dpi=110)
    plt.close(fig)
    pts = np.array([float(analytic.energy_steady(n, s, x0, 1.0)) for x0 in x0s])
    ctx.check("E_inf(x_B=1) for x0 = 0.1, 1, 2, 5, inf (spec check 13)",
              [42.7535798473, 26.8941421370, 12.3457512663, 1.24447814439, 0.581976706869],
              pts, rtol=1e-10)
    sp = np.array([float(analytic.entropy_steady(n, s, x0, 1.0)) for x0 in x0s])
    ctx.check("S_inf(x_B=1) for the same x0", [67.6338508153, 58.2203108888, 37.1155886176,
                                               5.01793313933, 1.04065185226], sp, rtol=1e-10)
    ctx.check("all curves pass through (0, ns = 50)", 50.0,
              [float(analytic.energy_steady(n, s, x0, 0.0)) for x0 in x0s], rtol=1e-13)
    e_sym = [float(analytic.energy_steady(n, s, 2.0, x) + analytic.energy_steady(n, s, 2.0, -x))
             for x in (0.3, 1.7)]
    ctx.check("E(x_B) + E(-x_B) = 2ns = 100", 100.0, e_sym, rtol=1e-13)
    ctx.check("x0 = 2 curve meets E_th at x_B = 2", 11.9202922022,
              float(analytic.energy_steady(n, s, 2.0, 2.0)), rtol=1e-10)
    plateau = [float(analytic.energy_steady(n, s, x0, 1e3)) for x0 in x0s[:4]]
    ctx.check("x_B -> inf plateaus ns - <J> (42.18, 26.31, 11.76, 0.66)",
              [42.1758, 26.3122, 11.7638, 0.6625], plateau, atol=6e-4)
    # exact block dynamics: n = 100 from the thermal state at x0 = 2 to t = 30
    ens = SpinEnsemble(n, s)
    late = ens.evolve(ens.thermal_state(2.0), jnp.array([30.0]), 1.0).at(0)
    ctx.check("block dynamics n=100 reach E_inf(x0=2, x_B=1) (t = 30)", 12.3457512663314,
              float(ens.energy(late, "ground")), atol=1e-9)
    ctx.record("E_inf_xB1", pts)


@reproduction(paper="001", name="fig2")
def fig2(ctx):
    """Fig. 2: E_inf vs x0 for n = 10 spins-1/2, x_B = +1 (a) and -1 (b): mitigation/amplification."""
    plt = _plt()
    n, s = 10, 0.5
    x0 = np.linspace(-6, 6, 61 if ctx.quick else 301)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, xb in zip(axs, (1.0, -1.0), strict=True):
        e = np.asarray(jax.vmap(lambda a, xb=xb: analytic.energy_steady(n, s, a, xb))(x0))
        eth = float(analytic.energy_thermal(n, s, xb))
        ax.plot(x0, e, label=r"$E^\infty$")
        ax.axhline(eth, color="k", ls=":", label=r"$E^{th}$")
        ax.set_xlabel(r"$\hbar\omega\beta_0$")
        ax.set_title(f"x_B = {xb:+g}")
        ax.legend(fontsize=7)
        amp = x0 / xb < -1
        ax.fill_between(x0, 0, 10, where=amp, alpha=0.1, label="amplification")
    axs[0].set_ylabel(r"$E/\hbar\omega$")
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig2.png"), dpi=110)
    plt.close(fig)
    e0p = float(analytic.energy_steady(n, s, 0.0, 1.0))
    e0m = float(analytic.energy_steady(n, s, 0.0, -1.0))
    ctx.check("(a) maximum at x0 = 0: 3.41863667608", 3.41863667608, e0p, rtol=1e-10)
    ctx.check("(b) minimum at x0 = 0: 6.58136332392", 6.58136332392, e0m, rtol=1e-10)
    ctx.check("(a) crosses E_th = 2.68941421370 at |x0| = x_B", 2.68941421370,
              [float(analytic.energy_steady(n, s, v, 1.0)) for v in (1.0, -1.0)], rtol=1e-10)
    ctx.check("(a) -> E_+ = 0.581792985092 as |x0| -> inf", 0.581792985092,
              float(analytic.energy_steady(n, s, INF, 1.0)), rtol=1e-10)
    ctx.check("(b) -> 9.41820701491", 9.41820701491,
              float(analytic.energy_steady(n, s, INF, -1.0)), rtol=1e-10)
    e = np.asarray(jax.vmap(lambda a: analytic.energy_steady(n, s, a, 1.0))(x0))
    ctx.check_true("E_inf is even in x0", np.allclose(e, e[::-1], rtol=1e-12, atol=1e-12))
    eth = float(analytic.energy_thermal(n, s, 1.0))
    ok = np.all((e > eth)[np.abs(x0) < 1 - 1e-9]) and np.all((e < eth)[np.abs(x0) > 1 + 1e-9])
    ctx.check_true("(a) E_inf > E_th iff |x0| < x_B (Eq. 23)", ok)


def _ratio_fig(ctx, name, fn_num, fn_den, ylabel, sets_b):
    plt = _plt()
    xs = np.linspace(-4, 4, 81 if ctx.quick else 321)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    out = {}
    for ax, sets in zip(axs, (SETS_A, sets_b), strict=True):
        for n, s in sets:
            y = fn_num(n, s, xs) / fn_den(n, s, xs)
            out[(n, s)] = y
            ax.plot(xs, y, label=f"n={n}, s={s}")
        ax.set_xlabel(r"$\hbar\omega\beta_B$")
        ax.legend(fontsize=7)
    axs[0].set_ylabel(ylabel)
    fig.tight_layout()
    fig.savefig(ctx.figure_path(f"{name}.png"), dpi=110)
    plt.close(fig)
    return xs, out


@reproduction(paper="001", name="fig3")
def fig3(ctx):
    """Fig. 3: E_+/ns (solid) and E_th/ns (dashed) vs x_B."""
    plt = _plt()
    xs = np.linspace(-4, 4, 81 if ctx.quick else 321)
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, sets in zip(axs, (SETS_A, SETS_B), strict=True):
        for n, s in sets:
            ns = n * s
            line, = ax.plot(xs, curve(analytic.energy_plus, n, s, xs) / ns, label=f"n={n}, s={s}")
            ax.plot(xs, curve(analytic.energy_thermal, n, s, xs) / ns, "--",
                    color=line.get_color())
        ax.set_xlabel(r"$\hbar\omega\beta_B$")
        ax.legend(fontsize=7)
    axs[0].set_ylabel(r"$E/(ns\,\hbar\omega)$")
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig3.png"), dpi=110)
    plt.close(fig)
    got = [float(analytic.energy_plus(n, 0.5, 1.0)) / (n * 0.5) for n in (2, 6, 9, 100)]
    ctx.check("E_+/ns at x=1 (n = 2, 6, 9, 100)", [0.424790, 0.191863, 0.129227, 0.0116395], got,
              atol=6e-7)
    ctx.check("E_th/ns at x=1 (s = 1/2, any n)", 0.537883,
              [float(analytic.energy_thermal(n, 0.5, 1.0)) / (n * 0.5) for n in (2, 100)],
              rtol=1e-6)
    for n, s in ([(4, 4.5), (100, 0.5)] if ctx.quick else SETS_A + SETS_B):
        ns = n * s
        g = float(jax.grad(analytic.energy_plus, 2)(n, s, 0.0)) / ns
        gt = float(jax.grad(analytic.energy_thermal, 2)(n, s, 0.0)) / ns
        ctx.check(f"slopes at 0, n={n} s={s}: -(ns+1)/3, -(s+1)/3 (Eqs. 27-28)",
                  [-(ns + 1) / 3, -(s + 1) / 3], [g, gt], rtol=1e-8)


@reproduction(paper="001", name="fig4")
def fig4(ctx):
    """Fig. 4: E_+/E_th vs x_B (-> 1/n for x_B >> 1, up to 2 for x_B < 0)."""
    xs, out = _ratio_fig(
        ctx, "fig4", lambda n, s, x: curve(analytic.energy_plus, n, s, x),
        lambda n, s, x: curve(analytic.energy_thermal, n, s, x), r"$E_+/E^{th}$", SETS_B)
    got = [float(analytic.energy_plus(n, s, 1.0) / analytic.energy_thermal(n, s, 1.0))
           for n, s in SETS_B + SETS_A]
    ctx.check("E_+/E_th at x=1 (spec check 11)",
              [0.7897437576, 0.3566995520, 0.2402516933, 0.0216395341, 0.5094589275,
               0.2867598597, 0.2501951858], got, atol=1e-10)
    big = [float(analytic.energy_plus(n, s, 30.0) / analytic.energy_thermal(n, s, 30.0)) * n
           for n, s in SETS_B + SETS_A]
    ctx.check("n E_+/E_th -> 1 at x_B = 30", 1.0, big, rtol=1e-9)
    ctx.check_true("ratio < 1 for x > 0 and > 1 for x < 0",
                   all(np.all(y[xs > 0.01] < 1) and np.all(y[xs < -0.01] > 1)
                       for y in out.values()))
    xneg = np.linspace(-1.0, -0.01, 400)
    for n, ref in [(2, 1.0774), (9, 1.3452), (100, 1.7457), (1000, 1.9135)]:
        r = curve(analytic.energy_plus, n, 0.5, xneg) / curve(analytic.energy_thermal, n, 0.5,
                                                              xneg)
        ctx.check(f"max over x<0 of E_+/E_th, n={n} (-> 2, 'up to twice')", ref, r.max(),
                  atol=6e-4)


@reproduction(paper="001", name="fig5")
def fig5(ctx):
    """Fig. 5: S_+ (solid) and S_th (dashed) vs x_B."""
    plt = _plt()
    xs = np.linspace(-4, 4, 81 if ctx.quick else 321)
    sets_b = SETS_B[:3]
    fig, axs = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, sets in zip(axs, (SETS_A, sets_b), strict=True):
        for n, s in sets:
            line, = ax.plot(xs, curve(analytic.entropy_plus, n, s, xs), label=f"n={n}, s={s}")
            ax.plot(xs, curve(analytic.entropy_thermal, n, s, xs), "--", color=line.get_color())
        ax.set_xlabel(r"$\hbar\omega\beta_B$")
        ax.legend(fontsize=7)
    axs[0].set_ylabel("S (nats)")
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig5.png"), dpi=110)
    plt.close(fig)
    ctx.check("S_+ at x=1 (n = 2, 6, 9)", [0.83239558, 1.03335055, 1.04015243],
              [float(analytic.entropy_plus(n, 0.5, 1.0)) for n in (2, 6, 9)], atol=1e-8)
    ctx.check("S_th at x=1 (n = 2, 6, 9)", [1.16440622, 3.49321865, 5.23982798],
              [float(analytic.entropy_thermal(n, 0.5, 1.0)) for n in (2, 6, 9)], atol=1e-8)
    for n, s in SETS_A + sets_b:
        ctx.check(f"x=0: S_+ = ln(2ns+1), S_th = n ln(2s+1) (n={n}, s={s})",
                  [math.log(2 * n * s + 1), n * math.log(2 * s + 1)],
                  [float(analytic.entropy_plus(n, s, 0.0)),
                   float(analytic.entropy_thermal(n, s, 0.0))], rtol=1e-13)


@reproduction(paper="001", name="fig6")
def fig6(ctx):
    """Fig. 6: S_th/S_+ vs x_B (n ln(2s+1)/ln(2ns+1) at 0, -> n for |x| >> 1)."""
    _ratio_fig(ctx, "fig6", lambda n, s, x: curve(analytic.entropy_thermal, n, s, x),
               lambda n, s, x: curve(analytic.entropy_plus, n, s, x), r"$S^{th}/S_+$",
               SETS_B[:3])
    sets = SETS_B[:3] + SETS_A
    at0 = [float(analytic.entropy_thermal(n, s, 0.0) / analytic.entropy_plus(n, s, 0.0))
           for n, s in sets]
    ctx.check("minimum at x=0 = n ln(2s+1)/ln(2ns+1)",
              [1.26185951, 2.13724312, 2.70926996, 1.72270623, 2.16190524, 2.55069226], at0,
              atol=1e-8)
    at1 = [float(analytic.entropy_thermal(n, s, 1.0) / analytic.entropy_plus(n, s, 1.0))
           for n, s in sets]
    ctx.check("S_th/S_+ at x=1 (spec check 12)",
              [1.39886160, 3.38047784, 5.03755779, 2.32887572, 3.64220090, 3.99808035], at1,
              atol=1e-8)
    far = [float(analytic.entropy_thermal(n, s, -30.0) / analytic.entropy_plus(n, s, -30.0)) / n
           for n, s in sets + [(100, 0.5)]]
    ctx.check("S_th/S_+ -> n at |x| = 30 (Eq. 41)", 1.0, far, rtol=1e-9)
    ctx.check("S_th/S_+ at x=1, n=100", 55.9460022702,
              float(analytic.entropy_thermal(100, 0.5, 1.0) / analytic.entropy_plus(100, 0.5, 1.0)),
              rtol=1e-10)
