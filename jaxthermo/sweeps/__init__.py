"""Parameter sweeps at scale: grids, chunked vmap, device sharding, resumable netCDF output.

```python
import jax; jax.config.update("jax_enable_x64", True)
import numpy as np, jaxthermo as jt
from jaxthermo import sweeps

def point(beta, gamma):                       # any jit-able function of named scalars
    h = 0.5 * jt.sigmaz()
    ops = jt.thermal_jump_ops(h, jt.sigmax(), jt.ThermalBath(beta, gamma))
    rho = jt.steady_state(h, ops, check_unique=False)
    return {"energy": jt.energy(h, rho), "entropy": jt.entropy(rho)}

grid = sweeps.cartesian(beta=np.linspace(0.1, 5, 64), gamma=[0.5, 1.0])
ds = sweeps.sweep(point, grid, out="qubit.nc")   # xarray.Dataset; rerun resumes
```
See ``engine.py`` for chunking, batching (vmap / map), sharding, multi-host and resume.
"""

from .engine import SweepResult, parse_bytes, resolve_devices, run_sweep, sweep
from .grid import Grid, cartesian, parse_range, zipped
from .store import load, to_netcdf

__all__ = [
    "Grid", "SweepResult", "cartesian", "load", "parse_bytes", "parse_range",
    "resolve_devices", "run_sweep", "sweep", "to_netcdf", "zipped",
]
