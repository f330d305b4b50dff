"""Collision (repeated-interaction) models: papers 002 (weakly coherent ancillae, continuum limit)
and 003 (structured ancillae, per-collision thermodynamics).

```python
anc = jt.collisions.Ancilla.thermal(H_A, beta)       # .weakly_coherent(H_A, beta, lam, chi, tau)
model = jt.collisions.CollisionModel(H_S, anc, V, dt)  # scaling="plain" | "sqrt_tau"
out = model.run(rho_S0, n_collisions)                  # out.states, out.ledger.<quantity>[i]
H_eff, jump_ops = model.continuum_limit()              # for jt.mesolve
rho_ss = model.steady_state()
```
"""

from .ancilla import (
    Ancilla,
    admissible_lambda,
    energy_coherence,
    energy_dephase,
    structured_pair_hamiltonian,
    structured_pair_transition,
)
from .continuum import (
    ContinuumRates,
    continuum_generator,
    continuum_limit,
    continuum_rates,
    continuum_steady_state,
)
from .ledger import Ledger
from .model import CollisionModel, CollisionResult
from .papers import structured_example1, structured_example2, weakly_coherent_qubit
from .steady import channel_fixed_point

__all__ = [
    "Ancilla",
    "CollisionModel",
    "CollisionResult",
    "ContinuumRates",
    "Ledger",
    "admissible_lambda",
    "channel_fixed_point",
    "continuum_generator",
    "continuum_limit",
    "continuum_rates",
    "continuum_steady_state",
    "energy_coherence",
    "energy_dephase",
    "structured_example1",
    "structured_example2",
    "structured_pair_hamiltonian",
    "structured_pair_transition",
    "weakly_coherent_qubit",
]
