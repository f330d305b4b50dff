"""Phase-space (Wehrl) entropy production rate Pi and flux Phi of one or two spins.

Paper 004 (Zicari et al., NJP 25, 013030 (2023)), after Santos et al., PRA 97, 052123 (2018); all
formulas as extracted and checked in spec seed-004, Sec. 2. With ``c^2 = c_a c_b``,
``x = cos theta``,
``s = sin theta``, ``Q_theta``/``Q_phi`` the angle derivatives on spin j, ``N = 2 nbar + 1``:

* entropy balance (eqs. 6-7): ``dS_Q/dt = -c^2 int <Omega|D(rho)|Omega> ln Q = Pi - Phi``
  (:func:`wehrl_rate` evaluates the left side directly from the core's ``dissipator``);
* dephasing ``D = -(lam_j/2)[J_z^j,[J_z^j, .]]`` (eqs. 8-11):
  ``Pi_j = (lam_j/2) c^2 int Q_phi^2/Q``,
  ``Phi = 0``;
* thermal amplitude damping with jumps ``sqrt(G(nbar+1)) J_-``, ``sqrt(G nbar) J_+`` (eqs. 12-21):

      Pi_j  = c^2 (G/2) int (1/Q) { [2J Q s + (x - N) Q_theta]^2 / (N - x)
                                     + Q_phi^2 (N x - 1) x / s^2 }               (eq. 21)
      Phi_j = c^2 G J int { 2J Q s^2 / (N - x) - s Q_theta }      (flux, unnumbered, after eq. 21)

  for any spin J (the paper: J = 1/2). The spec confirms this reading of the typeset eq. (21) by the
  exact identity ``Pi - Phi = dS_Q/dt``, which our tests check to 1e-10 on full-rank states.

Notes (spec Sec. 6): the paper calls Q "positive-definite"; it only is non-negative, so ``1/Q`` is
guarded (taken as 0 where Q = 0) and states with zeros of Q converge only algebraically in the grid.
``Pi_AD >= 0`` is asserted by the paper but not manifest (the ``(N x - 1) x`` weight changes sign);
we test it numerically, as the spec did. Pi_W and Phi_W stay finite at ``nbar = 0``; the von Neumann
production :func:`von_neumann_production` (paper eqs. 31-32) needs ``nbar > 0`` and is ``+inf``
for a rank-deficient state whose kernel the channel feeds.
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

from .._checks import nonnegative
from ..dynamics.evolve import evolve_exact, mesolve
from ..dynamics.lindblad import dissipator
from ..quantum.linalg import embed, tensor
from ..quantum.operators import spin_ladder, spin_ops
from ..quantum.states import gibbs_state
from ..thermo.coherence import l1_coherence, relative_entropy_of_coherence
from ..thermo.entropy import log_frechet
from ._validate import chunking
from .husimi import check_states, factors, integrate, map_states, parse_js, place, prepare
from .wehrl import entropy_density, log_q

_FIELDS = {"q": (0, 0, 0), "ta": (0, 1, 0), "pa": (0, 2, 0), "tb": (0, 0, 1), "pb": (0, 0, 2)}


def _dims(js):
    return tuple(int(round(2 * j)) + 1 for j in js)


def _per_spin(v, n: int, name: str):
    v = jnp.asarray(v, dtype=jnp.result_type(float))
    if v.ndim == 0:
        return jnp.broadcast_to(v, (n,))
    if v.shape != (n,):
        raise ValueError(f"{name} must be a scalar or have one value per spin ({n}), got shape "
                         f"{tuple(v.shape)}")
    return v


def _inv(q):
    pos = q > 0
    return jnp.where(pos, 1.0 / jnp.where(pos, q, 1.0), 0.0)


def _spin_fields(f, g, k):
    """(Q_theta, Q_phi, x, s) of spin k (0 = a, 1 = b)."""
    if k == 0:
        return f["ta"], f["pa"], g["xa"], g["sa"]
    return f["tb"], f["pb"], g["xb"], g["sb"]


class Dephasing(eqx.Module):
    """Local pure dephasing ``D = -sum_j (lam_j/2) [J_z^j, [J_z^j, rho]]`` (paper 004, eq. 8).

    ``lam`` is one rate for all spins or one per spin. Jump operators ``sqrt(lam_j) J_z^j``.
    """

    lam: jnp.ndarray

    def __init__(self, lam=1.0):
        self.lam = nonnegative(jnp.asarray(lam, dtype=jnp.result_type(float)), "lam")

    def jump_ops(self, js):
        """(n_spins, d, d) jump operators on the composite space of spins ``js``."""
        js = parse_js(js)
        dims = _dims(js)
        lam = _per_spin(self.lam, len(js), "lam")
        ops = [jnp.sqrt(lam[k]) * embed(spin_ops(j)[2], k, dims) for k, j in enumerate(js)]
        return jnp.stack(ops)

    def fixed_point(self, js):
        """The maximally mixed state (a fixed point; Pi_vN is the same for any diagonal one)."""
        d = 1
        for dk in _dims(parse_js(js)):
            d *= dk
        return jnp.eye(d, dtype=jnp.result_type(complex)) / d

    def densities(self, f, g, js):
        lam = _per_spin(self.lam, len(js), "lam")
        inv = _inv(f["q"])
        pi = sum(0.5 * lam[k] * _spin_fields(f, g, k)[1] ** 2 * inv for k in range(len(js)))
        return pi, jnp.zeros_like(pi)


class AmplitudeDamping(eqx.Module):
    """Local thermal amplitude damping (paper 004, eqs. 12-13) of each spin.

    ``D_j = G_j (nbar_j+1) D[J_-^j] + G_j nbar_j D[J_+^j]``; ``gamma`` and ``nbar`` are scalars
    or one value per spin. The paper's time unit is ``gamma_bar = gamma (2 nbar + 1)``; the fixed
    point is the Gibbs state of ``J_z`` at ``beta = ln(1 + 1/nbar)`` (for unit level spacing).
    """

    gamma: jnp.ndarray
    nbar: jnp.ndarray

    def __init__(self, gamma=1.0, nbar=0.0):
        self.gamma = nonnegative(jnp.asarray(gamma, dtype=jnp.result_type(float)), "gamma")
        self.nbar = nonnegative(jnp.asarray(nbar, dtype=jnp.result_type(float)), "nbar")

    @property
    def gamma_bar(self):
        return self.gamma * (2 * self.nbar + 1)

    def jump_ops(self, js):
        """(2 n_spins, d, d): ``sqrt(G(nbar+1)) J_-^j`` and ``sqrt(G nbar) J_+^j`` for each spin."""
        js = parse_js(js)
        dims = _dims(js)
        g = _per_spin(self.gamma, len(js), "gamma")
        nb = _per_spin(self.nbar, len(js), "nbar")
        ops = []
        for k, j in enumerate(js):
            jp, jm = spin_ladder(j)
            ops.append(jnp.sqrt(g[k] * (nb[k] + 1)) * embed(jm, k, dims))
            ops.append(jnp.sqrt(g[k] * nb[k]) * embed(jp, k, dims))
        return jnp.stack(ops)

    def fixed_point(self, js):
        """Product of the spins' Gibbs states ``p_m ~ (nbar/(nbar+1))^{J+m}`` (needs nbar > 0)."""
        js = parse_js(js)
        nb = _per_spin(self.nbar, len(js), "nbar")
        beta = jnp.log1p(1.0 / nb)
        return tensor(*[gibbs_state(spin_ops(j)[2], beta[k]) for k, j in enumerate(js)])

    def densities(self, f, g, js):
        gam = _per_spin(self.gamma, len(js), "gamma")
        nn = 2 * _per_spin(self.nbar, len(js), "nbar") + 1
        q = f["q"]
        inv = _inv(q)
        pi = 0.0
        phi = 0.0
        for k, j in enumerate(js):
            qt, qp, x, s = _spin_fields(f, g, k)
            n = nn[k]
            a = (2 * j * q * s + (x - n) * qt) ** 2 / (n - x)
            b = qp**2 * (n * x - 1) * x / s**2
            pi = pi + 0.5 * gam[k] * inv * (a + b)
            phi = phi + gam[k] * j * (2 * j * q * s**2 / (n - x) - s * qt)
        return pi, phi


def _channel(channel):
    if not isinstance(channel, (Dephasing, AmplitudeDamping)):
        raise TypeError("channel must be Dephasing or AmplitudeDamping, got "
                        f"{type(channel).__name__}")
    return channel


def wehrl_production(rho, js, channel, grid, *, chunk_nodes=None, batch_size=None, devices=None):
    """``(Pi, Phi)``: Wehrl entropy production rate and flux (paper 004, eqs. 10-11, 21, flux).

    ``rho`` may carry leading batch axes (mapped with ``lax.map``). ``dS_Q/dt = Pi - Phi``;
    Phi > 0 means entropy leaving the system. Dephasing has Phi = 0. ``chunk_nodes``,
    ``batch_size`` and ``devices`` as in :func:`jaxthermo.phasespace.wehrl_entropy`.
    """
    channel = _channel(channel)
    chunk_nodes, batch_size = chunking(chunk_nodes, batch_size)
    js, grids, rho = prepare(rho, js, grid)
    rho, devs = place(rho, grids, devices)
    return _production_core(rho, js, channel, grids, chunk_nodes, batch_size, devs)


@eqx.filter_jit
def _production_core(rho, js, channel, grids, chunk_nodes, batch_size, devices):
    _, fa, fb = factors(js, grids, None)

    def one(r):
        return integrate((r,), fa, fb, _FIELDS, lambda f, g: channel.densities(f, g, js),
                         chunk_nodes=chunk_nodes, devices=devices)

    return map_states(one, rho, batch_size)


def wehrl_rate(rho, js, channel, grid, *, chunk_nodes=None, batch_size=None, devices=None):
    """``dS_Q/dt = -c^2 int <Omega|D(rho)|Omega> ln Q`` (paper 004, eq. 6), core dissipator."""
    channel = _channel(channel)
    chunk_nodes, batch_size = chunking(chunk_nodes, batch_size)
    js, grids, rho = prepare(rho, js, grid)
    rho, devs = place(rho, grids, devices)
    return _rate_core(rho, js, channel, grids, chunk_nodes, batch_size, devs)


@eqx.filter_jit
def _rate_core(rho, js, channel, grids, chunk_nodes, batch_size, devices):
    _, fa, fb = factors(js, grids, None)
    ops = channel.jump_ops(js)
    fields = {"q": (0, 0, 0), "dq": (1, 0, 0)}

    def one(r):
        dr = dissipator(ops, r)
        return integrate((r, dr), fa, fb, fields, lambda f, g: -f["dq"] * log_q(f["q"]),
                         chunk_nodes=chunk_nodes, devices=devices)

    return map_states(one, rho, batch_size)


# eigenvalues of rho at or below KERNEL_TOL x max(1, max |rho_ij|) form its (numerical) kernel:
# below ~1e-13 an eigenvalue of a float64 eigendecomposition carries no relative accuracy, so its
# logarithm is meaningless; the channel "feeds" that kernel when Tr[P_ker D(rho)] exceeds
# FEED_TOL x max |D(rho)_ij| (round-off of that trace is ~1e-16 of the scale)
KERNEL_TOL = 1e-13
FEED_TOL = 1e-10


def von_neumann_production(rho, js, channel):
    """Spohn's ``Pi_vN = -d/dt S(rho || rho_eq) = -Tr[D(rho)(ln rho - ln rho_eq)]`` (eqs. 31-32).

    ``rho``: (..., d, d) density matrices with ``d = prod(2J+1)`` (checked state by state like
    :func:`wehrl_entropy`: finite, Hermitian, unit trace, positive semidefinite; errors name
    ``rho``). ``rho_eq`` is ``channel.fixed_point(js)``.

    Pi_vN is finite for full-rank ``rho``. If ``rho`` has a kernel (eigenvalues
    ``<= KERNEL_TOL = 1e-13``) that the channel feeds, ``Tr[P_ker D(rho)] > 0``, the term
    ``-Tr[D(rho) ln rho]`` is ``+inf`` and so is Pi_vN (the value at ``eps -> 0`` of
    ``(1 - eps) rho + eps 1/d`` grows like ``Tr[P_ker D] ln(1/eps)``): ``+inf`` is returned, e.g. for
    ``|+><+|`` under dephasing or the excited state under amplitude damping. A kernel the channel
    does not feed (``Tr[P_ker D(rho)] <= FEED_TOL x max|D(rho)|``, e.g. ``|0><0|`` under dephasing)
    contributes nothing (``x ln x -> 0``) and the finite value is returned. For amplitude damping
    at ``nbar = 0`` rho_eq is pure and Pi_vN diverges (the "zero-temperature catastrophe"):
    +inf is returned.
    """
    channel = _channel(channel)
    js = parse_js(js)
    return _vn_core(check_states(rho, js, "rho"), js, channel)


def _feeds_kernel(r, dr):
    """True where ``r`` has a numerical kernel and ``Tr[P_ker dr] > FEED_TOL max|dr|``."""
    r, dr = jax.lax.stop_gradient(r), jax.lax.stop_gradient(dr)
    w, v = jnp.linalg.eigh(r)
    ker = w <= KERNEL_TOL * jnp.maximum(1.0, jnp.max(jnp.abs(r)))
    fed = jnp.real(jnp.einsum("ik,ij,jk->k", jnp.conj(v), dr, v))  # <v_k| D(rho) |v_k>
    return jnp.sum(jnp.where(ker, fed, 0.0)) > FEED_TOL * jnp.max(jnp.abs(dr))


def _eig(rho):
    """``(p, U, ok)``: eigenvalues, eigenvectors and ``p > KERNEL_TOL x scale`` (the support)."""
    p, u = jnp.linalg.eigh(rho)
    return p, u, p > KERNEL_TOL * jnp.maximum(1.0, jnp.max(jnp.abs(rho)))


@jax.custom_jvp
def _tr_x_log(rho, x):
    """``Re Tr[x ln rho]`` for a state ``rho`` and Hermitian ``x``, with ``0 ln 0 = 0`` on the
    numerical kernel (the caller returns +inf where ``x`` feeds it, :func:`_feeds_kernel`)."""
    p, u, ok = _eig(rho)
    xd = jnp.real(jnp.einsum("ik,ij,jk->k", jnp.conj(u), x, u))
    return jnp.sum(jnp.where(ok, xd * jnp.log(jnp.where(ok, p, 1.0)), 0.0))


@_tr_x_log.defjvp
def _tr_x_log_jvp(primals, tangents):
    """``Tr[dx ln rho] + Tr[x L_rho(drho)]``, ``L_rho`` the Frechet derivative of the logarithm
    (:func:`jaxthermo.thermo.entropy.log_frechet`): exact for degenerate spectra too, where
    differentiating ``eigh`` would divide by zero."""
    rho, x = primals
    drho, dx = tangents
    p, u, ok = _eig(rho)
    lg = jnp.where(ok, jnp.log(jnp.where(ok, p, 1.0)), 0.0)
    logr = u @ (lg[:, None] * jnp.conj(u).T)
    floor = KERNEL_TOL * jnp.maximum(1.0, jnp.max(jnp.abs(rho)))
    dlog = log_frechet(p, u, drho, floor)
    return jnp.real(jnp.trace(x @ logr)), jnp.real(jnp.trace(dx @ logr) + jnp.trace(x @ dlog))


def _vn_core(rho, js, channel):
    ops = channel.jump_ops(js)
    rho_eq = channel.fixed_point(js)

    def one(r):
        dr = dissipator(ops, r)
        val = _tr_x_log(rho_eq, dr) - _tr_x_log(r, dr)
        return jnp.where(_feeds_kernel(r, dr), jnp.inf, val)

    out = map_states(one, rho)
    if isinstance(channel, AmplitudeDamping):  # nbar = 0: pure rho_eq, Pi_vN = +inf
        out = jnp.where(jnp.any(channel.nbar == 0), jnp.inf, out)
    return out


class WehrlTrajectory(eqx.Module):
    """Quantities along a trajectory, each of shape (T,)."""

    ts: jnp.ndarray
    states: jnp.ndarray
    wehrl: jnp.ndarray
    production: jnp.ndarray
    flux: jnp.ndarray
    rate: jnp.ndarray
    vn_production: jnp.ndarray
    l1: jnp.ndarray
    rel_coherence: jnp.ndarray


def trajectory_quantities(states, js, channel, grid, *, chunk_nodes=None, vn=True, devices=None):
    """S_Q, Pi, Phi, direct dS_Q/dt (one pass over the grid per state) and Pi_vN, for (T, d, d)."""
    channel = _channel(channel)
    chunk_nodes, _ = chunking(chunk_nodes, None)
    js, grids, states = prepare(states, js, grid, "states")
    states, devs = place(states, grids, devices)
    out = _trajectory_core(states, js, channel, grids, chunk_nodes, devs)
    vn_p = _vn_core(states, js, channel) if vn else jnp.full(out["pi"].shape, jnp.nan)
    return out, vn_p


@eqx.filter_jit
def _trajectory_core(states, js, channel, grids, chunk_nodes, devices):
    _, fa, fb = factors(js, grids, None)
    ops = channel.jump_ops(js)
    fields = dict(_FIELDS, dq=(1, 0, 0))

    def dens(f, g):
        pi, phi = channel.densities(f, g, js)
        return {"pi": pi, "phi": phi, "s": entropy_density(f["q"]), "rate": -f["dq"] * log_q(f["q"])}

    def one(r):
        return integrate((r, dissipator(ops, r)), fa, fb, fields, dens, chunk_nodes=chunk_nodes,
                         devices=devices)

    return map_states(one, states)


def wehrl_trajectory(rho0, ts, js, channel, grid, *, H=None, chunk_nodes=None, vn=True,
                     exact=False, devices=None, **mesolve_kwargs) -> WehrlTrajectory:
    """Evolve ``rho0`` with ``jt.mesolve`` under the channel and evaluate Pi(t), Phi(t), ... .

    ``H`` defaults to zero (the paper's interaction picture: z-fields do not change S_Q, Pi, Phi).
    ``vn=False`` skips Pi_vN (needed at ``nbar = 0``). ``exact=True`` propagates with the core's
    ``evolve_exact`` (expm of the Lindbladian, from t = 0; small d only) instead of ``mesolve``.
    Extra keywords go to ``mesolve``. Coherences (l1, relative entropy) are in the computational
    basis (the J_z product basis, the paper's).
    """
    channel = _channel(channel)
    chunk_nodes, _ = chunking(chunk_nodes, None)
    jsp = parse_js(js)
    ops = channel.jump_ops(jsp)
    d = ops.shape[-1]
    h = jnp.zeros((d, d), dtype=ops.dtype) if H is None else H
    if exact:
        ts = jnp.asarray(ts)
        states = evolve_exact(h, rho0, ts, ops)
    else:
        res = mesolve(h, rho0, ts, ops, **mesolve_kwargs)
        ts, states = res.ts, res.states
    out, vn_p = trajectory_quantities(states, jsp, channel, grid, chunk_nodes=chunk_nodes, vn=vn,
                                      devices=devices)
    return WehrlTrajectory(
        ts=ts, states=states, wehrl=out["s"], production=out["pi"], flux=out["phi"],
        rate=out["rate"], vn_production=vn_p, l1=l1_coherence(states),
        rel_coherence=jax.vmap(relative_entropy_of_coherence)(states),
    )
