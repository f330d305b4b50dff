"""Worked optimisation 3: coherence as a resource in a collisional model (paper 002).

(a) Paper 002's qubit model (``H_S = H_A = sigma_z/2``, ``V = s+ a- + s- a+``, ``Omega = g = beta =
1``, sqrt(tau) scaling) at finite ``tau = 0.05``: maximise the steady-state coherent work rate
``dW_C/dt = W_C / tau`` over the ancilla coherence ``c = lambda e^{i phi}``, i.e.
``rho_A = rho_th + sqrt(tau) (Re c sigma_x + Im c sigma_y)``, kept inside the positivity disk
``|c| < sqrt(p_up p_down / tau)`` by a :class:`~jaxthermo.optimize.Disk` transform. The optimum
sits on the positivity boundary (``dW_C/dt`` grows with ``lambda^2``, spec seed-002-003 Sec. 1.3)
and does not depend on the phase (the model is invariant under rotations about z).

(b) Two ancilla species per cycle (paper 002, Eq. 18): a hot one (``beta = 0.5``) and a cold one
(``beta = 2``, coupling 0.7), coherences ``lambda_h, lambda_c`` (each inside its positivity
interval). Minimise the steady-state entropy production rate (paper 002 Eq. 3 per collision,
summed over species, divided by tau) while delivering a target heat current from the hot species,
``Qdot_h = 0.094`` (above the incoherent value 0.0854), by a quadratic penalty (optax L-BFGS:
the penalty makes the landscape stiff for Adam). At the optimum the
gradients of the two objectives are parallel (a Lagrange point): checked and printed.

    python examples/optimize_collisional.py [--quick] [--out DIR]
"""

import argparse
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo.collisions import Ancilla, CollisionModel, admissible_lambda  # noqa: E402
from jaxthermo.optimize import Disk, ancilla_coherence, maximize, minimize  # noqa: E402

TAU = 0.05
H = 0.5 * jt.sigmaz()
V = jnp.kron(jt.sigmap(), jt.sigmam()) + jnp.kron(jt.sigmam(), jt.sigmap())
BETA_H, BETA_C, G_C = 0.5, 2.0, 0.7
TARGET = 0.094
MU = 1e4  # penalty weight on ((Qdot_h - target) / target)^2


def coherent_work_rate(c):
    """Steady-state dW_C/dt for the complex coherence c = (Re, Im) (single species)."""
    chi = c[0] * jt.sigmax() + c[1] * jt.sigmay()
    anc = Ancilla.weakly_coherent(H, 1.0, 1.0, chi, TAU)
    model = CollisionModel(H, anc, V, TAU, scaling="sqrt_tau")
    return model.steady_state_ledger(entropic=False).work_coherent / TAU


def radius():
    """Positivity bound on |c| (phase-independent for the qubit: z-rotation invariance)."""
    _, hi = admissible_lambda(H, 1.0, jt.sigmax(), TAU)
    return float(hi)


def two_species(p):
    ah = Ancilla.weakly_coherent(H, BETA_H, p["lam_h"], jt.sigmax(), TAU)
    ac = Ancilla.weakly_coherent(H, BETA_C, p["lam_c"], jt.sigmax(), TAU)
    model = CollisionModel(H, [ah, ac], [V, G_C * V], TAU, scaling="sqrt_tau")
    led = model.steady_state_ledger(entropic=True)
    q_hot = led.heat_into_system[0] / TAU
    sigma_rate = jnp.sum(led.entropy_production_002) / TAU
    return q_hot, sigma_rate


def penalised(p):
    q, s = two_species(p)
    return s + MU * ((q - TARGET) / TARGET) ** 2


def part_a(steps):
    r = radius()
    # b2 = 0.9: Adam must forget the early, large gradients as the Disk transform saturates
    res = maximize(coherent_work_rate, jnp.array([0.3, 0.2]), optax.adam(0.3, b2=0.9), steps,
                   Disk(r))
    c = res.params
    return r, res, float(jnp.linalg.norm(c)), float(-res.loss)


def part_b(steps):
    cons = {"lam_h": ancilla_coherence(H, BETA_H, jt.sigmax(), TAU, margin=0.99),
            "lam_c": ancilla_coherence(H, BETA_C, jt.sigmax(), TAU, margin=0.99)}
    res = minimize(penalised, {"lam_h": 0.1, "lam_c": -0.1}, optax.lbfgs(), steps, cons)
    return cons, res


def lagrange_cosine(p):
    gq = jax.grad(lambda x: two_species(x)[0])(p)
    gs = jax.grad(lambda x: two_species(x)[1])(p)
    a = np.array([float(gq["lam_h"]), float(gq["lam_c"])])
    b = np.array([float(gs["lam_h"]), float(gs["lam_c"])])
    return float(abs(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="examples/output")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    r, res_a, mod, wmax = part_a(300 if args.quick else 1000)
    w_edge = float(coherent_work_rate(jnp.array([r * (1 - 1e-12), 0.0])))
    w_phase = float(coherent_work_rate(jnp.array([0.0, r * (1 - 1e-12)])))
    print(f"(a) max dW_C/dt = {wmax:.10f} at |c| = {mod:.8f} (positivity bound {r:.8f}); "
          f"at the bound: {w_edge:.10f} (phase 0), {w_phase:.10f} (phase pi/2) "
          f"[{time.perf_counter() - t0:.1f}s]")
    t0 = time.perf_counter()
    cons, res_b = part_b(40 if args.quick else 100)
    q, s = two_species(res_b.params)
    q0, s0 = two_species({"lam_h": 0.0, "lam_c": 0.0})
    cos = lagrange_cosine(res_b.params)
    print(f"(b) min entropy production {float(s):.8f} at lam_h={float(res_b.params['lam_h']):.6f}, "
          f"lam_c={float(res_b.params['lam_c']):.6f}; heat current {float(q):.8f} "
          f"(target {TARGET}); incoherent: current {float(q0):.6f}, production {float(s0):.6f}; "
          f"|cos(grad Q, grad Sigma)| = {cos:.8f} [{time.perf_counter() - t0:.1f}s]")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    lams = jnp.linspace(0.0, r * (1 - 1e-9), 40)
    w = jax.jit(jax.vmap(lambda x: coherent_work_rate(jnp.stack([x, 0.0 * x]))))(lams)
    axes[0].plot(lams, w)
    axes[0].axvline(r, color="k", ls=":", label="positivity bound")
    axes[0].plot([mod], [wmax], "o", label="optax optimum")
    axes[0].set_xlabel(r"$|\lambda|$")
    axes[0].set_ylabel(r"$\dot W_C$ (steady state)")
    axes[0].set_title(rf"paper 002 qubit, $\tau = {TAU}$")
    axes[0].legend()
    hist = res_b.params_history
    axes[1].plot(hist["lam_h"], hist["lam_c"], ".-", ms=2)
    axes[1].plot([float(res_b.params["lam_h"])], [float(res_b.params["lam_c"])], "ro")
    axes[1].set_xlabel(r"$\lambda_h$")
    axes[1].set_ylabel(r"$\lambda_c$")
    axes[1].set_title("min entropy production at fixed heat current")
    fig.tight_layout()
    path = os.path.join(args.out, "optimize_collisional.png")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"plot: {path}")
    return dict(radius=r, mod=mod, wmax=wmax, w_edge=w_edge, q=float(q), s=float(s), cos=cos,
                s0=float(s0))


if __name__ == "__main__":
    main()
