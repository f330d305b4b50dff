"""Thermodynamic quantities computed from states and generators (conventions: energetics.py)."""

from .coherence import dephase, l1_coherence, relative_entropy_of_coherence
from .coherent_parts import CoherenceParts, coherence_parts, diagonal_free_energy, parts_along
from .dephasing import block_dephase, diagonal_dephase
from .energetics import energy, expect, heat_current, power
from .entropy import entropy, mutual_information, relative_entropy
from .free_energy import free_energy
from .heat_flow import apparent_inverse_temperature, complementarity, heat_flow, heat_flow_terms
from .production import entropy_rate, heat_currents, spohn_production_rate
from .production_split import (
    ProductionParts,
    entropy_production_rates,
    integrated_production,
    production_rates_along,
)
from .thermal_operations import energy_conserving_unitary, operation_ledger

__all__ = [
    "CoherenceParts", "ProductionParts", "apparent_inverse_temperature", "block_dephase",
    "coherence_parts", "complementarity", "diagonal_dephase", "diagonal_free_energy",
    "energy_conserving_unitary", "entropy_production_rates", "heat_flow", "heat_flow_terms",
    "integrated_production", "operation_ledger", "parts_along", "production_rates_along",
    "dephase", "energy", "entropy", "entropy_rate", "expect", "free_energy", "heat_current",
    "heat_currents", "l1_coherence", "mutual_information", "power", "relative_entropy",
    "relative_entropy_of_coherence", "spohn_production_rate",
]
