"""Wehrl entropy of one or two spins, its Lieb-Solovej minimum and a two-grid error estimate.

Paper 004, eq. (5): ``S_Q = -c_a c_b int dOmega_a dOmega_b Q ln Q`` with ``c_J = (2J+1)/(4 pi)``
and Q NOT rescaled. The paper writes the prefactor as ``((2J+1)/(4 pi))^2``, which assumes
``J_a = J_b``; we use ``c_{J_a} c_{J_b}`` (spec seed-004, Sec. 6, last bullet), and
``-c_J int Q ln Q``
for a single spin. Natural logarithms.

In this normalisation (spec Sec. 1.2):
* coherent states reach the Lieb-Solovej minimum ``2J/(2J+1)`` (1/2 for a qubit);
* the maximally mixed spin gives ``ln(2J+1)``; S_Q is additive on product states;
* any maximally entangled two-qubit state (e.g. the singlet) gives ``1/2 + ln 2``;
* the spin Gibbs / amplitude-damping fixed point ``p_m ~ r^{J+m}``, ``r = nbar/(nbar+1)``, gives
  ``2J/(2J+1) + ln Z + 2J r^{2J+1} ln r / (1 - r^{2J+1})`` with ``Z = (1 - r^{2J+1})/(1 - r)``
  (:func:`thermal_wehrl_entropy`).

Accuracy: ``x ln x`` is taken as 0 at ``x = 0`` (core :func:`jaxthermo.quantum.xlogx`), so S_Q is
finite for every state and differentiable for full-rank states, where Q > 0 and the quadrature
error falls exponentially with the grid. Where Q has zeros (pure states) the integrand is only
finitely smooth there and the error falls algebraically (coherent qubit: ~ n^-4 per angle; spec
Sec. 2) and oscillates in sign with the grid size: :func:`wehrl_convergence` reports the
difference between two grids as a heuristic error estimate (not a bound for such states) and
:func:`grid_for_tolerance` asks three successive grids to agree.
"""

from __future__ import annotations

from typing import NamedTuple

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._checks import nonnegative, spin_value
from ._validate import chunking
from .husimi import factors, integrate, map_states, place, prepare
from .quadrature import SphereGrid, as_grids


def lieb_minimum(j) -> float:
    """Lieb-Solovej minimum ``2J/(2J+1)`` of S_Q for spin J, reached only by coherent states."""
    j = spin_value(j, "j")
    return 2 * j / (2 * j + 1)


def thermal_wehrl_entropy(j, nbar):
    """Closed form of S_Q for the spin-J state ``p_m ~ r^{J+m}``, ``r = nbar/(nbar+1)``.

    This is the spin-J fixed point of thermal amplitude damping with occupation ``nbar`` (the Gibbs
    state of ``J_z`` at ``beta = ln(1 + 1/nbar)``); spec seed-004 Sec. 2 ("Exact analytic
    results"). ``nbar = 0`` gives the coherent spin-down state (the Lieb minimum). ``nbar`` must be
    finite and ``>= 0`` (NaN and inf raise).

    Evaluated as ``2J/n + ln(1 + nbar) + ln(1 - r^n) + (n-1) r^n ln r / (1 - r^n)``, ``n = 2J+1``
    (``ln Z = ln(1 - r^n) - ln(1 - r)`` and ``-ln(1 - r) = ln(1 + nbar)``), with
    ``ln r = -log1p(1/nbar)`` and ``1 - r^n = -expm1(n ln r)``: accurate to round-off for large
    ``nbar`` too, where ``r`` is close to 1. The last two terms and their derivative vanish at
    ``nbar = 0`` (``r^n ln r = O(nbar^2 ln nbar)``), so they are masked there with a safe argument
    and the derivative at ``nbar = 0`` is that of ``ln(1 + nbar)``, i.e. 1 for every J.
    """
    j = spin_value(j, "j")
    nbar = nonnegative(jnp.asarray(nbar, dtype=jnp.result_type(float)), "nbar")
    n = 2 * j + 1
    pos = nbar > 0
    nb = jnp.where(pos, nbar, 1.0)
    log_r = -jnp.log1p(1.0 / nb)
    one_minus_rn = -jnp.expm1(n * log_r)
    rest = jnp.log(one_minus_rn) + (n - 1) * jnp.exp(n * log_r) * log_r / one_minus_rn
    return 2 * j / n + jnp.log1p(nbar) + jnp.where(pos, rest, 0.0)


def log_q(q):
    """``ln Q`` where ``Q > 0`` and 0 (gradient 0) where ``Q <= 0``: the core's
    :func:`jaxthermo.quantum.safe_log` convention (same values and gradients), written with the
    guard inside the logarithm only (``ln(Q if Q > 0 else 1)``). XLA:CPU (jax 0.10) then fuses the
    logarithm into the weighted sum of the integrand, a vectorised YNNPACK kernel (~0.45 ns per
    node per core, as fast as NumPy's log); a select around the logarithm, as in the core, leaves
    it in a loop fusion that calls the scalar C-library ``log`` per node (~2.7 ns per node):
    measured, ``wehrl_rate`` at J = 1/2 on 32^4 nodes takes 1.7 ms this way and 3.2 ms the other.
    """
    return jnp.log(jnp.where(q > 0, q, 1.0))


def entropy_density(q):
    """``-Q ln Q`` with the value 0 (and gradient 0) where ``Q <= 0``: the core's
    :func:`jaxthermo.quantum.xlogx` convention, bit for bit where ``Q > 0``, through
    :func:`log_q` (guard inside the logarithm, which XLA:CPU vectorises)."""
    return -q * log_q(q)


def _is_plane(grid) -> bool:
    from .bosonic import PlaneGrid

    return isinstance(grid, PlaneGrid)


def wehrl_entropy(rho, js=None, grid=None, *, chunk_nodes: int | None = None,
                  batch_size: int | None = None, devices=None):
    """Wehrl entropy ``S_Q = -c_a c_b int Q ln Q`` (paper 004, eq. 5) of one or two spins.

    Parameters
    ----------
    rho : (..., d, d) density matrices; leading axes are mapped over (``lax.map``, memory of one
        state's grid at a time; ``batch_size`` vectorises that many states at once).
    js : spin sizes (``0.5``, ``(J,)`` or ``(J_a, J_b)``). Ignored for a bosonic ``PlaneGrid``.
    grid : a :class:`SphereGrid` (or one per spin); a :class:`PlaneGrid` gives the Glauber-Husimi
        Wehrl entropy of a truncated mode (:func:`jaxthermo.phasespace.bosonic.wehrl_entropy_mode`).
    chunk_nodes : product-grid nodes evaluated at once in the 4-D reduction (default 16K on
        CPU, 4M on accelerators). ``chunk_nodes`` and ``batch_size`` must be ``None`` or positive
        integers (else ``ValueError`` naming them).
    devices : ``None`` (default: one device), ``"all"``, a count or a list of devices: the grid's
        chunks are split over them (``shard_map``), e.g. over the cores of a CPU made visible as
        devices with ``jax.config.update("jax_num_cpu_devices", n)`` (see ``jaxthermo._devices``).
        Same values to round-off (the partial sums are added in another order). Grids under 4M
        nodes run unsplit (``husimi.place``: a multi-device call costs ~0.1 ms). Sphere grids
        only (a ``PlaneGrid`` integral is 2-D and small: an error if ``devices`` is given).
    """
    if grid is None:
        raise ValueError("grid: pass a SphereGrid (spins) or a PlaneGrid (a bosonic mode)")
    chunk_nodes, batch_size = chunking(chunk_nodes, batch_size)
    if _is_plane(grid):
        from .bosonic import wehrl_entropy_mode

        if devices is not None:
            raise ValueError("devices: splitting over devices is for SphereGrid integrals; a "
                             "PlaneGrid (bosonic mode) runs on one device")

        return wehrl_entropy_mode(rho, grid)
    if js is None:
        raise ValueError("js: spin sizes are required with a SphereGrid")
    js, grids, rho = prepare(rho, js, grid)
    rho, devs = place(rho, grids, devices)
    return _entropy_core(rho, js, grids, chunk_nodes, batch_size, devs)


@eqx.filter_jit
def _entropy_core(rho, js, grids, chunk_nodes, batch_size, devices):
    _, fa, fb = factors(js, grids, None)

    def one(r):
        fields = {"q": (0, 0, 0)}
        return integrate((r,), fa, fb, fields, lambda f, g: entropy_density(f["q"]),
                         chunk_nodes=chunk_nodes, devices=devices)

    return map_states(one, rho, batch_size)


class WehrlEstimate(NamedTuple):
    """S_Q on the fine grid, ``|S_fine - S_coarse|`` as its error estimate, and S_coarse."""

    value: jnp.ndarray
    error: jnp.ndarray
    coarse: jnp.ndarray


def _finer(g: SphereGrid) -> SphereGrid:
    return SphereGrid(int(np.ceil(1.5 * g.n_theta)), int(np.ceil(1.5 * g.n_phi)))


def wehrl_convergence(rho, js, grid, fine_grid=None, **kwargs) -> WehrlEstimate:
    """S_Q on two grids; ``|S_fine - S_coarse|`` is reported as a heuristic error estimate.

    ``fine_grid`` defaults to 1.5x the nodes per angle. For full-rank states (Q > 0) the error falls
    exponentially with the grid, so once both grids are resolved the difference is dominated by the
    coarse error and over-estimates the fine one. For states whose Q has zeros (pure states) the
    convergence is algebraic and the error OSCILLATES IN SIGN with the grid size (coherent qubit,
    spec seed-004 Sec. 2: roughly n^-4 per angle in magnitude only), so two grids can agree by
    accident: the difference is then a heuristic, NOT a bound (coherent qubit at theta = 1,
    phi = 0.5: n = 72 and 108 differ by 4.3e-9 while the 108-grid error is 1.2e-8). Use
    :func:`grid_for_tolerance` (three grids) or compare with a much finer grid for such states.
    """
    n = len(js) if isinstance(js, (list, tuple)) else 1
    grids = as_grids(grid, n)
    fine = tuple(_finer(g) for g in grids) if fine_grid is None else fine_grid
    s_c = wehrl_entropy(rho, js, grids, **kwargs)
    s_f = wehrl_entropy(rho, js, fine, **kwargs)
    return WehrlEstimate(value=s_f, error=jnp.abs(s_f - s_c), coarse=s_c)


def grid_for_tolerance(rho, js, tol: float = 1e-10, *, n_start: int | None = None,
                       max_n: int = 512, quantity=None):
    """Refine a SphereGrid (x1.5 per angle) until three successive grids agree to ``tol``.

    Success needs two consecutive refinements that each change the value by less than ``tol``
    (``|v_k - v_{k-1}| < tol`` and ``|v_{k-1} - v_{k-2}| < tol``): for states whose Q has zeros the
    grid error oscillates in sign, and a single pair of grids can agree by accident
    (:func:`wehrl_convergence`). Still a heuristic, not a bound. ``quantity(rho, js, grid) ->
    scalar`` defaults to :func:`wehrl_entropy`; pass e.g.
    ``lambda r, js, g: wehrl_production(r, js, channel, g)[0]`` to converge the production rate.
    Returns ``(grid, WehrlEstimate)`` for the finest grid, with ``error`` the larger of the two last
    differences and ``coarse`` the value on the previous grid. Eager (Python loop over grid sizes;
    not for use under ``jit``). Raises ``RuntimeError`` if ``max_n`` is reached first.
    """
    tol = float(tol)
    if not tol > 0:
        raise ValueError(f"tol must be positive, got {tol!r}")
    quantity = wehrl_entropy if quantity is None else quantity
    jlist = js if isinstance(js, (list, tuple)) else (js,)
    jmax = max(spin_value(j, "js") for j in jlist)
    n = int(n_start) if n_start is not None else int(4 * jmax + 8)
    grid = SphereGrid(n)
    prev = quantity(rho, js, grid)
    prev_diff = None
    while True:
        finer = _finer(grid)
        if finer.n_theta > max_n:
            raise RuntimeError(
                f"grid_for_tolerance: no agreement to tol={tol:g} on three successive grids up to "
                f"{max_n} nodes per angle")
        val = quantity(rho, js, finer)
        diff = jnp.abs(val - prev)
        if prev_diff is not None and float(diff) < tol and float(prev_diff) < tol:
            return finer, WehrlEstimate(value=val, error=jnp.maximum(diff, prev_diff), coarse=prev)
        grid, prev, prev_diff = finer, val, diff
