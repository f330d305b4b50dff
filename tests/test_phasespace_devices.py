"""Phase-space reductions split over several devices (``devices=``): same values and gradients as
on one device; argument errors. The multi-device runs are subprocesses with two or three CPU
devices (JAX fixes the device count at its first use)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import pytest

import jaxthermo as jt
from jaxthermo._devices import split_devices

REPO = Path(__file__).resolve().parents[1]
ps = jt.phasespace

_SCRIPT = r"""
import json, sys
import jax
jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp
import numpy as np
import jaxthermo as jt
import jaxthermo.phasespace.husimi as husimi
ps = jt.phasespace
out = {"n_devices": len(jax.devices())}

a = jax.random.normal(jax.random.PRNGKey(1), (4, 4)) + 1j * jax.random.normal(jax.random.PRNGKey(2), (4, 4))
rho = a @ a.conj().T
rho = rho / jnp.trace(rho)
ch = ps.AmplitudeDamping(gamma=1.0, nbar=0.5)

# 1. the real threshold: 48^4 nodes (5.3M) are split over two devices
g48 = ps.SphereGrid(48)
out["s48"] = [float(ps.wehrl_entropy(rho, (0.5, 0.5), g48, devices=d)) for d in (None, "all")]
# ... and the split really happens: place() picks two devices and the traced program holds a
# shard_map with a psum over them (one device: neither)
_, devs = husimi.place(rho, (g48, g48), "all")
out["split48"] = 0 if devs is None else len(devs)
jx = {d: str(jax.make_jaxpr(lambda r, d=d: ps.wehrl_entropy(r, (0.5, 0.5), g48, devices=d))(rho))
      for d in (None, "all")}
out["psum48"] = ["psum" in jx[None], "psum" in jx["all"]]

# 2. the mechanics on small grids (threshold lowered): padding (15 chunks over 2 or 3 devices),
#    production and rate, batches, vmap, jit(grad), a committed input
husimi.MIN_SPLIT_NODES = 1
g = ps.SphereGrid(15)
res = {}
for d in (None, 2, "all") if len(jax.devices()) > 2 else (None, "all"):
    r = {}
    r["s"] = float(ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=d))
    r["pp"] = [float(x) for x in ps.wehrl_production(rho, (0.5, 0.5), ch, g, devices=d)]
    r["rate"] = float(ps.wehrl_rate(rho, (0.5, 0.5), ch, g, devices=d))
    rhos = jnp.stack([rho, jnp.eye(4) / 4])
    r["batch"] = np.asarray(ps.wehrl_entropy(rhos, (0.5, 0.5), g, devices=d)).tolist()
    r["vmap"] = np.asarray(jax.vmap(lambda x: ps.wehrl_entropy(x, (0.5, 0.5), g, devices=d))(rhos)).tolist()

    def loss(x, d=d):
        m = rho + x * jnp.diag(jnp.array([1.0, -1.0, 0.5, -0.5]))
        return ps.wehrl_entropy(m, (0.5, 0.5), g, devices=d)

    r["grad"] = float(jax.jit(jax.grad(loss))(0.01))
    r["committed"] = float(ps.wehrl_entropy(jax.device_put(rho, jax.devices()[-1]), (0.5, 0.5), g,
                                            devices=d))
    res[str(d)] = r
out["small"] = res
print("RESULT " + json.dumps(out))
"""


def _run(n_devices):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["JAX_PLATFORMS"] = "cpu"
    env["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={n_devices}"
    res = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env,
                         timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    line = [x for x in res.stdout.splitlines() if x.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


@pytest.mark.parametrize("n_devices", [2, pytest.param(3, marks=pytest.mark.slow)])
def test_split_over_devices_matches_one_device(n_devices):
    out = _run(n_devices)
    assert out["n_devices"] == n_devices
    assert out["split48"] == 2  # 48^4 nodes: two shares of >= MIN_SPLIT_NODES
    assert out["psum48"] == [False, True]
    s_one, s_split = out["s48"]
    assert abs(s_split - s_one) < 1e-13
    # the Wehrl entropy of a full-rank two-qubit state lies between the Lieb bound (coherent
    # states, 2 x 1/2) and the maximally mixed value 2 ln 2
    assert 1.0 < s_one < 2 * jnp.log(2.0)
    ref = out["small"]["None"]
    for key in (str(2), "all") if n_devices > 2 else ("all",):
        r = out["small"][key]
        assert abs(r["s"] - ref["s"]) < 1e-13
        assert max(abs(x - y) for x, y in zip(r["pp"], ref["pp"], strict=True)) < 1e-12
        assert abs(r["rate"] - ref["rate"]) < 1e-12
        assert max(abs(x - y) for x, y in zip(r["batch"], ref["batch"], strict=True)) < 1e-13
        assert max(abs(x - y) for x, y in zip(r["vmap"], ref["vmap"], strict=True)) < 1e-13
        assert abs(r["grad"] - ref["grad"]) < 1e-12
        assert abs(r["committed"] - ref["s"]) < 1e-13
    # the maximally mixed state: S_Q = 2 ln 2 exactly on any grid that integrates Q = 1/4
    assert abs(ref["batch"][1] - 2 * float(jnp.log(2.0))) < 1e-12
    # dS_Q/dt = Pi - Phi (paper 004), on the split path as well
    r = out["small"]["all"]
    assert abs(r["rate"] - (r["pp"][0] - r["pp"][1])) < 1e-10


def test_devices_argument_errors():
    rho = jnp.eye(4) / 4
    g = ps.SphereGrid(8)
    with pytest.raises(ValueError, match="devices must be >= 1"):
        ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=0)
    n = len(jax.local_devices())
    with pytest.raises(ValueError, match="jax_num_cpu_devices"):
        ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=n + 1)
    with pytest.raises(ValueError, match="devices must be None, 'all'"):
        ps.wehrl_entropy(rho, (0.5, 0.5), g, devices="everything")
    with pytest.raises(TypeError, match="devices"):
        ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=True)
    with pytest.raises(TypeError, match="list of jax devices"):
        ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=["cpu0"])
    with pytest.raises(ValueError, match="appears twice"):
        split_devices([jax.devices()[0]] * 2)
    with pytest.raises(ValueError, match="PlaneGrid"):
        ps.wehrl_entropy(jnp.eye(3) / 3, grid=ps.PlaneGrid(n_r=16, n_phi=8), devices="all")
    # one device: unsplit, the same value
    s = ps.wehrl_entropy(rho, (0.5, 0.5), g)
    assert float(ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=1)) == float(s)
    assert float(ps.wehrl_entropy(rho, (0.5, 0.5), g, devices=jax.devices()[:1])) == float(s)
