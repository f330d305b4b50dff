"""Non-equilibrium free energy ``F(rho) = E(rho) - S(rho)/beta``.

Identity used in tests: ``F(rho) - F_eq = S(rho || gibbs(beta)) / beta`` (Esposito & Van den Broeck,
EPL 95, 40004 (2011)).
"""

from __future__ import annotations

import jax.numpy as jnp

from .energetics import energy
from .entropy import entropy


def free_energy(H, rho, beta):
    """``F = Tr[H rho] - S(rho) / beta`` (beta != 0)."""
    return energy(H, rho) - entropy(rho) / jnp.asarray(beta)
