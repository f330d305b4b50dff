"""Quantum Otto cycle: limit cycle by a linear solve, work, heats, efficiency, power, entropy.

Four strokes on a working medium ``H(omega) = omega H0`` (paper 001, Sec. VIII A and App. G;
paper 000, App. I):

1. hot isochore: ``H_h = omega_h H0`` coupled to a bath at ``beta_hot`` for ``tau_hot`` (or until
   stationary, ``tau_hot=None``); the state goes ``rho_A -> rho_1``;
2. adiabat: ``H_h -> H_c = lambda H_h`` with the state frozen (a sudden quench of a commuting
   family is exactly adiabatic: populations are kept);
3. cold isochore at ``beta_cold`` for ``tau_cold``: ``rho_1 -> rho_2``;
4. adiabat back to ``H_h``.

Bookkeeping (signs of the core: heat INTO and work ON the medium are positive, paper 001 Eq. 47):
``W = Tr rho_1 (H_c - H_h) + Tr rho_2 (H_h - H_c) = (1 - lambda) omega_h (E0_2 - E0_1)``,
``Q_h = Tr H_h (rho_1 - rho_A)``, ``Q_c = Tr H_c (rho_2 - rho_1)``; on the limit cycle
``rho_A = rho_2`` so ``W + Q_h + Q_c = 0`` and the efficiency is ``eta = -W/Q_h = 1 - lambda``
for every stroke duration. The entropy produced per cycle is ``Sigma = -beta_h Q_h - beta_c Q_c
>= 0`` (the medium's entropy returns to itself; paper 000, Eq. I.1). Power is
``work / cycle_time`` with ``cycle_time = tau_hot + tau_cold + 2 tau_adiabat`` (same sign as the
work: an engine has ``power < 0``); it is 0 for infinite strokes. With instantaneous adiabats
(``tau_adiabat = 0``) the power of an Otto cycle grows monotonically as the strokes shorten (its
supremum is the ``tau -> 0`` limit at a fixed ratio ``tau_hot/tau_cold``), so power optimisation
needs a finite ``tau_adiabat`` (or another cost of switching) to have an interior optimum.

The limit cycle is the fixed point of the one-cycle map ``T = M_c M_h`` found by one linear solve
(:func:`~jaxthermo.engines.media.memory_fixed_point`; for finite strokes ``cycle_fixed_point``,
which stays accurate as ``gamma tau -> 0``), never by running cycles. When the medium has
conserved quantities (collective baths conserve the total-spin block weights, paper 001 Eq. 16)
the fixed point keeps those of the state before the first cycle (thermal at ``beta0``): the engine
remembers its initial state, and ``W_coh`` depends on ``beta0`` (paper 001, Eq. 49; spec case 18).
"""

from __future__ import annotations

import math

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import _fail, _is_concrete, as_array, inverse_temperature
from ..dynamics import ThermalBath
from .media import OperatorMedium, SpinLadderMedium, expm_minus_eye

_REGIMES = (None, "engine", "refrigerator")
_TOP_BLOCK_MSG = ("beta0 must be infinite for a top_block_only ladder medium (it holds the J = ns "
                  "block only, exact for beta0 = +-inf); use the all-blocks SpinLadderMedium for a "
                  "finite beta0")
REGIME_TOL = 1e-14  # |W| (in units of omega_h) at or below which a cycle is "idle"


class LimitCycle(eqx.Module):
    """The periodic steady state of an :class:`OttoCycle` and its thermodynamics (per cycle).

    ``state_start`` is the medium's state at the start of the hot stroke (end of the cold stroke),
    ``state_hot`` at the end of the hot stroke (media representation; use
    ``otto.medium.density(...)`` for an :class:`OperatorMedium`). Energies ``energy_start`` and
    ``energy_hot`` are ``Tr[H_h rho]``.
    """

    work: jax.Array
    heat_hot: jax.Array
    heat_cold: jax.Array
    efficiency: jax.Array
    power: jax.Array
    entropy_production: jax.Array
    cycle_time: jax.Array
    energy_start: jax.Array
    energy_hot: jax.Array
    carnot_efficiency: jax.Array
    state_start: object
    state_hot: object
    beta_hot: jax.Array = 0.0
    beta_cold: jax.Array = 0.0

    @property
    def is_engine(self):
        """``W < -REGIME_TOL`` (then ``Q_h > 0``): work is extracted from heat taken from the bath
        of the hot stroke."""
        return _is_engine(self.work, self.heat_hot)

    @property
    def is_refrigerator(self):
        """``W > REGIME_TOL`` and ``beta_cold > beta_hot``: work is spent to move heat (``Q_c >
        0``) out of the bath that is actually the colder one (see :meth:`regime`)."""
        return _is_refrigerator(self.work, self.heat_cold, self.beta_hot, self.beta_cold)

    def regime(self, tol: float = REGIME_TOL) -> str:
        """The cycle's regime from the sign of the work and the actual bath temperatures.

        ``"idle"``: ``|W| <= tol``; ``"engine"``: ``W < -tol`` (an Otto cycle then has ``Q_h > 0 >
        Q_c``); ``"refrigerator"``: ``W > tol`` and the bath of the cold stroke is colder than that
        of the hot stroke, ``beta_cold > beta_hot`` (temperatures are ordered by ``-beta``: a
        negative ``beta`` is hotter than ``beta = 0``, which is hotter than any positive ``beta``);
        ``"accelerator"``: ``W > tol`` and ``beta_cold <= beta_hot``, i.e. work is spent while the
        heat (``Q_c > 0 > Q_h``, always the case for ``W > 0`` since ``Q_c = -lambda Q_h``) flows
        from the hotter (or equally hot) bath into the colder one. A "heater" (both heats < 0)
        cannot occur in an Otto cycle. The default ``tol`` is the one of ``OttoCycle(regime=...)``.
        Needs concrete values.
        """
        w = float(self.work)
        if not math.isfinite(w):
            raise ValueError(f"regime(): the work is not finite (W = {w})")
        if abs(w) <= tol:
            return "idle"
        if w < 0:
            return "engine"
        return "refrigerator" if float(self.beta_cold) > float(self.beta_hot) else "accelerator"


def _is_engine(work, q_h, tol=REGIME_TOL):
    return (work < -tol) & (q_h > 0)


def _is_refrigerator(work, q_c, beta_hot, beta_cold, tol=REGIME_TOL):
    return (work > tol) & (q_c > 0) & (beta_cold > beta_hot)


def _carnot(beta_hot, beta_cold):
    """``1 - beta_h/beta_c`` (``= 1 - T_c/T_h``); 0 when ``beta_h = beta_c`` (including both 0 or
    the same infinity: equal temperatures); for ``beta_c = 0`` (cold bath at infinite temperature)
    and ``beta_h != 0``: ``-inf`` if ``beta_h > 0`` (no engine is possible) and ``+inf`` if
    ``beta_h < 0``. Left NaN only for ``beta_h = -beta_c = +-inf`` (an undefined ratio)."""
    bh, bc = jnp.asarray(beta_hot), jnp.asarray(beta_cold)
    zero = bc == 0
    ratio = bh / jnp.where(zero, 1.0, bc)
    out = jnp.where(zero, -jnp.sign(bh) * jnp.inf, 1.0 - ratio)
    return jnp.where(bh == bc, 0.0, out)


def _opt_time(t, name):
    """A stroke duration: ``None`` or a concrete ``+inf`` (run to stationarity; the structure of
    the cycle changes, so it must be known at trace time), or a positive finite value. A traced
    ``+inf`` raises via ``error_if`` (pass ``None``); ``-inf``, NaN and values <= 0 raise."""
    if t is None:
        return None
    if _is_concrete(t) and np.all(np.isposinf(np.asarray(t))):
        return None  # +inf, given concretely: a stroke run to stationarity, as None
    t = as_array(t, name)
    return _fail(t, ~((t > 0) & jnp.isfinite(t)), f"{name} must be positive and finite (pass None, "
                 "or a concrete +inf outside jit, for a stroke run to stationarity)")


def _pos_finite(x, name):
    a = as_array(x, name)
    return _fail(a, ~((a > 0) & jnp.isfinite(a)), f"{name} must be positive and finite")


class OttoCycle(eqx.Module):
    """A quantum Otto engine on a working medium ``H(omega) = omega H0``.

    ``OttoCycle(medium, beta_hot, beta_cold, compression, *, bath=None, beta0=inf, ...)``

    ``medium``: a spin ensemble (any object with integer ``n``, spin ``s`` and ``omega``, e.g.
    ``jt.ensembles.SpinEnsemble``; handled in the collective basis by
    :class:`~jaxthermo.engines.media.SpinLadderMedium`), a Hamiltonian ``H0`` (then pass
    ``coupling=``: an operator or a list of them; ``bath="collective"`` couples their sum to one
    bath, ``"independent"`` gives each its own; default ``"collective"``), or a medium object from
    :mod:`jaxthermo.engines.media` (its own bath decides: a different ``bath=`` raises; a
    ``top_block_only`` ladder needs an infinite ``beta0``). ``compression`` is
    ``lambda = omega_c/omega_h`` in ``(0, 1]``; ``omega`` is ``omega_h`` (default:
    ``medium.omega`` or 1). Inverse temperatures may have any sign (and be infinite), not NaN.
    ``tau_hot``/``tau_cold``: positive finite stroke durations (``None``, or a concrete ``+inf``:
    run to the stationary state; a traced ``+inf`` raises: pass ``None``). ``tau_adiabat``:
    duration of each adiabatic stroke, counted in the cycle time (the state is still frozen on
    it: ideal adiabatic following of the commuting family ``omega H0``); with ``tau_adiabat > 0``
    the power has a maximum at finite stroke times. ``gamma`` (or ``gamma_hot``/``gamma_cold``,
    positive and finite) and ``spectrum`` set the baths' rates (:class:`jaxthermo.ThermalBath`).
    ``beta0``/``rho0``: the state before the first cycle (thermal at ``beta0`` of ``H_h``, by
    default ``beta0 = inf``, the ground state).
    ``regime="engine"`` makes :meth:`limit_cycle` raise if the parameters do not give an engine
    (``"refrigerator"`` likewise; labels and tolerance as :meth:`LimitCycle.regime`). Every
    float field may be traced (jit / vmap / grad).
    """

    medium: object
    beta_hot: jax.Array
    beta_cold: jax.Array
    compression: jax.Array
    omega: jax.Array
    beta0: jax.Array
    gamma_hot: jax.Array
    gamma_cold: jax.Array
    tau_hot: jax.Array | None
    tau_cold: jax.Array | None
    tau_adiabat: jax.Array
    rho0: jax.Array | None
    spectrum: str = eqx.field(static=True)
    regime: str | None = eqx.field(static=True)

    def __init__(self, medium, beta_hot, beta_cold, compression, *, bath: str | None = None,
                 beta0=math.inf, omega=None, coupling=None, tau_hot=None, tau_cold=None,
                 tau_adiabat=0.0, gamma=1.0, gamma_hot=None, gamma_cold=None,
                 spectrum: str = "fermi", rho0=None, regime: str | None = None):
        if bath not in (None, "collective", "independent"):
            raise ValueError(f"bath must be 'collective' or 'independent', got {bath!r}")
        if regime not in _REGIMES:
            raise ValueError(f"regime must be one of {_REGIMES}, got {regime!r}")
        beta0_c = _is_concrete(beta0) and bool(np.all(np.isinf(np.asarray(beta0))))
        if isinstance(medium, (OperatorMedium, SpinLadderMedium)):
            med = medium
            if coupling is not None:
                raise ValueError("coupling is given by the medium object; do not pass coupling=")
            own = (("collective" if med.collective else "independent")
                   if isinstance(med, OperatorMedium) else med.bath)
            if bath is not None and bath != own:
                raise ValueError(f"bath={bath!r} disagrees with the medium, whose bath is {own!r}: "
                                 "the medium object decides (use its .independent() / "
                                 ".collective_version() or build it with the bath you want)")
            if isinstance(med, SpinLadderMedium) and med.top_block_only:
                if rho0 is not None:
                    raise ValueError("rho0 cannot be used with a top_block_only ladder medium (it "
                                     "holds the J = ns block only, exact for beta0 = +-inf)")
        elif hasattr(medium, "n") and hasattr(medium, "s"):
            med = SpinLadderMedium(int(medium.n), float(medium.s), bath or "collective",
                                   top_block_only=beta0_c and rho0 is None)
            if omega is None and hasattr(medium, "omega"):
                omega = medium.omega
        else:
            h0 = jnp.asarray(medium)
            if h0.ndim != 2:
                raise TypeError(
                    "medium must be a spin ensemble (with n, s), a Hamiltonian H0 (d, d) array or a "
                    f"jaxthermo.engines.media medium, got {type(medium).__name__} "
                    f"with shape {tuple(h0.shape)}"
                )
            if coupling is None:
                raise ValueError("coupling is required when the medium is a Hamiltonian H0: pass "
                                 "coupling=A (an operator) or a list of operators")
            med = OperatorMedium(h0, coupling, collective=(bath in (None, "collective")))
        self.medium = med
        self.beta_hot = inverse_temperature(beta_hot, "beta_hot")
        self.beta_cold = inverse_temperature(beta_cold, "beta_cold")
        lam = as_array(compression, "compression")
        self.compression = _fail(
            lam, ~((lam > 0) & (lam <= 1)),
            "compression (lambda = omega_c / omega_h) must lie in (0, 1]",
        )
        self.omega = _pos_finite(1.0 if omega is None else omega, "omega (omega_h)")
        self.beta0 = inverse_temperature(beta0, "beta0")
        if isinstance(med, SpinLadderMedium) and med.top_block_only:
            self.beta0 = _fail(self.beta0, ~jnp.all(jnp.isinf(self.beta0)), _TOP_BLOCK_MSG)
        self.gamma_hot = _pos_finite(gamma if gamma_hot is None else gamma_hot, "gamma_hot")
        self.gamma_cold = _pos_finite(gamma if gamma_cold is None else gamma_cold, "gamma_cold")
        self.tau_hot = _opt_time(tau_hot, "tau_hot")
        self.tau_cold = _opt_time(tau_cold, "tau_cold")
        ta = as_array(tau_adiabat, "tau_adiabat")
        self.tau_adiabat = _fail(ta, ~(ta >= 0), "tau_adiabat must be non-negative")
        if rho0 is not None and not isinstance(med, OperatorMedium):
            raise ValueError("rho0 is supported for a full-space (Hamiltonian) medium only; the "
                             "collective ladder starts from the thermal state at beta0")
        self.rho0 = None if rho0 is None else jnp.asarray(rho0)
        self.spectrum = spectrum
        self.regime = regime

    # -- pieces ---------------------------------------------------------------------------
    def baths(self):
        return (ThermalBath(self.beta_hot, self.gamma_hot, self.spectrum),
                ThermalBath(self.beta_cold, self.gamma_cold, self.spectrum))

    def initial_state(self):
        if self.rho0 is not None:
            return self.medium.state_from_density(self.rho0)
        s0 = self.medium.initial_state(self.omega, self.beta0)
        if isinstance(self.medium, SpinLadderMedium) and self.medium.top_block_only:
            # the block weights reach every output (beta0 itself may not: infinite strokes)
            w = _fail(s0.w, ~jnp.all(jnp.isinf(self.beta0)), _TOP_BLOCK_MSG)
            s0 = type(s0)(w=w, p=s0.p)
        return s0

    def _maps(self):
        med = self.medium
        bh, bc = self.baths()
        wh, wc = self.omega, self.compression * self.omega
        if self.tau_hot is not None and self.tau_cold is not None:
            # both isochores finite: one batched expm (see media._batched_expm)
            return tuple(med.maps_of(self._generators()))
        if self.tau_hot is None:
            mh = med.relax_map(wh, bh) if isinstance(med, OperatorMedium) else None
        else:
            mh = med.stroke_map(wh, bh, self.tau_hot)
        if self.tau_cold is None:
            mc = med.relax_map(wc, bc) if isinstance(med, OperatorMedium) else None
        else:
            mc = med.stroke_map(wc, bc, self.tau_cold)
        return mh, mc

    def _generators(self):
        """``[tau_h L_h, tau_c L_c]`` of two finite isochores, stacked."""
        bh, bc = self.baths()
        return self.medium.stroke_generators(
            [(self.omega, bh, self.tau_hot), (self.compression * self.omega, bc, self.tau_cold)])

    def cycle_time(self):
        if self.tau_hot is None or self.tau_cold is None:
            return jnp.asarray(jnp.inf)
        return self.tau_hot + self.tau_cold + 2 * self.tau_adiabat

    def incoherent(self):
        """The same cycle with independent baths (one per spin / coupling operator)."""
        return eqx.tree_at(lambda o: o.medium, self, self.medium.independent())

    # -- the limit cycle ------------------------------------------------------------------
    def _limit_states(self):
        med = self.medium
        bh, bc = self.baths()
        wh, wc = self.omega, self.compression * self.omega
        s0 = self.initial_state()
        if self.tau_hot is not None and self.tau_cold is not None:
            # accurate as gamma tau -> 0: conserved quantities from the generators, I - T from
            # exp(tau L) - I without cancellation (media.OperatorMedium.cycle_fixed_point)
            gens = self._generators()
            maps = med.maps_of(gens)
            d = expm_minus_eye(gens, maps)
            start = med.cycle_fixed_point(gens, d, s0)
            return start, med.apply(maps[0], start), med.energy0_change(d[0], start)
        mh, mc = self._maps()
        if isinstance(med, SpinLadderMedium) and (mh is None or mc is None):
            # an infinite stroke thermalises every block: the limit cycle follows at once
            if mc is None:
                start = med.relax(wc, bc, s0)
                s1 = med.relax(wh, bh, start) if mh is None else med.apply(mh, start)
            else:
                s1 = med.relax(wh, bh, s0)
                start = med.apply(mc, s1)
            return start, s1, None
        start = med.fixed_point(med.compose(mc, mh), s0)
        return start, med.apply(mh, start), None

    def limit_cycle(self) -> LimitCycle:
        """The periodic steady state (one linear solve) and its per-cycle thermodynamics."""
        med = self.medium
        start, s1, de = self._limit_states()
        wh, lam = self.omega, self.compression
        e_a, e_1 = med.energy0(start), med.energy0(s1)
        q_h = wh * ((e_1 - e_a) if de is None else de)  # de: no cancellation for short strokes
        q_c = -lam * q_h  # = lam omega_h (e_a - e_1) on the limit cycle
        work = -(q_h + q_c)
        eff = -work / q_h
        t_cyc = self.cycle_time()
        power = jnp.where(jnp.isfinite(t_cyc), work / jnp.where(jnp.isfinite(t_cyc), t_cyc, 1.0),
                          0.0)
        sigma = _xq(-self.beta_hot, q_h) + _xq(-self.beta_cold, q_c)
        carnot = _carnot(self.beta_hot, self.beta_cold)
        if self.regime == "engine":
            bad = ~_is_engine(work, q_h)
            work = _fail(work, bad, _regime_msg("an engine (W < 0, Q_h > 0)", self, work, q_h, q_c))
        elif self.regime == "refrigerator":
            bad = ~_is_refrigerator(work, q_c, self.beta_hot, self.beta_cold)
            work = _fail(work, bad, _regime_msg(
                "a refrigerator (W > 0, heat Q_c > 0 taken from the colder bath, beta_cold > "
                "beta_hot)", self, work, q_h, q_c))
        return LimitCycle(
            work=work, heat_hot=q_h, heat_cold=q_c, efficiency=eff, power=power,
            entropy_production=sigma, cycle_time=t_cyc, energy_start=wh * e_a,
            energy_hot=wh * e_1, carnot_efficiency=carnot, state_start=start, state_hot=s1,
            beta_hot=self.beta_hot, beta_cold=self.beta_cold,
        )

    def run(self, n_cycles: int, *, method: str = "propagator", adjoint=None):
        """Works of the first ``n_cycles`` cycles from the initial state, stroke by stroke (a
        brute-force check that the limit cycle is reached, and of its memory).

        ``method="propagator"``: the exact stroke maps; ``"mesolve"`` (full-space medium, finite
        strokes): each isochore integrated by :func:`jaxthermo.mesolve` (diffrax), with its
        ``adjoint`` (default: mesolve's; e.g. :class:`jaxthermo.dynamics.adjoint.StoredStepAdjoint`).
        """
        if method not in ("propagator", "mesolve"):
            raise ValueError(f"method must be 'propagator' or 'mesolve', got {method!r}")
        if isinstance(n_cycles, bool) or int(n_cycles) != n_cycles or n_cycles < 1:
            raise ValueError(f"n_cycles must be a positive integer, got {n_cycles!r}")
        med = self.medium
        bh, bc = self.baths()
        wh, wc = self.omega, self.compression * self.omega
        if method == "mesolve":
            if not isinstance(med, OperatorMedium) or self.tau_hot is None or self.tau_cold is None:
                raise ValueError("method='mesolve' needs a full-space (Hamiltonian) medium and "
                                 "finite tau_hot, tau_cold")
            from ..dynamics import mesolve

            def stroke(w, bath, tau):
                ops = med.jump_ops(w, bath)

                def m(s):
                    rho = med.density(s)
                    out = mesolve(w * med.h0, rho, jnp.stack([jnp.zeros_like(tau), tau]), ops,
                                  adjoint=adjoint)
                    return med.state_from_density(out.states[-1])

                return m

            fh, fc = stroke(wh, bh, self.tau_hot), stroke(wc, bc, self.tau_cold)
        else:
            mh, mc = self._maps()

            def fh(s):
                return med.relax(wh, bh, s) if mh is None else med.apply(mh, s)

            def fc(s):
                return med.relax(wc, bc, s) if mc is None else med.apply(mc, s)

        s = self.initial_state()
        works = []
        for _ in range(int(n_cycles)):
            s1 = fh(s)
            s2 = fc(s1)
            works.append((1 - self.compression) * wh * (med.energy0(s2) - med.energy0(s1)))
            s = s2
        return jnp.stack(works)


def _xq(beta, q):
    """``beta * q`` with ``0 * inf = 0`` (a bath at zero temperature exchanging no heat)."""
    return jnp.where(q == 0, 0.0, beta * q)


def _regime_msg(what, otto, work, q_h, q_c):
    msg = f"OttoCycle(regime=...): these parameters do not run {what}"
    if all(_is_concrete(v) for v in (work, q_h, q_c, otto.beta_hot, otto.beta_cold,
                                     otto.compression)):
        lc = LimitCycle(work, q_h, q_c, *([0.0] * 9), beta_hot=otto.beta_hot,
                        beta_cold=otto.beta_cold)
        msg += (
            f": W = {float(work):.6g}, so they run {_ARTICLE[lc.regime()]}. With full "
            "thermalisation an Otto engine needs beta_hot < compression * beta_cold (here "
            f"beta_hot = {float(otto.beta_hot):.6g}, compression * beta_cold = "
            f"{float(otto.compression * otto.beta_cold):.6g}); a refrigerator needs "
            "beta_hot > compression * beta_cold and beta_hot < beta_cold"
        )
    return msg


_ARTICLE = {"engine": "an engine", "refrigerator": "a refrigerator",
            "accelerator": "an accelerator (work spent, heat flowing from the hotter bath to the "
                           "colder)", "idle": "an idle cycle (|W| <= 1e-14)"}


__all__ = ["LimitCycle", "OttoCycle"]
