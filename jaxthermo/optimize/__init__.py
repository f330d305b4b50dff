"""optimize: gradient-based protocol optimisation with optax, keeping parameters physical.

``minimize(loss, params, optimizer=optax.adam(1e-2), steps=500, constraints={...})`` (one compiled
``lax.scan``; non-finite gradients reported, never silently applied), parameter
:mod:`~jaxthermo.optimize.transforms` (``compression()``, ``duration()``, ``coherence(bound)``,
``ancilla_coherence(H_A, beta, chi, tau)``, ``Interval``, ``Positive``, ``Disk``) and
:func:`~jaxthermo.optimize.gradcheck.finite_difference_grad` to verify gradients in float64.
"""

from .gradcheck import check_gradient, finite_difference_grad
from .loop import (
    NonFiniteGradientError,
    OptimizeResult,
    maximize,
    minimize,
    to_physical,
    to_unconstrained,
)
from .transforms import (
    Disk,
    Identity,
    Interval,
    Positive,
    Transform,
    ancilla_coherence,
    coherence,
    compression,
    duration,
)

__all__ = [
    "Disk", "Identity", "Interval", "NonFiniteGradientError", "OptimizeResult", "Positive",
    "Transform", "ancilla_coherence", "check_gradient", "coherence", "compression", "duration",
    "finite_difference_grad", "maximize", "minimize", "to_physical", "to_unconstrained",
]
