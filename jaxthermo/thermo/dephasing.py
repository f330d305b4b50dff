"""Energy dephasing maps: block dephasing ``rho_BD`` and full dephasing ``rho_D`` in a chosen basis.

Paper 000 (Latune, Sinayskiy, Petruccione, "Negative contributions to entropy production induced
by quantum coherences"), Sec. II:

* ``rho_BD = Delta_BD(rho) = sum_n pi_n rho pi_n`` with ``pi_n`` the projector on the eigenspace of
  energy ``e_n`` of ``H`` (keeps populations and *horizontal* coherences, i.e. coherences between
  degenerate levels; removes *vertical* coherences between different energies).
* ``rho_D = Delta_D(rho) = sum_{n,i} |n,i><n,i| rho |n,i><n,i|``: the diagonal in a **chosen**
  eigenbasis ``{|n,i>}`` of ``H`` (the printed definition of ``rho_{t|D}`` in the paper omits the
  second projector: a typo, spec seed-000 Sec. 2). Inside degenerate eigenspaces the choice matters;
  the paper's results use the "natural" basis, which for spin ensembles is the **product** basis
  ``|m_1 ... m_n>`` (not the Dicke basis |J, m, i>, in which the collective steady state would have
  no horizontal coherence at all).

The basis argument (everywhere in this package):

* ``basis=None`` (default): the computational basis. ``H`` must be diagonal in it (a clear error
  otherwise); for ``H = omega J_z`` built with :func:`jaxthermo.collective_ops` this is the product
  basis the paper uses.
* ``basis="eigh"``: the eigenvectors returned by ``jnp.linalg.eigh(H)`` (arbitrary inside degenerate
  eigenspaces: fine for ``rho_BD`` and ``C_v``, not meaningful for ``C_h`` / ``D_th`` individually).
* ``basis=U``: a unitary whose columns are eigenvectors of ``H`` (checked: ``U^dag H U`` diagonal).

**Degenerate-level grouping** (near-degenerate systems, paper App. A): levels are clustered by
single linkage on the sorted energies: two neighbouring levels belong to the same block when they
differ by at most ``degeneracy_tol`` (absolute, in the units of ``H``; default ``1e-9``, the same
default as :func:`jaxthermo.thermal_jump_ops`, so the BD blocks and the partial-secular jump
operators group Bohr frequencies consistently). The grouping is computed with ``argsort`` /
``cumsum`` and is therefore traceable (``jit``, ``vmap`` over ``H``); it is piecewise constant,
so gradients flow through the state only. Use the same tolerance as the one used to build the jump
operators for near-degenerate systems (e.g. ``delta`` of App. A).
"""

from __future__ import annotations

import jax.numpy as jnp

from .._checks import _fail, _is_concrete, hermitian, square
from ..quantum.linalg import dag
from ._state import check_unitary as _check_unitary
from .coherence import _dephase

DEGENERACY_TOL = 1e-9
EIGENBASIS_TOL = 1e-8


def _resolve(h, basis):
    """``(h, u)``: ``h`` carries the eigenbasis checks (so they survive ``jit``), ``u`` is the basis
    (``None`` for the computational one)."""
    d = h.shape[0]
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(h)))
    if basis is None:
        off = h - jnp.diag(jnp.diagonal(h))
        h = _fail(
            h,
            jnp.max(jnp.abs(off)) > EIGENBASIS_TOL * scale,
            "H is not diagonal in the computational basis: pass basis=U (columns: the chosen "
            "eigenbasis of H) or basis='eigh'",
        )
        return h, None
    if isinstance(basis, str):
        if basis != "eigh":
            raise ValueError(f"basis must be None, 'eigh' or a unitary matrix, got {basis!r}")
        return h, jnp.linalg.eigh(h)[1]
    u = square(basis, "basis")
    if u.shape != (d, d):
        raise ValueError(f"basis has shape {tuple(u.shape)}, expected ({d}, {d}) to match H")
    u = _check_unitary(u)
    ht = dag(u) @ h @ u
    off = ht - jnp.diag(jnp.diagonal(ht))
    u = _fail(
        u,
        jnp.max(jnp.abs(off)) > EIGENBASIS_TOL * scale,
        "basis is not an eigenbasis of H (U^dag H U has off-diagonal elements)",
    )
    return h, u


def resolve_basis(H, basis=None):
    """The eigenbasis used for the full dephasing: a ``(d, d)`` unitary, or ``None`` for the
    computational basis (after checking that ``H`` is diagonal in it)."""
    return _resolve(hermitian(H, "H"), basis)[1]


def basis_energies(H, basis=None):
    """Energies ``<n,i|H|n,i>`` in the order of the chosen eigenbasis (see module docstring)."""
    h, u = _resolve(hermitian(H, "H"), basis)
    ht = h if u is None else dag(u) @ h @ u
    return jnp.real(jnp.diagonal(ht))


def level_labels(energies, degeneracy_tol: float = DEGENERACY_TOL):
    """Integer block label of each level: single-linkage clusters of the sorted energies with
    neighbour gaps ``<= degeneracy_tol``. Traceable; labels ordered by increasing energy."""
    e = jnp.asarray(energies)
    if e.ndim != 1:
        raise ValueError(f"energies must be 1-D, got shape {tuple(e.shape)}")
    if _is_concrete(degeneracy_tol) and float(degeneracy_tol) < 0:
        raise ValueError(f"degeneracy_tol must be non-negative, got {degeneracy_tol!r}")
    order = jnp.argsort(e)
    es = e[order]
    new = jnp.concatenate([jnp.zeros(1, dtype=jnp.int32), (jnp.diff(es) > degeneracy_tol)])
    lab_sorted = jnp.cumsum(new.astype(jnp.int32))
    return jnp.zeros_like(lab_sorted).at[order].set(lab_sorted)


def block_mask(energies, degeneracy_tol: float = DEGENERACY_TOL):
    """Boolean ``(d, d)`` mask of the entries kept by ``Delta_BD`` (same energy block)."""
    lab = level_labels(energies, degeneracy_tol)
    return lab[:, None] == lab[None, :]


def degeneracies(H, basis=None, degeneracy_tol: float = DEGENERACY_TOL):
    """``(level_energies, multiplicities)`` as numpy arrays (concrete ``H`` only), ascending."""
    import numpy as np

    e = np.asarray(basis_energies(H, basis))
    lab = np.asarray(level_labels(e, degeneracy_tol))
    k = lab.max() + 1
    mult = np.bincount(lab, minlength=k)
    means = np.bincount(lab, weights=e, minlength=k) / mult
    return means, mult


def to_energy_frame(rho, H, basis=None):
    """``(U^dag rho U, energies)`` in the chosen eigenbasis (``U = 1`` for ``basis=None``)."""
    h = hermitian(H, "H")
    rho = jnp.asarray(rho)
    if rho.shape[-2:] != h.shape:
        raise ValueError(f"rho has shape {tuple(rho.shape)}, which does not match H {h.shape}")
    h, u = _resolve(h, basis)
    if u is None:
        return rho, jnp.real(jnp.diagonal(h))
    return dag(u) @ rho @ u, jnp.real(jnp.diagonal(dag(u) @ h @ u))


def block_dephase(rho, H, basis=None, *, degeneracy_tol: float = DEGENERACY_TOL):
    """``rho_BD = sum_n pi_n rho pi_n`` (paper 000, Sec. II), returned in the original frame.

    Independent of which eigenbasis ``basis`` of ``H`` is used; ``basis`` only tells how to reach
    one (``None`` requires ``H`` diagonal in the computational basis).
    """
    h, u = _resolve(hermitian(H, "H"), basis)
    rho = jnp.asarray(rho)
    if rho.shape[-2:] != h.shape:
        raise ValueError(f"rho has shape {tuple(rho.shape)}, which does not match H {h.shape}")
    r = rho if u is None else dag(u) @ rho @ u
    e = jnp.real(jnp.diagonal(h if u is None else dag(u) @ h @ u))
    rb = jnp.where(block_mask(e, degeneracy_tol), r, 0.0)
    return rb if u is None else u @ rb @ dag(u)


def diagonal_dephase(rho, H, basis=None):
    """``rho_D``: the diagonal of ``rho`` in the chosen eigenbasis of ``H`` (paper 000, Sec. II,
    with the projector the printed definition omits), returned in the original frame."""
    h = hermitian(H, "H")
    rho = jnp.asarray(rho)
    if rho.shape[-2:] != h.shape:
        raise ValueError(f"rho has shape {tuple(rho.shape)}, which does not match H {h.shape}")
    h, u = _resolve(h, basis)
    out = _dephase(rho, u)
    return out + 0.0 * jnp.real(h[0, 0])  # keeps the eigenbasis check alive under jit


__all__ = [
    "DEGENERACY_TOL",
    "basis_energies",
    "block_dephase",
    "block_mask",
    "degeneracies",
    "diagonal_dephase",
    "level_labels",
    "resolve_basis",
    "to_energy_frame",
]
