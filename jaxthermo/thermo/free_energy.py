"""Non-equilibrium free energy ``F(rho) = E(rho) - S(rho)/beta``.

Identity used in tests: ``F(rho) - F_eq = S(rho || gibbs(beta)) / beta`` (Esposito & Van den Broeck,
EPL 95, 40004 (2011)).
"""

from __future__ import annotations

from .._checks import square
from ._state import check_beta_nonzero, state_shape
from .energetics import _energy
from .entropy import _entropy


def free_energy(H, rho, beta):
    """``F = Tr[H rho] - S(rho) / beta`` (batched over leading axes of ``rho``).

    ``beta`` must be finite and nonzero (``beta = 0``, infinite temperature, has no free energy: a
    ``ValueError`` names ``beta``); ``rho`` must be a state of the dimension of ``H`` (checked as in
    :func:`jaxthermo.entropy`, positivity on the entropy's own spectrum).
    """
    h = square(H, "H")
    beta = check_beta_nonzero(beta, "beta")
    rho = state_shape(rho, "rho", h.shape[0])
    s = _entropy(rho, "rho", True)
    return _energy(h, rho) - s / beta
