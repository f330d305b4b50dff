"""Phase space: spin Husimi Q, Wehrl entropy and phase-space entropy production (paper 004).

Zicari et al., "Role of coherence in the entropy production of bipartite systems",
New J. Phys. 25, 013030 (2023); spec seed-004. Also the Glauber-Husimi Q and Wehrl entropy of a
truncated bosonic mode.

```python
grid = jt.phasespace.SphereGrid(n_theta=32, n_phi=32)
Q = jt.phasespace.husimi_q(rho, js=(0.5, 0.5), grid=grid)      # (nt, np, nt, np)
S = jt.phasespace.wehrl_entropy(rho, js=(0.5, 0.5), grid=grid)
pi, phi = jt.phasespace.wehrl_production(
    rho, js=(0.5, 0.5), channel=jt.phasespace.AmplitudeDamping(gamma=1.0, nbar=1.5), grid=grid)
```
"""

from .bosonic import PlaneGrid, glauber_amplitudes, husimi_q_mode, wehrl_entropy_mode
from .coherent import coherent_amplitudes, coherent_state
from .husimi import husimi_q
from .production import (
    AmplitudeDamping,
    Dephasing,
    WehrlTrajectory,
    von_neumann_production,
    wehrl_production,
    wehrl_rate,
    wehrl_trajectory,
)
from .quadrature import SphereGrid, normalisation
from .wehrl import (
    WehrlEstimate,
    grid_for_tolerance,
    lieb_minimum,
    thermal_wehrl_entropy,
    wehrl_convergence,
    wehrl_entropy,
)

__all__ = [
    "AmplitudeDamping", "Dephasing", "PlaneGrid", "SphereGrid", "WehrlEstimate", "WehrlTrajectory",
    "coherent_amplitudes", "coherent_state", "glauber_amplitudes", "grid_for_tolerance", "husimi_q",
    "husimi_q_mode",
    "lieb_minimum", "normalisation", "thermal_wehrl_entropy", "von_neumann_production",
    "wehrl_convergence", "wehrl_entropy", "wehrl_entropy_mode", "wehrl_production", "wehrl_rate",
    "wehrl_trajectory",
]
