"""``SpinEnsemble``: n identical spins of size s with ``H = omega J_z`` (paper 001, Secs. II-V).

The object holds the static size ``(n, s)`` and a differentiable ``omega``; every method is a
pure function of its arguments (jit/vmap/grad over ``beta0``, ``beta_bath``, ``t``, ``omega``).
States are :class:`~jaxthermo.ensembles.state.BlockState` pytrees (layout documented there).
Inverse temperatures are physical (``x = omega * beta``), may be negative, zero or +-inf.

Energies: ``energy(state)`` is ``Tr[omega J_z rho]`` (the core's ``energy(H, rho)`` with
``H = omega J_z``); pass ``reference="ground"`` for the paper's ``omega (Tr J_z rho + ns)``.
The closed-form shortcuts (``steady_energy``, ``steady_entropy``, ...) never build a padded state
and are the way to reach n = 10^5..10^6.

Every method that takes a ``BlockState`` validates it against the ensemble first
(:func:`~jaxthermo.ensembles.state.check_block_state`: a state of another ``(n, s)`` raises naming
both; weights, traces, Hermiticity, positivity; eagerly, or with ``error_if`` under jit/vmap).
``energy``, ``apparent_beta`` and ``local_state``, linear in the state, check the weights and the
populations only (blocks with coherences: no Hermiticity or ``eigvalsh`` test; O(nb D)).
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import (
    _fail,
    density_matrix,
    finite,
    inverse_temperature,
    positive_int,
    positive_semidefinite,
    spin_value,
)
from . import analytic
from .dynamics import collective_rates, evolve_checked_state
from .ladder import ladder_populations
from .multiplicity import multiplicities, multiplicities_exact
from .quantities import (
    apparent_beta_x,
    jz_mean,
    log_partition_product,
    state_entropy,
)
from .state import BlockState, check_block_state, m_grid

__all__ = ["SpinEnsemble"]

_PAD_LIMIT = 200_000_000  # entries of a padded (nb, D) population array


class SpinEnsemble(eqx.Module):
    """``n`` spins of size ``s`` (static) with ``H = omega J_z`` (``omega`` differentiable).

    Example::

        ens = SpinEnsemble(n=100, s=0.5, omega=1.0)
        rho_inf = ens.steady_state(beta0=2.0, beta_bath=0.5)
        ens.energy(rho_inf), ens.entropy(rho_inf)
    """

    n: int = eqx.field(static=True)
    s: float = eqx.field(static=True)
    omega: jax.Array

    def __init__(self, n, s=0.5, omega=1.0):
        self.n = positive_int(n, "n")
        self.s = spin_value(s)
        self.omega = finite(jnp.asarray(omega, dtype=jnp.result_type(float)), "omega")

    # ---- structure ------------------------------------------------------------------------
    @property
    def ns(self) -> float:
        return self.n * self.s

    @property
    def dim_pad(self) -> int:
        """Padded block dimension ``2ns + 1``."""
        return int(round(2 * self.ns)) + 1

    @property
    def j_values(self):
        return jnp.asarray(multiplicities(self.n, self.s)[0])

    @property
    def log_mult(self):
        return jnp.asarray(multiplicities(self.n, self.s)[1])

    @property
    def num_blocks(self) -> int:
        return len(multiplicities(self.n, self.s)[0])

    @property
    def m_grid(self):
        return m_grid(self.dim_pad)

    def multiplicities(self, log: bool = True):
        """``(J, ln l_J)`` (default) or ``(J, l_J)`` as exact Python ints (``log=False``)."""
        if log:
            return self.j_values, self.log_mult
        return multiplicities_exact(self.n, self.s)

    def _check(self, state, name: str = "state", full: bool = True) -> BlockState:
        return check_block_state(state, name, self.n, self.s, full=full)

    def _check_pad(self):
        if self.num_blocks * self.dim_pad > _PAD_LIMIT:
            raise ValueError(
                f"n={self.n}, s={self.s}: a padded block state would hold "
                f"{self.num_blocks * self.dim_pad} entries; use the closed-form methods "
                "(steady_energy, steady_entropy, ...) or evolve_jz for this size"
            )

    # ---- states ---------------------------------------------------------------------------
    def block_weights(self, beta0):
        """``w_J = l_J p_J(beta0)`` of the thermal state (Eq. 15), shape ``(nb,)``."""
        _, lw = analytic.log_block_weights(self.n, self.s, self.omega * beta0)
        return jnp.exp(lw)

    def _ladder_state(self, w, x, mult_entropy=None) -> BlockState:
        self._check_pad()
        j = self.j_values
        p = ladder_populations(j[:, None], x, self.m_grid[None, :])
        me = self.log_mult if mult_entropy is None else mult_entropy
        return BlockState(j, self.log_mult, w, p, me, diagonal=True)

    def thermal_state(self, beta) -> BlockState:
        """Gibbs state ``e^{-beta omega J_z}/Z`` as a block state (any real beta, +-inf)."""
        beta = inverse_temperature(beta, "beta")
        return self._ladder_state(self.block_weights(beta), self.omega * beta)

    def steady_state(self, beta0=None, beta_bath=None, *, rho0: BlockState | None = None):
        """Steady state of collective dissipation at ``beta_bath`` (Eq. 16; spec Sec. 1.7).

        From the thermal state at ``beta0`` or from any block state ``rho0``: the weights
        ``w_J`` and the multiplicity states ``sigma_J`` are conserved and each block relaxes to
        the thermal ladder at the bath temperature, ``rho_inf = (+)_J w_J rho_J^th(x_B) (x)
        sigma_J`` (coherences inside blocks decay). The stationary state is NOT unique (the
        kernel has dimension sum_J l_J^2), so it is always built from the initial state, never
        from a null vector. At ``beta_bath = +-inf`` coherences between extremal states of
        different blocks would also survive; block states carry none, so the rule above holds.
        """
        if beta_bath is None:
            raise ValueError("steady_state needs beta_bath")
        if (beta0 is None) == (rho0 is None):
            raise ValueError("steady_state needs exactly one of beta0 (thermal initial state) "
                             "or rho0 (a BlockState)")
        x_b = self.omega * inverse_temperature(beta_bath, "beta_bath")
        if rho0 is not None:
            rho0 = self._check(rho0, "rho0")
            return self._ladder_state(rho0.w, x_b, rho0.mult_entropy)
        return self._ladder_state(self.block_weights(inverse_temperature(beta0, "beta0")), x_b)

    # ---- dynamics -------------------------------------------------------------------------
    def rates(self, beta_bath, gamma=1.0):
        """``(G_down, G_up)`` (core ThermalBath, fermi convention)."""
        return collective_rates(self.omega, beta_bath, gamma)

    def evolve(self, rho0: BlockState, ts, beta_bath, gamma=1.0, **kwargs) -> BlockState:
        """Collective dissipation ``G_down D[J-] + G_up D[J+]`` with ``H = omega J_z``.

        ``rho0`` is the state at ``t = 0`` (validated against this ensemble); ``ts`` must be
        finite, strictly increasing and ``>= 0`` (``ts[0] > 0`` is allowed: the first state
        returned is then rho(ts[0]), not rho0). Returns the block states at ``ts`` (leading time
        axis; ``traj.at(i)``). Exact propagation by default (see
        :mod:`jaxthermo.ensembles.dynamics`); ``method="diffrax"`` integrates from ``t = 0``
        too (same states for the same ``ts``) and takes ``extra_energies=f`` (array ``(nb, D)``
        of energies added to ``omega m``) for Hamiltonians with any function of J_z and J^2.
        ``beta_bath`` may be any real number or +-inf, not NaN.
        """
        rho0 = self._check(rho0, "rho0")
        gd, gu = self.rates(inverse_temperature(beta_bath, "beta_bath"), gamma)
        return evolve_checked_state(rho0, ts, gd, gu, self.omega, **kwargs)

    # ---- quantities -----------------------------------------------------------------------
    def energy(self, state: BlockState, reference: str = "zero"):
        """``Tr[omega J_z rho]`` (``reference="ground"``: ``omega (Tr[J_z rho] + ns)``)."""
        return self._energy(self._check(state, full=False), reference)

    def _energy(self, state: BlockState, reference: str = "zero"):
        if reference not in ("zero", "ground"):
            raise ValueError(f"reference must be 'zero' or 'ground', got {reference!r}")
        e = self.omega * jz_mean(state)
        return e + self.omega * self.ns if reference == "ground" else e

    def entropy(self, state: BlockState):
        """Von Neumann entropy of the full ``(2s+1)^n`` state (nats)."""
        return state_entropy(self._check(state))

    def free_energy(self, state: BlockState, beta_bath, reference: str = "zero"):
        """``F = E - S / beta_bath`` (Eq. 44); ``beta_bath`` must be finite and nonzero."""
        state = self._check(state)
        beta_bath = jnp.asarray(beta_bath, dtype=jnp.result_type(float))
        beta_bath = _fail(beta_bath, ~(jnp.isfinite(beta_bath) & (beta_bath != 0)),
                          "beta_bath must be finite and nonzero (F = E - S / beta_bath)")
        return self._energy(state, reference) - state_entropy(state) / beta_bath

    def relative_entropy_to_thermal(self, state: BlockState, beta):
        """``D(rho || rho_th(beta)) = -S(rho) + beta Tr[H rho] + ln Z(beta)`` (nats)."""
        state = self._check(state)
        return (-state_entropy(state) + beta * self._energy(state)
                + log_partition_product(self.n, self.s, self.omega * beta))

    def entropy_production(self, state0: BlockState, state1: BlockState, beta_bath):
        """``Sigma = Delta S - beta_B Delta E`` between two states (Sec. VII), nats."""
        state0, state1 = self._check(state0, "state0"), self._check(state1, "state1")
        return (state_entropy(state1) - state_entropy(state0)
                - beta_bath * (self._energy(state1) - self._energy(state0)))

    def apparent_beta(self, state: BlockState):
        """Apparent inverse temperature ``ln(Tr J-J+ rho / Tr J+J- rho) / omega`` (Eq. H2)."""
        return apparent_beta_x(self._check(state, full=False)) / self.omega

    def local_state(self, state: BlockState):
        """Single-spin reduced state ``(2s+1, 2s+1)`` (basis m = s..-s), any s; see
        :func:`jaxthermo.ensembles.local.local_state`."""
        from .local import local_state

        return local_state(state, self.n, self.s)

    # ---- closed forms (no padded state; any n) ------------------------------------------
    def _ref(self, e, reference):
        return self.omega * (e if reference == "ground" else e - self.ns)

    def steady_energy(self, beta0, beta_bath, reference: str = "zero"):
        """Energy of the steady state from the thermal state at ``beta0`` (Eq. 18)."""
        return self._ref(analytic.energy_steady(self.n, self.s, self.omega * beta0,
                                                self.omega * beta_bath), reference)

    def steady_entropy(self, beta0, beta_bath):
        """Entropy of the steady state from the thermal state at ``beta0`` (Eqs. 32-35)."""
        return analytic.entropy_steady(self.n, self.s, self.omega * beta0, self.omega * beta_bath)

    def thermal_energy(self, beta, reference: str = "zero"):
        """``Tr[H rho_th(beta)]`` (Eq. 26)."""
        return self._ref(analytic.energy_thermal(self.n, self.s, self.omega * beta), reference)

    def thermal_entropy(self, beta):
        """``S[rho_th(beta)] = n S_s`` (Eq. 36)."""
        return analytic.entropy_thermal(self.n, self.s, self.omega * beta)

    # ---- independent (local) dissipation --------------------------------------------------
    def independent_evolve(self, rho_local0, ts, beta_bath, gamma=1.0):
        """Independent dissipation ``sum_k [G_down D[j-_k] + G_up D[j+_k]]``: the state stays a
        product ``rho_loc(t)^{(x) n}``; returns ``rho_loc(t)`` with shape ``(T, 2s+1, 2s+1)``.

        Each spin follows the J = s ladder of the block dynamics (same exact propagator).
        Energy and entropy of the ensemble are ``n`` times the local ones.
        """
        d = int(round(2 * self.s)) + 1
        rho_local0 = jnp.asarray(rho_local0)
        if rho_local0.shape != (d, d):
            raise ValueError(f"rho_local0 must have shape ({d}, {d}), got {rho_local0.shape}")
        rho_local0 = positive_semidefinite(density_matrix(rho_local0, "rho_local0", d),
                                           "rho_local0")
        one = BlockState(jnp.asarray([self.s]), jnp.zeros(1), jnp.ones(1),
                         rho_local0[None].astype(jnp.result_type(complex)), jnp.zeros(1),
                         diagonal=False)
        gd, gu = self.rates(inverse_temperature(beta_bath, "beta_bath"), gamma)
        return evolve_checked_state(one, ts, gd, gu, self.omega).blocks[:, 0]

    def independent_steady_state(self, beta_bath) -> BlockState:
        """Unique steady state of independent dissipation: ``rho_th(beta_bath)``."""
        return self.thermal_state(beta_bath)

    def local_thermal_state(self, beta):
        """Single-spin Gibbs state ``e^{-beta omega j_z}/Z_s`` (basis m = s..-s)."""
        d = int(round(2 * self.s)) + 1
        m = self.s - jnp.arange(d, dtype=jnp.result_type(float))
        p = ladder_populations(self.s, self.omega * beta, m)
        return jnp.diag(p).astype(jnp.result_type(complex))
