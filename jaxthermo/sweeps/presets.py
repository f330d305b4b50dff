"""Named physics sweeps for ``jaxthermo sweep PRESET`` (and for Python: :func:`run_preset`).

Every preset parameter is an axis (a single value is a one-point axis). Presets whose physics lives
in a package still being built import it late and say so if it is missing.

* ``qubit-steady`` (core): a qubit ``H = (omega/2) sigma_z`` with a thermal bath through
  ``sigma_x`` (fermi rates, ``jt.ThermalBath``); its steady state is Gibbs at ``beta``.
* ``spins-full`` (core): ``n`` spins-1/2, ``H = omega J_z``, one collective bath through ``J_x``
  in the full ``2^n`` space; the long-time state from ``Gibbs(beta0)`` is
  ``jt.stationary_projection`` (paper 001, Sec. III: not the Gibbs state at ``beta_bath``).
* ``ensemble-steady`` (paper 001): the same physics in the total-spin blocks of
  ``jt.ensembles.SpinEnsemble`` (large ``n``, any ``s``).
* ``otto-work`` (paper 001, Sec. V): collective vs independent work of ``jt.engines.OttoCycle``.
* ``collision-steady`` (paper 002): a qubit colliding with weakly coherent qubit ancillae
  ``rho_A = rho_th(beta_A) + sqrt(dt) lam sigma_x``; fixed point of the collision channel and its
  per-collision ledger.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np

from .grid import Grid, parse_range

__all__ = ["PRESETS", "Axis", "Preset", "build_grid", "run_preset"]


@dataclasses.dataclass(frozen=True)
class Axis:
    default: str
    help: str
    integer: bool = False
    static: bool = False
    low: float | None = None  # values must be >= low (or > low if strict)
    strict: bool = False
    high: float | None = None
    half_integer: bool = False


@dataclasses.dataclass(frozen=True)
class Preset:
    name: str
    summary: str
    description: str
    axes: dict
    fn: Callable
    output_dims: dict = dataclasses.field(default_factory=dict)
    validate: Callable | None = None  # validate(grid) raises ValueError with a clear message
    requires: str = ""  # module that must import (late), e.g. "jaxthermo.ensembles"


def _check_axis(name, a: Axis, vals):
    flag = "--" + name.replace("_", "-")
    if a.half_integer:
        if not np.allclose(2 * vals, np.round(2 * vals)) or np.any(vals <= 0):
            raise ValueError(f"{flag}: spin sizes must be positive multiples of 1/2, got "
                             f"{vals.tolist()}")
    if a.low is not None:
        bad = vals <= a.low if a.strict else vals < a.low
        if np.any(bad):
            rel = ">" if a.strict else ">="
            raise ValueError(f"{flag}: every value must be {rel} {a.low:g}, got "
                             f"{vals[bad].tolist()}")
    if a.high is not None and np.any(vals > a.high):
        raise ValueError(f"{flag}: every value must be <= {a.high:g} here, got "
                         f"{vals[vals > a.high].tolist()}")


def build_grid(preset: Preset, values: dict | None = None, *, zipped: bool = False) -> Grid:
    """The grid of a preset from ``{axis: text or array}`` (missing axes take their defaults)."""
    values = dict(values or {})
    unknown = sorted(set(values) - set(preset.axes))
    if unknown:
        raise ValueError(f"preset {preset.name!r} has no parameter(s) {unknown}; its parameters "
                         f"are {list(preset.axes)}")
    axes = {}
    for name, a in preset.axes.items():
        v = values.get(name)
        flag = "--" + name.replace("_", "-")
        if v is None or isinstance(v, str):
            arr = parse_range(a.default if v is None else v, flag, integer=a.integer)
        else:
            arr = np.atleast_1d(np.asarray(v, dtype=np.int64 if a.integer else np.float64))
        _check_axis(name, a, arr)
        axes[name] = arr
    if zipped:
        lens = {k: v.size for k, v in axes.items() if v.size > 1}
        if len(set(lens.values())) > 1:
            raise ValueError(f"--zipped needs every swept parameter to have the same number of "
                             f"values, got {lens}")
        n = max(lens.values(), default=1)
        axes = {k: np.repeat(v, n) if v.size == 1 else v for k, v in axes.items()}
    static = [k for k, a in preset.axes.items() if a.static]
    grid = Grid(axes, "zipped" if zipped else "cartesian", static)
    if preset.validate is not None:
        preset.validate(grid)
    return grid


def _require(module):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on what has landed
        raise RuntimeError(
            f"this preset needs {module}, which is not available yet ({exc})"
        ) from exc


# ---------------------------------------------------------------- core presets
def _qubit_steady(beta, gamma, omega):
    from .. import entropy, expect, sigmax, sigmaz, steady_state, thermal_jump_ops
    from ..dynamics import ThermalBath

    with jax.ensure_compile_time_eval():
        h0, a = 0.5 * sigmaz(), sigmax()
    ops = thermal_jump_ops(h0, a, ThermalBath(beta, gamma), energy_scale=omega)
    rho = steady_state(omega * h0, ops, check_unique=False)
    return {"energy": jnp.real(expect(omega * h0, rho)), "entropy": entropy(rho),
            "sigma_z": jnp.real(expect(sigmaz(), rho))}


def _spins_full(n, beta0, beta_bath, gamma, omega):
    from .. import collective_ops, energy, entropy, gibbs_state, stationary_projection
    from ..dynamics import ThermalBath, thermal_jump_ops

    with jax.ensure_compile_time_eval():
        jx, _, jz = collective_ops(int(n), 0.5)
    ops = thermal_jump_ops(jz, jx, ThermalBath(beta_bath, gamma), energy_scale=omega)
    h = omega * jz
    rho = stationary_projection(h, ops, gibbs_state(h, beta0))
    e_th = energy(h, gibbs_state(h, beta_bath))
    e = energy(h, rho)
    return {"energy": e, "entropy": entropy(rho), "energy_gibbs": e_th,
            "energy_excess": e - e_th}


# ---------------------------------------------------------------- presets on other packages
def _ensemble_steady(n, s, beta0, beta_bath, omega):
    ens_mod = _require("jaxthermo.ensembles")

    ens = ens_mod.SpinEnsemble(n=int(n), s=float(s), omega=omega)
    rho = ens.steady_state(beta0=beta0, beta_bath=beta_bath)
    e, e_th = ens.energy(rho), ens.thermal_energy(beta_bath)
    return {"energy": e, "entropy": ens.entropy(rho), "energy_thermal": e_th,
            "entropy_thermal": ens.thermal_entropy(beta_bath), "energy_excess": e - e_th,
            "apparent_beta": ens.apparent_beta(rho)}


def _collision_steady(beta_a, lam, g, dt, omega, omega_a):
    col = _require("jaxthermo.collisions")
    from .. import energy, sigmam, sigmap, sigmax, sigmaz, tensor
    from ..thermo import l1_coherence

    with jax.ensure_compile_time_eval():
        sz, sx = sigmaz(), sigmax()
        exchange = tensor(sigmap(), sigmam()) + tensor(sigmam(), sigmap())
    h_s = 0.5 * omega * sz
    anc = col.Ancilla.weakly_coherent(0.5 * omega_a * sz, beta_a, lam, sx, dt)
    model = col.CollisionModel(h_s, anc, g * exchange, dt, scaling="sqrt_tau")
    rho = model.steady_state(check_unique=False)
    led = model.steady_state_ledger()
    return {
        "energy": energy(h_s, rho),
        "sigma_z": jnp.real(jnp.trace(sz @ rho)),
        "l1_coherence": l1_coherence(rho),
        "heat_into_system": led.heat_into_system,
        "work_coherent": led.work_coherent,
        "entropy_production": led.entropy_production_002,
    }


def _validate_collision(grid):
    col = _require("jaxthermo.collisions")
    from .. import sigmax, sigmaz

    pts = grid.points(np.arange(grid.n_points))
    sz, sx = np.asarray(sigmaz()), np.asarray(sigmax())
    seen = set()
    for i in range(grid.n_points):
        key = (pts["beta_a"][i], pts["dt"][i], pts["omega_a"][i])
        if key in seen:
            continue
        seen.add(key)
        lo, hi = col.admissible_lambda(0.5 * key[2] * sz, key[0], sx, key[1])
        lams = grid.values["lam"] if grid.mode == "cartesian" else pts["lam"][i: i + 1]
        bad = lams[(lams < float(lo)) | (lams > float(hi))]
        if bad.size:
            raise ValueError(
                f"--lam: {bad.tolist()} gives a non-positive ancilla state at beta_a={key[0]:g}, "
                f"dt={key[1]:g}, omega_a={key[2]:g}; lam must lie in [{float(lo):.4g}, "
                f"{float(hi):.4g}] there (paper 002, Eq. 5)"
            )


def _otto_work(n, s, beta_h, beta_c, compression, beta0, omega):
    ens_mod = _require("jaxthermo.ensembles")
    eng = _require("jaxthermo.engines")

    ens = ens_mod.SpinEnsemble(n=int(n), s=float(s), omega=omega)
    out = {}
    for bath in ("collective", "independent"):
        cyc = eng.OttoCycle(ens, beta_h, beta_c, compression, bath=bath, beta0=beta0)
        lc = cyc.limit_cycle()
        out[f"work_{bath}"] = lc.work
        out[f"heat_hot_{bath}"] = lc.heat_hot
        out[f"entropy_production_{bath}"] = lc.entropy_production
    out["work_ratio"] = out["work_collective"] / out["work_independent"]
    return out


_BETA = dict(help="inverse temperature")
PRESETS: dict[str, Preset] = {}


def _register(p: Preset):
    PRESETS[p.name] = p
    return p


_register(Preset(
    "qubit-steady",
    "qubit steady state vs bath temperature (core library)",
    "A qubit H = (omega/2) sigma_z relaxing through sigma_x into a bath at inverse temperature "
    "beta (fermi rates); outputs energy, entropy and <sigma_z> of jt.steady_state (Gibbs at beta).",
    {"beta": Axis("0.1:5:32", "bath inverse temperature(s)"),
     "gamma": Axis("1.0", "bath coupling rate(s)", low=0.0, strict=True),
     "omega": Axis("1.0", "qubit frequency", low=0.0, strict=True)},
    _qubit_steady,
))
_register(Preset(
    "spins-full",
    "n spins-1/2, collective bath, full 2^n space (core library)",
    "n spins-1/2 with H = omega J_z relax from Gibbs(beta0) through a collective bath coupled to "
    "J_x at beta_bath; the long-time state is the stationary projection (paper 001, Sec. III), not "
    "Gibbs(beta_bath). Outputs energy, entropy, energy_gibbs (the thermal energy at beta_bath) and "
    "energy_excess. Full-space reference: keep n <= 6.",
    {"n": Axis("2,3", "number of spins (1..6)", integer=True, static=True, low=1, high=6),
     "beta0": Axis("2.0", "initial inverse temperature(s)"),
     "beta_bath": Axis("0.1:3:16", "bath inverse temperature(s)"),
     "gamma": Axis("1.0", "bath coupling rate", low=0.0, strict=True),
     "omega": Axis("1.0", "spin frequency", low=0.0, strict=True)},
    _spins_full,
))
_register(Preset(
    "ensemble-steady",
    "spin-ensemble steady states over n, s, beta0, beta_bath (paper 001)",
    "n spins of size s with H = omega J_z, collective thermal bath at beta_bath, initial Gibbs at "
    "beta0; steady state in the total-spin blocks (jt.ensembles.SpinEnsemble, paper 001 Eq. 16). "
    "Outputs energy, entropy, the thermal energy/entropy at beta_bath, energy_excess and the "
    "apparent inverse temperature (Eq. H2).",
    {"n": Axis("2,4,8", "number of spins", integer=True, static=True, low=1),
     "s": Axis("0.5", "spin size (1/2, 1, 3/2, ...)", static=True, half_integer=True),
     "beta0": Axis("2.0", "initial inverse temperature(s)"),
     "beta_bath": Axis("0.1:3:16", "bath inverse temperature(s)"),
     "omega": Axis("1.0", "spin frequency", low=0.0, strict=True)},
    _ensemble_steady,
    requires="jaxthermo.ensembles",
))
_register(Preset(
    "otto-work",
    "collective vs independent Otto work per cycle (paper 001, Sec. VIII)",
    "A quantum Otto engine (jt.engines.OttoCycle) on n spins s with H = omega J_z, strokes run to "
    "stationarity, compression lambda = omega_c/omega_h, started from Gibbs(beta0) (inf: ground "
    "state). Outputs the limit-cycle work (work ON the medium: an engine has W < 0), hot heat and "
    "entropy production per cycle with a collective bath and with independent baths, and "
    "work_ratio = W_collective / W_independent (paper 001, Eqs. 49-50).",
    {"n": Axis("2,4,8", "number of spins", integer=True, static=True, low=1),
     "s": Axis("0.5", "spin size", static=True, half_integer=True),
     "beta_h": Axis("0.0:1:11", "hot bath inverse temperature(s)"),
     "beta_c": Axis("5.0", "cold bath inverse temperature(s)"),
     "compression": Axis("0.5", "lambda = omega_c / omega_h, in (0, 1]", low=0.0, strict=True,
                         high=1.0),
     "beta0": Axis("inf", "inverse temperature of the state before the first cycle"),
     "omega": Axis("1.0", "omega_h", low=0.0, strict=True)},
    _otto_work,
    requires="jaxthermo.engines",
))
_register(Preset(
    "collision-steady",
    "collision-model steady states over ancilla temperature and coherence (paper 002)",
    "A qubit (omega) colliding with qubit ancillae (omega_a) in rho_A = rho_th(beta_a) + "
    "sqrt(dt) lam sigma_x (paper 002, Eq. 5) through g (s+ a- + s- a+), sqrt(dt) scaling; outputs "
    "the fixed point's energy, <sigma_z>, l1 coherence and the steady per-collision heat, coherent "
    "work and entropy production (paper 002).",
    {"beta_a": Axis("0.2:3:12", "ancilla inverse temperature(s)"),
     "lam": Axis("-0.2:0.2:5", "ancilla coherence amplitude lam"),
     "g": Axis("1.0", "coupling strength", low=0.0, strict=True),
     "dt": Axis("0.05", "collision time", low=0.0, strict=True),
     "omega": Axis("1.0", "system frequency", low=0.0, strict=True),
     "omega_a": Axis("1.0", "ancilla frequency", low=0.0, strict=True)},
    _collision_steady,
    validate=_validate_collision,
    requires="jaxthermo.collisions",
))


def run_preset(name: str, values: dict | None = None, *, zipped: bool = False, **sweep_kwargs):
    """Run preset ``name`` over ``values`` (``{axis: "START:STOP:NUM" | array}``); see sweep."""
    from .engine import run_sweep

    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
    p = PRESETS[name]
    grid = build_grid(p, values, zipped=zipped)
    if p.requires:
        _require(p.requires)
    attrs = {"preset": p.name, "description": p.description}
    sweep_kwargs.setdefault("name", p.name)
    sweep_kwargs.setdefault("squeeze", True)
    return run_sweep(p.fn, grid, attrs=attrs, output_dims=p.output_dims, **sweep_kwargs)
