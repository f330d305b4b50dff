"""Dynamics: the Lindblad generator, thermal dissipators, diffrax time evolution, steady states."""

from .adjoint import StoredStepAdjoint
from .evolve import MESolveResult, PiecewiseConstant, evolve_exact, mesolve, propagator
from .lindblad import dissipator, hamiltonian_superop, lindblad_rhs, lindbladian
from .steady import (
    NonUniqueSteadyStateError,
    kernel_dimension,
    stationary_projection,
    stationary_projector,
    steady_state,
)
from .thermal import (
    ThermalBath,
    bohr_frequencies_of,
    eigenoperators,
    local_thermal_jump_ops,
    thermal_jump_ops,
)

__all__ = [
    "MESolveResult", "NonUniqueSteadyStateError", "PiecewiseConstant", "StoredStepAdjoint", "ThermalBath",
    "bohr_frequencies_of", "dissipator", "eigenoperators", "evolve_exact", "hamiltonian_superop",
    "kernel_dimension", "lindblad_rhs", "lindbladian", "local_thermal_jump_ops", "mesolve",
    "propagator", "stationary_projection", "stationary_projector", "steady_state",
    "thermal_jump_ops",
]
