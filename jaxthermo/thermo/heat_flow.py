"""Heat flow in terms of populations and horizontal coherences; complementarity (paper 000).

App. F of Latune, Sinayskiy, Petruccione, for the Davies generator of a bath coupled through
``A`` with eigenoperators ``A(w)`` (``[H, A(w)] = -w A(w)``, ``w > 0`` lowers the energy):

    Edot = Tr[H L rho] = -sum_{w>0} w (G(w) <A^dag A> - G(-w) <A A^dag>)              (F.3, line 1)
         =  sum_{w>0} w G(w) <A A^dag> (exp(-w beta_B) - exp(-w / T(w)))               (Eq. 17)

with the apparent temperature ``w / T(w) = ln(<A A^dag> / <A^dag A>)``. Since ``A A^dag`` and
``A^dag A`` commute with ``H``, only populations and *horizontal* coherences enter. For
``rho_0 = rho_th(beta_0) + chi`` (Eq. 15):

    w / T(w) = w beta_0 + ln[(1 + c^+) / (1 + c^-)]                                    (F.4)

with ``c^- = <A^dag A>_chi / <A^dag A>_th(beta_0)``, ``c^+ = <A A^dag>_chi / <A A^dag>_th(beta_0)``.
**Erratum followed:** Eq. (18) of the main text prints the ratio inverted,
``ln[(1 + c^-)/(1 + c^+)]``; (F.4) is the correct one (re-derived: ``<A A^dag>_th / <A^dag A>_th =
exp(w beta_0)`` for a thermal state; checked numerically against ``Tr[H L rho]`` in
``tests/test_coherent_heat.py``, spec check R15: 1.7956720, not 0.2043280). Likewise App. H's
"gains (loses) energy if c^+ > c^- (c^+ > c^-)": the second should read c^+ < c^-.

Sec. IV C (complementarity), for ``rho_0|D = rho_th(beta_0)``:

    -Delta D_th = (beta_0 - beta_B) Delta E - S(rho_t|D || rho_0|D)                     (22)
    -Delta C_h + (beta_0 - beta_B) Delta E - S(rho_t|D || rho_0|D) >= 0                  (23)

:func:`complementarity` evaluates every term along a trajectory.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import hermitian, square
from ..dynamics.thermal import ThermalBath, eigenoperators
from ..quantum.linalg import dag, xlogx
from ..quantum.states import gibbs_state
from ._state import check_state
from .coherent_parts import parts_along
from .dephasing import DEGENERACY_TOL, to_energy_frame


def _expect(op, rho):
    return jnp.real(jnp.einsum("...ij,...ji->...", op, rho))


def lowering_eigenoperators(H, A, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``(omegas, ops)``: the positive Bohr frequencies ``w > 0`` (numpy) and ``A(w)`` (k, d, d).

    ``A(w) = sum_{e_n' - e_n = w} pi_n A pi_n'`` (Breuer-Petruccione; paper 000 Sec. IV) from the
    core's :func:`jaxthermo.eigenoperators`; ``H`` and ``A`` must be concrete.
    """
    freqs, ops = eigenoperators(H, A, degeneracy_tol)
    keep = np.nonzero(np.asarray(freqs) > degeneracy_tol)[0]
    return np.asarray(freqs)[keep], ops[keep]


class HeatFlowTerms(eqx.Module):
    """Per positive Bohr frequency ``w``: rates ``G(+-w)``, ``<A A^dag>``, ``<A^dag A>``, the
    inverse apparent temperature ``w/T(w)`` and the energy current
    ``w (G(-w)<AA^dag> - G(w)<A^dag A>)``.
    """

    omega: jax.Array
    rate_down: jax.Array
    rate_up: jax.Array
    aad: jax.Array
    ada: jax.Array
    apparent: jax.Array
    current: jax.Array

    @property
    def total(self):
        """``Edot = Tr[H L rho]`` (F.3): heat into the system per unit time."""
        return jnp.sum(self.current, axis=-1)


def heat_flow_terms(H, A, bath: ThermalBath, rho, *, degeneracy_tol: float = DEGENERACY_TOL):
    """App. F decomposition of the heat flow of one bath (coupling operator ``A``) at ``rho``."""
    if not isinstance(bath, ThermalBath):
        raise TypeError(f"bath must be a ThermalBath, got {type(bath).__name__}")
    w, ops = lowering_eigenoperators(H, A, degeneracy_tol=degeneracy_tol)
    rho = check_state(rho, "rho", ops.shape[-1], batch=False)
    w = jnp.asarray(w)
    aad = _expect(ops @ dag(ops), rho)
    ada = _expect(dag(ops) @ ops, rho)
    gd, gu = bath.rate(w), bath.rate(-w)
    apparent = jnp.log(aad) - jnp.log(ada)
    current = w * (gu * aad - gd * ada)
    return HeatFlowTerms(w, gd, gu, aad, ada, apparent, current)


def heat_flow(H, A, bath: ThermalBath, rho, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``Edot`` by Eq. (17): ``sum_{w>0} w G(w) <AA^dag> (exp(-w beta_B) - exp(-w/T(w)))``.

    Uses the bath's detailed balance ``G(-w) = exp(-w beta_B) G(w)``; equals ``Tr[H L rho]``
    (:func:`jaxthermo.heat_current`) for a thermal bath.
    """
    t = heat_flow_terms(H, A, bath, rho, degeneracy_tol=degeneracy_tol)
    boltz = jnp.exp(-t.omega * bath.beta)
    return jnp.sum(t.omega * t.rate_down * (t.aad * boltz - t.ada))


def coherence_contrasts(H, A, chi, beta0, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``(omegas, c_plus, c_minus)`` of Eq. (18)/(F.4) for the off-diagonal part ``chi``.

    ``c^- = <A^dag(w) A(w)>_chi / <A^dag A>_th(beta0)``,
    ``c^+ = <A A^dag>_chi / <A A^dag>_th(beta0)``.
    """
    w, ops = lowering_eigenoperators(H, A, degeneracy_tol=degeneracy_tol)
    h = hermitian(H, "H")
    chi = square(chi, "chi")
    th = gibbs_state(h, beta0)
    cp = _expect(ops @ dag(ops), chi) / _expect(ops @ dag(ops), th)
    cm = _expect(dag(ops) @ ops, chi) / _expect(dag(ops) @ ops, th)
    return jnp.asarray(w), cp, cm


def apparent_inverse_temperature(omega, beta0, c_plus, c_minus):
    """``w / T(w) = w beta_0 + ln[(1 + c^+) / (1 + c^-)]``: (F.4), i.e. Eq. (18) corrected
    (the printed Eq. 18 swaps ``c^+`` and ``c^-``)."""
    return omega * beta0 + jnp.log1p(c_plus) - jnp.log1p(c_minus)


class Complementarity(eqx.Module):
    """Terms of Eqs. (22)-(23) along a trajectory (arrays over time, ``t_0`` first).

    ``minus_delta_ch = -Delta C_h``, ``minus_delta_dth = -Delta D_th``, ``heat = (beta_0 - beta_B)
    Delta E``, ``divergence = S(rho_t|D || rho_0|D)``, ``lhs = -Delta C_h + heat - divergence``
    (>= 0 by Eq. 23), ``identity_residual = -Delta D_th - (heat - divergence)`` (0 by Eq. 22 when
    ``rho_0|D = rho_th(beta_0)``).
    """

    minus_delta_ch: jax.Array
    minus_delta_dth: jax.Array
    heat: jax.Array
    divergence: jax.Array
    lhs: jax.Array
    identity_residual: jax.Array


def complementarity(states, H, beta0, beta, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """Eqs. (22)-(24) of paper 000 along ``states`` (shape ``(T, d, d)``, ``states[0] = rho_0``).

    ``beta0`` is the inverse temperature of the initial populations (``rho_0|D = rho_th(beta0)``
    is assumed for Eq. 22; the residual reports how well it holds), ``beta`` the bath's.
    """
    h = hermitian(H, "H")
    p = parts_along(states, h, beta, basis, degeneracy_tol=degeneracy_tol)
    r, _ = to_energy_frame(jnp.asarray(states), h, basis)
    pops = jnp.real(jnp.diagonal(r, axis1=-2, axis2=-1))
    p0 = pops[0]
    logp0 = jnp.log(jnp.where(p0 > 0, p0, 1.0))
    div = jnp.sum(xlogx(pops), axis=-1) - jnp.sum(jnp.where(pops > 0, pops, 0.0) * logp0, axis=-1)
    heat = (beta0 - beta) * (p.energy - p.energy[0])
    mdch = -(p.horizontal - p.horizontal[0])
    mddth = -(p.population - p.population[0])
    return Complementarity(mdch, mddth, heat, div, mdch + heat - div, mddth - (heat - div))


__all__ = [
    "Complementarity",
    "HeatFlowTerms",
    "apparent_inverse_temperature",
    "coherence_contrasts",
    "complementarity",
    "heat_flow",
    "heat_flow_terms",
    "lowering_eigenoperators",
]
