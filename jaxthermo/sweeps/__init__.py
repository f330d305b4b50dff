"""Parameter sweeps at scale: grids, chunked vmap, device sharding, resumable netCDF output.

```python
import jax; jax.config.update("jax_enable_x64", True)
import numpy as np, jaxthermo as jt
from jaxthermo import sweeps

H, SX = 0.5 * jt.sigmaz(), jt.sigmax()       # operators built OUTSIDE fn: concrete

def point(beta, gamma):                       # any jit-able function of named scalars
    ops = jt.thermal_jump_ops(H, SX, jt.ThermalBath(beta, gamma))
    rho = jt.steady_state(H, ops, check_unique=False)
    return {"energy": jt.energy(H, rho), "entropy": jt.entropy(rho)}

grid = sweeps.cartesian(beta=np.linspace(0.1, 5, 64), gamma=[0.5, 1.0])
ds = sweeps.sweep(point, grid, out="qubit.nc")   # xarray.Dataset; rerun resumes
```
``fn`` is traced: structural inputs (operators whose eigenstructure is analysed, e.g. by
``thermal_jump_ops``) must be concrete, so build them outside ``fn`` or under
``jax.ensure_compile_time_eval()``; shape-changing parameters (``n``, ``s``) go in ``static=``.
Named physics presets (``jaxthermo sweep``): :mod:`.presets`. See ``engine.py`` for chunking,
batching (loop / map / vmap), sharding, multi-host and resume.
"""

from .engine import SweepResult, parse_bytes, resolve_devices, run_sweep, sweep
from .grid import Grid, cartesian, parse_range, zipped
from .store import load, to_netcdf

__all__ = [
    "Grid", "SweepResult", "cartesian", "load", "parse_bytes", "parse_range",
    "resolve_devices", "run_sweep", "sweep", "to_netcdf", "zipped",
]
