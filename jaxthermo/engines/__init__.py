"""engines: quantum Otto cycles on spin ensembles and full-space media (papers 001, 000).

``OttoCycle(medium, beta_hot, beta_cold, compression, bath=..., beta0=..., tau_hot=, tau_cold=)``
and its ``limit_cycle()`` (a fixed point found by one linear solve; ``LimitCycle`` with work,
heats, efficiency, power and entropy production per cycle); working media
(:mod:`~jaxthermo.engines.media`); closed forms of paper 001, Eqs. 49-50 and App. G
(:mod:`~jaxthermo.engines.closed_forms`), including the free energy per cycle and the
"effective amplification" condition (Eqs. 53-55).
"""

from .closed_forms import (
    beta_l_exact,
    beta_l_large_n,
    block_weights,
    coherent_advantage,
    collective_energy,
    collective_entropy,
    effective_amplification,
    entropy_crossing,
    free_energy_per_cycle_collective,
    free_energy_per_cycle_independent,
    otto_work_collective,
    otto_work_independent,
    thermal_energy,
    thermal_entropy,
)
from .media import (
    OperatorMedium,
    SpinLadderMedium,
    SpinLadderState,
    memory_fixed_point,
    spin_operator_medium,
)
from .otto import LimitCycle, OttoCycle

__all__ = [
    "LimitCycle", "OperatorMedium", "OttoCycle", "SpinLadderMedium", "SpinLadderState",
    "beta_l_exact", "beta_l_large_n", "block_weights", "coherent_advantage", "collective_energy",
    "collective_entropy", "effective_amplification", "entropy_crossing",
    "free_energy_per_cycle_collective", "free_energy_per_cycle_independent", "memory_fixed_point",
    "otto_work_collective", "otto_work_independent", "spin_operator_medium", "thermal_energy",
    "thermal_entropy",
]
