"""Thermal and a-thermal operations and their coherence bookkeeping (paper 000, Sec. V, App. G-H).

A system S and a finite bath B start in a product ``rho_S (x) rho_B`` with ``[H_B, rho_B] = 0``
("a-thermal"; thermal if ``rho_B`` is a Gibbs state) and evolve under a global unitary with
``[U, H_S + H_B] = 0``. The reduced channel is ``Lambda rho_S = sum M rho_S M^dag`` with Kraus
operators ``M_{mu nu} = sqrt(p_nu) <psi_mu| U |psi_nu>`` (G.1).

Joint quantities use the **global** block dephasing of ``H_S + H_B`` (H.1-H.2; in general not the
product of the local ones) and the product D-basis ``basis_S (x) basis_B``; the joint ``D_th`` is
relative to the global Gibbs state at ``beta``. :class:`OperationLedger` holds the three parts of
S, B and SB before and after, and exposes the conservation laws of App. H as residuals:

* (H.3)  ``S(rho_SB,f|BD) = S(rho_SB,i|BD)``; (H.4 / Eq. 34) ``Delta C_v^SB = 0``;
  (H.7) ``C_v^SB(t_f) = C_v^S(t_i)``;
* (H.8 / Eq. 35) ``-Delta C_v^S - Delta C_v^B = C_cv^SB(t_f)``;
* (H.11 / Eq. 37) ``Delta C_h^SB + Delta D_th^SB = 0`` (any beta: energy is conserved);
* (H.14 / Eq. 38) ``-Delta C_h^S - Delta D_th^S - Delta C_h^B - Delta D_th^B
  = C_ch^SB(t_f) + D_cth^SB(t_f)``;
* (H.15) ``S(rho_SB,f|D) = S(rho_SB,i|D) + Delta C_h^SB``.

**Erratum (spec seed-000, R19):** the paper's claim ``C_cv^SB >= 0`` (Eqs. 36 / H.9) is false in
general (energy-conserving partial swap with B in its ground state gives ``C_cv < 0``); the
conservation law (35) itself holds. ``C_ch >= 0`` and ``D_cth >= 0`` are true.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import _fail, density_matrix, hermitian, square
from ..quantum.linalg import dag, expm, ptrace
from .coherent_parts import CoherenceParts, coherence_parts
from .dephasing import DEGENERACY_TOL, block_dephase, resolve_basis

COMMUTE_TOL = 1e-8


def total_hamiltonian(H_S, H_B):
    """``H_S (x) 1 + 1 (x) H_B`` (system first)."""
    hs, hb = hermitian(H_S, "H_S"), hermitian(H_B, "H_B")
    ds, db = hs.shape[0], hb.shape[0]
    return jnp.kron(hs, jnp.eye(db, dtype=hs.dtype)) + jnp.kron(jnp.eye(ds, dtype=hb.dtype), hb)


def energy_conserving_part(V, H_S, H_B, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``sum_k Pi_k V Pi_k``: the part of ``V`` that commutes with ``H_S + H_B`` (H.1-H.2).

    ``basis`` is an eigenbasis of the total Hamiltonian (default: computational, i.e. ``H_S`` and
    ``H_B`` diagonal).
    """
    return block_dephase(square(V, "V"), total_hamiltonian(H_S, H_B), basis,
                         degeneracy_tol=degeneracy_tol)


def energy_conserving_unitary(V, H_S, H_B, t=1.0):
    """``U = exp(-i V t)`` after checking ``[V, H_S + H_B] = 0`` (an error names ``V``)."""
    h = total_hamiltonian(H_S, H_B)
    v = hermitian(V, "V")
    if v.shape != h.shape:
        raise ValueError(f"V has shape {tuple(v.shape)}, expected {tuple(h.shape)} (H_S (x) H_B)")
    c = jnp.max(jnp.abs(v @ h - h @ v))
    v = _fail(v, c > COMMUTE_TOL * jnp.maximum(1.0, jnp.max(jnp.abs(v))),
              "V must commute with H_S + H_B (energy conservation); use energy_conserving_part(V)")
    return expm(-1j * jnp.asarray(t) * v.astype(jnp.result_type(complex)))


def random_energy_conserving_unitary(key, H_S, H_B, *, degeneracy_tol: float = DEGENERACY_TOL):
    """A random unitary commuting with ``H_S + H_B`` (diagonal ``H_S``, ``H_B``): ``exp(-i V)``
    with ``V`` the energy-conserving part of a random Hermitian matrix."""
    d = total_hamiltonian(H_S, H_B).shape[0]
    k1, k2 = jax.random.split(key)
    g = jax.random.normal(k1, (d, d)) + 1j * jax.random.normal(k2, (d, d))
    v = energy_conserving_part(0.5 * (g + dag(g)), H_S, H_B, degeneracy_tol=degeneracy_tol)
    return expm(-1j * v)


def _check_stationary(rho_B, H_B):
    c = jnp.max(jnp.abs(rho_B @ H_B - H_B @ rho_B))
    return _fail(rho_B, c > COMMUTE_TOL * jnp.maximum(1.0, jnp.max(jnp.abs(H_B))),
                 "rho_B must commute with H_B (a stationary bath state: [H_B, rho_B] = 0)")


def apply_operation(rho_S, rho_B, U):
    """Final joint state ``U (rho_S (x) rho_B) U^dag``."""
    rs, rb = square(rho_S, "rho_S"), square(rho_B, "rho_B")
    u = square(U, "U")
    d = rs.shape[0] * rb.shape[0]
    if u.shape != (d, d):
        raise ValueError(f"U has shape {tuple(u.shape)}, expected ({d}, {d})")
    return u @ jnp.kron(rs, rb) @ dag(u)


def kraus_operators(U, rho_B, dims):
    """Kraus operators ``M_{mu nu} = sqrt(p_nu) <psi_mu|U|psi_nu>`` of the reduced channel (G.1),
    stacked as ``(d_B^2, d_S, d_S)``; ``psi_nu`` eigenvectors of ``rho_B`` with weights ``p_nu``."""
    ds, db = (int(x) for x in dims)
    u = square(U, "U").reshape(ds, db, ds, db)
    p, psi = jnp.linalg.eigh(hermitian(rho_B, "rho_B"))
    p = jnp.clip(p, 0.0, None)
    # <psi_mu| U |psi_nu> as an operator on S: sum_{b,b'} conj(psi[b,mu]) U[s,b,s',b'] psi[b',nu]
    m = jnp.einsum("bm,sbtc,cn->mnst", jnp.conj(psi), u, psi) * jnp.sqrt(p)[None, :, None, None]
    return m.reshape(db * db, ds, ds)


def _joint_basis(H_S, H_B, basis_S, basis_B):
    us = resolve_basis(H_S, basis_S)
    ub = resolve_basis(H_B, basis_B)
    if us is None and ub is None:
        return None
    ds, db = H_S.shape[0], H_B.shape[0]
    us = jnp.eye(ds, dtype=complex) if us is None else us
    ub = jnp.eye(db, dtype=complex) if ub is None else ub
    return jnp.kron(us, ub)


class OperationLedger(eqx.Module):
    """C_v, C_h, D_th of S, B and SB before (``*_i``) and after (``*_f``) an (a-)thermal operation,
    with the App. H conservation laws as residuals (each 0 up to rounding)."""

    system_i: CoherenceParts
    system_f: CoherenceParts
    bath_i: CoherenceParts
    bath_f: CoherenceParts
    joint_i: CoherenceParts
    joint_f: CoherenceParts
    rho_SB: jax.Array

    def correlated(self, final: bool = True):
        """``(C_cv, C_ch, D_cth)^SB`` (H.9, H.12, H.13) at ``t_f`` (or ``t_i``)."""
        j, s, b = ((self.joint_f, self.system_f, self.bath_f) if final
                   else (self.joint_i, self.system_i, self.bath_i))
        return (j.vertical - s.vertical - b.vertical,
                j.horizontal - s.horizontal - b.horizontal,
                j.population - s.population - b.population)

    def delta(self, which: str):
        """``X(t_f) - X(t_i)`` of a part: ``which`` in {system, bath, joint} + ``.`` + field."""
        who, field = which.split(".")
        return getattr(getattr(self, who + "_f"), field) - getattr(getattr(self, who + "_i"), field)

    @property
    def residuals(self) -> dict:
        cv, ch, dth = self.correlated(True)
        d = self.delta
        return {
            "H.3": d("joint.s_bd"),
            "H.4": d("joint.vertical"),
            "H.7": self.joint_f.vertical - self.system_i.vertical,
            "H.8": -d("system.vertical") - d("bath.vertical") - cv,
            "H.11": d("joint.horizontal") + d("joint.population"),
            "H.14": (-d("system.horizontal") - d("system.population") - d("bath.horizontal")
                     - d("bath.population") - ch - dth),
            "H.15": self.joint_f.s_d - self.joint_i.s_d - d("joint.horizontal"),
        }


def operation_ledger(rho_S, rho_B, U, H_S, H_B, beta=1.0, basis_S=None, basis_B=None, *,
                     degeneracy_tol: float = DEGENERACY_TOL):
    """Apply ``U`` to ``rho_S (x) rho_B``; return the :class:`OperationLedger` (paper 000, App. H).

    ``beta`` fixes the Gibbs references of S, B and SB (the joint one is the global Gibbs state of
    ``H_S + H_B``). ``rho_B`` must commute with ``H_B``; ``U`` should conserve ``H_S + H_B`` (build
    it with :func:`energy_conserving_unitary`).
    """
    hs, hb = hermitian(H_S, "H_S"), hermitian(H_B, "H_B")
    rs = density_matrix(rho_S, "rho_S", hs.shape[0])
    rb = _check_stationary(density_matrix(rho_B, "rho_B", hb.shape[0]), hb)
    dims = (hs.shape[0], hb.shape[0])
    h = total_hamiltonian(hs, hb)
    ub = _joint_basis(hs, hb, basis_S, basis_B)
    rho_i = jnp.kron(rs, rb).astype(jnp.result_type(complex))
    rho_f = apply_operation(rs, rb, U)

    def parts(r, hh, bas):
        return coherence_parts(r, hh, beta, bas, degeneracy_tol=degeneracy_tol)

    return OperationLedger(
        system_i=parts(rs, hs, basis_S),
        system_f=parts(ptrace(rho_f, dims, 0), hs, basis_S),
        bath_i=parts(rb, hb, basis_B),
        bath_f=parts(ptrace(rho_f, dims, 1), hb, basis_B),
        joint_i=parts(rho_i, h, ub),
        joint_f=parts(rho_f, h, ub),
        rho_SB=rho_f,
    )


__all__ = [
    "OperationLedger",
    "apply_operation",
    "energy_conserving_part",
    "energy_conserving_unitary",
    "kraus_operators",
    "operation_ledger",
    "random_energy_conserving_unitary",
    "total_hamiltonian",
]
