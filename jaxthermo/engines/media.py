"""Working media of an Otto engine: a full-space operator medium and a collective spin ladder.

Both represent the family ``H(omega) = omega H0`` coupled to thermal baths, and both provide the
same small interface used by :class:`jaxthermo.engines.OttoCycle`:

* ``initial_state(omega, beta0)`` -- the state before the first cycle (thermal at ``beta0``);
* ``stroke_map(omega, bath, tau)`` -- the linear map of an isochore of duration ``tau`` (exact
  propagator ``exp(tau L)``), or ``None`` for a stroke run to its stationary state;
* ``relax(omega, bath, state)`` -- the stationary limit of an infinite isochore from ``state``;
* ``apply(map, state)``, ``compose(m2, m1)`` (= ``m2 o m1``), ``fixed_point(T, state0)``;
* ``energy0(state)`` -- ``Tr[H0 rho]`` (so the energy at frequency ``omega`` is ``omega energy0``).

:class:`OperatorMedium` works in the full ``d``-dimensional space on ``vec(rho)`` (row-major) with
the core's :func:`~jaxthermo.dynamics.thermal_jump_ops` and :func:`~jaxthermo.dynamics.lindbladian`.
Each coupling operator is one bath channel; ``collective=True`` couples their sum to a single bath.
The stationary limit of a generator with conserved quantities (collective dissipation conserves
total spin: paper 001, Eq. 16) keeps them: with ``M`` an orthonormal basis of the left kernel of
``L`` (the conserved quantities), ``P rho0`` is the unique solution of ``(-L + M M^dag) x =
M M^dag rho0`` (``x`` is stationary and has the conserved quantities of ``rho0``); the same solve
gives the limit cycle of the one-cycle map ``T`` with ``I - T`` in place of ``-L`` (for two finite
strokes ``M`` is the joint left kernel of ``L_h, L_c`` and ``I - T`` is formed without cancellation,
so short strokes stay accurate: :meth:`OperatorMedium.cycle_fixed_point`). ``M`` is found
by an SVD of the (gradient-stopped) generator: it is structural (a symmetry), so derivatives with
respect to temperatures, frequencies and durations are exact (implicit differentiation of the
solve). This differs from the core's ``stationary_projection`` only in being differentiable.

:class:`SpinLadderMedium` is ``n`` spins ``s`` with ``H0 = J_z + ns`` (energy counted from the
ground state, paper 001 Eq. 17) in the collective basis of paper 001: blocks ``J`` with the
conserved weights ``w_J(x0)`` of the initial thermal state (Eq. 15) and birth-death dynamics of the
populations inside each block (spec seed-001 Sec. 1.5; Eq. A1 restricted to populations, which is
exact for states diagonal in the collective basis such as thermal states and every state of the
cycle). ``bath="independent"`` is the distinguishable-spin baseline: each spin relaxes on its own
two-level (spin-s) ladder and the energy is ``n`` times the single-spin energy. Rates follow the
core's ``ThermalBath`` (Fermi convention ``G(w) = gamma/(1 + e^{-beta w})`` by default), with the
bath coupled through ``J^+ + J^-`` (i.e. ``2 J_x``), which is the spec's reference convention:
``dP/dt = G(w)(a_{m+1}P_{m+1} - a_m P_m) + G(-w)(b_{m-1}P_{m-1} - b_m P_m)``,
``a_m = (J+m)(J-m+1)``, ``b_m = (J-m)(J+m+1)``. A stroke run to its stationary state gives the
thermal ladder of each block (Eq. 16) in closed form. The thermal-ladder functions and the
multiplicities ``l_J`` come from :mod:`jaxthermo.ensembles`.
"""

from __future__ import annotations

import dataclasses

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import positive_int, spin_value
from ..dynamics import ThermalBath, eigenoperators, lindbladian
from ..quantum import collective_ops, embed, spin_ladder
from ..quantum.linalg import expm, unvec, vec
from ..quantum.states import boltzmann_weights

NULL_TOL = 1e-9


def _left_kernel_projector(a, tol=NULL_TOL):
    """``M M^dag`` for an orthonormal basis ``M`` of the left kernel of ``a`` (gradient-stopped)."""
    a = jax.lax.stop_gradient(a)
    u, s, _ = jnp.linalg.svd(a)
    null = s <= tol * jnp.maximum(1.0, s[0])
    m = u * null[None, :]
    return m @ jnp.conj(m.T)


def _joint_left_kernel_projector(gens, tol=NULL_TOL):
    """``M M^dag`` for the joint left kernel of a stack of generators (k, d, d): the quantities
    conserved by every stroke, hence by the cycle. Each generator is normalised by its largest
    entry and the kernel is read from the SVD of ``[L_1, L_2, ...]`` with a tolerance relative to
    its largest singular value, independent of the stroke durations (gradient-stopped)."""
    a = jax.lax.stop_gradient(gens)
    sc = jnp.max(jnp.abs(a), axis=(-2, -1), keepdims=True)
    a = a / jnp.where(sc > 0, sc, 1.0)
    u, s, _ = jnp.linalg.svd(jnp.concatenate(list(a), axis=1))
    null = s <= tol * s[0]
    m = u * null[None, :]
    return m @ jnp.conj(m.T)


def memory_fixed_point(gen, v0, tol=NULL_TOL):
    """Solution ``x`` of ``gen x = 0`` with the conserved quantities of ``v0``.

    ``gen`` is ``-L`` (stationary limit) or ``I - T`` (fixed point of a map ``T``); the conserved
    quantities are the left kernel ``M`` of ``gen``; solves ``(gen + M M^dag) x = M M^dag v0``.
    Differentiable (implicitly, through the linear solve) in ``gen`` at fixed ``M``.
    """
    mm = _left_kernel_projector(gen, tol)
    return jnp.linalg.solve(gen + mm, mm @ v0)


def _concrete_hermitian(a, name):
    """Structural operators (H0, couplings) are checked in numpy: they must be concrete."""
    if isinstance(a, jax.core.Tracer):
        raise TypeError(f"{name} must be a concrete array (it fixes the structure of the medium); "
                        "vary the frequency omega or the baths under jit/grad instead")
    a = np.asarray(a)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {a.shape}")
    if np.max(np.abs(a - a.conj().T)) > 1e-8 * max(1.0, float(np.max(np.abs(a)))):
        raise ValueError(f"{name} must be Hermitian (max |A - A^dag| exceeds 1e-08 x scale)")
    return a


def _channels(h0, chans):
    freqs, ops = [], []
    for a in chans:
        f, o = eigenoperators(h0, a)
        freqs.extend(float(v) for v in f)
        ops.append(jnp.asarray(o, dtype=jnp.result_type(complex)))
    return tuple(freqs), jnp.concatenate(ops, axis=0)


def _batched_expm(gens):
    """``expm`` of a stack of generators in one batched call.

    The two isochores' maps are independent; computed separately, XLA:CPU may run their two
    batched LAPACK solves (the Pade step of ``expm``) at the same time, which on a 2-core machine
    can deadlock jaxlib 0.10.2 (README, "Known issue": each batched LAPACK kernel, e.g.
    ``lapack_dgetrf_ffi`` -> ``ParallelBatchMap``, blocks an intra-op pool thread waiting for
    sub-tasks queued on the same, full, pool). One stacked call issues one kernel instead of two
    concurrent ones. This LOWERS the risk but does not remove it: a ``jax.vmap`` over limit cycles
    still runs several batched kernels (this ``expm``, the SVD and the solve of the fixed point)
    that XLA may schedule concurrently; a jitted ``vmap`` over 300 full-space limit cycles still
    hung in 3 of 38 runs. Map over many parameter sets with ``jax.lax.map`` instead.
    """
    return jax.vmap(expm)(gens)


_TAYLOR_MAX = 1e-3  # ||a||_1 below which exp(a) - I is summed as a series (no cancellation)


def expm_minus_eye(a, e):
    """``exp(a) - I`` for a stack of generators ``a`` (..., k, k) with ``e = exp(a)`` given.

    ``e - I`` loses all digits below ``eps`` when ``||a|| << 1`` (a short stroke, ``gamma tau ->
    0``), so where ``||a||_1 <= 1e-3`` the degree-6 Taylor series ``a + a^2/2 + ... + a^6/6!``
    is used instead (truncation below 1e-18 relative); elsewhere the cancellation costs at most
    ``eps / 1e-3`` relative.
    """
    eye = jnp.eye(a.shape[-1], dtype=a.dtype)
    norm = jnp.max(jnp.sum(jnp.abs(a), axis=-2), axis=-1)[..., None, None]
    small = norm <= _TAYLOR_MAX
    a_s = jnp.where(small, a, 0.0)
    acc = eye
    for k in range(6, 1, -1):  # Horner: a (I + a/2 (I + a/3 (...)))
        acc = eye + a_s @ acc / k
    return jnp.where(small, a_s @ acc, e - eye)


def _cycle_gap(d_h, d_c):
    """``I - T`` for ``T = (I + d_c)(I + d_h)``, from ``d = exp(a) - I`` without cancellation."""
    return -(d_c @ d_h + d_c + d_h)


def _scale(gap):
    """A (gradient-stopped) positive scale of ``gap``'s entries (per leading index), so that the
    fixed-point solve ``gap / scale + M M^dag`` stays well conditioned for short strokes."""
    sc = jax.lax.stop_gradient(jnp.max(jnp.abs(gap), axis=(-2, -1), keepdims=True))
    return jnp.where(sc > 0, sc, 1.0)


def initial_x(omega, beta0):
    """``x0 = omega beta0``, the initial state's argument; ``beta0 = +-inf`` stays infinite with a
    zero derivative in omega (``omega * inf`` would give ``inf * 0 = NaN`` in ``d/d omega``)."""
    beta0 = jnp.asarray(beta0, dtype=jnp.result_type(float))
    inf = jnp.isinf(beta0)
    return jnp.where(inf, beta0, omega * jnp.where(inf, 1.0, beta0))


class OperatorMedium(eqx.Module):
    """A full-space medium ``H(omega) = omega H0`` with bath coupling operators.

    ``couplings`` (k, d, d): Hermitian coupling operators. ``collective=True``: one bath couples to
    their sum; ``False``: each has its own, uncorrelated bath at the same temperature. The
    eigenoperators ``A(w)`` of each channel (core :func:`~jaxthermo.dynamics.eigenoperators`) are
    computed once here, so ``omega`` and the baths may be traced: the jump operators are
    ``sqrt(G(omega w)) A(w)`` as in :func:`~jaxthermo.dynamics.thermal_jump_ops`.
    """

    h0: jax.Array
    couplings: jax.Array
    ops_collective: jax.Array
    ops_local: jax.Array
    freqs_collective: tuple = eqx.field(static=True)
    freqs_local: tuple = eqx.field(static=True)
    collective: bool = eqx.field(static=True)

    def __init__(self, H0, couplings, collective: bool = False):
        h0 = _concrete_hermitian(H0, "H0")
        c = np.asarray(couplings)
        if c.ndim == 2:
            c = c[None]
        if c.ndim != 3 or c.shape[1:] != h0.shape:
            raise ValueError(
                f"coupling must be a ({h0.shape[0]}, {h0.shape[0]}) operator or a list of them, got "
                f"shape {tuple(c.shape)}"
            )
        for i in range(c.shape[0]):
            _concrete_hermitian(c[i], f"coupling[{i}]")
        self.h0 = jnp.asarray(h0, dtype=jnp.result_type(complex))
        self.couplings = jnp.asarray(c, dtype=jnp.result_type(complex))
        self.collective = bool(collective)
        # eigenoperators of both couplings (sum -> one bath; each -> its own bath), computed once
        # so that independent()/collective_version() work under jit
        self.freqs_collective, self.ops_collective = _channels(h0, [np.sum(c, axis=0)])
        self.freqs_local, self.ops_local = _channels(h0, list(c))

    @property
    def dim(self) -> int:
        return self.h0.shape[0]

    def _with_collective(self, flag: bool):
        new = object.__new__(OperatorMedium)
        for f in dataclasses.fields(self):
            object.__setattr__(new, f.name, getattr(self, f.name))
        object.__setattr__(new, "collective", bool(flag))
        return new

    def independent(self):
        """The same medium with one bath per coupling operator (jit-safe)."""
        return self._with_collective(False)

    def collective_version(self):
        """The same medium with one bath coupled to the sum of the operators (jit-safe)."""
        return self._with_collective(True)

    @property
    def freqs(self) -> tuple:
        return self.freqs_collective if self.collective else self.freqs_local

    @property
    def eig_ops(self):
        return self.ops_collective if self.collective else self.ops_local

    def jump_ops(self, omega, bath: ThermalBath):
        """``sqrt(G(omega w)) A(w)`` for every channel and Bohr frequency ``w`` of ``H0``."""
        rates = bath.rate(omega * jnp.asarray(self.freqs))
        return jnp.sqrt(rates)[:, None, None] * self.eig_ops

    def generator(self, omega, bath: ThermalBath):
        return lindbladian(omega * self.h0, self.jump_ops(omega, bath))

    def initial_state(self, omega, beta0):
        e, v = jnp.linalg.eigh(self.h0)
        p = boltzmann_weights(e, initial_x(omega, beta0))
        return vec((v * p[None, :]) @ jnp.conj(v.T))

    def state_from_density(self, rho):
        return vec(jnp.asarray(rho, dtype=self.h0.dtype))

    def stroke_map(self, omega, bath, tau):
        return expm(tau * self.generator(omega, bath))

    def stroke_generators(self, strokes):
        """``tau L`` of several strokes ``[(omega, bath, tau), ...]``, stacked (k, d^2, d^2)."""
        return jnp.stack([tau * self.generator(w, b) for w, b, tau in strokes])

    def maps_of(self, gens):
        """``exp`` of stacked stroke generators in one batched call (see :func:`_batched_expm`)."""
        return _batched_expm(gens)

    def stroke_maps(self, strokes):
        """Maps of several strokes ``[(omega, bath, tau), ...]`` from one batched ``expm``."""
        return list(self.maps_of(self.stroke_generators(strokes)))

    def cycle_fixed_point(self, gens, d, state0):
        """Start of the limit cycle of two finite strokes (``gens = [tau_h L_h, tau_c L_c]``,
        ``d = exp(gens) - I`` from :func:`expm_minus_eye`), with the conserved quantities of
        ``state0``.

        The conserved quantities ``M`` are the joint left kernel of ``L_h`` and ``L_c`` (not of
        ``I - T``, whose nonzero singular values scale like ``gamma tau`` and would fall under any
        fixed tolerance for short strokes); ``I - T`` is formed from ``exp(tau L) - I`` without
        cancellation (:func:`expm_minus_eye`) and scaled to unit size before the solve
        ``(I - T)/s + M M^dag``, so the limit cycle stays accurate as ``gamma tau -> 0``.
        """
        gap = _cycle_gap(*d)
        mm = _joint_left_kernel_projector(gens)
        return jnp.linalg.solve(gap / _scale(gap) + mm, mm @ state0)

    def relax(self, omega, bath, state):
        return memory_fixed_point(-self.generator(omega, bath), state)

    def relax_map(self, omega, bath):
        """Stationary projector ``P`` (d^2 x d^2) of the isochore (a map with memory)."""
        gen = -self.generator(omega, bath)
        mm = _left_kernel_projector(gen)
        return jnp.linalg.solve(gen + mm, mm)

    def apply(self, m, state):
        return m @ state

    def compose(self, m2, m1):
        return m2 @ m1

    def fixed_point(self, t_map, state0):
        eye = jnp.eye(t_map.shape[0], dtype=t_map.dtype)
        return memory_fixed_point(eye - t_map, state0)

    def energy0(self, state):
        return jnp.real(jnp.sum(self.h0.T.reshape(-1) * state))

    def energy0_change(self, d, state):
        """``energy0(apply(I + d, state)) - energy0(state)`` without cancellation."""
        return self.energy0(d @ state)

    def density(self, state):
        rho = unvec(state, self.dim)
        return 0.5 * (rho + jnp.conj(rho.T))


def spin_operator_medium(n: int, s=0.5, bath: str = "collective") -> OperatorMedium:
    """``n`` spins ``s`` in the full ``(2s+1)^n`` space: ``H0 = J_z + ns``, coupling ``j^+ + j^-``.

    ``bath="collective"``: one bath through ``J^+ + J^- = 2 J_x`` (paper 001, Eq. 1);
    ``"independent"``: one bath per spin through ``j_k^+ + j_k^-``. The brute-force reference of
    :class:`SpinLadderMedium` (keep ``(2s+1)^n`` small: the map is ``d^2 x d^2``).
    """
    n = positive_int(n, "n")
    s = spin_value(s)
    if bath not in ("collective", "independent"):
        raise ValueError(f"bath must be 'collective' or 'independent', got {bath!r}")
    _, _, jz = collective_ops(n, s)
    d = int(round(2 * s)) + 1
    h0 = jz + n * s * jnp.eye(d**n)
    jp, jm = spin_ladder(s)
    local = jnp.stack([embed(jp + jm, k, (d,) * n) for k in range(n)])
    return OperatorMedium(h0, local, collective=(bath == "collective"))


def _ladder():
    from ..ensembles import ladder, multiplicity

    return ladder, multiplicity


class SpinLadderState(eqx.Module):
    """Block weights ``w`` (nJ,) and conditional populations ``p`` (nJ, D) on the m grid."""

    w: jax.Array
    p: jax.Array


class SpinLadderMedium(eqx.Module):
    """``n`` spins ``s``, ``H0 = J_z + ns``, in the collective basis (paper 001, Secs. III-IV).

    ``bath="collective"``: blocks ``J = J0..ns`` (only ``J = ns`` when ``top_block_only``, exact for
    an initial ground or fully inverted state, ``beta0 = +-inf``); ``"independent"``: one spin-s
    ladder, energies multiplied by ``n``. The m grid of every block is ``m = Jmax, ..., -Jmax``
    (index 0 = highest m, as ``jt.spin_ops``), padded outside ``|m| <= J``.
    """

    n: int = eqx.field(static=True)
    s: float = eqx.field(static=True)
    bath: str = eqx.field(static=True)
    top_block_only: bool = eqx.field(static=True)
    js_: tuple = eqx.field(static=True)
    log_l_: tuple = eqx.field(static=True)

    def __init__(self, n, s=0.5, bath: str = "collective", *, top_block_only: bool = False):
        self.n = positive_int(n, "n")
        self.s = spin_value(s)
        if bath not in ("collective", "independent"):
            raise ValueError(f"bath must be 'collective' or 'independent', got {bath!r}")
        self.bath = bath
        self.top_block_only = bool(top_block_only)
        if bath == "independent":
            js, log_l = np.array([self.s]), np.array([0.0])
        elif top_block_only:
            js, log_l = np.array([self.n * self.s]), np.array([0.0])
        else:
            _, mult = _ladder()
            js, log_l = mult.multiplicities(self.n, self.s)
        self.js_ = tuple(float(v) for v in js)
        self.log_l_ = tuple(float(v) for v in log_l)

    @property
    def js(self) -> np.ndarray:
        return np.asarray(self.js_)

    @property
    def log_l(self) -> np.ndarray:
        return np.asarray(self.log_l_)

    @property
    def jmax(self) -> float:
        return float(self.js[-1])

    @property
    def m_grid(self) -> np.ndarray:
        return self.jmax - np.arange(int(round(2 * self.jmax)) + 1)

    @property
    def mask(self) -> np.ndarray:
        return np.abs(self.m_grid)[None, :] <= self.js[:, None] + 1e-9

    @property
    def energy_factor(self) -> int:
        return self.n if self.bath == "independent" else 1

    def independent(self):
        return SpinLadderMedium(self.n, self.s, "independent")

    def _thermal(self, x):
        lad, _ = _ladder()
        return lad.ladder_populations(jnp.asarray(self.js)[:, None], x, jnp.asarray(self.m_grid))

    def initial_state(self, omega, beta0):
        """Thermal state at ``beta0`` of ``omega H0``: weights ``w_J = l_J Z_J(x0)/Z_s(x0)^n``."""
        lad, _ = _ladder()
        x0 = initial_x(omega, beta0)
        if self.bath == "independent" or self.top_block_only:
            w = jnp.ones(1)
        else:
            logits = jnp.asarray(self.log_l) + lad.ladder_log_partition(jnp.asarray(self.js), x0)
            w = jax.nn.softmax(logits)
        return SpinLadderState(w=w, p=self._thermal(x0))

    def generator(self, omega, bath: ThermalBath):
        """Padded birth-death generators (nJ, D, D) acting on the population columns."""
        m = jnp.asarray(self.m_grid)
        j = jnp.asarray(self.js)[:, None]
        mask = jnp.asarray(self.mask)
        g_down, g_up = bath.rate(omega), bath.rate(-omega)
        a = jnp.where(mask, (j + m) * (j - m + 1), 0.0)  # lowering m -> m-1 (index + 1)
        b = jnp.where(mask, (j - m) * (j + m + 1), 0.0)  # raising m -> m+1 (index - 1)
        down = g_down * a[:, :-1]  # from index i (m) to i+1 (m-1): nonzero only if m-1 in block
        up = g_up * b[:, 1:]  # from index i+1 to i
        gen = jax.vmap(lambda d_, u_: jnp.diag(d_, -1) + jnp.diag(u_, 1))(down, up)
        out = jnp.sum(gen, axis=1)
        return gen - jax.vmap(jnp.diag)(out)

    def stroke_map(self, omega, bath, tau):
        return jax.vmap(expm)(tau * self.generator(omega, bath))

    def stroke_generators(self, strokes):
        """Per-block ``tau L`` of several strokes ``[(omega, bath, tau), ...]`` (k, nJ, D, D)."""
        return jnp.stack([tau * self.generator(w, b) for w, b, tau in strokes])

    def maps_of(self, gens):
        """``exp`` of stacked per-block generators in one batched call (:func:`_batched_expm`)."""
        return _batched_expm(gens.reshape((-1,) + gens.shape[-2:])).reshape(gens.shape)

    def stroke_maps(self, strokes):
        """Per-block maps of several strokes ``[(omega, bath, tau), ...]`` from one batched
        ``expm``."""
        return list(self.maps_of(self.stroke_generators(strokes)))

    def cycle_fixed_point(self, gens, d, state0):
        """Per-block limit cycle of two finite strokes from ``I - T`` formed from ``d = exp(gens) -
        I`` (:func:`expm_minus_eye`; accurate as ``gamma tau -> 0``), weights kept."""
        return self._solve_fixed(_cycle_gap(*d), state0)

    def relax(self, omega, bath, state):
        x = initial_x(omega, bath.beta)  # a bath at beta = +-inf: no NaN derivative in omega
        return SpinLadderState(w=state.w, p=self._thermal(x))

    def apply(self, m, state):
        return SpinLadderState(w=state.w, p=jnp.einsum("jab,jb->ja", m, state.p))

    def compose(self, m2, m1):
        return jnp.einsum("jab,jbc->jac", m2, m1)

    def fixed_point(self, t_map, state0):
        """Per-block unique fixed point of the population map (weights kept: the memory)."""
        eye = jnp.eye(t_map.shape[-1], dtype=t_map.dtype)
        return self._solve_fixed(eye[None] - t_map, state0)

    def _solve_fixed(self, gap, state0):
        """Solve ``gap p = 0`` per block (``gap = I - T``, scaled to unit size), ``sum p = 1``."""
        mask = jnp.asarray(self.mask, dtype=gap.dtype)
        nlev = jnp.sum(mask, axis=1)
        u = mask / jnp.sqrt(nlev)[:, None]
        pad = jax.vmap(jnp.diag)(1.0 - mask)
        a = gap / _scale(gap) + jnp.einsum("ja,jb->jab", u, u) + pad
        rhs = mask / nlev[:, None]
        return SpinLadderState(w=state0.w, p=jnp.linalg.solve(a, rhs[..., None])[..., 0])

    def energy0(self, state):
        m = jnp.asarray(self.m_grid)
        block_e = jnp.sum(state.p * m[None, :], axis=1)
        e = jnp.sum(state.w * block_e) + (self.s if self.bath == "independent" else self.n * self.s)
        return self.energy_factor * e

    def energy0_change(self, d, state):
        """``energy0(apply(I + d, state)) - energy0(state)`` without cancellation."""
        dp = jnp.einsum("jab,jb->ja", d, state.p)
        return self.energy_factor * jnp.sum(state.w * (dp @ jnp.asarray(self.m_grid)))


__all__ = [
    "OperatorMedium",
    "SpinLadderMedium",
    "SpinLadderState",
    "memory_fixed_point",
    "spin_operator_medium",
]

