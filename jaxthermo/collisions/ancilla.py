"""Ancillae of a collision model: a Hamiltonian and a state on the ancilla's own Hilbert space.

An :class:`Ancilla` holds ``H`` (the free ancilla Hamiltonian, possibly of a composite ancilla with
internal couplings, e.g. the structured ancilla of paper 003, Eq. 28), its state ``rho`` and, when
it has one, the inverse temperature ``beta`` of its reference Gibbs state (used by the entropy
production of paper 003, Eq. 72, and the free energy of paper 002, Eq. 14).

Constructors:

* :meth:`Ancilla.thermal` -- ``rho = exp(-beta H) / Z`` (paper 002, Eq. 5 with lam = 0; paper 003,
  Eq. 41; any real beta);
* :meth:`Ancilla.weakly_coherent` -- ``rho = rho_th + sqrt(tau) lam chi`` (paper 002, Eq. 5; we
  follow Eq. 5 and not the supplement's ``sqrt(lam^2 tau)``, which drops the sign of ``lam``).
  ``chi`` must be Hermitian with zero blocks on the eigenspaces of ``H`` ("zero diagonal in the
  energy basis"; with degenerate levels, zero on each degenerate block). The result is positive only
  for ``lam`` in :func:`admissible_lambda`; outside it construction raises and says the interval;
* ``Ancilla(H, rho)`` -- any user-given state.

Everything is differentiable with respect to ``beta``, ``lam``, ``chi`` (e.g. its phase) and
``H`` (e.g. the internal coupling ``kappa`` of :func:`structured_pair_hamiltonian`).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax.numpy as jnp
from jaxtyping import Array

from .._checks import _fail, as_array, density_matrix, finite, hermitian, positive
from ..quantum.linalg import dag, tensor
from ..quantum.operators import sigmam, sigmap, sigmaz
from ..quantum.states import gibbs_state
from ..thermo._state import check_state
from ..thermo.entropy import _entropy, entropy_unchecked

DEGENERACY_TOL = 1e-9
PSD_TOL = 1e-12


def energy_block_mask(h):
    """Boolean ``(d, d)`` mask of pairs of eigenvectors of ``h`` with equal energy (and the eigvecs).

    Returns ``(mask, v)`` with ``v`` the eigenvectors of ``h`` (columns). ``mask[i, j]`` is True when
    ``|E_i - E_j| <= DEGENERACY_TOL x max(1, |E|)``: the dephasing in the energy basis of a
    possibly degenerate ``h`` keeps exactly these entries (projectors onto eigenspaces).
    """
    w, v = jnp.linalg.eigh(h)
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(w)))
    mask = jnp.abs(w[:, None] - w[None, :]) <= DEGENERACY_TOL * scale
    return mask, v


def energy_dephase(rho, h):
    """Dephasing of ``rho`` onto the eigenspaces of ``h``: ``sum_E P_E rho P_E`` (batched)."""
    mask, v = energy_block_mask(h)
    r = dag(v) @ rho @ v
    return v @ jnp.where(mask, r, 0.0) @ dag(v)


def energy_coherence(rho, h):
    """Relative entropy of coherence in the energy basis of ``h``: ``S(Delta_H rho) - S(rho)``.

    Paper 002, text after Eq. 15 (``C(rho_A) = S(rho_A^d) - S(rho_A)``); with degenerate levels the
    dephasing uses the eigenprojectors of ``h`` (so the measure is basis-independent). ``rho``
    (``(..., d, d)``) must be a state of the dimension of ``h`` (``ValueError`` naming ``rho``;
    positivity is checked on the spectrum of ``S(rho)``).
    """
    h = hermitian(h, "h")
    rho = check_state(rho, "rho", h.shape[0], "h", psd=False)
    return entropy_unchecked(energy_dephase(rho, h)) - _entropy(rho, "rho", True)


def _energy_coherence(rho, h):
    """:func:`energy_coherence` without input checks (per collision of a run, states checked)."""
    return entropy_unchecked(energy_dephase(rho, h)) - entropy_unchecked(rho)


def admissible_lambda(H_A, beta, chi, tau):
    """Interval ``(lam_min, lam_max)`` for which ``rho_th + sqrt(tau) lam chi >= 0`` (paper 002, Eq. 5).

    With ``M = rho_th^{-1/2} chi rho_th^{-1/2}`` and its extreme eigenvalues ``mu_min < 0 < mu_max``
    (``Tr rho_th^{-1} chi = 0`` for an off-diagonal ``chi``), positivity holds iff
    ``-1/(sqrt(tau) mu_max) <= lam <= 1/(sqrt(tau) |mu_min|)``. For the qubit with ``chi = sigma_x``
    this is ``tau lam^2 <= p_up p_down`` (the spec's bound). Differentiable (use it to build a
    parameter transform such as ``lam = lam_max tanh(u)`` for optimisation). ``beta`` must be
    finite (any sign) and ``tau`` positive and finite (a ``ValueError`` names them otherwise).
    """
    beta = finite(beta, "beta")
    tau = positive(tau, "tau")
    h = hermitian(H_A, "H_A")
    chi = hermitian(chi, "chi").astype(jnp.result_type(complex))
    if chi.shape != h.shape:
        raise ValueError(f"chi has shape {tuple(chi.shape)}, expected {tuple(h.shape)} to match H_A")
    _, v = jnp.linalg.eigh(h)
    p = jnp.real(jnp.diagonal(dag(v) @ gibbs_state(h, beta) @ v))
    s = 1.0 / jnp.sqrt(p)
    m = (s[:, None] * (dag(v) @ chi @ v)) * s[None, :]
    mu = jnp.linalg.eigvalsh(m)
    rt = jnp.sqrt(tau)
    return -1.0 / (rt * mu[-1]), 1.0 / (rt * jnp.abs(mu[0]))


class Ancilla(eqx.Module):
    """An ancilla: Hamiltonian ``H`` (d_A x d_A), state ``rho`` and optional reference ``beta``.

    ``dims`` are the subsystem dimensions of a composite ancilla (product order as in ``H``); it is
    informational (``prod(dims) == d_A`` is checked). ``lam``/``chi``/``tau`` are kept when the
    ancilla was built by :meth:`weakly_coherent` (``None`` otherwise).
    """

    H: Array
    rho: Array
    beta: Array | None
    lam: Array | None
    chi: Array | None
    tau: Array | None
    dims: tuple[int, ...] = eqx.field(static=True)

    def __init__(self, H, rho, beta=None, *, dims=None, lam=None, chi=None, tau=None,
                 _psd_msg=None):
        h = hermitian(H, "H_A")
        d = h.shape[0]
        r = density_matrix(rho, "rho_A", dim=d).astype(jnp.result_type(complex))
        dims = (d,) if dims is None else tuple(int(x) for x in dims)
        if math.prod(dims) != d:
            raise ValueError(f"dims={dims} has product {math.prod(dims)}, but H_A has dimension {d}")
        lam_min = jnp.linalg.eigvalsh(0.5 * (r + dag(r)))[0]
        msg = _psd_msg or "rho_A must be a positive semidefinite state (an eigenvalue is negative)"
        r = _fail(r, lam_min < -PSD_TOL, msg)
        self.H = h.astype(jnp.result_type(complex))
        self.rho = r
        self.beta = None if beta is None else as_array(beta, "beta")
        self.lam, self.chi, self.tau = lam, chi, tau
        self.dims = dims

    @property
    def dim(self) -> int:
        return self.H.shape[0]

    @classmethod
    def thermal(cls, H_A, beta, *, dims=None):
        """Gibbs ancilla ``exp(-beta H_A)/Z`` (any real ``beta``; paper 003 Eq. 41, paper 002 Eq. 5)."""
        h = hermitian(H_A, "H_A")
        return cls(h, gibbs_state(h, beta), beta, dims=dims)

    @classmethod
    def weakly_coherent(cls, H_A, beta, lam, chi, tau, *, dims=None):
        """``rho_A = rho_th + sqrt(tau) lam chi`` (paper 002, Eq. 5).

        Raises ``ValueError`` if ``chi`` is not Hermitian, has a component on an eigenspace of
        ``H_A`` (a "diagonal"), or if the state is not positive at this ``tau`` (the message gives
        the admissible interval of ``lam``, see :func:`admissible_lambda`). ``tau`` must be > 0.
        """
        h = hermitian(H_A, "H_A")
        d = h.shape[0]
        chi = hermitian(chi, "chi").astype(jnp.result_type(complex))
        if chi.shape != (d, d):
            raise ValueError(f"chi has shape {tuple(chi.shape)}, expected ({d}, {d}) to match H_A")
        tau = positive(tau, "tau")  # the collision time of paper 002: finite and > 0
        lam = as_array(lam, "lam")
        mask, v = energy_block_mask(h)
        diag_part = jnp.max(jnp.abs(jnp.where(mask, dag(v) @ chi @ v, 0.0)))
        chi = _fail(chi, diag_part > 1e-10 * jnp.maximum(1.0, jnp.max(jnp.abs(chi))),
                    "chi must have zero diagonal in the eigenbasis of H_A (zero on every energy "
                    "eigenspace); its dephased part is nonzero")
        rho = gibbs_state(h, beta) + jnp.sqrt(tau) * lam * chi
        msg = "rho_A = rho_th + sqrt(tau) lam chi is not positive"
        try:  # say the admissible interval when values are concrete
            lo, hi = admissible_lambda(h, beta, chi, tau)
            msg += f": lam must lie in [{float(lo):.6g}, {float(hi):.6g}] at tau={float(tau):.6g}"
        except Exception:  # traced: keep the short message
            msg += " (lam exceeds admissible_lambda(H_A, beta, chi, tau))"
        return cls(h, rho, beta, dims=dims, lam=lam, chi=chi, tau=tau, _psd_msg=msg)


def structured_pair_hamiltonian(omega1, omega2, kappa):
    """Two interacting TLS, paper 003 Eq. 28: ``(w1/2) s1z + (w2/2) s2z + kappa (s1+ s2- + s1- s2+)``.

    Basis: qubit 1 (x) qubit 2, each ``(|up>, |down>)``. Spectrum (Eqs. 31-34):
    ``{-x, -sqrt(y^2+k^2), +sqrt(y^2+k^2), +x}`` with ``x = (w1+w2)/2``, ``y = (w1-w2)/2``.
    """
    sp, sm, sz = sigmap(), sigmam(), sigmaz()
    eye = jnp.eye(2)
    return (0.5 * omega1 * tensor(sz, eye) + 0.5 * omega2 * tensor(eye, sz)
            + kappa * (tensor(sp, sm) + tensor(sm, sp))).astype(jnp.result_type(complex))


def structured_pair_transition():
    """``sigma_E^- = |E2><E3|`` of paper 003 Example 2 in the **resonant** labelling (spec 2.2).

    ``|E2> = |up>_1 |down>_2`` (bare energy (w1-w2)/2) and ``|E3> = |down>_1 |up>_2``, so
    ``sigma_E^- = s1+ s2-`` and ``E3 - E2 = w2 - w1``. (The literal App. A1 labelling swaps them and
    gives a population-inverted steady state that contradicts the paper's text.)
    """
    return tensor(sigmap(), sigmam()).astype(jnp.result_type(complex))


__all__ = [
    "Ancilla",
    "admissible_lambda",
    "energy_block_mask",
    "energy_coherence",
    "energy_dephase",
    "structured_pair_hamiltonian",
    "structured_pair_transition",
]
