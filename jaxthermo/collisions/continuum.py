"""Continuum limit of a collision model in paper 002's scaling (Eqs. 6-8, 10-11, 18).

For ``U = exp(-i tau (H_S + H_A + V / sqrt(tau)))`` and ``rho_A = rho_A^d + sqrt(tau) lam chi``
(``rho_A^d`` the dephased ancilla state, = ``rho_A^th`` for a weakly coherent ancilla), the map
``Phi`` obeys ``(Phi - 1)/tau -> L`` with (paper 002, Eq. 6, with the ``lam`` that supplement S3
drops, see the spec):

    L(rho) = -i [H_S + lam G, rho] + D(rho),   G = Tr_A(V chi) (Eq. 8),
    D(rho) = -1/2 Tr_A [V, [V, rho (x) rho_A^th]] (Eq. 7).

We take ``lam G = Tr_A(V (rho_A - rho_A^d)) / sqrt(tau)`` for any ancilla, which is Eq. 8 for a
weakly coherent one. The standing assumption ``Tr_A(V rho_A^d) = 0`` is checked (otherwise the
drift term diverges as 1/sqrt(tau) and no limit exists, paper 003 Sec. II). With ``m`` species per
cycle (each ``tau/m``, coupling ``m V/sqrt(tau)``) the generators add (Eq. 18).

Jump operators: write ``V = sum_k S_k (x) B_k`` in an orthonormal Hermitian operator basis ``B_k``
of the ancilla, then ``D = sum_kl C_kl (S_k rho S_l - 1/2 {S_l S_k, rho})`` with
``C_kl = Tr[rho_A^th B_l B_k]`` (PSD), and ``L_m = sqrt(c_m) sum_k U_km S_k`` from ``C = U c U^dag``.
For eigen-operator couplings this is Eq. 10 (``gamma_k^-`` = |g_k|^2 <A_k A_k^dag>``, with the 1/2
normalisation of paper 002, not 003's). The jump operators go through ``eigh(C)`` (degenerate
in general), so differentiate :func:`continuum_generator` / :func:`continuum_steady_state`, which
never diagonalise, rather than the jump operators.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from .._checks import _fail
from ..quantum.linalg import commutator, spost, spre
from ..thermo._state import check_state
from ..thermo.entropy import entropy_unchecked
from .ancilla import energy_dephase
from .ledger import mean_field_drive
from .steady import kernel_state


def hermitian_basis(d: int):
    """Orthonormal (Hilbert-Schmidt) Hermitian basis of d x d matrices, shape (d^2, d, d)."""
    mats = []
    for i in range(d):
        m = jnp.zeros((d, d), dtype=complex).at[i, i].set(1.0)
        mats.append(m)
    s = 1.0 / jnp.sqrt(2.0)
    for i in range(d):
        for j in range(i + 1, d):
            mats.append(jnp.zeros((d, d), dtype=complex).at[i, j].set(s).at[j, i].set(s))
            mats.append(jnp.zeros((d, d), dtype=complex).at[i, j].set(-1j * s).at[j, i].set(1j * s))
    return jnp.stack(mats)


def _require_sqrt_tau(model):
    if model.scaling != "sqrt_tau":
        raise ValueError(
            "continuum limit needs scaling='sqrt_tau' (paper 002, Eq. 4); with scaling='plain' "
            "(paper 003) the first moments of V make the limit diverge, see 003 Sec. II"
        )


def species_terms(model, j: int):
    """``(lam G, S_k, C)`` of species ``j``: drive, system factors of V, ancilla correlations."""
    _require_sqrt_tau(model)
    a, v = model.ancillae[j], model.V[j]
    d_s, d_a = model.dim, a.dim
    rho_d = energy_dephase(a.rho, a.H)
    drive = mean_field_drive(v, a.rho - rho_d, d_s, d_a) / jnp.sqrt(model.dt)
    drift = mean_field_drive(v, rho_d, d_s, d_a)
    drive = _fail(
        drive, jnp.max(jnp.abs(drift)) > 1e-10 * jnp.maximum(1.0, jnp.max(jnp.abs(v))),
        f"continuum limit: Tr_A(V rho_A^th) != 0 for species {j}; the sqrt(tau)-scaled model "
        "has no continuum limit (paper 002 assumes Tr_A(V rho_A^th) = 0)",
    )
    b = hermitian_basis(d_a)
    v4 = v.reshape(d_s, d_a, d_s, d_a)
    s = jnp.einsum("satb,kba->kst", v4, b)
    c = jnp.einsum("ij,ljm,kmi->kl", rho_d, b, b)
    return drive, s, c


def _dissipator_superop(s, c):
    d = s.shape[-1]
    jump = jnp.einsum("kl,kij,lmn->injm", c, s, s).reshape(d * d, d * d)
    k = jnp.einsum("kl,lij,kjm->im", c, s, s)
    return jump - 0.5 * spre(k) - 0.5 * spost(k)


def continuum_limit(model):
    """``(H_eff, jump_ops)`` with ``H_eff = H_S + sum_j lam_j G_j`` and jump ops (k, d_S, d_S)."""
    h = model.H_S
    ops = []
    for j in range(model.n_species):
        drive, s, c = species_terms(model, j)
        h = h + drive
        c = 0.5 * (c + c.conj().T)
        w, u = jnp.linalg.eigh(c)
        amp = jnp.sqrt(jnp.where(w > 0, w, 0.0))
        ops.append(jnp.einsum("m,km,kst->mst", amp, u, s))
    return 0.5 * (h + h.conj().T), jnp.concatenate(ops, axis=0)


def continuum_generator(model, *, species: int | None = None):
    """Liouvillian of the continuum limit (d_S^2 x d_S^2, row-major), or one species' dissipator.

    ``species=None``: the full ``L``; ``species=j``: only ``D_j`` (no Hamiltonian part).
    """
    if species is not None:
        _, s, c = species_terms(model, species)
        return _dissipator_superop(s, c)
    h = model.H_S
    lv = 0.0
    for j in range(model.n_species):
        drive, s, c = species_terms(model, j)
        h = h + drive
        lv = lv + _dissipator_superop(s, c)
    return -1j * (spre(h) - spost(h)) + lv


def continuum_steady_state(model, *, check_unique: bool = True):
    """Steady state of the continuum master equation by a bordered linear solve."""
    return kernel_state(continuum_generator(model), what="continuum Liouvillian",
                        check_unique=check_unique)


class ContinuumRates(eqx.Module):
    """Rates of paper 002 at a state (Eqs. 12-13, 17, 19-20). Per-species fields have shape (m,).

    ``work_coherent_rate`` = ``i lam <[G, H_S]>`` (summed over species, and per species in
    ``work_coherent_rate_species``); ``heat_incoherent_rate`` = ``Tr[H_S D_j(rho)]`` per species;
    ``energy_rate`` = ``d<H_S>/dt`` (= W_C + sum Q_inc, Eq. 13); ``entropy_rate`` = ``dS/dt``;
    ``entropy_production_rate`` = ``Pi = dS/dt - sum_j beta_j Q_inc_j`` (Eqs. 17, 20); it is
    ``None`` when an ancilla has no ``beta`` (it is not defined then; ``None``, not NaN).
    """

    work_coherent_rate: Array
    work_coherent_rate_species: Array
    heat_incoherent_rate: Array
    energy_rate: Array
    entropy_rate: Array
    entropy_production_rate: Array | None


def continuum_rates(model, rho=None) -> ContinuumRates:
    """:class:`ContinuumRates` at ``rho`` (default: the continuum steady state).

    A given ``rho`` must be a ``(d_S, d_S)`` state (finite, Hermitian, unit trace, positive
    semidefinite; a ``ValueError`` names ``rho``).
    """
    d = model.dim
    if rho is None:
        rho = continuum_steady_state(model)
    else:
        rho = check_state(rho, "rho", d, "H_S", batch=False)
    rho = jnp.asarray(rho).astype(jnp.result_type(complex))
    hs = model.H_S
    wc, qinc = [], []
    for j in range(model.n_species):
        drive, s, c = species_terms(model, j)
        wc.append(jnp.real(1j * jnp.trace(rho @ commutator(drive, hs))))
        dj = (_dissipator_superop(s, c) @ rho.reshape(-1)).reshape(d, d)
        qinc.append(jnp.real(jnp.trace(hs @ dj)))
    wc, qinc = jnp.stack(wc), jnp.stack(qinc)
    lrho = (continuum_generator(model) @ rho.reshape(-1)).reshape(d, d)
    lrho = 0.5 * (lrho + lrho.conj().T)
    _, sdot = jax.jvp(entropy_unchecked, (rho,), (lrho,))
    if any(a.beta is None for a in model.ancillae):
        prod = None
    else:
        betas = jnp.stack([jnp.real(a.beta) for a in model.ancillae])
        prod = sdot - jnp.sum(betas * qinc)
    return ContinuumRates(
        work_coherent_rate=wc.sum(),
        work_coherent_rate_species=wc,
        heat_incoherent_rate=qinc,
        energy_rate=jnp.real(jnp.trace(hs @ lrho)),
        entropy_rate=sdot,
        entropy_production_rate=prod,
    )


__all__ = [
    "ContinuumRates",
    "continuum_generator",
    "continuum_limit",
    "continuum_rates",
    "continuum_steady_state",
    "hermitian_basis",
    "species_terms",
]
