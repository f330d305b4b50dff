"""Bridge between block states and the full ``(2s+1)^n`` product space (small n only).

:func:`collective_basis` builds orthonormal ``|J, m, i>`` in the product basis of the core's
``collective_ops`` (``tensor`` order, single-spin basis m = s..-s): highest-weight vectors from the
null space of ``J+`` inside ``J_z = J`` and the ladder ``J- |J,m,i> = sqrt(a_m) |J,m-1,i>``
(Condon-Shortley phases inside each copy i). :func:`to_full` embeds a block state
(``sigma_J = 1/l_J``) and :func:`from_full` projects a full-space state onto blocks (dropping
coherences between different J; exact for states of the form ``(+)_J rho_J (x) sigma_J``).
These are the brute-force references of the tests, not a production path.
"""

from __future__ import annotations

import functools

import jax.numpy as jnp
import numpy as np

from ..quantum import collective_ops
from ..thermo.entropy import entropy_unchecked as _vn_entropy  # states checked at entry
from .multiplicity import multiplicities, multiplicities_exact
from .state import BlockState

__all__ = ["collective_basis", "from_full", "to_full"]


@functools.lru_cache(maxsize=16)
def _basis(n: int, two_s: int):
    s = two_s / 2
    jx, jy, jz = (np.asarray(o) for o in collective_ops(n, s))
    jp = jx + 1j * jy
    jm = jx - 1j * jy
    mz = np.real(np.diag(jz))
    js, ls = multiplicities_exact(n, s)
    out = []
    for jj, ll in zip(js, ls, strict=True):
        idx = np.where(np.abs(mz - jj) < 1e-9)[0]
        sub = jp[:, idx]  # J+ restricted to the J_z = J subspace
        _, sv, vh = np.linalg.svd(sub)
        null = vh[np.sum(sv > 1e-9):].conj()  # rows span ker J+
        if null.shape[0] != ll:
            raise RuntimeError(f"collective_basis: found {null.shape[0]} copies of J={jj}, "
                               f"expected l_J={ll}")
        # orthonormalise and keep real where possible
        q, _ = np.linalg.qr(null.T)
        top = np.zeros((ll, jz.shape[0]), complex)
        top[:, idx] = q.T
        vecs = [top]
        m = jj
        for _ in range(int(round(2 * jj))):
            a = (jj + m) * (jj - m + 1)
            vecs.append((jm @ vecs[-1].T).T / np.sqrt(a))
            m -= 1
        out.append(np.stack(vecs, axis=1))  # (l_J, 2J+1, d^n), m = J..-J
    return out


def collective_basis(n, s):
    """List (J ascending) of arrays ``(l_J, 2J+1, (2s+1)^n)``: ``[i, k] = |J, m=J-k, i>``."""
    return [jnp.asarray(v) for v in _basis(int(n), int(round(2 * s)))]


def to_full(state: BlockState, n, s):
    """Full-space density matrix of a block state with ``sigma_J = 1/l_J`` (small n)."""
    basis = _basis(int(n), int(round(2 * s)))
    mats = state.matrices()
    ns = (state.dim_pad - 1) / 2
    js = np.asarray(multiplicities(n, s)[0])
    dfull = basis[0].shape[-1]
    rho = jnp.zeros((dfull, dfull), jnp.result_type(complex))
    for b, (jj, v) in enumerate(zip(js, basis, strict=True)):
        k0 = int(round(ns - jj))
        L = int(round(2 * jj)) + 1
        blk = mats[b, k0:k0 + L, k0:k0 + L]
        vv = jnp.asarray(v)  # (l, L, dfull)
        lj = v.shape[0]
        rho = rho + state.w[b] / lj * jnp.einsum("ikx,kq,iqy->xy", vv, blk, vv.conj())
    return rho


def from_full(rho, n, s) -> BlockState:
    """Project a full-space state onto a :class:`BlockState` (full block matrices).

    ``w_J = Tr[Pi_J rho]``, ``rho_J = Tr_mult[Pi_J rho Pi_J] / w_J``, ``mult_entropy = S(sigma_J)``
    with ``sigma_J = Tr_{H_J}[Pi_J rho Pi_J] / w_J``. Coherences between blocks are dropped.
    """
    basis = _basis(int(n), int(round(2 * s)))
    js, log_l = multiplicities(n, s)
    dim = int(round(2 * n * s)) + 1
    ns = (dim - 1) / 2
    rho = jnp.asarray(rho)
    cdt = jnp.result_type(complex)
    blocks, ws, ments = [], [], []
    for jj, v in zip(js, basis, strict=True):
        vv = jnp.asarray(v)
        c = jnp.einsum("ikx,xy,jqy->ikjq", vv.conj(), rho, vv)  # <J k i| rho |J q j>
        w = jnp.real(jnp.einsum("ikik->", c))
        safe = jnp.where(w > 1e-300, w, 1.0)
        rj = jnp.einsum("ikiq->kq", c) / safe
        sig = jnp.einsum("ikjk->ij", c) / safe
        L = int(round(2 * jj)) + 1
        k0 = int(round(ns - jj))
        pad = jnp.zeros((dim, dim), cdt).at[k0:k0 + L, k0:k0 + L].set(rj)
        blocks.append(pad)
        ws.append(w)
        ments.append(_vn_entropy(sig) if sig.shape[0] > 1 else jnp.zeros(()))
    return BlockState(jnp.asarray(js), jnp.asarray(log_l), jnp.stack(ws), jnp.stack(blocks),
                      jnp.stack(ments), diagonal=False)


