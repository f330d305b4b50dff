"""The sweep example runs in --quick mode and its numbers obey paper 001's closed forms."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from jaxthermo import sweeps

REPO = Path(__file__).resolve().parents[1]


def test_sweep_example_quick(tmp_path):
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, str(REPO / "examples" / "sweep_ensemble_temperatures.py"),
                        "--quick", "--out", str(tmp_path)], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "ensemble_excess.png").stat().st_size > 10_000
    ds = sweeps.load(tmp_path / "ensemble.nc")
    assert ds.energy.dims == ("n", "beta_bath") and list(ds.n.values) == [1, 2, 8, 32]
    b = ds.beta_bath.values
    # n = 1: the steady state is Gibbs at beta_bath
    np.testing.assert_allclose(ds.energy.sel(n=1).values, -0.5 * np.tanh(b / 2), atol=1e-12)
    # n = 2: the singlet weight 1/Z(beta0) is frozen, the triplet thermalises (paper 001, Sec. III)
    z0 = 2 * np.cosh(2.0) + 2
    e_trip = -2 * np.sinh(b) / (2 * np.cosh(b) + 1)
    np.testing.assert_allclose(ds.energy.sel(n=2).values, (1 - 1 / z0) * e_trip, atol=1e-12)
    # the excess vanishes at beta_bath = beta0 (the initial state is already stationary) and
    # changes sign there: a hotter bath leaves less energy than Gibbs(beta_bath), a colder more
    ex = ds.energy_excess.sel(n=32).values
    assert np.all(ex[b < 1.9] < 0) and np.all(ex[b > 2.1] > 0)
