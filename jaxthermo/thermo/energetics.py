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

from .._checks import square


def energy(h, rho):
    """``E = Tr[H rho]`` (real part), batched over leading axes of ``rho``."""
    h = square(h, "H")
    rho = jnp.asarray(rho)
    if rho.shape[-2:] != h.shape:
        raise ValueError(f"rho has shape {rho.shape}, which does not match H {h.shape}")
    return jnp.real(jnp.einsum("ij,...ji->...", h, rho))


def expect(op, rho):
    """``Tr[op rho]`` (complex), batched over leading axes of ``rho``."""
    return jnp.einsum("ij,...ji->...", jnp.asarray(op), jnp.asarray(rho))


def heat_current(h, dissipator, rho):
    """Heat current ``J = Tr[H D(rho)]`` into the system from one bath.

    ``dissipator`` is either a callable ``rho -> D(rho)`` or a list of jump operators (the standard
    Lindblad dissipator of those operators is used).
    """
    from ..dynamics.lindblad import dissipator as _diss

    h = square(h, "H")
    d = dissipator(rho) if callable(dissipator) else _diss(dissipator, rho)
    return jnp.real(jnp.trace(h @ d))


def power(h_of_t, rho, t):
    """Power ``P = Tr[(dH/dt) rho]`` on the system for a time-dependent Hamiltonian ``h_of_t(t)``."""
    t = jnp.asarray(t, dtype=jnp.result_type(float))
    # forward-mode derivative of a complex-valued H(t) of a real t: real and imaginary parts
    def hre(tt):
        return jnp.real(jnp.asarray(h_of_t(tt)))

    def him(tt):
        return jnp.imag(jnp.asarray(h_of_t(tt)))

    dh = jax.jacfwd(hre)(t) + 1j * jax.jacfwd(him)(t)
    return jnp.real(jnp.trace(dh @ rho))
