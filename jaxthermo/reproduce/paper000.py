"""Paper 000 (Latune, Sinayskiy, Petruccione, "Negative contributions to entropy production induced
by quantum coherences"): Fig. 3 and the numbered claims, from :mod:`jaxthermo.thermo`.

Conventions (spec seed-000 Sec. 0/4): n spins-1/2, ``H = omega J_z`` (omega = 1), collective
coupling ``A = J_+ + J_-`` (so ``A(omega) = J_-``), bosonic flat rates ``G(w) = 1 + nbar``,
``G(-w) = nbar`` (gamma0 = 1), no Lamb shift, product basis |ee>, |eg>, |ge>, |gg>. Pi in Fig. 3
is the *integrated* entropy production of the whole relaxation from |g...g> (omega beta_0 -> +inf;
the sign matters, spec ambiguity 2), computed from endpoint relative entropies. Reference values:
spec seed-000 Sec. 4 (R1-R24).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from ..dynamics import ThermalBath, evolve_exact, mesolve, stationary_projection, thermal_jump_ops
from ..ensembles import SpinEnsemble
from ..quantum import collective_ops, gibbs_state
from ..thermo.coherent_parts import coherence_parts, parts_along
from ..thermo.energetics import energy, heat_current
from ..thermo.ensemble_parts import (
    ensemble_coherence_parts,
    ensemble_integrated_production,
    fig3_ratio,
)
from ..thermo.entropy import relative_entropy
from ..thermo.heat_flow import apparent_inverse_temperature, coherence_contrasts, complementarity
from ..thermo.production_split import entropy_production_rates, production_rates_trajectory
from ..thermo.thermal_operations import energy_conserving_unitary, operation_ledger
from .registry import reproduction

R1 = {2: [1.393791, 1.537081, 1.776066, 1.907415, 1.986659],
      4: [2.238584, 2.772752, 3.492597, 3.805633, 3.973139],
      10: [5.104974, 6.829956, 8.728766, 9.514026, 9.932846]}
XS = [0.5, 1.0, 2.0, 3.0, 5.0]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _collective(n, x):
    jx, _, jz = collective_ops(n, 0.5)
    return jz, thermal_jump_ops(jz, 2 * jx, ThermalBath(x, spectrum="bosonic"))


def _full_space_ratio(n, x):
    h, ops = _collective(n, x)
    d = 2**n
    rho0 = jnp.zeros((d, d), complex).at[d - 1, d - 1].set(1.0)
    th = gibbs_state(h, x).astype(complex)
    rinf = stationary_projection(h, ops, rho0)
    pi_th = relative_entropy(rho0, th)
    pi_col = pi_th - relative_entropy(rinf, th)
    return float(pi_th / pi_col)


@reproduction(paper="000", name="fig3")
def fig3(ctx):
    """Fig. 3: Pi^th / Pi^col vs omega beta_B for n = 2, 4, 10 (full space, blocks, closed form)."""
    plt = _plt()
    # n = 2, 4 in the full 4^n Liouville space (stationary projection from |g..g>)
    for n in (2, 4):
        xs = XS if (n == 2 or not ctx.quick) else [1.0]
        got = [_full_space_ratio(n, x) for x in xs]
        want = [R1[n][XS.index(x)] for x in xs]
        ctx.check(f"n={n} full space ratio at x={xs}", want, got, rtol=1e-6)
    # n = 10 (and 2, 4) from ensemble block states, parts in the product basis
    for n in (2, 4, 10):
        ens = SpinEnsemble(n, 0.5, 1.0)
        rho0 = ens.thermal_state(jnp.inf)

        def ratio(x, ens=ens, rho0=rho0):
            traj = jax.tree.map(lambda a, b: jnp.stack([a, b]), rho0,
                                ens.steady_state(beta0=jnp.inf, beta_bath=x))
            sig = ensemble_integrated_production(ens, traj, x)
            return ens.relative_entropy_to_thermal(rho0, x) / sig.total[-1], sig

        vals, sig = jax.jit(jax.vmap(ratio))(jnp.asarray(XS))
        ctx.check(f"n={n} block-state ratio (R1)", R1[n], np.asarray(vals), rtol=1e-6)
        ctx.check(f"n={n} closed form n ln(1+e^-x)/ln sum_k e^-kx (R1)", R1[n],
                  np.asarray(fig3_ratio(n, jnp.asarray(XS))), rtol=1e-6)
        ctx.check(f"n={n} Pi^col split: -dC_h - dD_th - dC_v = Pi^col", 0.0,
                  float(jnp.max(jnp.abs(sig.residual))), atol=1e-10)
        ctx.check_true(f"n={n}: -Delta C_h < 0 (bath-generated horizontal coherence)",
                       bool(jnp.all(sig.horizontal[:, -1] < 0)))
        if n == 10:
            ctx.check("R3 n=10 x=1 Pi^col", 0.4586584, float(sig.total[1, -1]), atol=1e-7)
            ctx.check("R3 n=10 x=1 Pi^th", 3.1326169,
                      float(ens.relative_entropy_to_thermal(rho0, 1.0)), atol=1e-7)
    for n in (2, 4, 10):
        ctx.check(f"R2 n={n} ratio(0) = n ln2/ln(n+1)", n * math.log(2) / math.log(n + 1),
                  float(fig3_ratio(n, 0.0)), rtol=1e-12)
        r = np.asarray(fig3_ratio(n, jnp.linspace(-5.0, 30.0, 701)))
        ctx.check_true(f"R2 n={n}: monotone, 1 < ratio <= n (no overshoot at x = 30)",
                       bool(np.all(np.diff(r[:500]) > 0) and np.all(r > 1) and np.all(r <= n)))
    ctx.check("R2 n=2 ratio(-5)", 1.000667, float(fig3_ratio(2, -5.0)), atol=1e-6)
    xs = np.linspace(-2.0, 8.0, 101 if ctx.quick else 501)
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for n, c in ((2, "orange"), (4, "red"), (10, "purple")):
        ax.plot(xs, np.asarray(fig3_ratio(n, jnp.asarray(xs))), color=c, label=f"n = {n}")
        ax.axhline(n, color=c, ls=":", lw=0.8)
        ax.plot(XS, R1[n], "o", color=c, ms=3)
    ax.axhline(1, color="grey", ls=":")
    ax.set_xlabel(r"$\hbar\omega\beta_B$")
    ax.set_ylabel(r"$\Pi^{th}/\Pi^{col}$")
    ax.legend()
    fig.tight_layout()
    fig.savefig(ctx.figure_path("fig3.png"), dpi=110)
    plt.close(fig)
    ctx.record("ratio_x1", {n: R1[n][1] for n in R1})


@reproduction(paper="000", name="negative_horizontal_rate")
def negative_horizontal_rate(ctx):
    """Sec. IV A: -dC_h/dt < 0, collective relaxation of n = 2 from rho_th(beta_0 = 2) (R9-R11)."""
    plt = _plt()
    x = 0.5
    h, ops = _collective(2, x)
    ts = jnp.concatenate([jnp.array([0.0, 0.1, 0.5, 1.0]), jnp.linspace(1.5, 10.0, 18)])
    res = mesolve(h, gibbs_state(h, 2.0), ts, ops, rtol=1e-11, atol=1e-12)
    r = production_rates_trajectory(h, ops, res.states, x)
    ctx.check("R9 -dC_h/dt at t = 0.1, 0.5, 1", [-0.1567244, -0.0118129, -0.0013272],
              np.asarray(r.horizontal[1:4]), atol=1e-7)
    ctx.check("R9 -dD_th/dt", [1.1208121, 0.0380724, 0.0017058], np.asarray(r.population[1:4]),
              atol=1e-7)
    ctx.check("R9 Pi (Spohn)", [0.9640877, 0.0262595, 0.0003786], np.asarray(r.total[1:4]),
              atol=1e-7)
    ctx.check("R9 -dC_v/dt = 0", 0.0, float(jnp.max(jnp.abs(r.vertical))), atol=1e-12)
    ctx.check("R10 Pi = sum of the three parts", 0.0, float(jnp.max(jnp.abs(r.residual))),
              atol=1e-12)
    rel = relative_entropy(res.states, gibbs_state(h, x).astype(complex))
    ctx.check("R11 int_0^10 Pi dt = S(rho_0||th) - S(rho_10||th)", 0.2808026,
              float(rel[0] - rel[-1]), atol=1e-6)
    p = parts_along(res.states, h, x)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(ts, r.horizontal, label=r"$-\dot C_h$")
    ax.plot(ts, r.population, label=r"$-\dot D_{th}$")
    ax.plot(ts, r.total, "k--", label=r"$\Pi$")
    ax.plot(ts, p.horizontal, ":", label=r"$C_h$")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel(r"$\gamma_0 t$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(ctx.figure_path("negative_horizontal_rate.png"), dpi=110)
    plt.close(fig)


@reproduction(paper="000", name="heat_flow_reversal")
def heat_flow_reversal(ctx):
    """Sec. IV B-C: heat-flow reversal and reversed population convergence (R15, R16, R24)."""
    jx, _, jz = collective_ops(2, 0.5)
    h, a, beta0 = jz, 2 * jx, 1.0
    th0 = gibbs_state(h, beta0)
    chi = jnp.zeros((4, 4), complex).at[1, 2].set(-0.9 * th0[1, 1]).at[2, 1].set(-0.9 * th0[1, 1])
    rho0 = th0 + chi
    bath = ThermalBath(1.5, spectrum="bosonic")
    ops = thermal_jump_ops(h, a, bath)
    edot = float(heat_current(h, ops, rho0))
    ctx.check("R15 Edot(0) > 0 although the bath is colder", 0.0814744, edot, atol=1e-7)
    r = entropy_production_rates(h, ops, rho0, 1.5)
    ctx.check("R15 -dD_th/dt(0) = (beta_0 - beta_B) Edot (Eq. 16)", -0.0407372,
              float(r.population), atol=1e-7)
    ctx.check("R15 -dC_h/dt(0)", 0.9931078, float(r.horizontal), atol=1e-7)
    w, cp, cm = coherence_contrasts(h, a, chi, beta0)
    ctx.check("R15 w/T from (F.4) (Eq. 18 corrected)", 1.7956720,
              float(apparent_inverse_temperature(w, beta0, cp, cm)[0]), atol=1e-7)
    ctx.check("Eq. 18 as printed gives the wrong value", 0.2043280,
              float((w * beta0 + jnp.log1p(cm) - jnp.log1p(cp))[0]), atol=1e-7)
    ops12 = thermal_jump_ops(h, a, ThermalBath(1.2, spectrum="bosonic"))
    ts = jnp.concatenate([jnp.array([0.0, 0.02]), jnp.linspace(0.5, 40.0, 40)])
    states = evolve_exact(h, rho0, ts, ops12)
    c = complementarity(states, h, beta0, 1.2)
    ctx.check("R16 Delta E(inf) > 0 (finite heat reversal)", 0.0528900,
              float(energy(h, states[-1]) - energy(h, rho0)), atol=1e-7)
    ctx.check("R16 -Delta C_h", 0.1366397, float(c.minus_delta_ch[-1]), atol=1e-7)
    ctx.check("R16 -Delta D_th < 0 (populations move away)", -0.0413867,
              float(c.minus_delta_dth[-1]), atol=1e-7)
    ctx.check("R16 LHS(23) at t = 0.02", 0.0222757, float(c.lhs[1]), atol=1e-7)
    ctx.check_true("Eq. 23 >= 0 and Eq. 24 along the trajectory",
                   bool(jnp.all(c.lhs >= -1e-12))
                   and float(c.minus_delta_ch[-1]) >= -float(c.heat[-1]) > 0)
    ctx.check("Eq. 22 identity residual", 0.0, float(jnp.max(jnp.abs(c.identity_residual))),
              atol=1e-10)


@reproduction(paper="000", name="steady_state_coherence")
def steady_state_coherence(ctx):
    """App. E: horizontal coherence of the collective steady state, product basis (R4-R7)."""
    h, ops = _collective(2, 0.5)
    rinf = stationary_projection(h, ops, gibbs_state(h, 2.0))
    p = coherence_parts(rinf, h, 0.5)
    ctx.check("R4 E_inf, C_h, D_th, S (full space)", [-0.2865423, 0.0393912, 0.0164954, 1.2489963],
              [float(energy(h, rinf)), float(p.horizontal), float(p.population), float(p.s)],
              atol=1e-7)
    for n in (2, 3, 4):
        ens = SpinEnsemble(n, 0.5, 1.0)
        q = ensemble_coherence_parts(ens, ens.steady_state(beta0=-0.5, beta_bath=0.5), 0.5)
        ctx.check(f"R5 n={n} beta_0 = -beta_B: C_h = D_th = 0", [0.0, 0.0],
                  [float(q.horizontal), float(q.population)], atol=1e-10)
    for n, x, want in ((2, 1.0, 0.1696328), (4, 1.0, 0.5228078), (10, 1.0, 1.1093764),
                       (10, 0.0, 3.4561021)):
        ens = SpinEnsemble(n, 0.5, 1.0)
        ch = ensemble_coherence_parts(ens, ens.steady_state(beta0=jnp.inf, beta_bath=x), x)
        ms = np.arange(n / 2, -n / 2 - 1, -1)
        wts = np.exp(-ms * x) / np.sum(np.exp(-ms * x))
        e5 = float(np.sum(wts * np.log([math.comb(n, int(n / 2 + m)) for m in ms])))
        ctx.check(f"R6 n={n} x={x} C_h(inf) = (E.5)", want, [float(ch.horizontal), e5],
                  atol=1e-7)
        ctx.check_true(f"R6 n={n} x={x} D_th(inf) > 0", float(ch.population) > 0)
    ens = SpinEnsemble(2, 1.0, 1.0)
    ch1 = ensemble_coherence_parts(ens, ens.steady_state(beta0=jnp.inf, beta_bath=0.0), 0.0)
    ctx.check("R7 s=1 n=2 x=0 exact C_h(inf) (E.5 gives 0.4969813)", 0.4507715,
              float(ch1.horizontal), atol=1e-7)


@reproduction(paper="000", name="thermal_operations")
def thermal_operations(ctx):
    """Sec. V / App. G-H: thermal operations generate C_h; conservation laws (R17-R19)."""
    hs = jnp.diag(jnp.array([0.0, 1.0, 1.0]))
    hb = jnp.diag(jnp.array([0.0, 1.0]))
    g, e1, e2 = np.eye(3)
    b0, b1 = np.eye(2)
    v = np.zeros((6, 6))
    for e in (e1, e2):
        t = np.kron(np.outer(e, g), np.outer(b0, b1))
        v += t + t.T
    u = energy_conserving_unitary(v, hs, hb, np.pi / (2 * np.sqrt(2)))
    ledger = jax.jit(operation_ledger)
    led = ledger(jnp.asarray(np.outer(g, g), complex), gibbs_state(hb, 1.0), u, hs, hb, 1.0)
    ctx.check("R17 Delta C_h^S = ln2/(1+e) (generated by a thermal operation)",
              math.log(2) / (1 + math.e), float(led.delta("system.horizontal")), atol=1e-10)
    ctx.check("R17 Delta E_S = 1/(1+e)", 1 / (1 + math.e), float(led.delta("system.energy")),
              atol=1e-10)
    ctx.check("R17 App. H laws (max residual)", 0.0,
              max(abs(float(x)) for x in led.residuals.values()), atol=1e-12)
    th = gibbs_state(hs, 1.0)
    rho_s = th + 0.9 * th[1, 1] * jnp.asarray(np.outer(e1, e2) + np.outer(e2, e1))
    led = ledger(rho_s.astype(complex), gibbs_state(hb, 1.0), u, hs, hb, 1.0)
    _, ch, dth = led.correlated()
    ctx.check("R18 -Delta D_th^S < 0", -0.0416307, float(-led.delta("system.population")),
              atol=1e-7)
    ctx.check("R18 H.14 both sides", [0.00091667, 0.00091667],
              [float(ch + dth), float(ch + dth + led.residuals["H.14"])], atol=1e-8)
    hq = jnp.diag(jnp.array([0.0, 1.0]))
    vq = np.zeros((4, 4))
    vq[1, 2] = vq[2, 1] = 1.0
    uq = energy_conserving_unitary(vq, hq, hq, np.pi / 4)
    psi = np.array([math.sqrt(0.9), math.sqrt(0.1)])
    led = operation_ledger(np.outer(psi, psi), np.diag([1.0, 0.0]), uq, hq, hq, 1.0)
    ctx.check("R19 C_cv^SB(tf) < 0 (erratum: Eq. 36/H.9 claims >= 0)", -0.0369212,
              float(led.correlated()[0]), atol=1e-7)
    ctx.check("R19 conservation law (35) still holds", 0.0, float(led.residuals["H.8"]),
              atol=1e-12)


@reproduction(paper="000", name="near_degenerate")
def near_degenerate(ctx):
    """App. A: near-degenerate spins, grouped (partial-secular) jumps keep C_h for t << 1/delta."""
    x = 0.5
    jx, _, jz = collective_ops(2, 0.5)
    s1 = jnp.diag(jnp.array([0.5, 0.5, -0.5, -0.5]))
    rho0 = gibbs_state(jz, 2.0)
    got = []
    for delta in (1e-3, 1e-2):
        hd = jz + delta / 2 * (2 * s1 - jz)  # omega_1,2 = 1 +- delta/2
        ops = thermal_jump_ops(hd, 2 * jx, ThermalBath(x, spectrum="bosonic"),
                               degeneracy_tol=1.01 * delta)
        st = evolve_exact(hd, rho0, jnp.array([0.0, 1.0]), ops)
        got.append(float(parts_along(st, hd, x, degeneracy_tol=1.01 * delta).horizontal[1]))
        full = thermal_jump_ops(hd, 2 * jx, ThermalBath(x, spectrum="bosonic"))
        st = evolve_exact(hd, rho0, jnp.array([0.0, 1.0]), full)
        ctx.check(f"R21 delta={delta}: full secular C_h(1) = 0", 0.0,
                  float(parts_along(st, hd, x, degeneracy_tol=1.01 * delta).horizontal[1]),
                  atol=1e-12)
    ctx.check("R21 grouped C_h(t=1), delta = 1e-3, 1e-2", [0.0390758, 0.0390751], got, atol=1e-6)


def _otto(n, omega_h, omega_c, beta_h, beta_c, collective, cycles=2):
    """Per-cycle (Q_h, Q_c, W, Sigma) of the App. I Otto cycle with full-relaxation isochores.

    Collective machine: block states of :mod:`jaxthermo.ensembles` started in |g...g> (J = n/2
    only); each isochore relaxes *from the current state* (J-weights conserved). Incoherent
    machine: independent baths, each isochore ends in the Gibbs state.
    """
    ens_h, ens_c = SpinEnsemble(n, 0.5, omega_h), SpinEnsemble(n, 0.5, omega_c)
    state = ens_h.thermal_state(jnp.inf)
    for _ in range(cycles):
        e0 = ens_c.energy(state)
        state = (ens_c.steady_state(rho0=state, beta_bath=beta_c) if collective
                 else ens_c.thermal_state(beta_c))
        q_c = ens_c.energy(state) - e0
        e0 = ens_h.energy(state)
        state = (ens_h.steady_state(rho0=state, beta_bath=beta_h) if collective
                 else ens_h.thermal_state(beta_h))
        q_h = ens_h.energy(state) - e0
    q_h, q_c = float(q_h), float(q_c)
    return q_h, q_c, -(q_h + q_c), -(beta_h * q_h + beta_c * q_c)


@reproduction(paper="000", name="otto_machine")
def otto_machine(ctx):
    """App. I: coherent (collective) vs incoherent Otto machine, n = 4, omega_h = 2, omega_c = 1
    (R20): eta* = eta; |W*| > |W| iff Sigma* > Sigma (Eq. I.3)."""
    n, wh, wc = 4, 2.0, 1.0
    ref = {(0.1, 0.5): (-0.2905013, -0.5124054, 0.0871504, 0.1537216),
           (1.0, 3.0): (-0.2871082, -0.1038965, None, None)}
    for (bh, bc), (w_ref, ws_ref, s_ref, ss_ref) in ref.items():
        qh, qc, w, sig = _otto(n, wh, wc, bh, bc, collective=False)
        qhs, qcs, ws, sigs = _otto(n, wh, wc, bh, bc, collective=True)
        ctx.check(f"R20 (beta_h, beta_c) = ({bh}, {bc}): W, W*", [w_ref, ws_ref], [w, ws],
                  atol=1e-7)
        if s_ref is not None:
            ctx.check(f"R20 ({bh}, {bc}): Sigma, Sigma*", [s_ref, ss_ref], [sig, sigs], atol=1e-7)
        ctx.check(f"R20 ({bh}, {bc}): eta = eta* = 1 - omega_c/omega_h", [0.5, 0.5],
                  [abs(w) / qh, abs(ws) / qhs], rtol=1e-10)
        ctx.check(f"Eq. I.3 ({bh}, {bc}): |W*| = |W| + (1 + Q_c/Q_h) Delta Q_h", abs(ws),
                  abs(w) + (1 + qc / qh) * (qhs - qh), rtol=1e-10)
        ctx.check_true(f"({bh}, {bc}): |W*| > |W| iff Sigma* > Sigma",
                       (abs(ws) > abs(w)) == (sigs > sig),
                       detail=f"W={w:.6f}, W*={ws:.6f}, Sigma={sig:.6f}, Sigma*={sigs:.6f}")
        ctx.record(f"beta_h={bh}, beta_c={bc}", {"W": w, "W*": ws, "Sigma": sig, "Sigma*": sigs})
