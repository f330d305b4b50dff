"""``jaxthermo sweep`` / ``plot`` / ``reproduce`` end to end (subprocesses), help and errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jaxthermo import cli, sweeps
from jaxthermo.sweeps.presets import PRESETS, build_grid, run_preset

REPO = Path(__file__).resolve().parents[1]


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["JAX_PLATFORMS"] = "cpu"
    return env


def _jt(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "jaxthermo", *args], capture_output=True,
                          text=True, env=_env(), timeout=timeout, cwd=REPO)


def test_sweep_then_plot_end_to_end(tmp_path, capsys):
    out = tmp_path / "q.nc"
    args = ["sweep", "qubit-steady", "--beta", "0.2:3:6", "--gamma", "0.5,1", "--out", str(out),
            "--no-progress", "--chunk-size", "4"]
    r = _jt(*args)
    assert r.returncode == 0, r.stderr
    assert "computed 3, reused 0" in r.stdout
    ds = sweeps.load(out)
    assert ds.energy.dims == ("beta", "gamma") and float(ds.omega) == 1.0
    beta = np.linspace(0.2, 3.0, 6)
    np.testing.assert_allclose(ds.energy.values[:, 0], -0.5 * np.tanh(beta / 2), atol=1e-12)
    np.testing.assert_allclose(ds.sigma_z.values[:, 1], -np.tanh(beta / 2), atol=1e-12)
    assert cli.main(args) == 0  # a finished sweep is not recomputed (in-process)
    assert "computed 0, reused 3" in capsys.readouterr().out
    figs = tmp_path / "figs"
    r = _jt("plot", str(out), "--out", str(figs), "--x", "beta", "--hue", "gamma")
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in figs.glob("*.png"))
    assert "energy_vs_beta.png" in names and "energy_beta_gamma.png" in names
    assert all((figs / n).stat().st_size > 5000 for n in names)


@pytest.mark.slow  # ~20-40 s on 2 shared cores: compiles every core reproduction
def test_reproduce_core_all_pass(tmp_path):
    r = _jt("reproduce", "--only", "core", "--out", str(tmp_path), timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["quick"] is True and len(data["checks"]) >= 5
    assert all(c["passed"] for c in data["checks"]), [c for c in data["checks"] if not c["passed"]]
    assert {c["paper"] for c in data["checks"]} == {"core"}


@pytest.mark.parametrize(
    "args, msg",
    [(["--beta", "1:2:0"], "--beta: '1:2:0' asks for 0 points"),
     (["--beta", "log:0:1:4"], "--beta: log range"),
     (["--gamma=-1,1"], "--gamma: every value must be > 0"),
     (["--omega", "abc"], "--omega: value 'abc' is not a number"),
     (["--beta", "1:2:3", "--gamma", "1:2:4", "--zipped"], "same number of values")],
)
def test_bad_ranges_say_what_is_wrong(tmp_path, capsys, args, msg):
    rc = cli.main(["sweep", "qubit-steady", *args, "--out", str(tmp_path / "x.nc"),
                   "--no-progress"])
    assert rc == 2
    assert msg in capsys.readouterr().err
    assert not (tmp_path / "x.nc").exists()


def test_preset_validation_messages():
    with pytest.raises(ValueError, match=r"--n: every value must be >= 1, got \[0\]"):
        build_grid(PRESETS["spins-full"], {"n": "0,2"})
    with pytest.raises(ValueError, match="--n: every value must be <= 6"):
        build_grid(PRESETS["spins-full"], {"n": "7"})
    with pytest.raises(ValueError, match="--n: .* must give whole numbers"):
        build_grid(PRESETS["spins-full"], {"n": "2.5"})
    with pytest.raises(ValueError, match="--s: spin sizes must be positive multiples of 1/2"):
        build_grid(PRESETS["ensemble-steady"], {"s": "0.3"})
    with pytest.raises(ValueError, match=r"--lam: \[5.0\] gives a non-positive ancilla state"):
        build_grid(PRESETS["collision-steady"], {"lam": "5"})
    with pytest.raises(ValueError, match="no parameter"):
        build_grid(PRESETS["qubit-steady"], {"temperature": "1"})


@pytest.mark.slow  # the same closed form is checked on the ensemble path by test_sweeps_examples
def test_spins_full_preset_physics():
    ds = run_preset("spins-full", {"n": "1,2", "beta_bath": "0.5,1"}, progress=False).dataset
    assert ds.energy.dims == ("n", "beta_bath")
    # one spin: the steady state is Gibbs at the bath temperature
    np.testing.assert_allclose(ds.energy_excess.sel(n=1).values, 0.0, atol=1e-10)
    np.testing.assert_allclose(ds.energy.sel(n=1).values, -0.5 * np.tanh(np.array([0.5, 1]) / 2),
                               atol=1e-10)
    # two spins from Gibbs(beta0=2): the singlet weight is conserved, so not Gibbs(beta_bath)
    assert np.all(np.abs(ds.energy_excess.sel(n=2).values) > 1e-3)
    # closed form: singlet weight w0 = 1/Z0 frozen; triplet relaxes to its own Gibbs state
    b0, w = 2.0, 1.0
    z0 = 2 * np.cosh(b0 * w) + 2
    triplet = np.exp(np.array([[-x * w, 0.0, x * w] for x in (0.5, 1.0)]))
    e_trip = (triplet[:, 0] * 1 - triplet[:, 2] * 1) / triplet.sum(1)
    np.testing.assert_allclose(ds.energy.sel(n=2).values, (1 - 1 / z0) * e_trip, atol=1e-9)


def test_help_texts(capsys):
    parser = cli.build_parser()
    top = parser.format_help()
    for cmd in ("sweep", "plot", "bench", "reproduce"):
        assert cmd in top
    with pytest.raises(SystemExit):
        cli.main(["sweep", "spins-full", "--help"])
    h = capsys.readouterr().out
    for s in ("--beta-bath", "START:STOP:NUM", "log:START:STOP:NUM", "--out", "--device",
              "resum", "static"):
        assert s in h, s
    with pytest.raises(SystemExit):
        cli.main(["sweep", "--help"])
    h = capsys.readouterr().out
    assert all(name in h for name in PRESETS) and "Rerunning an interrupted" in h
    assert cli.main(["sweep"]) == 2
    assert "name a preset" in capsys.readouterr().err
    assert cli.main(["sweep", "--list"]) == 0
    assert "qubit-steady" in capsys.readouterr().out


def test_ensemble_preset_matches_full_space_preset():
    vals = {"n": "2,3", "beta0": "1.5", "beta_bath": "0.3,2.5"}
    ens = run_preset("ensemble-steady", vals, progress=False).dataset
    full = run_preset("spins-full", vals, progress=False).dataset
    np.testing.assert_allclose(ens.energy.values, full.energy.values, atol=1e-10)
    np.testing.assert_allclose(ens.entropy.values, full.entropy.values, atol=1e-9)
    np.testing.assert_allclose(ens.energy_thermal.values, full.energy_gibbs.values, atol=1e-10)


def test_otto_preset_independent_work_closed_form():
    ds = run_preset("otto-work", {"n": "3", "beta_h": "0.2,1", "beta_c": "4", "compression":
                                  "0.6"}, progress=False).dataset
    lam, bh, bc = 0.6, np.array([0.2, 1.0]), 4.0
    # independent spins thermalise: W = (1 - lam) n [<s_z>_cold - <s_z>_hot], <s_z> = -tanh(x/2)/2
    e = lambda x: -0.5 * np.tanh(x / 2)  # noqa: E731
    w = (1 - lam) * 3 * (e(bc * lam) - e(bh))
    np.testing.assert_allclose(ds.work_independent.values, w, rtol=1e-9)
    assert np.all(ds.work_collective.values < 0)  # an engine in both cases
    np.testing.assert_allclose(ds.work_ratio.values,
                               ds.work_collective.values / ds.work_independent.values)


@pytest.mark.slow  # ~10 s: compiles the collision channel and its ledger
def test_collision_preset_thermal_ancillae_thermalise():
    ds = run_preset("collision-steady", {"beta_a": "0.5,2", "lam": "0,0.3"},
                    progress=False).dataset
    b = np.array([0.5, 2.0])
    # resonant exchange with thermal ancillae (lam = 0): the fixed point is Gibbs at beta_a
    np.testing.assert_allclose(ds.sigma_z.sel(lam=0.0).values, -np.tanh(b / 2), atol=1e-10)
    np.testing.assert_allclose(ds.l1_coherence.sel(lam=0.0).values, 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.heat_into_system.sel(lam=0.0).values, 0.0, atol=1e-12)
    # coherent ancillae (paper 002): the system picks up coherence and the ancillae do work
    assert np.all(ds.l1_coherence.sel(lam=0.3).values > 1e-3)
    assert np.all(np.abs(ds.work_coherent.sel(lam=0.3).values) > 1e-6)


def test_device_and_progress(tmp_path, capsys):
    import jax

    if not any(d.platform == "gpu" for d in jax.devices()):
        rc = cli.main(["sweep", "qubit-steady", "--beta", "1", "--device", "gpu", "--out",
                       str(tmp_path / "g.nc")])
        assert rc == 2 and "JAX sees no GPU" in capsys.readouterr().err
    rc = cli.main(["sweep", "qubit-steady", "--beta", "0.5:1:8", "--device", "cpu",
                   "--chunk-size", "2", "--out", str(tmp_path / "c.nc")])
    err = capsys.readouterr().err
    assert rc == 0 and "8/8" in err and "pt/s" in err  # tqdm bar with rate
