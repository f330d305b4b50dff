"""C_v, C_h, D_th of spin-ensemble block states in the product basis, without the full space.

Paper 000, Sec. IV A and App. E; spec seed-000 Sec. 5.5. A block state of
:mod:`jaxthermo.ensembles` is ``rho = (+)_J w_J rho_J (x) sigma_J`` for ``H = omega J_z``
(layout: :class:`jaxthermo.ensembles.BlockState`). With ``sigma_J = 1/l_J`` (thermal states and
everything collective dissipation produces from them) the state is permutation invariant and:

* ``S(rho)`` is the ensembles package's :func:`~jaxthermo.ensembles.state_entropy`;
* ``rho_BD`` (energy = ``omega m`` blocks) keeps the ``m``-diagonal of every ``rho_J``, so
  ``S(rho_BD) = H(w) + sum_J w_J [H(P_J) + ln l_J]`` with ``P_J(m) = <J,m|rho_J|J,m>``;
* ``rho_D`` in the **product basis** ``|m_1..m_n>`` (the paper's basis; the Dicke basis would give
  ``C_h = 0`` for the collective steady state): with ``P(m) = sum_J w_J P_J(m)``,
  ``S(rho_D) = H(P) + sum_m P(m) h_m`` where, for ``s = 1/2``, ``h_m = ln I_m`` and
  ``I_m = C(n, n/2 + m)`` (every product state with magnetisation ``m`` has population
  ``P(m)/I_m``); for ``s >= 1`` the populations of the product states inside ``|J, m, i>`` are not
  uniform. Here ``s >= 1`` is supported for states in the symmetric ``J = ns`` irrep only, where the
  product-state weights are multinomial, ``prod_k C(2s, s+m_k) / C(2ns, ns+m)`` (spec App. E note),
  and ``h_m`` is the Shannon entropy of those weights (so (E.5), which assumes uniform weights, is
  exact only for ``s = 1/2``: spec erratum, R7). Other ``s >= 1`` states raise.
* ``D_th = -S(rho_D) + beta omega <J_z> + n ln Z_s(beta omega)`` (only ``m`` enters ``ln rho_th``).

Cost: ``O(n_blocks x (2ns+1))`` per state (plus a one-off ``O(n^{2s})`` table for ``s >= 1``),
so Fig. 3 at ``n = 10`` and beyond needs no ``2^n`` space. ``ln I_m`` is exact integer arithmetic
then ``log`` for ``n <= 4000`` and ``lgamma`` beyond.
"""

from __future__ import annotations

import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import _fail
from ..ensembles import BlockState, SpinEnsemble
from ..ensembles.quantities import jz_mean, log_partition_product, state_entropy
from ..quantum.linalg import xlogx
from .coherent_parts import CoherenceParts
from .production_split import ProductionParts


@functools.lru_cache(maxsize=64)
def _log_binomials(n: int) -> np.ndarray:
    """``ln C(n, k)`` for ``k = n..0`` (i.e. on the grid m = n/2 .. -n/2)."""
    if n <= 4000:
        vals = [math.log(math.comb(n, k)) for k in range(n, -1, -1)]
    else:
        vals = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                for k in range(n, -1, -1)]
    return np.asarray(vals)


@functools.lru_cache(maxsize=64)
def _symmetric_weight_entropy(n: int, two_s: int) -> np.ndarray:
    """Shannon entropy of the product-basis weights of ``|J = ns, m>`` on the grid m = ns..-ns."""
    d = two_s + 1
    two_ns = n * two_s
    out = np.zeros(two_ns + 1)
    lc = [math.log(math.comb(two_s, k)) for k in range(d)]  # k = s + m_k
    total = [math.log(math.comb(two_ns, k)) for k in range(two_ns + 1)]
    # occupation numbers (n_0..n_{2s}) of the local levels k = s + m_k, sum n_k = n
    for occ in _compositions(n, d):
        kk = sum(k * c for k, c in enumerate(occ))  # = ns + m
        count = math.lgamma(n + 1) - sum(math.lgamma(c + 1) for c in occ)
        logw = sum(c * lc[k] for k, c in enumerate(occ)) - total[kk]
        out[two_ns - kk] -= math.exp(count + logw) * logw
    return out


def _compositions(n, d):
    for cuts in itertools.combinations(range(n + d - 1), d - 1):
        prev, occ = -1, []
        for c in cuts:
            occ.append(c - prev - 1)
            prev = c
        occ.append(n + d - 2 - prev)
        yield occ


def _product_log_multiplicity(ens: SpinEnsemble, state: BlockState):
    """``h_m`` on the grid m = ns..-ns (see the module docstring)."""
    two_s = int(round(2 * ens.s))
    if two_s == 1:
        return jnp.asarray(_log_binomials(ens.n))
    if ens.n > 30:
        raise ValueError(f"n={ens.n}, s={ens.s}: product-basis weights for s >= 1 are tabulated "
                         "for n <= 30 only")
    w_low = jnp.sum(jnp.abs(state.w[..., :-1]))
    guard = _fail(0.0 * w_low, w_low > 1e-12,
                  "state: for s >= 1 only states in the symmetric J = ns block are supported (the "
                  "product-basis weights of |J, m, i> for J < ns are not uniform); use the full "
                  "space")
    return jnp.asarray(_symmetric_weight_entropy(ens.n, two_s)) + guard


def _check_layout(ens: SpinEnsemble, state: BlockState):
    if not isinstance(ens, SpinEnsemble):
        raise TypeError(f"ens must be a SpinEnsemble, got {type(ens).__name__}")
    if not isinstance(state, BlockState):
        raise TypeError(f"state must be a BlockState, got {type(state).__name__}")
    if state.dim_pad != ens.dim_pad or state.w.shape[-1] != ens.num_blocks:
        raise ValueError(f"state has {state.w.shape[-1]} blocks of size {state.dim_pad}, expected "
                         f"{ens.num_blocks} of size {ens.dim_pad} for n={ens.n}, s={ens.s}")
    bad = jnp.max(jnp.abs(state.mult_entropy - state.log_mult))
    return _fail(0.0 * bad, bad > 1e-9,
                 "state: the multiplicity states sigma_J must be maximally mixed "
                 "(mult_entropy == log_mult) for the product-basis formulas")


def _parts_one(ens, state, beta, hm):
    p_j = state.populations()  # (nb, D), normalised per block
    w = state.w
    s = state_entropy(state)
    shannon_w = -jnp.sum(xlogx(jnp.clip(w, 0.0, None)))
    h_blocks = -jnp.sum(xlogx(jnp.clip(jnp.where(state.mask, p_j, 0.0), 0.0, None)), axis=-1)
    s_bd = shannon_w + jnp.sum(w * (h_blocks + state.mult_entropy))
    pm = jnp.sum(w[:, None] * p_j, axis=0)  # P(m)
    s_d = -jnp.sum(xlogx(jnp.clip(pm, 0.0, None))) + jnp.sum(pm * hm)
    e = ens.omega * jz_mean(state)
    x = ens.omega * jnp.asarray(beta, dtype=e.dtype)
    d_th = -s_d + x * jz_mean(state) + log_partition_product(ens.n, ens.s, x)
    return CoherenceParts(d_th, s_bd - s, s_d - s_bd, s, s_bd, s_d, e)


def ensemble_coherence_parts(ens: SpinEnsemble, state: BlockState, beta=1.0):
    """:class:`~jaxthermo.thermo.coherent_parts.CoherenceParts` of a block state of ``ens``
    (``H = omega J_z``) in the product basis, at the reference inverse temperature ``beta``.

    ``state`` may carry one leading time/batch axis (e.g. ``ens.evolve(...)``); fields then have
    that axis. Jit/vmap/grad-compatible in the state, ``beta`` and ``omega``.
    """
    guard = _check_layout(ens, state)  # zero; carries the value checks under jit
    hm = _product_log_multiplicity(ens, state) + guard
    if state.w.ndim == 2:
        return jax.vmap(lambda st: _parts_one(ens, st, beta, hm))(state)
    if state.w.ndim != 1:
        raise ValueError(
            f"state must have at most one leading axis, got w of shape {state.w.shape}")
    return _parts_one(ens, state, beta, hm)


def ensemble_integrated_production(ens: SpinEnsemble, states: BlockState, beta=1.0):
    """Integrated contributions ``-Delta D_th``, ``-Delta C_v``, ``-Delta C_h`` and their sum (the
    total ``S(rho_0||rho_th) - S(rho_t||rho_th)``, from the ensembles package's relative entropy)
    along a block-state trajectory with a leading time axis (``states[0]`` is the initial state)."""
    if states.w.ndim != 2:
        raise ValueError("states must carry a leading time axis (e.g. ens.evolve(rho0, ts, ...))")
    p = ensemble_coherence_parts(ens, states, beta)
    rel = jax.vmap(lambda st: ens.relative_entropy_to_thermal(st, beta))(states)
    return ProductionParts(-(p.population - p.population[0]), -(p.vertical - p.vertical[0]),
                           -(p.horizontal - p.horizontal[0]), rel[0] - rel)


def ensemble_production_rates(ens: SpinEnsemble, state: BlockState, beta_bath, gamma=1.0):
    """Rates ``-dD_th/dt``, ``-dC_v/dt``, ``-dC_h/dt`` (product basis) and the total
    ``-d/dt S(rho || rho_th(beta_bath))`` of one block state under the ensemble's collective
    dissipation ``G(omega) D[J-] + G(-omega) D[J+]`` (``ens.evolve``: core fermi-convention rates,
    ``gamma``): forward-mode derivative (``jax.jvp``) at ``t = 0`` of the parts along the exact
    block propagation. ``state`` is one block state (no time axis)."""
    _check_layout(ens, state)
    if state.w.ndim != 1:
        raise ValueError("state must be one block state (use .at(i) on a trajectory)")

    def f(t):
        st = ens.evolve(state, jnp.reshape(t, (1,)), beta_bath, gamma).at(0)
        p = ensemble_coherence_parts(ens, st, beta_bath)
        return p.population, p.vertical, p.horizontal, ens.relative_entropy_to_thermal(st,
                                                                                     beta_bath)

    zero = jnp.zeros((), dtype=jnp.result_type(float))
    _, (dp, dv, dh, dtot) = jax.jvp(f, (zero,), (jnp.ones_like(zero),))
    return ProductionParts(-dp, -dv, -dh, -dtot)


@functools.partial(jax.jit, static_argnums=0)
def fig3_ratio(n, x):
    """Closed form of Fig. 3 (spec seed-000 Sec. 3, derived there and re-derived here):
    ``Pi^th / Pi^col = n ln(1 + e^{-x}) / ln sum_{k=0}^{n} e^{-k x}`` for spins-1/2 from
    ``|g...g>`` (``omega beta_0 -> +inf``), ``x = omega beta_B``; stable (log1p / logsumexp)
    for any real ``x`` (``x = 0``: ``n ln 2 / ln(n + 1)``)."""
    x = jnp.asarray(x, dtype=jnp.result_type(float))
    k = jnp.arange(n + 1, dtype=x.dtype)
    pi_th = n * jnp.logaddexp(0.0, -x)
    # ln sum_k e^{-kx}: logsumexp is exact for x <= 0; for x > 0 use log1p of the tail
    tail = jax.scipy.special.logsumexp(-k[1:] * jnp.abs(x)[..., None], axis=-1)
    pi_col_pos = jnp.log1p(jnp.exp(tail))
    pi_col = jnp.where(x >= 0, pi_col_pos, pi_col_pos - n * x)
    return pi_th / pi_col


__all__ = ["ensemble_coherence_parts", "ensemble_integrated_production",
           "ensemble_production_rates", "fig3_ratio"]
