"""Per-collision thermodynamic ledger of a collision model (papers 002 and 003).

One collision maps the system state ``rho`` (the INPUT state, ``rho_S(n-1)`` for collision ``n``,
as in the spec) to ``rho' = Tr_A[U (rho (x) eta) U^dag]`` with ``U = exp(-i t (H_S + H_A + c V))``
(``c = 1`` in paper 003's plain scaling, ``c = m / sqrt(tau)`` in paper 002's scaling).

Sign conventions (both papers' are stored, under explicit names):

* ``heat_into_system`` = paper 003's ``dQ = -Tr[H_A (eta_out - eta)]`` (Eqs. 62-63): positive when
  the system absorbs energy from the ancilla (the jaxthermo convention);
* ``heat_into_ancilla`` = paper 002's ``Q_A = Tr[H_A (rho_A' - rho_A)]`` (Eq. 2): positive when the
  ancilla gains energy. ``heat_into_ancilla = -heat_into_system`` exactly;
* ``work_switch`` = paper 003's ``W_sw = Tr[c V (R - U R U^dag)]`` (Eq. 65) = paper 002's ``W_n`` of
  Eq. 2 (zero under strict energy conservation): positive when done on S+A;
* first law ``energy_change = heat_into_system + work_switch`` (003 Eq. 67; 002 Eq. 2 reads
  ``dE = W - Q_A``). ``first_law_residual`` is computed from independent functionals and is
  ~1e-16 (it measures the unitarity of U and nothing else);
* ``work_coherent`` = ``i t Tr[rho [H_mf, H_S]]`` with the mean-field drive
  ``H_mf = Tr_A[c V (1 (x) rho_A)]``. In paper 002's scaling ``H_mf = lam G`` (Eq. 8), so this is
  ``W_C = i lam tau <[G, H_S]>`` (supplement S13-S14; ``W_C ~ tau dW_C/dt``, Eq. 12);
  ``heat_incoherent = heat_into_system - work_coherent`` (``Q_inc``, Eq. 13/S16, leading order);
* ``entropy_production_002 = I(S:A') + S(rho_A' || rho_A)`` (002 Eq. 3, relative entropy to the
  initial, possibly coherent, ancilla state); ``entropy_production_003 = dS_S - beta dQ``
  (003 Eq. 72). They coincide for a Gibbs ancilla (003 Eqs. 70-72) and differ by ``beta W_C +
  O(...)`` terms for a coherent one. ``I(S:A')`` uses ``S(R') = S(rho) + S(rho_A)`` (unitarity);
* ``ancilla_coherence_change = C(rho_A') - C(rho_A)`` (002, text after Eq. 15; relative entropy of
  coherence in the H_A eigenbasis, eigenprojectors when degenerate);
* ``free_energy_change = dE_S - dS_S / beta`` (002 Eq. 14); ``l1_coherence`` of the OUTPUT state
  ``rho'`` in the basis in which ``H_S`` is given (003 Eq. 57).

Linear quantities are precomputed as functionals ``w`` with ``value = Re(w . vec(rho))``
(row-major vec), so that long runs stay cheap. Entropic quantities need the output state.
"""

from __future__ import annotations

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from ..quantum.linalg import commutator, dag, ptrace
from ..thermo.coherence import l1_coherence_unchecked
from ..thermo.entropy import entropy_unchecked, relative_entropy_unchecked
from .ancilla import _energy_coherence

LINEAR = ("energy_change", "heat_into_system", "work_switch", "work_coherent")
ENTROPIC = (
    "entropy_change",
    "mutual_information",
    "ancilla_relative_entropy",
    "ancilla_coherence_change",
    "l1_coherence",
)


def dual_functional(X, U, eta, d_S: int, d_A: int):
    """Row ``w`` (d_S^2,) with ``w . vec(rho) = Tr[X U (rho (x) eta) U^dag]`` (``U=None``: no U)."""
    y = X if U is None else dag(U) @ X @ U
    y4 = y.reshape(d_S, d_A, d_S, d_A)
    return jnp.einsum("bc,tcsb->st", eta, y4).reshape(-1)


def mean_field_drive(cV, eta, d_S: int, d_A: int):
    """``H_mf = Tr_A[c V (1 (x) eta)]`` (003 Sec. II: ``sum_j A_j <B_j>_eta``; 002: ``lam G``)."""
    v4 = cV.reshape(d_S, d_A, d_S, d_A)
    return jnp.einsum("satb,ba->st", v4, eta)


def collision_channel(U, eta, d_S: int, d_A: int):
    """Superoperator (d_S^2 x d_S^2, row-major) of ``rho -> Tr_A[U (rho (x) eta) U^dag]``."""
    u4 = U.reshape(d_S, d_A, d_S, d_A)
    phi = jnp.einsum("iasb,bc,jatc->ijst", u4, eta, jnp.conj(u4))
    return phi.reshape(d_S * d_S, d_S * d_S)


def linear_functionals(H_S, H_A, cV, eta, U, t):
    """Functionals (4, d_S^2) for (energy_change, heat_into_system, work_switch, work_coherent)."""
    d_S, d_A = H_S.shape[0], H_A.shape[0]
    eye_s = jnp.eye(d_S, dtype=U.dtype)
    eye_a = jnp.eye(d_A, dtype=U.dtype)
    hs, ha = jnp.kron(H_S, eye_a), jnp.kron(eye_s, H_A)
    w_es_in = H_S.T.reshape(-1)
    w_de = dual_functional(hs, U, eta, d_S, d_A) - w_es_in
    w_q = -(dual_functional(ha, U, eta, d_S, d_A) - dual_functional(ha, None, eta, d_S, d_A))
    w_sw = dual_functional(cV, None, eta, d_S, d_A) - dual_functional(cV, U, eta, d_S, d_A)
    h_mf = mean_field_drive(cV, eta, d_S, d_A)
    w_c = (1j * t * commutator(h_mf, H_S)).T.reshape(-1)
    return jnp.stack([w_de, w_q, w_sw, w_c])


def entropic_terms(rho, U, eta, H_A):
    """Entropic per-collision quantities from the input state ``rho`` (one species).

    Internal (runs per kept state of a run): no state checks here; :class:`CollisionModel`
    checks its initial state and its ancilla states once."""
    d_S, d_A = rho.shape[0], eta.shape[0]
    big = U @ jnp.kron(rho, eta) @ dag(U)
    rs = ptrace(big, (d_S, d_A), 0)
    ra = ptrace(big, (d_S, d_A), 1)
    s_in, s_out = entropy_unchecked(rho), entropy_unchecked(rs)
    mi = s_out + entropy_unchecked(ra) - s_in - entropy_unchecked(eta)
    return {
        "entropy_change": s_out - s_in,
        "mutual_information": mi,
        "ancilla_relative_entropy": relative_entropy_unchecked(ra, eta),
        "ancilla_coherence_change": _energy_coherence(ra, H_A) - _energy_coherence(eta, H_A),
        "l1_coherence": l1_coherence_unchecked(rs),
    }


class Ledger(eqx.Module):
    """Per-collision quantities (see the module docstring for definitions and signs).

    Each field is an array over collisions (``(n,)``), with a trailing species axis ``(n, m)``
    when the model has ``m > 1`` species per cycle (entry ``[i, j]`` is species ``j``'s collision
    in cycle ``i``); scalars for a steady-state ledger. Entropic fields are ``None`` when the run
    was made with ``entropic=False``. The two fields that need the ancilla's ``beta``
    (``entropy_production_003`` and ``free_energy_change``) are ``None`` when an ancilla of the
    model has no ``beta`` (e.g. ``Ancilla(H, rho)`` with a user-given state): they are not defined
    then, and ``None`` (not NaN) says so. ``entropy_production_002`` and the other entropic fields
    need no ``beta`` and are always computed.
    """

    energy_change: Array
    heat_into_system: Array
    heat_into_ancilla: Array
    work_switch: Array
    work_coherent: Array
    heat_incoherent: Array
    first_law_residual: Array
    entropy_change: Array | None = None
    mutual_information: Array | None = None
    ancilla_relative_entropy: Array | None = None
    ancilla_coherence_change: Array | None = None
    l1_coherence: Array | None = None
    entropy_production_002: Array | None = None
    entropy_production_003: Array | None = None
    free_energy_change: Array | None = None

    @property
    def heat(self):
        """Alias of ``heat_into_system`` (jaxthermo's convention, paper 003's dQ)."""
        return self.heat_into_system


def assemble(lin, ent, beta):
    """Build a :class:`Ledger` from linear values ``lin`` (4, ...) and entropic dict ``ent``.

    ``beta``: the ancillae's inverse temperatures, or ``None`` when one has none (the fields that
    need it are then ``None``)."""
    de, q, wsw, wc = lin[0], lin[1], lin[2], lin[3]
    kw = dict(
        energy_change=de,
        heat_into_system=q,
        heat_into_ancilla=-q,
        work_switch=wsw,
        work_coherent=wc,
        heat_incoherent=q - wc,
        first_law_residual=de - q - wsw,
    )
    if ent is not None:
        kw.update(ent)
        kw["entropy_production_002"] = ent["mutual_information"] + ent["ancilla_relative_entropy"]
        if beta is not None:
            kw["entropy_production_003"] = ent["entropy_change"] - beta * q
            kw["free_energy_change"] = de - ent["entropy_change"] / beta
    return Ledger(**kw)


__all__ = [
    "Ledger",
    "collision_channel",
    "dual_functional",
    "entropic_terms",
    "linear_functionals",
    "mean_field_drive",
]
