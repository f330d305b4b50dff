"""Quadrature on the sphere S^2 for spin phase-space integrals.

Paper 004 (Zicari et al., NJP 25, 013030 (2023)) writes every phase-space quantity as an integral
over ``dOmega = sin(theta) dtheta dphi`` with the normalisation ``c_J = (2J+1)/(4 pi)`` (its
eq. 5 and App. A; spec seed-004 Sec. 1.2). The paper integrates by Monte Carlo; following the spec
(Sec. 2, "Quadrature") we use the deterministic product rule

    x = cos(theta):  n_theta Gauss-Legendre nodes on [-1, 1]     (dOmega = dx dphi)
    phi:             n_phi uniform nodes 2 pi k / n_phi (trapezoidal rule, periodic)

The rule integrates ``e^{i k phi} p(x)`` exactly for ``|k| < n_phi`` and ``deg p <= 2 n_theta - 1``.
The Husimi function of any spin-J state is such a function with ``|k| <= 2J`` and ``deg p <= 2J``
in its phi-averaged part, so ``c_J sum w Q = 1`` holds to rounding as soon as
``n_theta >= J + 1/2`` and ``n_phi >= 2J + 1``. ``ln Q`` and ``1/Q`` are not polynomials: for
full-rank states the error falls exponentially with the grid size, for states whose Q has zeros
(pure states) only algebraically (spec Sec. 2, table); use
:func:`jaxthermo.phasespace.wehrl_convergence`
to estimate it from two grids.
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import positive_int, spin_value


class SphereGrid(eqx.Module):
    """Product rule on S^2: Gauss-Legendre in ``cos(theta)`` times uniform ``phi``.

    Attributes
    ----------
    n_theta, n_phi : static node counts.
    x : (n_theta,) nodes ``cos(theta)`` in increasing order (never exactly +-1: no pole nodes).
    wx : (n_theta,) Gauss-Legendre weights (sum 2).
    phi : (n_phi,) nodes ``2 pi k / n_phi``.

    ``weights`` is the (n_theta, n_phi) array of ``dOmega`` weights (they sum to ``4 pi``); the
    integral of ``f`` over the sphere is ``sum(weights * f)``.
    """

    n_theta: int = eqx.field(static=True)
    n_phi: int = eqx.field(static=True)
    x: jnp.ndarray
    wx: jnp.ndarray
    phi: jnp.ndarray

    def __init__(self, n_theta: int = 32, n_phi: int | None = None):
        self.n_theta = positive_int(n_theta, "n_theta")
        self.n_phi = self.n_theta if n_phi is None else positive_int(n_phi, "n_phi")
        x, w = np.polynomial.legendre.leggauss(self.n_theta)
        self.x = jnp.asarray(x)
        self.wx = jnp.asarray(w)
        self.phi = jnp.asarray(2 * np.pi * np.arange(self.n_phi) / self.n_phi)

    @property
    def theta(self):
        """(n_theta,) polar angles ``arccos(x)`` (decreasing)."""
        return jnp.arccos(self.x)

    @property
    def weights(self):
        """(n_theta, n_phi) weights of ``dOmega = sin(theta) dtheta dphi`` (sum ``4 pi``)."""
        return self.wx[:, None] * jnp.full((self.n_phi,), 2 * np.pi / self.n_phi)[None, :]

    @property
    def size(self) -> int:
        return self.n_theta * self.n_phi

    @classmethod
    def for_accuracy(cls, j, tol: float = 1e-10) -> SphereGrid:
        """A grid for spin ``j`` aimed at absolute error ``tol`` in S_Q and Pi of full-rank states.

        Empirical a-priori rule ``n = 3 log10(1/tol) + 4 (2J) + 4`` nodes per angle (even),
        calibrated on single spins J = 1/2..5 in states ``w |Omega><Omega| + (1-w) 1/d`` with
        w <= 0.9, for both S_Q and the production rate Pi (our convergence runs; the spec's table
        for the paper's Fig. 3 state needs only n = 16 for 1e-10). It is not a guarantee: the
        error grows with the purity of the state, and states with zeros of Q (pure states)
        converge only algebraically. For a given state use
        :func:`jaxthermo.phasespace.grid_for_tolerance`, which refines until two grids agree.
        """
        j = spin_value(j, "j")
        tol = float(tol)
        if not (0 < tol < 1):
            raise ValueError(f"tol must lie in (0, 1), got {tol!r}")
        n = int(math.ceil(3 * math.log10(1 / tol) + 4 * (2 * j) + 4))
        n += n % 2
        return cls(n, n)


def as_grids(grid, n_spins: int):
    """Normalise ``grid`` (one SphereGrid or a sequence of them) to a tuple of ``n_spins`` grids."""
    if isinstance(grid, SphereGrid):
        return (grid,) * n_spins
    if isinstance(grid, (list, tuple)) and all(isinstance(g, SphereGrid) for g in grid):
        if len(grid) != n_spins:
            raise ValueError(f"grid: got {len(grid)} grids for {n_spins} spins")
        return tuple(grid)
    raise TypeError(f"grid must be a SphereGrid or a tuple of them, got {type(grid).__name__}")


def normalisation(j) -> float:
    """``c_J = (2J+1)/(4 pi)`` so that ``c_J int dOmega |Omega><Omega| = 1`` (paper 004, eq. 5)."""
    j = spin_value(j, "j")
    return (2 * j + 1) / (4 * np.pi)
