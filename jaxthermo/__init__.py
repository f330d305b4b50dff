"""jaxthermo: GPU-ready, differentiable quantum thermodynamics on JAX.

Curated public API (explicit re-exports). Layers (imports point down):
cli / examples / benchmarks -> sweeps, optimize, plot -> engines -> thermo, phasespace ->
dynamics, collisions, ensembles -> quantum. See ARCHITECTURE.md.

The library never enables float64 itself: call ``jax.config.update("jax_enable_x64", True)``.
"""

from . import (
    collisions,
    dynamics,
    engines,
    ensembles,
    optimize,
    phasespace,
    plot,
    quantum,
    sweeps,
    thermo,
)
from .collisions import Ancilla, CollisionModel
from .dynamics import (
    MESolveResult,
    NonUniqueSteadyStateError,
    PiecewiseConstant,
    StoredStepAdjoint,
    ThermalBath,
    dissipator,
    eigenoperators,
    evolve_exact,
    lindblad_rhs,
    lindbladian,
    local_thermal_jump_ops,
    mesolve,
    propagator,
    stationary_projection,
    steady_state,
    thermal_jump_ops,
)
from .engines import LimitCycle, OttoCycle
from .ensembles import BlockState, SpinEnsemble
from .quantum import (
    basis,
    collective_ladder,
    collective_ops,
    create,
    dag,
    destroy,
    embed,
    gibbs_state,
    identity,
    ket2dm,
    maximally_mixed,
    ptrace,
    sigmam,
    sigmap,
    sigmax,
    sigmay,
    sigmaz,
    spin_ladder,
    spin_ops,
    tensor,
)
from .thermo import (
    CoherenceParts,
    ProductionParts,
    coherence_parts,
    dephase,
    energy,
    entropy,
    entropy_production_rates,
    entropy_rate,
    expect,
    free_energy,
    heat_current,
    heat_currents,
    integrated_production,
    l1_coherence,
    mutual_information,
    power,
    relative_entropy,
    relative_entropy_of_coherence,
    spohn_production_rate,
)
from .thermo.ensemble_parts import (  # after ensembles (thermo/__init__ must not import it)
    ensemble_coherence_parts,
    ensemble_production_rates,
)

__version__ = "0.1.0"

__all__ = [
    "BlockState", "SpinEnsemble",
    "Ancilla", "CollisionModel", "LimitCycle", "OttoCycle", "optimize",
    "plot", "sweeps",
    "CoherenceParts", "ProductionParts", "coherence_parts", "ensemble_coherence_parts",
    "ensemble_production_rates", "entropy_production_rates", "integrated_production",
    "MESolveResult", "NonUniqueSteadyStateError", "PiecewiseConstant", "StoredStepAdjoint",
    "ThermalBath", "basis",
    "collective_ladder", "collective_ops", "collisions", "create", "dag", "dephase", "destroy",
    "dissipator", "dynamics", "eigenoperators", "embed", "energy", "engines", "ensembles",
    "entropy", "entropy_rate", "evolve_exact", "expect", "free_energy", "gibbs_state",
    "heat_current", "heat_currents", "identity", "ket2dm", "l1_coherence", "lindblad_rhs",
    "lindbladian", "local_thermal_jump_ops", "maximally_mixed", "mesolve", "mutual_information",
    "phasespace", "power", "propagator", "ptrace", "quantum", "relative_entropy",
    "relative_entropy_of_coherence", "sigmam", "sigmap", "sigmax", "sigmay", "sigmaz",
    "spin_ladder", "spin_ops", "spohn_production_rate", "stationary_projection", "steady_state",
    "tensor", "thermal_jump_ops", "thermo",
]
