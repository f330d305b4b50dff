"""Sweep engine: results equal point-by-point calls, grids, resume, devices, storage."""

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxthermo as jt
from jaxthermo import sweeps

REPO = Path(__file__).resolve().parents[1]
H0 = 0.5 * jt.sigmaz()
SX = jt.sigmax()


def point(beta, gamma):  # the same function as in _SCRIPT (same name: resumable in-process)
    ops = jt.thermal_jump_ops(H0, SX, jt.ThermalBath(beta, gamma))
    rho = jt.steady_state(H0, ops, check_unique=False)
    return {"energy": jt.energy(H0, rho), "entropy": jt.entropy(rho)}


def _run_like_script(out, chunk, batch="auto"):
    grid = sweeps.cartesian(beta=np.linspace(0.1, 3.0, 12), gamma=[0.5, 1.0])
    computed = []
    r = sweeps.run_sweep(point, grid, out=out, chunk_size=chunk, progress=False, batch=batch,
                         on_chunk=lambda i, idx, o: computed.append(i))
    return {"computed": computed, "reused": r.reused_chunks, "n_chunks": r.n_chunks,
            "n_devices": r.n_devices, "energy": r.dataset.energy.values.tolist()}


def qubit_point(beta, gamma):
    ops = jt.thermal_jump_ops(H0, SX, jt.ThermalBath(beta, gamma))
    rho = jt.steady_state(H0, ops, check_unique=False)
    return {"energy": jt.energy(H0, rho), "entropy": jt.entropy(rho), "rho": rho}


def spins_point(n, beta):
    with jax.ensure_compile_time_eval():
        _, _, jz = jt.collective_ops(int(n), 0.5)
    rho = jt.gibbs_state(jz, beta)
    return jt.energy(jz, rho), jt.entropy(rho)


@pytest.fixture(scope="module")
def qubit_grid():
    return sweeps.cartesian(beta=np.linspace(-1.0, 4.0, 5), gamma=[0.5, 2.0])


@pytest.mark.parametrize("batch", ["loop", "map", "vmap"])
def test_sweep_equals_pointwise(qubit_grid, batch):
    ds = sweeps.sweep(qubit_point, qubit_grid, batch=batch, chunk_size=3, progress=False)
    assert ds.energy.dims == ("beta", "gamma")
    assert ds.rho.shape == (5, 2, 2, 2) and np.iscomplexobj(ds.rho.values)
    one = jax.jit(qubit_point)
    for b in qubit_grid.values["beta"]:
        for g in qubit_grid.values["gamma"]:
            ref = one(b, g)
            got = ds.sel(beta=b, gamma=g)
            np.testing.assert_allclose(got.energy.values, ref["energy"], rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(got.rho.values, ref["rho"], rtol=1e-12, atol=1e-14)
    # physics we did not write: the qubit's steady state is Gibbs, <H> = -tanh(beta/2)/2
    closed = -0.5 * np.tanh(qubit_grid.values["beta"] / 2)
    np.testing.assert_allclose(ds.energy.values, np.repeat(closed[:, None], 2, 1), atol=1e-12)


def test_static_axis_zipped():
    grid = sweeps.zipped(n=[3, 2, 3], beta=[0.5, 1.0, 1.5], static="n")
    ds = sweeps.sweep(spins_point, grid, order="beta", progress=False)
    assert ds.out0.dims == ("point",) and list(ds.n.values) == [3, 2, 3]
    one = jax.jit(spins_point, static_argnums=0)
    for i in range(3):
        e, s = one(int(grid.values["n"][i]), grid.values["beta"][i])
        np.testing.assert_allclose(ds.out0.values[i], e, rtol=1e-11)
        np.testing.assert_allclose(ds.out1.values[i], s, rtol=1e-11)
    # independent spins-1/2: E = -(n/2) tanh(beta/2), S = n [log(2 cosh(beta/2)) - ...]
    n, b = grid.values["n"], grid.values["beta"]
    np.testing.assert_allclose(ds.out0.values, -0.5 * n * np.tanh(b / 2), rtol=1e-12)
    p = 1 / (1 + np.exp(-b))
    np.testing.assert_allclose(ds.out1.values, -n * (p * np.log(p) + (1 - p) * np.log(1 - p)),
                               rtol=1e-10)


def test_order_keeps_grid_order(qubit_grid):
    a = sweeps.sweep(qubit_point, qubit_grid, batch="vmap", chunk_size=2, progress=False)
    b = sweeps.sweep(qubit_point, qubit_grid, batch="vmap", chunk_size=2, progress=False,
                     order=lambda p: -p["beta"] * p["gamma"])
    np.testing.assert_allclose(a.energy.values, b.energy.values, rtol=1e-13)


def test_grid_errors():
    with pytest.raises(ValueError, match="equal lengths"):
        sweeps.zipped(a=[1, 2], b=[1, 2, 3])
    with pytest.raises(ValueError, match="'b' is empty"):
        sweeps.cartesian(a=[1.0], b=[])
    with pytest.raises(ValueError, match="NaN"):
        sweeps.cartesian(a=[1.0, np.nan])
    with pytest.raises(ValueError, match="static axes"):
        sweeps.cartesian(static="n", a=[1.0])
    with pytest.raises(ValueError, match="order='x'"):
        sweeps.sweep(qubit_point, sweeps.cartesian(beta=[1.0], gamma=[1.0]), order="x")
    with pytest.raises(ValueError, match="chunk_size"):
        sweeps.sweep(qubit_point, sweeps.cartesian(beta=[1.0], gamma=[1.0]), chunk_size=0)
    with pytest.raises(ValueError, match="memory_budget"):
        sweeps.parse_bytes("lots")
    with pytest.raises(RuntimeError, match="no TPU"):
        sweeps.resolve_devices("tpu")


@pytest.mark.parametrize(
    "text, msg",
    [("1:2:0", "asks for 0 points"), ("1:2", "START:STOP:NUM"), ("log:-1:2:3", "START > 0"),
     ("a,b", "is not a number"), ("range:5:1", "is empty"), ("1:2:x", "whole number"),
     ("1:2:1", "1 point between")],
)
def test_parse_range_errors(text, msg):
    with pytest.raises(ValueError, match=msg) as e:
        sweeps.parse_range(text, "--beta")
    assert "--beta" in str(e.value)


def test_parse_range_forms():
    np.testing.assert_allclose(sweeps.parse_range("0:1:5"), np.linspace(0, 1, 5))
    np.testing.assert_allclose(sweeps.parse_range("log:0.1:10:3"), [0.1, 1.0, 10.0])
    assert sweeps.parse_range("range:2:6:2", integer=True).tolist() == [2, 4, 6]
    assert sweeps.parse_range("0.5,1,2").tolist() == [0.5, 1.0, 2.0]
    with pytest.raises(ValueError, match="whole numbers"):
        sweeps.parse_range("0.5,1", "--n", integer=True)


def test_store_roundtrip_complete_rerun_and_mismatch(tmp_path, qubit_grid):
    out = tmp_path / "q.nc"
    r1 = sweeps.run_sweep(qubit_point, qubit_grid, out=out, chunk_size=4, progress=False)
    assert (r1.computed_chunks, r1.reused_chunks, r1.n_chunks) == (3, 0, 3)
    assert out.exists() and not (tmp_path / "q.nc.parts").exists()
    ds = sweeps.load(out)
    np.testing.assert_array_equal(ds.rho.values, r1.dataset.rho.values)  # complex round trip
    r2 = sweeps.run_sweep(qubit_point, qubit_grid, out=out, chunk_size=4, progress=False)
    assert r2.computed_chunks == 0 and r2.reused_chunks == 3
    other = sweeps.cartesian(beta=[1.0, 2.0], gamma=[1.0])
    with pytest.raises(ValueError, match="different sweep"):
        sweeps.run_sweep(qubit_point, other, out=out, progress=False)
    r3 = sweeps.run_sweep(qubit_point, other, out=out, progress=False, resume=False)
    assert r3.computed_chunks == r3.n_chunks and sweeps.load(out).sizes["beta"] == 2


def test_memory_budget_sets_chunk_size():
    grid = sweeps.cartesian(beta=np.linspace(0.1, 2.0, 64), gamma=[1.0])
    big = sweeps.run_sweep(qubit_point, grid, batch="vmap", memory_budget="1GB", progress=False)
    small = sweeps.run_sweep(qubit_point, grid, batch="vmap", memory_budget=20_000,
                             progress=False)
    assert big.chunk_size == 64 and 1 <= small.chunk_size < 64
    np.testing.assert_allclose(big.dataset.energy.values, small.dataset.energy.values,
                               rtol=1e-12)


_SCRIPT = textwrap.dedent("""
    import json, sys, time
    import jax
    jax.config.update("jax_enable_x64", True)
    import numpy as np
    import jaxthermo as jt
    from jaxthermo import sweeps

    H0, SX = 0.5 * jt.sigmaz(), jt.sigmax()

    def point(beta, gamma):
        ops = jt.thermal_jump_ops(H0, SX, jt.ThermalBath(beta, gamma))
        rho = jt.steady_state(H0, ops, check_unique=False)
        return {"energy": jt.energy(H0, rho), "entropy": jt.entropy(rho)}

    out, delay, chunk = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    batch = sys.argv[4] if len(sys.argv) > 4 else "auto"
    grid = sweeps.cartesian(beta=np.linspace(0.1, 3.0, 12), gamma=[0.5, 1.0])
    computed = []
    def on_chunk(i, idx, outputs):
        computed.append(i)
        print("chunk", i, flush=True)
        time.sleep(delay)
    r = sweeps.run_sweep(point, grid, out=out, chunk_size=chunk, on_chunk=on_chunk,
                         progress=False, batch=batch)
    print("RESULT", json.dumps({"computed": computed, "reused": r.reused_chunks,
                               "n_chunks": r.n_chunks, "n_devices": r.n_devices,
                               "energy": r.dataset.energy.values.tolist()}), flush=True)
""")


def _result(stdout):
    line = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def _env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["JAX_PLATFORMS"] = "cpu"
    env.update(extra)
    return env


def test_resume_after_kill(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT)
    out = tmp_path / "kill.nc"
    parts = tmp_path / "kill.nc.parts"
    proc = subprocess.Popen([sys.executable, str(script), str(out), "0.4", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), text=True)
    t0 = time.time()
    while time.time() - t0 < 120:
        if parts.exists() and len(list(parts.glob("chunk_*.nc"))) >= 3:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    done_before = {int(p.stem.split("_")[1]) for p in parts.glob("chunk_*.nc")}
    assert 3 <= len(done_before) < 12, "the sweep was not interrupted mid-way"
    assert not out.exists()
    r = _run_like_script(out, 2)  # resume in this process: same function, same grid
    assert r["n_chunks"] == 12 and r["reused"] == len(done_before)
    assert set(r["computed"]) == set(range(12)) - done_before  # nothing recomputed, nothing lost
    closed = -0.5 * np.tanh(np.linspace(0.1, 3.0, 12) / 2)
    np.testing.assert_allclose(np.asarray(r["energy"]), np.repeat(closed[:, None], 2, 1),
                               atol=1e-12)


@pytest.mark.parametrize("batch", ["loop", pytest.param("map", marks=pytest.mark.slow),
                                   pytest.param("vmap", marks=pytest.mark.slow)])
def test_one_vs_four_host_devices_identical(tmp_path, batch):
    script = tmp_path / "run.py"
    script.write_text(_SCRIPT)
    runs = {1: _run_like_script(tmp_path / "d1.nc", 4, batch)}
    env = _env(XLA_FLAGS="--xla_force_host_platform_device_count=4")
    res = subprocess.run([sys.executable, str(script), str(tmp_path / "d4.nc"), "0", "4", batch],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    runs[4] = _result(res.stdout)
    assert runs[1]["n_devices"] == 1 and runs[4]["n_devices"] == 4
    np.testing.assert_array_equal(np.asarray(runs[1]["energy"]), np.asarray(runs[4]["energy"]))
    a = sweeps.load(tmp_path / "d1.nc")
    b = sweeps.load(tmp_path / "d4.nc")
    for v in a.data_vars:
        np.testing.assert_array_equal(a[v].values, b[v].values)


def test_fn_output_forms():
    grid = sweeps.cartesian(x=[1.0, 2.0, 3.0])
    ds = sweeps.sweep(lambda x: x**2, grid, progress=False)
    np.testing.assert_allclose(ds.value.values, [1.0, 4.0, 9.0])
    ds = sweeps.sweep(lambda x: jnp.stack([x, 2 * x]), grid, output_dims={"value": ("k",)},
                      progress=False)
    assert ds.value.dims == ("x", "k")
    with pytest.raises(TypeError, match="Grid"):
        sweeps.sweep(lambda x: x, {"x": [1.0]})


def test_resume_refuses_a_changed_computation(tmp_path):
    """The same name and grid but a different computation (a captured constant or array changed)
    must not resume from the stored results; the same computation resumes."""
    grid = sweeps.cartesian(beta=np.array([0.5, 1.0]))
    out = tmp_path / "c.nc"

    def make(c, h=H0):
        def drive(beta):  # same __qualname__ for every c
            ops = jt.thermal_jump_ops(h, SX, jt.ThermalBath(beta, 1.0))
            return jt.energy(h, jt.steady_state(h + c * SX, ops, check_unique=False))
        return drive

    r1 = sweeps.run_sweep(make(0.1), grid, out=out, progress=False)
    again = sweeps.run_sweep(make(0.1), grid, out=out, progress=False)
    assert again.computed_chunks == 0 and again.reused_chunks == r1.n_chunks
    np.testing.assert_array_equal(again.dataset["value"].values, r1.dataset["value"].values)
    with pytest.raises(ValueError, match="already holds a different sweep"):
        sweeps.run_sweep(make(0.8), grid, out=out, progress=False)  # a captured Python float
    with pytest.raises(ValueError, match="already holds a different sweep"):
        sweeps.run_sweep(make(0.1, 0.7 * jt.sigmaz()), grid, out=out, progress=False)  # an array
    fresh = sweeps.run_sweep(make(0.8), grid, out=out, progress=False, resume=False)
    assert not np.allclose(fresh.dataset["value"].values, r1.dataset["value"].values)


def test_nonfinite_points_are_counted_and_warned():
    def half_nan(beta):
        return jnp.where(beta > 1.0, jnp.nan, beta)

    grid = sweeps.cartesian(beta=np.array([0.5, 2.0, 3.0]))
    with pytest.warns(UserWarning, match="2 point"):
        ds = sweeps.sweep(half_nan, grid, progress=False)
    assert ds.attrs["n_nonfinite_points"] == 2
    assert np.isnan(ds["value"].values[1:]).all() and ds["value"].values[0] == 0.5
