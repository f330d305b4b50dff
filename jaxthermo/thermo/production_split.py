"""Entropy production split into population, vertical-coherence and horizontal-coherence parts.

Paper 000 (Latune, Sinayskiy, Petruccione), Eqs. (2)-(4):

    Pi = -d/dt S(rho_t || rho_th(beta)) = -dC_v/dt - dC_h/dt - dD_th/dt

with ``Pi`` the Spohn entropy production rate (Eq. 2). The three contributions are returned as

* ``rates.vertical   = -dC_v/dt``  (>= 0 for any thermal Davies generator, Eq. 6),
* ``rates.horizontal = -dC_h/dt``  (can be < 0: bath-generated horizontal coherence, Sec. IV A),
* ``rates.population = -dD_th/dt`` (can be negative: reversed population convergence, Sec. IV B),
* ``rates.total``: the Spohn rate of the core (:func:`jaxthermo.thermo.spohn_production_rate`) for
  :func:`entropy_production_rates`, ``-d/dt S(rho || rho_th)`` for :func:`production_rates_along`.

Rates are directional derivatives (``jax.jvp``) of :func:`coherence_parts` along ``drho = L(rho)``.
The entropies' custom JVPs give the support-restricted trace formulas of Eq. (4),
``dC_v/dt = Tr[drho (ln rho - ln rho_BD)]`` etc. (App. B), with ``ln`` set to 0 on the kernel.
At a singular state with ``drho`` pointing into the kernel (e.g. a pure initial state) the true
rates are infinite; these functions then return the finite support-restricted value, while the
integrated parts (:func:`integrated_production`, endpoint relative entropies) stay exact. Use the
integrated form for pure or rank-deficient states (as Fig. 3 of the paper does).

Every part is invariant under ``-i[H, rho]`` (the Hamiltonian part of ``L``), so Schroedinger and
interaction pictures give the same numbers.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import hermitian, operator_list
from ..dynamics.lindblad import lindblad_rhs
from ..quantum.states import gibbs_state
from ._state import check_state
from .coherent_parts import coherence_parts, parts_along
from .dephasing import DEGENERACY_TOL
from .entropy import relative_entropy
from .production import spohn_production_rate


class ProductionParts(eqx.Module):
    """Contributions to the entropy production (rates, or integrated from ``t = 0``).

    ``population = -d D_th``, ``vertical = -d C_v``, ``horizontal = -d C_h`` and ``total``
    (the Spohn production, computed independently of the three parts).
    """

    population: jax.Array
    vertical: jax.Array
    horizontal: jax.Array
    total: jax.Array

    @property
    def residual(self):
        """``total - (population + vertical + horizontal)``: zero up to rounding (Eq. 3)."""
        return self.total - (self.population + self.vertical + self.horizontal)


def _part_rates(rho, drho, H, beta, basis, degeneracy_tol):
    def f(r):
        return coherence_parts(r, H, beta, basis, degeneracy_tol=degeneracy_tol)

    _, d = jax.jvp(f, (rho,), (drho,))
    return -d.population, -d.vertical, -d.horizontal


def production_rates_along(rho, drho, H, beta=1.0, basis=None, *,
                           degeneracy_tol: float = DEGENERACY_TOL):
    """Contributions to ``-d/dt S(rho_t || rho_th(beta))`` for ``d rho/dt = drho`` (any generator).

    ``total = -d/dt S(rho || rho_th)`` by the core's relative-entropy JVP; the three parts by the
    JVP of :func:`coherence_parts`.
    """
    h = hermitian(H, "H")
    rho = check_state(rho, "rho", h.shape[0], batch=False)  # eager ValueError (not inside the JVP)
    drho = jnp.asarray(drho)
    dt = jnp.result_type(rho.dtype, drho.dtype, jnp.complex64)
    rho, drho = rho.astype(dt), drho.astype(dt)
    if drho.shape != rho.shape:
        raise ValueError(f"drho has shape {tuple(drho.shape)}, expected {tuple(rho.shape)} (rho)")
    pop, ver, hor = _part_rates(rho, drho, h, beta, basis, degeneracy_tol)
    sigma = gibbs_state(h, beta).astype(dt)
    _, drel = jax.jvp(lambda r: relative_entropy(r, sigma), (rho,), (drho,))
    return ProductionParts(pop, ver, hor, -drel)


def entropy_production_rates(H, jump_ops, rho, beta=1.0, basis=None, *,
                             degeneracy_tol: float = DEGENERACY_TOL):
    """Population / vertical / horizontal contributions to the Spohn production rate (Eqs. 2-4).

    ``H`` is the system Hamiltonian the thermal jump operators were built from, ``beta`` the bath
    inverse temperature (detailed balance of ``jump_ops`` at ``beta`` is the user's contract: the
    identity ``population + vertical + horizontal == total`` only holds then). ``rates.total`` is
    :func:`jaxthermo.thermo.spohn_production_rate`.
    """
    h = hermitian(H, "H")
    ops = operator_list(jump_ops, "jump_ops", h.shape[0])
    # the state checks (ValueError naming rho) run in the Spohn rate, before the JVP of the parts
    total = spohn_production_rate(h, [(ops, beta)], rho)
    drho = lindblad_rhs(h, ops, rho)
    rho = jnp.asarray(rho).astype(drho.dtype)
    pop, ver, hor = _part_rates(rho, drho, h, beta, basis, degeneracy_tol)
    return ProductionParts(pop, ver, hor, total)


def production_rates_trajectory(H, jump_ops, states, beta=1.0, basis=None, *,
                                degeneracy_tol: float = DEGENERACY_TOL):
    """:func:`entropy_production_rates` at every state of ``states`` (shape ``(T, d, d)``)."""
    states = jnp.asarray(states)
    if states.ndim != 3:
        raise ValueError(f"states must have shape (T, d, d), got {tuple(states.shape)}")
    states = check_state(states, "states", jnp.shape(H)[-1])  # whole batch, outside vmap
    return jax.vmap(
        lambda r: entropy_production_rates(H, jump_ops, r, beta, basis,
                                           degeneracy_tol=degeneracy_tol)
    )(states)


def integrated_production(states, H, beta=1.0, basis=None, *,
                          degeneracy_tol: float = DEGENERACY_TOL):
    """Integrated contributions ``Sigma(t) = int_0^t Pi`` along a trajectory ``states[0..T-1]``.

    ``population[k] = -(D_th(t_k) - D_th(t_0))`` etc., and ``total[k] = S(rho_0||rho_th) -
    S(rho_k||rho_th)`` from the core's relative entropy (spec seed-000, "integrated Sigma"). Exact
    for any initial state (pure included), unlike an integral of the rate.
    """
    h = hermitian(H, "H")
    p = parts_along(states, h, beta, basis, degeneracy_tol=degeneracy_tol)
    sigma = gibbs_state(h, beta)
    states = jnp.asarray(states)
    rel = relative_entropy(states, sigma.astype(jnp.result_type(states.dtype, sigma.dtype)))
    return ProductionParts(
        -(p.population - p.population[0]),
        -(p.vertical - p.vertical[0]),
        -(p.horizontal - p.horizontal[0]),
        rel[0] - rel,
    )


__all__ = [
    "ProductionParts",
    "entropy_production_rates",
    "integrated_production",
    "production_rates_along",
    "production_rates_trajectory",
]
