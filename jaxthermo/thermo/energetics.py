"""Energetics: energy, heat currents, power. The conventions of the whole library live here.

Conventions (also in README.md):

* hbar = k_B = 1; logarithms are natural (entropies in nats).
* **Heat flowing into the system is positive**: the heat current of bath k is
  ``J_k = Tr[H D_k(rho)]`` where ``D_k`` is the dissipator of bath k.
* **Work done on the system is positive**: the power of a time-dependent Hamiltonian is
  ``P = Tr[(dH/dt) rho]``; so an engine has negative work per cycle.
* Inverse temperatures may be negative (population inversion); ``beta = 0`` is infinite temperature.
* First law: ``dE/dt = P + sum_k J_k``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .._checks import finite, operator_list, square
from ._state import check_state, state_shape


def _energy(h, rho):
    return jnp.real(jnp.einsum("ij,...ji->...", h, rho))


def _operator(rho, name, dim, other):
    """``rho`` as a finite ``(..., d, d)`` array with ``d == dim`` (shape errors name both)."""
    return finite(state_shape(rho, name, dim, other), name)


def energy(h, rho):
    """``E = Tr[H rho]`` (real part), batched over leading axes of ``rho``.

    Linear in ``rho``, so ``rho`` may be any operator (e.g. ``drho = L(rho)`` gives ``dE/dt``):
    only its shape ``(..., d, d)`` with ``d`` that of ``H`` and finiteness are checked (a
    ``ValueError`` names ``rho``). The nonlinear functions (entropies, free energy, coherences,
    production rates) check that ``rho`` is a state.
    """
    h = square(h, "H")
    return _energy(h, _operator(rho, "rho", h.shape[0], "H"))


def expect(op, rho):
    """``Tr[op rho]`` (complex), batched over leading axes of ``rho``.

    ``op`` must be a square ``(d, d)`` matrix and ``rho`` a finite ``(..., d, d)`` array (linear in
    ``rho``, as :func:`energy`).
    """
    op = square(op, "op")
    return jnp.einsum("ij,...ji->...", op, _operator(rho, "rho", op.shape[0], "op"))


def heat_current(h, dissipator, rho):
    """Heat current ``J = Tr[H D(rho)]`` into the system from one bath.

    ``dissipator`` is either a callable ``rho -> D(rho)`` or a list of jump operators (the standard
    Lindblad dissipator of those operators is used). ``rho`` must be a ``(d, d)`` state with ``d``
    the dimension of ``H`` (checked as in :func:`energy`).
    """
    from ..dynamics.lindblad import dissipator as _diss

    h = square(h, "H")
    rho = check_state(rho, "rho", h.shape[0], batch=False)
    if callable(dissipator):
        d = dissipator(rho)
    else:
        d = _diss(operator_list(dissipator, "dissipator", h.shape[0]), rho)
    return jnp.real(jnp.trace(h @ d))


def power(h_of_t, rho, t):
    """Power ``P = Tr[(dH/dt) rho]`` on the system for a time-dependent Hamiltonian ``h_of_t(t)``.

    ``rho`` must be a ``(d, d)`` state with ``h_of_t(t)`` of shape ``(d, d)``; ``t`` finite.
    """
    t = finite(jnp.asarray(t, dtype=jnp.result_type(float)), "t")
    h0 = square(h_of_t(t), "h_of_t(t)")
    rho = check_state(rho, "rho", h0.shape[0], "h_of_t(t)", batch=False)
    # forward-mode derivative of a complex-valued H(t) of a real t: real and imaginary parts
    def hre(tt):
        return jnp.real(jnp.asarray(h_of_t(tt)))

    def him(tt):
        return jnp.imag(jnp.asarray(h_of_t(tt)))

    dh = jax.jacfwd(hre)(t) + 1j * jax.jacfwd(him)(t)
    return jnp.real(jnp.trace(dh @ rho))
