"""Thermodynamic quantities computed from states and generators (conventions: energetics.py)."""

from .coherence import dephase, l1_coherence, relative_entropy_of_coherence
from .energetics import energy, expect, heat_current, power
from .entropy import entropy, mutual_information, relative_entropy
from .free_energy import free_energy
from .production import entropy_rate, heat_currents, spohn_production_rate

__all__ = [
    "dephase", "energy", "entropy", "entropy_rate", "expect", "free_energy", "heat_current",
    "heat_currents", "l1_coherence", "mutual_information", "power", "relative_entropy",
    "relative_entropy_of_coherence", "spohn_production_rate",
]
