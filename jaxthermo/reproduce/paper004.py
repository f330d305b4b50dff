"""Paper 004: Zicari et al., "Role of coherence in the entropy production of bipartite systems",
New J. Phys. 25, 013030 (2023). Wehrl (spin-Husimi) entropy production of two qubits under local
dephasing and thermal amplitude damping; spec seed-004 (reference values R6, R11-R15).

What is reproduced (figures in ``paper004/``):

* fig1: X vs non-X dephasing states of equal coherence C = 0.14: their Pi(t) cross (spec R11).
* fig2: dephasing rescaling families rho(mu) = xi + mu chi: Pi(t) increases with mu at every t;
  panel (d), different factors for alpha and beta, is NOT ordered in general (spec D3).
  Also the paper's "Pi -> mu^2 Pi" holds only to leading order (spec D1, R13).
* fig3: amplitude damping, Pi_W (eq. 21) vs Pi_vN (eq. 32) for the paper's state (spec R6 table).
* fig4: amplitude-damping rescaling families (spec R14): ordered by mu.
* fig5 / main claim: independently drawn states are not ordered by coherence (Kendall tau < 1,
  deterministic counterexample pairs R15), under both channels.

The paper integrates by Monte Carlo; we use Gauss-Legendre x uniform quadrature (24^2 per qubit
quick, 32^2 full), which reproduces the spec's values to ~1e-12. The random draws of the paper are
not given, so Figs. 2, 4, 5 use our own seeds; only their qualitative claims are checked there.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from .. import phasespace as ps
from ..dynamics import lindbladian
from ..quantum import expm
from ..thermo import l1_coherence, relative_entropy_of_coherence
from .registry import reproduction

QUBITS = (0.5, 0.5)
_CHUNK = 16
_FLIPS = np.array([[bin(i ^ k).count("1") for k in range(4)] for i in range(4)])


def _grid(ctx):
    return ps.SphereGrid(24 if ctx.quick else 32)


def _evolve(ch, rho0s, ts):
    """(S, 4, 4) initial states -> (S, T, 4, 4) by expm of the Lindbladian (exact)."""
    lv = lindbladian(jnp.zeros((4, 4), dtype=complex), ch.jump_ops(QUBITS))
    props = jax.vmap(lambda t: expm(t * lv))(jnp.asarray(ts, dtype=float))
    s = rho0s.shape[0]
    out = jnp.einsum("tab,sb->sta", props, rho0s.reshape(s, 16))
    return out.reshape(s, len(ts), 4, 4)


def _production(ch, states, grid, with_flux=False):
    """Pi (and Phi) for any batch of states, in fixed-size chunks (one compilation per channel)."""
    lead = states.shape[:-2]
    flat = states.reshape(-1, 4, 4)
    n = flat.shape[0]
    pad = (-n) % _CHUNK
    flat = jnp.concatenate([flat, jnp.broadcast_to(jnp.eye(4) / 4, (pad, 4, 4))]).astype(complex)
    pis, phis = [], []
    for k in range(0, flat.shape[0], _CHUNK):
        pi, phi = ps.wehrl_production(flat[k:k + _CHUNK], QUBITS, ch, grid)
        pis.append(pi)
        phis.append(phi)
    pi = np.asarray(jnp.concatenate(pis)[:n]).reshape(lead)
    phi = np.asarray(jnp.concatenate(phis)[:n]).reshape(lead)
    return (pi, phi) if with_flux else pi


def _state(pops, r12=0.0, r13=0.0, r14=0.0, r23=0.0, r24=0.0, r34=0.0):
    m = np.diag(np.asarray(pops, dtype=float))
    for (i, j), v in {(0, 1): r12, (0, 2): r13, (0, 3): r14, (1, 2): r23, (1, 3): r24,
                      (2, 3): r34}.items():
        m[i, j] = m[j, i] = v
    return m


def _deph_state(pops, alpha, beta):
    """Paper eq. (27): alpha on rho14, rho23; beta on rho12, rho13, rho24, rho34."""
    return _state(pops, beta, beta, alpha, alpha, beta, beta)


def _ad_state(pops, alpha, beta, gamma):
    """Paper eq. (30): alpha on rho12, rho13; beta on rho24, rho34; gamma on rho14, rho23."""
    return _state(pops, alpha, alpha, gamma, gamma, beta, beta)


def _coh(states):
    s = jnp.asarray(states, dtype=complex)
    return (np.asarray(l1_coherence(s)),
            np.asarray(jax.vmap(relative_entropy_of_coherence)(s)))


def _random_states(rng, n, kind):
    """The paper's recipe: populations U[0,1] normalised, coherences U[0,0.25], PSD rejection."""
    out = []
    while len(out) < n:
        xi = rng.uniform(0, 1, 4)
        xi /= xi.sum()
        if kind == "deph":
            m = _deph_state(xi, *rng.uniform(0, 0.25, 2))
        else:
            m = _ad_state(xi, *rng.uniform(0, 0.25, 3))
        if np.linalg.eigvalsh(m)[0] >= 0:
            out.append(m)
    return np.stack(out)


def _kendall_tau(a, b):
    a, b = np.asarray(a), np.asarray(b)
    i, j = np.triu_indices(len(a), 1)
    s = np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])
    return float(np.mean(s))


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@reproduction(paper="004", name="fig1_x_vs_nonx")
def fig1(ctx):
    """Fig. 1: equal coherence, different classes -> different Pi(t), and the curves cross."""
    from scipy.optimize import brentq

    grid, ch = _grid(ctx), ps.Dephasing(1.0)
    pops = [0.1, 0.2, 0.3, 0.4]
    x0 = _deph_state(pops, 0.035, 0.0)
    n0 = _deph_state(pops, 0.0, 0.0175)
    c = _coh(np.stack([x0, n0]))[0]
    ctx.check("C_l1 = 0.14 for both states", [0.14, 0.14], c, atol=1e-14)
    ts = np.linspace(0, 3, 13 if ctx.quick else 61)
    pi = _production(ch, _evolve(ch, jnp.asarray(np.stack([x0, n0])), ts), grid)
    ctx.check("Pi_X(0), Pi_nonX(0) (spec R11)", [2.280940910e-3, 1.738920809e-3], pi[:, 0],
              rtol=1e-9)
    p1 = _production(ch, _evolve(ch, jnp.asarray(np.stack([x0, n0])), [1.0]), grid)[:, 0]
    ctx.check("Pi_X, Pi_nonX at lambda t = 1 (spec R11)", [3.079602138e-4, 6.383603318e-4], p1,
              rtol=1e-9)

    def diff(t):
        p = _production(ch, _evolve(ch, jnp.asarray(np.stack([x0, n0])), [t]), grid)[:, 0]
        return float(p[0] - p[1])

    t_star = brentq(diff, 0.05, 1.0, xtol=1e-12)
    ctx.check("crossing time lambda t* (spec R11)", 0.2709694652, t_star, atol=1e-8)
    ctx.record("t_star", t_star)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ts, pi[0], "-", label=r"X state ($\alpha$ = 0.035)")
    ax.plot(ts, pi[1], "-.", label=r"non-X state ($\beta$ = 0.0175)")
    ax.axvline(t_star, color="gray", lw=0.8)
    ax.set_xlabel(r"$\lambda t$")
    ax.set_ylabel(r"$\Pi/\lambda$")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig1.png"), dpi=120)
    plt.close(fig)


@reproduction(paper="004", name="fig2_dephasing_families")
def fig2(ctx):
    """Fig. 2: dephasing mu-families are ordered; different factors (panel d) need not be."""
    grid, ch = _grid(ctx), ps.Dephasing(1.0)
    rng = np.random.default_rng(4)
    ts = np.linspace(0, 4, 9 if ctx.quick else 41)
    mus = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    pops = rng.uniform(0, 1, 4)
    pops /= pops.sum()
    panels = {}
    for name, (a, b) in {"a: X family": (0.1, 0.0), "b: non-X family": (0.0, 0.06),
                         "c: alpha and beta, same mu": (0.08, 0.05)}.items():
        fam = np.stack([_deph_state(pops, m * a, m * b) for m in mus])
        assert np.linalg.eigvalsh(fam[-1])[0] >= 0
        pi = _production(ch, _evolve(ch, jnp.asarray(fam), ts), grid)
        ok = bool(np.all(np.diff(pi[1:], axis=0) > 0)) and bool(np.all(pi[0] < 1e-14))
        ctx.check_true(f"{name}: Pi(t) increases with mu at every t", ok,
                       detail=f"{len(ts)} times x {len(mus)} mu",
                       got=float(np.min(np.diff(pi[1:], axis=0))))
        panels[name] = (pi, [f"mu={m:g}" for m in mus])
    # D3: different factors for alpha and beta (uniform populations, alpha0 = beta0 = 0.1)
    u = [0.25] * 4
    s1, s2 = _deph_state(u, 0.1, 0.03), _deph_state(u, 0.02, 0.065)
    c_l1, c_rel = _coh(np.stack([s1, s2]))
    tt = np.array([0.0, 4.0])
    pi = _production(ch, _evolve(ch, jnp.asarray(np.stack([s1, s2])), tt), grid)
    ctx.check("D3: C_l1 of (mu, mu') = (1, 0.3) and (0.2, 0.65)", [0.64, 0.60], c_l1, atol=1e-12)
    ctx.check("D3: Pi at t = 0 (spec)", [0.022028, 0.022867], pi[:, 0], rtol=5e-5)
    ctx.check("D3: Pi at lambda t = 4 (spec)", [9.35e-5, 4.13e-4], pi[:, 1], rtol=5e-3)
    ctx.check_true("D3: larger coherence, smaller Pi at all t (paper's panel d is not general)",
                   bool(c_l1[0] > c_l1[1] and c_rel[0] > c_rel[1] and np.all(pi[0] < pi[1])),
                   detail=f"C_rel {c_rel[0]:.4f} > {c_rel[1]:.4f}")
    s_t = _evolve(ch, jnp.asarray(np.stack([s1, s2])), ts)
    panels["d: different factors (mu, mu')"] = (_production(ch, s_t, grid),
                                                ["(1, 0.3)", "(0.2, 0.65)"])
    # D1 / R13: Pi/mu^2 is not constant
    pops13 = [0.1, 0.2, 0.3, 0.4]
    fam = np.stack([_deph_state(pops13, m * 0.035, 0.0) for m in (0.25, 1.0, 4.0)])
    pi = _production(ch, jnp.asarray(fam), grid) / np.array([0.25, 1.0, 4.0]) ** 2
    ctx.check("D1: Pi/mu^2 for mu = 0.25, 1, 4 (spec R13; paper claims a constant)",
              [2.27508e-3, 2.28094e-3, 2.38776e-3], pi, rtol=5e-6)
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
    for ax, (name, (p, labels)) in zip(axes.flat, panels.items(), strict=True):
        for row, lab in zip(p, labels, strict=True):
            ax.plot(ts, row, label=lab)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(r"$\lambda t$")
        ax.set_ylabel(r"$\Pi/\lambda$")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig2.png"), dpi=110)
    plt.close(fig)


@reproduction(paper="004", name="fig3_wehrl_vs_von_neumann")
def fig3(ctx):
    """Fig. 3: amplitude damping (nbar = 1.5), Pi_W and Pi_vN both decay monotonically to 0.

    The spec's R6 values are printed to 10 decimals: compared to ~half a unit in the last place.
    """
    grid = _grid(ctx)
    ch = ps.AmplitudeDamping(gamma=0.25, nbar=1.5)  # gamma_bar = 1
    rho0 = jnp.asarray(_ad_state([0.1, 0.2, 0.1, 0.6], 0.02, 0.15, 0.02), dtype=complex)
    ts_tab = jnp.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    tr = ps.wehrl_trajectory(rho0, ts_tab, QUBITS, ch, grid, rtol=1e-12, atol=1e-14)
    ctx.check("S_Q(t) (spec R6)", [1.2513280691, 1.2835037271, 1.3052697749, 1.3316560059,
                                   1.3538391571, 1.3638316812], tr.wehrl, atol=6e-11)
    ctx.check("Pi_W(t) (spec R6)", [0.1160548174, 0.0714493513, 0.0467130916, 0.0221699911,
                                    0.0062820050, 0.0007327769], tr.production, atol=6e-11)
    ctx.check("Phi_W(t) (spec R6)", [-0.0422019554, -0.0328669159, -0.0255967799, -0.0155252318,
                                     -0.0057114136, -0.0007729558], tr.flux, atol=6e-11)
    ctx.check("Pi_vN(t) (spec R6)", [0.5591784210, 0.2814739609, 0.1655157956, 0.0714312010,
                                     0.0192877229, 0.0022209117], tr.vn_production, atol=6e-11)
    ctx.check("Pi - Phi = dS_Q/dt (direct)", 0.0,
              float(np.max(np.abs(tr.production - tr.flux - tr.rate))), atol=1e-12)
    ts = jnp.linspace(0.0, 5.0, 21 if ctx.quick else 101)
    tr = ps.wehrl_trajectory(rho0, ts, QUBITS, ch, grid, exact=True)
    pw, pv = np.asarray(tr.production), np.asarray(tr.vn_production)
    ctx.check_true("Pi_W and Pi_vN decrease monotonically",
                   bool(np.all(np.diff(pw) < 0) and np.all(np.diff(pv) < 0)))
    ctx.check_true("Pi_vN > Pi_W > 0 at all t", bool(np.all(pv > pw) and np.all(pw > 0)))
    ctx.check("Pi_vN(0)/Pi_W(0) (spec: 4.8)", 4.8, pv[0] / pw[0], rtol=0.01)
    ctx.record("Pi_W(0)", pw[0])
    ctx.record("Pi_vN(0)", pv[0])
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ts, pw, label=r"$\Pi_W$ (Wehrl, eq. 21)")
    ax.plot(ts, pv, "--", label=r"$\Pi_{vN}$ (eq. 32)")
    ax.plot(ts, np.asarray(tr.flux), ":", label=r"$\Phi_W$")
    ax.set_xlabel(r"$\bar\Gamma t$")
    ax.set_ylabel(r"rate $/\bar\Gamma$")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig3.png"), dpi=120)
    plt.close(fig)


@reproduction(paper="004", name="fig4_ad_families")
def fig4(ctx):
    """Fig. 4: amplitude-damping mu-families (nbar = 0.5) are ordered by mu (spec R14)."""
    grid = _grid(ctx)
    ch = ps.AmplitudeDamping(gamma=0.5, nbar=0.5)  # gamma_bar = 1
    pops = [0.3, 0.2, 0.25, 0.25]
    mus = np.array([0.0, 0.25, 0.5, 0.75, 1.0])
    ts = np.array([0.0, 0.5, 1.0, 2.0]) if ctx.quick else np.linspace(0, 3, 31)
    fams = {"alpha": (0.1, 0, 0), "beta": (0, 0.1, 0), "gamma": (0, 0, 0.1),
            "all": (0.08, 0.08, 0.08)}
    want = {"alpha": 0.242886098, "beta": 0.245701576, "gamma": 0.234380086, "all": 0.257906110}
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
    for ax, (name, coh) in zip(axes.flat, fams.items(), strict=True):
        fam = np.stack([_ad_state(pops, *(m * np.asarray(coh))) for m in mus])
        pi = _production(ch, _evolve(ch, jnp.asarray(fam), ts), grid)
        ctx.check(f"{name}: Pi(0) at mu = 0 and 1 (spec R14)", [0.215962874, want[name]],
                  [pi[0, 0], pi[-1, 0]], atol=6e-10)
        ctx.check_true(f"{name}: Pi(t) increases with mu at every t",
                       bool(np.all(np.diff(pi, axis=0) > 0)),
                       got=float(np.min(np.diff(pi, axis=0))))
        for row, m in zip(pi, mus, strict=True):
            ax.plot(ts, row, "o-" if ctx.quick else "-", ms=3, label=f"mu={m:g}")
        ax.set_title(f"{name} family", fontsize=9)
        ax.set_xlabel(r"$\bar\Gamma t$")
        ax.set_ylabel(r"$\Pi/\bar\Gamma$")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig4.png"), dpi=110)
    plt.close(fig)


@reproduction(paper="004", name="fig5_main_claim")
def fig5(ctx):
    """Fig. 5 / main claim: no monotonic relation between coherence and Pi across random states."""
    grid = _grid(ctx)
    deph, ad = ps.Dephasing(1.0), ps.AmplitudeDamping(gamma=0.5, nbar=0.5)
    # deterministic counterexample pairs (spec R15): C_A > C_B but Pi_A < Pi_B at all times
    tt = np.array([0.0, 0.5, 1.0, 2.0, 4.0])
    nb = 0.5
    th = np.array([(nb / (nb + 1)) ** k for k in (2, 1, 1, 0)])  # excited..ground, product Gibbs
    th /= th.sum()
    pairs = {
        "a (X, dephasing)": (deph, _deph_state([0.25] * 4, 0.05, 0),
                             _deph_state([0.7, 0.1, 0.1, 0.1], 0.048, 0), [4.46604e-3, 4.80137e-3]),
        "b (eq. 27, dephasing)": (deph, _deph_state([0.19, 0.13, 0.355, 0.325], 0.113, 0.043),
                                  _deph_state([0.12, 0.56, 0.17, 0.15], 0.018, 0.078),
                                  [0.0321891, 0.0366654]),
        "c (amplitude damping)": (ad, _ad_state(th, 0, 0, 0.05),
                                  _ad_state([0.7, 0.1, 0.1, 0.1], 0.01, 0, 0),
                                  [4.9936e-3, 0.895116]),
    }
    for name, (ch, sa, sb, want) in pairs.items():
        c_l1, c_rel = _coh(np.stack([sa, sb]))
        pi = _production(ch, _evolve(ch, jnp.asarray(np.stack([sa, sb])), tt), grid)
        ctx.check(f"pair {name}: Pi(0) (spec R15)", want, pi[:, 0], rtol=2e-5)
        ctx.check_true(f"pair {name}: C_l1(A) > C_l1(B) but Pi_A < Pi_B at all t",
                       bool(c_l1[0] > c_l1[1] and np.all(pi[0] < pi[1])),
                       detail=f"C_l1 {c_l1[0]:.4f} vs {c_l1[1]:.4f}; C_rel {c_rel[0]:.5f} vs "
                              f"{c_rel[1]:.5f}")
    # independent random states (the paper's recipe; our seed)
    n = 16 if ctx.quick else 40
    rng = np.random.default_rng(2023)
    ts = np.linspace(0, 4, 5 if ctx.quick else 41)
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, (label, ch, kind) in zip(axes, [("dephasing", deph, "deph"), ("AD nbar=0.5", ad, "ad")],
                                     strict=True):
        states = _random_states(rng, n, kind)
        c_l1 = _coh(states)[0]
        pi = _production(ch, _evolve(ch, jnp.asarray(states), ts), grid)
        taus = [_kendall_tau(c_l1, pi[:, k]) for k in range(len(ts))]
        ctx.record(f"{kind}/kendall_tau(C, Pi(t)) at t={list(ts)}", taus)
        ctx.check_true(f"{label}: curves not ordered by C (Kendall tau < 1 at some t)",
                       bool(min(taus) < 1), got=min(taus))
        ctx.check_true(f"{label}: Pi >= 0 for all states and times", bool(np.all(pi > 0)),
                       got=float(np.min(pi)))
        order = np.argsort(c_l1)
        cmap = plt.get_cmap("viridis")
        for rank, i in enumerate(order):
            ax.plot(ts, pi[i], color=cmap(rank / max(n - 1, 1)), lw=1)
        ax.set_yscale("log")
        ax.set_title(f"{label}: colour = rank of C_l1 (tau(0) = {taus[0]:.2f})", fontsize=9)
        ax.set_xlabel("rate x t")
        ax.set_ylabel(r"$\Pi$")
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig5.png"), dpi=110)
    plt.close(fig)
