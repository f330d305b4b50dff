"""Paper 004 (Zicari et al., NJP 25, 013030 (2023)): spin Husimi Q, Wehrl entropy and the
phase-space entropy production of two qubits under local thermal amplitude damping.

1. Wehrl entropy of spin-J coherent states against the Lieb-Solovej minimum 2J/(2J+1), with the
   two-grid error estimate (pure states: algebraic convergence).
2. The paper's Fig. 3 state under amplitude damping (nbar = 1.5): S_Q, Pi_W, Phi_W, the direct
   dS_Q/dt and Pi_vN along a jt.mesolve trajectory; the balance Pi - Phi = dS_Q/dt.
3. d Pi_W(0) / d(coherence beta) by autodiff, against a central finite difference.
4. A figure of Q on the sphere and of the rates (``--out``, default ``phasespace-out/``).

    python examples/phasespace_wehrl.py [--quick] [--out DIR]
"""

import argparse
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402

ps = jt.phasespace


def fig3_state(alpha=0.02, beta=0.15, gamma=0.02):
    """Paper eq. (30) with rho11 = rho33 = 0.1, rho22 = 0.2, rho44 = 0.6 (|0> = spin up)."""
    return jnp.array([[0.1, alpha, alpha, gamma], [alpha, 0.2, gamma, beta],
                      [alpha, gamma, 0.1, beta], [gamma, beta, beta, 0.6]], dtype=complex)


def main(quick: bool, out: Path):
    out.mkdir(parents=True, exist_ok=True)
    print("1. Lieb-Solovej minimum S_Q = 2J/(2J+1) for coherent states")
    print("    J    S_Q(grid)        2J/(2J+1)        |diff|      two-grid estimate")
    for j in (0.5, 1.0, 2.0) if quick else (0.5, 1.0, 1.5, 2.0, 3.0, 5.0):
        z = ps.coherent_state(j, 1.0, 0.5)
        n = 48 if quick else 160
        est = ps.wehrl_convergence(jnp.outer(z, z.conj()), j, ps.SphereGrid(n))
        lieb = ps.lieb_minimum(j)
        err = abs(float(est.value) - lieb)
        print(f"  {j:4.1f}  {float(est.value):.12f}  {lieb:.12f}  {err:.1e}"
              f"     {float(est.error):.1e}")

    print("\n2. Fig. 3: amplitude damping, nbar = 1.5, gamma_bar = gamma (2 nbar + 1) = 1")
    ch = ps.AmplitudeDamping(gamma=0.25, nbar=1.5)
    grid = ps.SphereGrid(24)
    ts = jnp.linspace(0.0, 4.0, 9 if quick else 41)
    tr = ps.wehrl_trajectory(fig3_state(), ts, (0.5, 0.5), ch, grid, rtol=1e-12, atol=1e-14)
    print("  gbar*t   S_Q          Pi_W         Phi_W         dS_Q/dt      Pi_vN        C_l1")
    for k in range(len(ts)):
        print(f"  {float(ts[k]):5.2f}  {float(tr.wehrl[k]):.9f}  {float(tr.production[k]):.9f}  "
              f"{float(tr.flux[k]):+.9f}  {float(tr.rate[k]):.9f}  {float(tr.vn_production[k]):.9f}"
              f"  {float(tr.l1[k]):.5f}")
    resid = float(jnp.max(jnp.abs(tr.production - tr.flux - tr.rate)))
    print(f"  balance residual max |Pi - Phi - dS_Q/dt|: {resid:.2e}")

    print("\n3. autodiff through the phase-space integral")

    def pi0(beta):
        return ps.wehrl_production(fig3_state(beta=beta), (0.5, 0.5), ch, grid)[0]

    g = float(jax.grad(pi0)(0.15))
    h = 1e-5
    fd = float((pi0(0.15 + h) - pi0(0.15 - h)) / (2 * h))
    print(f"  dPi_W(0)/dbeta = {g:.10f} (autodiff), {fd:.10f} (finite difference)")

    # figure: Q of a spin-5/2 superposition of coherent states, and the rates of part 2
    j = 2.5
    gq = ps.SphereGrid(60, 120)
    za, zb = ps.coherent_state(j, 0.6, 0.0), ps.coherent_state(j, 2.4, 2.5)
    psi = (za + zb) / jnp.linalg.norm(za + zb)
    q = np.asarray(ps.husimi_q(jnp.outer(psi, psi.conj()), j, gq))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    th, ph = np.degrees(np.asarray(gq.theta)), np.degrees(np.asarray(gq.phi))
    im = axes[0].pcolormesh(ph, th, q, shading="auto")
    fig.colorbar(im, ax=axes[0])
    axes[0].set_xlabel(r"$\phi$ (deg)")
    axes[0].set_ylabel(r"$\theta$ (deg)")
    axes[0].set_title("Husimi Q, spin 5/2 cat state", fontsize=9)
    axes[1].plot(ts, tr.production, label=r"$\Pi_W$")
    axes[1].plot(ts, tr.vn_production, "--", label=r"$\Pi_{vN}$")
    axes[1].plot(ts, tr.flux, ":", label=r"$\Phi_W$")
    axes[1].set_xlabel(r"$\bar\Gamma t$")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(out / "phasespace_wehrl.png", dpi=110)
    plt.close(fig)
    print(f"\nfigure written to {out / 'phasespace_wehrl.png'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grids and few times")
    ap.add_argument("--out", default="phasespace-out", help="directory for the figure")
    a = ap.parse_args()
    main(a.quick, Path(a.out))
