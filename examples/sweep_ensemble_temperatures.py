"""A resumable sweep from Python: collective steady states of spin ensembles over n and beta_bath.

n spins-1/2 with H = omega J_z, prepared in the Gibbs state at beta0 = 2 and put in contact with a
collective bath at beta_bath, do not thermalise (paper 001, Sec. III): the total-spin block weights
are conserved. This sweeps the steady-state energy excess ``E_inf - E_th(beta_bath)`` over n and
beta_bath with ``jt.sweeps`` (vmap/loop inside chunks, devices, netCDF written chunk by chunk:
interrupt it and run it again, nothing is recomputed), then draws it with ``jt.plot``.

    python examples/sweep_ensemble_temperatures.py [--quick] [--out sweep-out]
"""

import argparse
from pathlib import Path

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

import jaxthermo as jt  # noqa: E402
from jaxthermo import plot, sweeps  # noqa: E402

BETA0, OMEGA = 2.0, 1.0


def point(n, beta_bath):
    """One grid point: ``n`` is static (it sets the block structure), ``beta_bath`` is traced."""
    ens = jt.ensembles.SpinEnsemble(n=n, s=0.5, omega=OMEGA)
    rho = ens.steady_state(beta0=BETA0, beta_bath=beta_bath)
    e, e_th = ens.energy(rho), ens.thermal_energy(beta_bath)
    return {"energy": e, "energy_excess": e - e_th, "entropy": ens.entropy(rho)}


def main(quick: bool, out: Path):
    ns = [1, 2, 8, 32] if quick else [1, 2, 4, 8, 16, 32, 64, 128, 256]
    betas = np.geomspace(0.05, 10.0, 12 if quick else 96)
    grid = sweeps.cartesian(n=ns, beta_bath=betas, static="n")
    res = sweeps.run_sweep(point, grid, out=out / "ensemble.nc", progress=not quick)
    ds = res.dataset
    print(ds)
    print(f"computed {res.computed_chunks} chunks, reused {res.reused_chunks} "
          f"({res.batch} on {res.n_devices} device(s))")
    # one spin thermalises exactly; the excess is largest (positive) for hot baths at large n
    print("max |excess| at n = 1:", float(np.abs(ds.energy_excess.sel(n=1)).max()))
    fig, ax = plot.figure(1, 2, size=(4.6, 3.4))
    plot.lines(ds, "energy_excess", "beta_bath", hue="n", ax=ax[0], logx=True)
    plot.heatmap(ds, "energy_excess", "beta_bath", "n", ax=ax[1], symmetric=True)
    ax[1].set_xscale("log")
    ax[1].set_yscale("log", base=2)
    path = plot.save(fig, out / "ensemble_excess.png")
    print(f"figure: {path}")
    return ds


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid (a few seconds)")
    ap.add_argument("--out", default="sweep-out", type=Path, help="output folder")
    args = ap.parse_args()
    main(args.quick, args.out)
