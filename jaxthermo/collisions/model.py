"""Collision (repeated-interaction) model: one collision as a channel, many by ``lax.scan``.

Paper 003 Eqs. 13-16 / paper 002 Eqs. 1 and 4. One collision of species ``j`` is
``rho -> Tr_A[U_j (rho (x) rho_Aj) U_j^dag]`` with ``U_j = exp(-i t (H_S + H_Aj + c V_j))``.
With ``m`` species per cycle (paper 002, Fig. 2 and Eq. 18) the species collide in sequence, each
for ``t = dt / m``; the coupling factor is

* ``scaling="plain"`` (paper 003): ``c = 1`` (no rescaling at all; 003 argues no continuum limit);
* ``scaling="sqrt_tau"`` (paper 002, Eq. 4 and Fig. 2): ``c = m / sqrt(dt)``.

``dt`` is the duration of a whole cycle (``tau`` of paper 002; ``delta t`` of paper 003 for one
species). ``n_collisions`` in :meth:`CollisionModel.run` counts cycles (= collisions when m = 1).
The cycle channel is precomputed as a ``d_S^2 x d_S^2`` superoperator (row-major vec) and the
linear ledger quantities as functionals, so 10^5 collisions cost one scan of small mat-vecs.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array

from .._checks import as_array, hermitian, positive, positive_int
from ..quantum.linalg import expm
from ..thermo._state import check_state
from .ancilla import Ancilla
from .continuum import continuum_generator, continuum_limit, continuum_steady_state
from .ledger import Ledger, assemble, collision_channel, entropic_terms, linear_functionals
from .steady import channel_fixed_point

SCALINGS = ("plain", "sqrt_tau")


class CollisionResult(eqx.Module):
    """Output of :meth:`CollisionModel.run`.

    ``states[i]`` is ``rho_S`` after ``cycles[i]`` cycles (``cycles = 0, k, 2k, ..., n``);
    ``ledger`` holds the quantities of the cycle that STARTS from ``states[i]`` for
    ``i < len(states) - 1`` (its number, 1-based, is ``ledger_cycles[i] = cycles[i] + 1``).
    With ``keep_every=1`` this is every collision: ``ledger.<q>[i]`` is collision ``i + 1``.
    """

    states: Array
    cycles: Array
    ledger_cycles: Array
    ledger: Ledger


class CollisionModel(eqx.Module):
    """A system ``H_S`` colliding with fresh ancillae (one or several species per cycle).

    ``CollisionModel(H_S, ancilla, V, dt, scaling="plain")``: ``ancilla`` an :class:`Ancilla` or a
    sequence of them (species, in collision order), ``V`` the coupling on ``S (x) A`` (system
    first) or a sequence matching the species. Differentiable in every array field (use
    ``eqx.tree_at`` or rebuild inside the function you differentiate).
    """

    H_S: Array
    ancillae: tuple
    V: tuple
    dt: Array
    scaling: str = eqx.field(static=True)

    def __init__(self, H_S, ancilla, V, dt, *, scaling: str = "plain"):
        hs = hermitian(H_S, "H_S").astype(jnp.result_type(complex))
        d_s = hs.shape[0]
        ancs = (ancilla,) if isinstance(ancilla, Ancilla) else tuple(ancilla)
        if len(ancs) == 0 or not all(isinstance(a, Ancilla) for a in ancs):
            raise TypeError("ancilla must be a jt.collisions.Ancilla or a non-empty sequence of them")
        vs = tuple(V) if isinstance(V, (list, tuple)) else (V,)
        if len(vs) != len(ancs):
            raise ValueError(f"V has {len(vs)} couplings but there are {len(ancs)} ancilla species")
        checked = []
        for j, (v, a) in enumerate(zip(vs, ancs, strict=True)):
            name = "V" if len(vs) == 1 else f"V[{j}]"
            d = d_s * a.dim
            v = as_array(v, name)
            if v.shape != (d, d):
                raise ValueError(
                    f"{name} has shape {tuple(v.shape)}, expected ({d}, {d}) = (d_S*d_A, d_S*d_A) "
                    f"for H_S of dimension {d_s} and an ancilla of dimension {a.dim} "
                    "(tensor order: system (x) ancilla)"
                )
            checked.append(hermitian(v, name).astype(jnp.result_type(complex)))
        if scaling not in SCALINGS:
            raise ValueError(f"scaling must be one of {SCALINGS}, got {scaling!r}")
        self.H_S = hs
        self.ancillae = ancs
        self.V = tuple(checked)
        self.dt = positive(dt, "dt")
        self.scaling = scaling

    # -- one collision -------------------------------------------------------------------------
    @property
    def n_species(self) -> int:
        return len(self.ancillae)

    @property
    def dim(self) -> int:
        return self.H_S.shape[0]

    def collision_time(self):
        """Duration ``t = dt / m`` of one species' collision."""
        return self.dt / self.n_species

    def coupling_factor(self):
        """``c = 1`` (plain) or ``m / sqrt(dt)`` (sqrt_tau, paper 002 Eq. 4 and Fig. 2)."""
        if self.scaling == "plain":
            return jnp.ones_like(self.dt)
        return self.n_species / jnp.sqrt(self.dt)

    def hamiltonian(self, j: int = 0):
        """Total ``H_S + H_A + c V`` of species ``j`` on ``S (x) A``."""
        a = self.ancillae[j]
        eye_s = jnp.eye(self.dim, dtype=self.H_S.dtype)
        eye_a = jnp.eye(a.dim, dtype=self.H_S.dtype)
        return (jnp.kron(self.H_S, eye_a) + jnp.kron(eye_s, a.H)
                + self.coupling_factor() * self.V[j])

    def unitary(self, j: int = 0):
        """``U_j = exp(-i t H_tot)`` (Pade; safe for degenerate spectra and for autodiff)."""
        return expm(-1j * self.collision_time() * self.hamiltonian(j))

    def _species(self):
        t, c = self.collision_time(), self.coupling_factor()
        out = []
        for j, a in enumerate(self.ancillae):
            u = self.unitary(j)
            phi = collision_channel(u, a.rho, self.dim, a.dim)
            f = linear_functionals(self.H_S, a.H, c * self.V[j], a.rho, u, t)
            out.append((u, phi, f, a))
        return out

    def species_channels(self):
        """Tuple of the species' superoperators (d_S^2 x d_S^2, row-major vec)."""
        return tuple(s[1] for s in self._species())

    def channel(self):
        """Superoperator of one cycle: ``Phi_m ... Phi_1``."""
        phi = None
        for p in self.species_channels():
            phi = p if phi is None else p @ phi
        return phi

    def second_order_channel(self):
        """Cycle superoperator of the map truncated at second order in ``t`` (paper 003, Eq. 15).

        Each species: ``Tr_A[R - i t [H, R] + (t^2/2)(2 H R H - {H^2, R})]`` with ``R = rho (x)
        rho_A`` and ``H`` the total Hamiltonian: the clean form of 003's Eqs. 17-27 (spec 2.1), which
        reproduces App. B (B7-B10) for Example 2. Not a CPTP map; the exact :meth:`channel` is the
        primary reference (spec 2.4).
        """
        phi = None
        t = self.collision_time()
        for j, a in enumerate(self.ancillae):
            h = self.hamiltonian(j)
            d = h.shape[0]
            eye = jnp.eye(d, dtype=h.dtype)
            h2 = h @ h
            k = (jnp.eye(d * d, dtype=h.dtype) - 1j * t * (jnp.kron(h, eye) - jnp.kron(eye, h.T))
                 + 0.5 * t**2 * (2 * jnp.kron(h, h.T) - jnp.kron(h2, eye) - jnp.kron(eye, h2.T)))
            ds, da = self.dim, a.dim
            k8 = k.reshape(ds, da, ds, da, ds, da, ds, da)
            p = jnp.einsum("iajasbtc,bc->ijst", k8, a.rho)
            p = p.reshape(ds * ds, ds * ds)
            phi = p if phi is None else p @ phi
        return phi

    def _state(self, rho, name="rho"):
        """``rho`` checked as a ``(d_S, d_S)`` state (finite, Hermitian, unit trace, positive
        semidefinite; a ``ValueError`` names ``name``). Cheap next to building the channel."""
        return check_state(rho, name, self.dim, "H_S", batch=False)

    def apply(self, rho):
        """One cycle applied to the state ``rho`` (``(d_S, d_S)``, checked as in :meth:`run`)."""
        rho = self._state(rho)
        return (self.channel() @ rho.reshape(-1)).reshape(self.dim, self.dim)

    def _betas(self):
        """The ancillae's inverse temperatures, or ``None`` if one has none (the ledger fields
        that need beta are then ``None``, see :class:`Ledger`)."""
        if any(a.beta is None for a in self.ancillae):
            return None
        return jnp.stack([jnp.real(a.beta) for a in self.ancillae])

    def _cycle_ledger(self, species, rho, entropic: bool):
        lins, ents = [], []
        r = rho
        for u, phi, f, a in species:
            v = r.reshape(-1)
            lins.append(jnp.real(f @ v))
            if entropic:
                ents.append(entropic_terms(r, u, a.rho, a.H))
            r = (phi @ v).reshape(self.dim, self.dim)
        lin = jnp.stack(lins, axis=-1)
        ent = None
        if entropic:
            ent = {k: jnp.stack([e[k] for e in ents], axis=-1) for k in ents[0]}
        led = assemble(lin, ent, self._betas())
        if self.n_species == 1:
            led = jax.tree_util.tree_map(lambda x: x[..., 0], led)
        return led

    def ledger(self, rho, *, entropic: bool = True) -> Ledger:
        """Ledger of the cycle starting from the state ``rho`` (scalars, or ``(m,)`` for m species).

        ``rho`` is checked as in :meth:`run`. ``entropy_production_003`` and
        ``free_energy_change`` are ``None`` when an ancilla has no ``beta`` (see :class:`Ledger`).
        """
        rho = self._state(rho).astype(jnp.result_type(complex))
        return self._cycle_ledger(self._species(), rho, entropic)

    # -- many collisions -----------------------------------------------------------------------
    def run(self, rho_S0, n_collisions: int, *, keep_every: int = 1,
            entropic: bool = True) -> CollisionResult:
        """``n_collisions`` cycles from ``rho_S0`` by ``lax.scan`` on the precomputed channel.

        Keeps every ``keep_every``-th state (``n_collisions`` must be a multiple of it); the
        ledger is evaluated at the kept input states (see :class:`CollisionResult`).
        ``entropic=False`` skips the eigendecompositions (entropy, Sigma, coherence).
        After each scan step the state is re-Hermitised and renormalised to unit trace (the exact
        channel preserves both; this stops roundoff drift, ~4e-11 in the trace after 2e5 steps).
        ``rho_S0`` must be a ``(d_S, d_S)`` state: finite, Hermitian, unit trace and positive
        semidefinite (a ``ValueError`` names ``rho_S0``); it is checked once, here, not per step.
        """
        n = positive_int(n_collisions, "n_collisions")
        k = positive_int(keep_every, "keep_every")
        if n % k:
            raise ValueError(f"n_collisions={n} must be a multiple of keep_every={k}")
        rho0 = self._state(rho_S0, "rho_S0")
        return _run(self, rho0.astype(jnp.result_type(complex)), n, k, bool(entropic))

    # -- fixed point ---------------------------------------------------------------------------
    def steady_state(self, *, check_unique: bool = True):
        """Fixed point of the cycle channel by a bordered linear solve (differentiable)."""
        return channel_fixed_point(self.channel(), check_unique=check_unique)

    def steady_state_ledger(self, *, entropic: bool = True) -> Ledger:
        """Ledger of one cycle at the fixed point (003: ``W_sw = -dQ``; divide by ``dt`` for rates)."""
        return self.ledger(self.steady_state(), entropic=entropic)

    # -- continuum limit (paper 002) -----------------------------------------------------------
    def continuum_limit(self):
        """``(H_eff, jump_ops)`` of paper 002 Eqs. 6-8 and 18, for ``jt.mesolve``."""
        return continuum_limit(self)

    def continuum_generator(self):
        """The continuum Liouvillian (d_S^2 x d_S^2) built without eigendecompositions."""
        return continuum_generator(self)

    def continuum_steady_state(self):
        """Steady state of the continuum master equation (differentiable linear solve)."""
        return continuum_steady_state(self)


@eqx.filter_jit
def _run(model: CollisionModel, rho0, n: int, k: int, entropic: bool) -> CollisionResult:
    species = model._species()
    phi = None
    for s in species:
        phi = s[1] if phi is None else s[1] @ phi
    phik = jnp.linalg.matrix_power(phi, k) if k > 1 else phi
    v0 = rho0.reshape(-1)

    d = model.dim

    def step(v, _):
        # the channel is trace preserving and Hermiticity preserving; re-impose both so that
        # roundoff (~1e-16 per step) does not accumulate over 10^5-10^6 collisions
        r = (phik @ v).reshape(d, d)
        r = 0.5 * (r + r.conj().T)
        v = (r / jnp.trace(r)).reshape(-1)
        return v, v

    _, vs = jax.lax.scan(step, v0, None, length=n // k)
    states = jnp.concatenate([v0[None], vs], axis=0).reshape(-1, d, d)
    def one(r):
        return model._cycle_ledger(species, r, entropic)

    # entropic ledgers: one state at a time (lax.map). Under vmap every entropy becomes a batched
    # LAPACK eigh, and several of them running at once deadlocked jaxlib's CPU batch thread pool
    # (ParallelBatchMap) for runs of ~1500+ kept states; tiny per-state eighs cost little.
    led = jax.lax.map(one, states[:-1]) if entropic else jax.vmap(one)(states[:-1])
    cycles = jnp.arange(0, n + 1, k)
    return CollisionResult(states=states, cycles=cycles, ledger_cycles=cycles[:-1] + 1, ledger=led)


__all__ = ["CollisionModel", "CollisionResult"]
