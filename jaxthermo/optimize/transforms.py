"""Parameter transforms that keep optimisation parameters physical.

An optimiser works on unconstrained real numbers ``u``; a :class:`Transform` maps them onto the
physical domain, ``x = forward(u)``, smoothly and bijectively, and ``inverse(x)`` maps a physical
starting point back. :func:`jaxthermo.optimize.minimize` applies them leaf by leaf
(``constraints=``), so the loss only ever sees admissible values, and the optimiser never steps
out of the domain (no clipping, no projection, gradients stay exact by the chain rule).

Transforms provided (all elementwise on array leaves unless stated):

* :class:`Identity` -- unconstrained (phases, inverse temperatures of either sign);
* :class:`Positive` -- ``x = lower + softplus(u)``, e.g. stroke durations ``tau > 0``;
* :class:`Interval` -- ``x = low + (high - low) sigmoid(u)``, an open interval;
* :class:`Disk` -- a leaf of shape ``(..., 2)`` mapped into the open disk of radius ``radius``,
  ``x = radius u / sqrt(1 + |u|^2)`` (a complex coherence ``(Re, Im)`` of bounded modulus).

The domains are open in exact arithmetic only: in float64 ``sigmoid(u)`` rounds to exactly 1 for
``u > ~37`` and to exactly 0 for ``u < ~-745`` (``softplus(u)`` to 0 for ``u < ~-745``; ``Disk``
reaches the circle for ``|u| > ~1e8``), so an optimiser that drives ``u`` that far returns the
closed end (e.g. ``compression().forward(40.0) == 1.0``; ``forward(-800.0) == 0.0``, which
``OttoCycle`` rejects). The shipped optimisers stay far from it at sensible learning rates.

Named constructors for the parameters of this project:

* :func:`compression` -- Otto compression ``lambda = omega_c / omega_h`` in ``(0, 1)`` (the closed
  end ``lambda = 1`` is the trivial, work-free cycle and is reached only asymptotically);
* :func:`duration` -- a stroke or collision time ``> 0``;
* :func:`coherence` -- a signed coherence amplitude in ``(-bound, bound)``;
* :func:`ancilla_coherence` -- the coherence amplitude ``lambda`` of a weakly coherent ancilla,
  ``rho_A = rho_th + sqrt(tau) lambda chi`` (paper 002, Eq. 5), kept inside the positivity interval
  of :func:`jaxthermo.collisions.ancilla.admissible_lambda` (shrunk by ``margin``).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np


def _as_float(x):
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        x = x.astype(jnp.result_type(float))
    return x


def _check_domain(bad, msg):
    """Raise eagerly for concrete values (the physical start point of an optimisation)."""
    if isinstance(bad, jax.core.Tracer):
        return
    if bool(np.any(np.asarray(bad))):
        raise ValueError(msg)


class Transform(eqx.Module):
    """Smooth bijection from unconstrained reals onto a physical domain."""

    def forward(self, u):  # pragma: no cover - abstract
        raise NotImplementedError

    def inverse(self, x, name: str = "parameter"):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, u):
        return self.forward(u)


class Identity(Transform):
    """No constraint."""

    def forward(self, u):
        return u

    def inverse(self, x, name: str = "parameter"):
        x = _as_float(x)
        _check_domain(~jnp.isfinite(x), f"{name} must be finite, got {np.asarray(x)}")
        return x


class Positive(Transform):
    """``x = lower + softplus(u)``: values in ``(lower, inf)`` (durations, rates, scales); in
    float64 ``x == lower`` exactly for ``u < ~-745`` (see the module docstring)."""

    lower: float = 0.0

    def forward(self, u):
        return self.lower + jax.nn.softplus(u)

    def inverse(self, x, name: str = "parameter"):
        x = _as_float(x)
        y = x - self.lower
        _check_domain(
            ~(y > 0) | ~jnp.isfinite(y),
            f"{name} must be finite and > {self.lower:g}, got {np.asarray(x)}",
        )
        y = jnp.maximum(y, jnp.finfo(y.dtype).tiny)
        return y + jnp.log(-jnp.expm1(-y))  # log(expm1(y)), stable for large and small y


class Interval(Transform):
    """``x = low + (high - low) sigmoid(u)``: values in the open interval ``(low, high)``; in
    float64 ``x`` reaches ``high`` exactly for ``u > ~37`` and ``low`` for ``u < ~-745`` (see the
    module docstring)."""

    low: float
    high: float

    def __init__(self, low, high):
        low, high = float(low), float(high)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"Interval needs finite low < high, got ({low}, {high})")
        self.low, self.high = low, high

    def forward(self, u):
        return self.low + (self.high - self.low) * jax.nn.sigmoid(u)

    def inverse(self, x, name: str = "parameter"):
        x = _as_float(x)
        _check_domain(
            ~((x > self.low) & (x < self.high)),
            f"{name} must lie in the open interval ({self.low:g}, {self.high:g}), "
            f"got {np.asarray(x)}",
        )
        t = (x - self.low) / (self.high - self.low)
        return jnp.log(t) - jnp.log1p(-t)


class Disk(Transform):
    """Leaf of shape ``(..., 2)`` into the open disk ``|x| < radius``: ``x = r u / sqrt(1+|u|^2)``.

    Smooth everywhere (also at the origin), so a complex coherence ``(Re c, Im c)`` of bounded
    modulus can be optimised without a singular polar parametrisation.
    """

    radius: float

    def __init__(self, radius):
        radius = float(radius)
        if not (radius > 0 and np.isfinite(radius)):
            raise ValueError(f"Disk radius must be positive and finite, got {radius}")
        self.radius = radius

    def forward(self, u):
        n2 = jnp.sum(u * u, axis=-1, keepdims=True)
        return self.radius * u / jnp.sqrt(1.0 + n2)

    def inverse(self, x, name: str = "parameter"):
        x = _as_float(x)
        if x.ndim < 1 or x.shape[-1] != 2:
            raise ValueError(f"{name} must have a trailing axis of size 2 (Re, Im) for Disk, "
                             f"got shape {tuple(x.shape)}")
        r2 = jnp.sum((x / self.radius) ** 2, axis=-1, keepdims=True)
        _check_domain(~(r2 < 1.0), f"{name} must lie strictly inside the disk of radius "
                      f"{self.radius:g}, got modulus {np.sqrt(np.asarray(r2)) * self.radius}")
        return (x / self.radius) / jnp.sqrt(1.0 - r2)


def compression() -> Interval:
    """Otto compression ratio ``lambda = omega_c / omega_h`` kept in ``(0, 1)`` (an
    :class:`Interval`: float64 rounds it to exactly 1 for ``u > ~37`` and 0 for ``u < ~-745``)."""
    return Interval(0.0, 1.0)


def duration(minimum: float = 0.0) -> Positive:
    """A duration (stroke time, collision time) kept ``> minimum``."""
    return Positive(float(minimum))


def coherence(bound) -> Interval:
    """A signed coherence amplitude kept in ``(-bound, bound)``."""
    return Interval(-float(bound), float(bound))


def ancilla_coherence(H_A, beta, chi, tau, *, margin: float = 1.0) -> Interval:
    """Coherence ``lambda`` of ``rho_A = rho_th + sqrt(tau) lambda chi`` kept positive (paper 002).

    The admissible interval ``[lam_min, lam_max]`` comes from
    :func:`jaxthermo.collisions.ancilla.admissible_lambda` (for a qubit with ``chi = sigma_x``:
    ``tau lambda^2 <= p_up p_down``); ``margin`` in ``(0, 1]`` shrinks it towards 0. The bound is
    evaluated once, at the given (concrete) ``H_A, beta, chi, tau``; a ``tau`` that is itself
    optimised needs the scale-free form ``lambda = lam_max(tau) * s`` with ``s`` in ``(-1, 1)``.
    """
    from ..collisions.ancilla import admissible_lambda

    if not (0.0 < float(margin) <= 1.0):
        raise ValueError(f"margin must lie in (0, 1], got {margin}")
    lo, hi = admissible_lambda(H_A, beta, chi, tau)
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("the positivity interval of lambda is not finite (beta must be finite)")
    return Interval(margin * lo, margin * hi)


__all__ = [
    "Disk",
    "Identity",
    "Interval",
    "Positive",
    "Transform",
    "ancilla_coherence",
    "coherence",
    "compression",
    "duration",
]
