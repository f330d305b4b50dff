"""The concrete models of papers 002 and 003, ready to run (used by reproductions, examples,
benchmarks and tests).

* :func:`weakly_coherent_qubit` -- paper 002's qubit example: ``H_S = H_A = (Omega/2) sigma_z``,
  ``V = g (s+ a- + s- a+)``, ``chi = sigma_x`` (or any off-diagonal ``chi``), scaling sqrt(tau).
  Paper 002 gives no numbers; the spec's choices are the defaults (Omega = g = beta = 1, lam = 0.5).
* :func:`structured_example2` -- paper 003 Example 2 (Eqs. 52-58): ``H_S = (w_S/2) sigma_z``,
  ancilla Eq. 28, ``H_SE = alpha s+ (x) |E2><E3| + h.c.`` in the resonant labelling (spec 2.2),
  Gibbs ancilla, plain scaling. Defaults are the Fig. 3 parameters.
* :func:`structured_example1` -- paper 003 Example 1 (Eqs. 39-51): independent couplings
  ``alpha_k (s+ sigma_k^- + h.c.)`` to both TLS.
"""

from __future__ import annotations

import jax.numpy as jnp

from ..quantum.operators import sigmam, sigmap, sigmax, sigmaz
from .ancilla import Ancilla, structured_pair_hamiltonian, structured_pair_transition
from .model import CollisionModel


def _hc(x):
    return x + x.conj().T


def weakly_coherent_qubit(lam=0.5, tau=0.01, *, beta=1.0, g=1.0, omega=1.0, chi=None):
    """Paper 002's qubit example (Eqs. 4-5 and the text after Eq. 11) as a CollisionModel."""
    h = 0.5 * omega * sigmaz()
    v = g * _hc(jnp.kron(sigmap(), sigmam()))
    chi = sigmax() if chi is None else chi
    anc = Ancilla.weakly_coherent(h, beta, lam, chi, tau)
    return CollisionModel(h, anc, v, tau, scaling="sqrt_tau")


def structured_example2(beta=1.0, kappa=0.3, alpha=0.1, dt=0.1, *, omega_s=1.0, omega1=0.5,
                        omega2=1.5):
    """Paper 003 Example 2 (coupling to the coherent transition |E2> <-> |E3>)."""
    he = structured_pair_hamiltonian(omega1, omega2, kappa)
    v = _hc(alpha * jnp.kron(sigmap(), structured_pair_transition()))
    anc = Ancilla.thermal(he, beta, dims=(2, 2))
    return CollisionModel(0.5 * omega_s * sigmaz(), anc, v, dt)


def structured_example1(beta=1.0, kappa=0.3, alpha1=0.1, alpha2=0.1, dt=0.1, *, omega_s=1.0,
                        omega1=0.5, omega2=1.5):
    """Paper 003 Example 1 (independent coupling to each TLS; no drive, diagonal fixed point)."""
    he = structured_pair_hamiltonian(omega1, omega2, kappa)
    eye = jnp.eye(2)
    b = alpha1 * jnp.kron(sigmam(), eye) + alpha2 * jnp.kron(eye, sigmam())
    v = _hc(jnp.kron(sigmap(), b))
    anc = Ancilla.thermal(he, beta, dims=(2, 2))
    return CollisionModel(0.5 * omega_s * sigmaz(), anc, v, dt)


__all__ = ["structured_example1", "structured_example2", "weakly_coherent_qubit"]
