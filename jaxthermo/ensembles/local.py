"""Single-spin (local) reduced state of a block state (paper 001, Sec. V D, Appendix D).

For a block state ``rho = (+)_J w_J rho_J (x) 1/l_J`` (permutation invariant, so every spin has the
same reduced state):

* ``s = 1/2`` (any block state, also with coherences inside blocks): the reduced state is fixed by
  the collective first moments, ``rho_loc = [[1/2 + <J_z>/n, <J->/n], [<J+>/n, 1/2 - <J_z>/n]]``
  (basis up, down).
* any ``s`` for states diagonal in m (every steady state of Eq. 16, thermal states and all
  population dynamics): ``<mu| rho_loc |mu> = sum_{J,m} w_J P_J(m) T_J(m, mu) / l_J`` with
  ``T_J(m, mu) = Tr[P_{J,m} (|mu><mu| (x) 1)] = sum_{J'} l^{(n-1)}_{J'} |<s mu; J' m-mu | J m>|^2``:
  coupling spin 1 to the remaining ``n - 1`` spins. The squared Clebsch-Gordan coefficients are the
  squared eigenvector components of ``J^2`` restricted to ``span{|mu>|M - mu>}`` (a small
  ``(2s+1)``-dimensional tridiagonal eigenproblem; numerically exact, no alternating sums).
  The reduced state is diagonal (Eq. H1).

* any ``s`` with coherences inside blocks (the general path): the reduced state is fixed by the
  one-body tensor averages ``<e^k_q>_loc = <(1/n) sum_i e^k_q(i)>`` for ranks ``k = 0..2s``
  (``e^k_q`` the unit spherical tensors of one spin, ``<s||e^k||s> = 1``), as
  ``rho_loc = sum_{k,q} (2k+1) conj(<e^k_q>) e^k_q``. On block J, averaged over the multiplicity
  space (``sigma_J = 1/l_J``), ``sum_i e^k_q(i)`` is by permutation symmetry ``n`` times the
  operator on the last spin, and by the Wigner-Eckart theorem proportional to the spin-J unit
  tensor, ``E^k_q(J) r^k_J`` with (coupling the first ``n - 1`` spins to ``J'``, then ``J' + s``
  to ``J``; Edmonds Eq. 7.1.8)

      r^k_J = n sum_{J'} (l^{(n-1)}_{J'} / l_J) (-1)^{J'+s+J+k} (2J+1) {s J J'; J s k},

  so ``<e^k_q>_loc = sum_J w_J r^k_J Tr[rho_J E^k_q(J)] / n`` (3j and 6j symbols in
  :mod:`jaxthermo.ensembles.recoupling`). Checked against the partial trace in the full space.

The paper's Appendix D formulas (D4-D6) assume Dicke states are uniform superpositions, which holds
only for s = 1/2 (spec erratum X6): for n = 3, s = 1, x_B = 1, x0 = inf they give populations
(0.03348, 0.12491, 0.84161) where the true ones (computed here, checked against the partial trace
in the full space) are (0.02105, 0.14975, 0.82919). We follow the exact computation.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from .multiplicity import multiplicities
from .recoupling import wigner_3j, wigner_6j
from .state import BlockState, check_block_state

__all__ = ["local_state", "local_transfer"]


@functools.lru_cache(maxsize=16)
def _transfer(n: int, two_s: int) -> np.ndarray:
    """``T[b, k, mu] / l_J`` for block b (J ascending), grid index k (m = ns - k), mu = s..-s."""
    s = two_s / 2
    d = two_s + 1
    jn, log_l = multiplicities(n, s)
    dim = int(round(n * two_s)) + 1
    ns = n * s
    mgrid = ns - np.arange(dim)
    out = np.zeros((len(jn), dim, d))
    if n == 1:
        for k in range(d):
            out[0, k, k] = 1.0
        return out
    jp, log_lp = multiplicities(n - 1, s)
    mu = s - np.arange(d)  # s, ..., -s
    for jj, llp in zip(jp, log_lp, strict=True):
        # batch over M on the grid: basis |mu> |M - mu>
        mm = mgrid[:, None]
        m2 = mm - mu[None, :]
        valid = np.abs(m2) <= jj + 1e-9
        diag = s * (s + 1) + jj * (jj + 1) + 2 * mu[None, :] * m2
        diag = np.where(valid, diag, -1.0 - np.arange(d)[None, :])  # distinct negative: invalid
        c1 = np.sqrt(np.maximum(s * (s + 1) - mu[1:] * (mu[1:] + 1), 0.0))  # j1+ : mu+1 <- mu
        c2 = np.sqrt(np.maximum(jj * (jj + 1) - m2[:, 1:] * (m2[:, 1:] - 1), 0.0))  # j2-
        off = np.where(valid[:, 1:] & valid[:, :-1], c1[None, :] * c2, 0.0)
        mat = np.zeros((dim, d, d))
        idx = np.arange(d)
        mat[:, idx, idx] = diag
        mat[:, idx[:-1], idx[1:]] = off
        mat[:, idx[1:], idx[:-1]] = off
        lam, vec = np.linalg.eigh(mat)
        jval = np.where(lam >= -0.5, (-1 + np.sqrt(1 + 4 * np.maximum(lam, 0))) / 2, -1.0)
        for b, jb in enumerate(jn):
            sel = np.abs(jval - jb) < 1e-6  # (dim, d) eigenvalue columns equal to J
            if not sel.any():
                continue
            cg2 = np.einsum("kme,ke->km", vec**2, sel)  # (dim, mu)
            out[b] += np.exp(llp - log_l[b]) * cg2
    return out


def local_transfer(n, s):
    """``(nb, D, 2s+1)`` array ``T_J(m, mu) / l_J`` (see module docstring)."""
    return jnp.asarray(_transfer(int(n), int(round(2 * s))))


@functools.lru_cache(maxsize=16)
def _tensor_maps(n: int, two_s: int):
    """Static data of the general path: ``(coef, band_cols, unit)``.

    ``coef[b, K, i] = r^k_J E^k_q(J)[M'+q, M'] / n`` at grid row ``i`` (``M' = ns - i``), ``K``
    running over ``(k, q)``; ``band_cols[K, i] = i - q`` (column of ``M' + q``, clipped);
    ``unit[K] = (2k+1) e^k_q`` on one spin (basis ``mu = s..-s``).
    """
    s = two_s / 2
    d = two_s + 1
    jn, log_l = multiplicities(n, s)
    jp, log_lp = multiplicities(n - 1, s)
    dim = int(round(n * two_s)) + 1
    ns = n * s
    mp = ns - np.arange(dim)  # M' on the grid
    mu = s - np.arange(d)
    kq = [(k, q) for k in range(d) for q in range(-k, k + 1)]
    coef = np.zeros((len(jn), len(kq), dim))
    cols = np.zeros((len(kq), dim), dtype=np.int64)
    unit = np.zeros((len(kq), d, d))
    jn_, jp_ = np.asarray(jn)[:, None], np.asarray(jp)[None, :]
    for a, (k, q) in enumerate(kq):
        # r^k_J / n for every block J (sum over the n-1 spin blocks J')
        six = wigner_6j(s, jn_, jp_, jn_, s, k)
        sign = np.where(np.round(jp_ + s + jn_ + k) % 2 == 0, 1.0, -1.0)
        r = np.sum(np.exp(np.asarray(log_lp)[None, :] - np.asarray(log_l)[:, None]) * sign
                   * (2 * jn_ + 1) * six, axis=1)
        m = mp + q
        e_j = np.where(np.round(jn_ - m[None, :]) % 2 == 0, 1.0, -1.0) \
            * wigner_3j(jn_, k, jn_, -m[None, :], q, mp[None, :])
        coef[:, a, :] = r[:, None] * e_j
        cols[a] = np.clip(np.arange(dim) - q, 0, dim - 1)
        unit[a] = (2 * k + 1) * np.where(np.round(s - mu[:, None]) % 2 == 0, 1.0, -1.0) \
            * wigner_3j(s, k, s, -mu[:, None], q, mu[None, :])
    return coef, cols, unit


def local_state(state: BlockState, n, s):
    """The ``(2s+1, 2s+1)`` single-spin reduced state (basis ``m = s, ..., -s``), any ``s``.

    For ``rho = (+)_J w_J rho_J (x) 1/l_J`` (the permutation-invariant states block states
    represent; with another ``sigma_J`` this is the reduced state averaged over the spins).
    Fast paths: ``s = 1/2`` (first moments) and m-diagonal states (transfer matrix); the general
    path uses the rank-k tensor averages (module docstring). ``state`` is validated against
    ``(n, s)`` (:func:`~jaxthermo.ensembles.state.check_block_state` with ``full=False``: the
    reduced state is linear in it, so the weights and populations are checked, O(nb D)).
    """
    state = check_block_state(state, "state", n, s, full=False)
    cdt = jnp.result_type(complex)
    if round(2 * s) == 1:
        mat = state.matrices()
        m = state.m
        pops = jnp.real(jnp.diagonal(mat, axis1=-2, axis2=-1))
        half = (state.dim_pad - 1) / 2
        # p_up = <J_z + n/2>/n and p_down = <n/2 - J_z>/n as sums of non-negative terms
        up = jnp.sum(state.w * jnp.sum(pops * (m + half), -1)) / n
        down = jnp.sum(state.w * jnp.sum(pops * (half - m), -1)) / n
        b = jnp.where(state.mask, (state.j[:, None] - m) * (state.j[:, None] + m + 1), 0.0)
        # Tr[J- rho] = sum_m sqrt(b_m) rho_{m+1, m}: row k-1 (m+1), column k (m)
        sup = jnp.diagonal(mat, offset=1, axis1=-2, axis2=-1)  # rho[k-1, k] for k = 1..D-1
        jminus = jnp.sum(state.w * jnp.sum(jnp.sqrt(b[:, 1:]) * sup, -1))
        return jnp.array([[up, jminus / n], [jnp.conj(jminus) / n, down]], dtype=cdt)
    if not state.diagonal:
        if int(n) == 1:
            return (state.w[0] * state.blocks[0]).astype(cdt)
        coef, cols, unit = _tensor_maps(int(n), int(round(2 * s)))
        rows = np.arange(state.dim_pad)
        band = state.blocks[:, rows[None, :], cols]  # (nb, K, D): rho_J[M', M'+q]
        avg = jnp.einsum("b,bKi,bKi->K", state.w, band, coef)  # <e^k_q>_loc
        return jnp.einsum("K,Kab->ab", jnp.conj(avg), unit).astype(cdt)
    t = local_transfer(n, s)
    p = jnp.einsum("b,bk,bkm->m", state.w, state.blocks, t)
    return jnp.diag(p).astype(cdt)
