"""Block states: states that are block-diagonal in total spin J, stored as padded arrays.

Layout (paper 001, Eqs. 6, 9, 15, 16; the decomposition ``(+)_J H_J (x) C^{l_J}``), for an ensemble
of ``n`` spins of size ``s`` with ``nb`` blocks ``J = J0, ..., ns`` (ascending) and the padded
magnetic grid ``m = ns, ns-1, ..., -ns`` (``D = 2ns+1`` entries; index ``k <-> m = ns - k``, the same
"index 0 = spin up" order as the core's ``spin_ops``):

* ``j``          (nb,)        the J value of each block (float),
* ``log_mult``   (nb,)        ``ln l_J`` (log-space: ``l_J ~ 1e28`` at n = 100),
* ``w``          (nb,)        block weights ``w_J = Tr[Pi_J rho]`` (sum to 1; ``w_J = l_J p_J``),
* ``blocks``     (nb, D)      populations ``P_J(m)`` of each block, normalised per block
                              (``diagonal=True``), or
                 (nb, D, D)   complex per-block density matrices ``rho_J`` normalised per block
                              (``diagonal=False``). Entries with ``|m| > J`` are zero (padding);
                              block J sits in the centre rows/columns ``k = ns-J .. ns+J``.
* ``mult_entropy`` (nb,)      ``S(sigma_J)`` of the state on the multiplicity space ``C^{l_J}``
                              (``= ln l_J`` when ``sigma_J`` is maximally mixed, the default for
                              thermal states and everything evolved from them).

The full state is ``rho = (+)_J w_J rho_J (x) sigma_J`` with ``Tr sigma_J = 1``; ``sigma_J = 1/l_J``
by default. Coherences between different J are not represented (collective dissipation destroys
them at finite bath temperature; spec Sec. 1.7). Trajectories carry one leading time axis on every
leaf; use :meth:`BlockState.at` to take one time.

:func:`check_block_state` validates a user-given state at the public entry points (``SpinEnsemble``
methods, ``evolve_block_state``, ``local_state``): shapes consistent with ``(n, s)`` (trace time),
then values (finite leaves; the ensemble's J values and multiplicities; weights ``>= 0`` summing to
1; zero padding; each block Hermitian, unit-trace and positive semidefinite, and
``0 <= mult_entropy <= ln l_J``, these four weighted by ``w_J`` so that blocks of zero weight,
which ``from_full`` leaves empty, are free), eagerly or with ``error_if`` under jit/vmap.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import error_if, positive_int, spin_value

__all__ = ["BlockState", "m_grid", "block_mask", "check_block_state"]

STATE_TOL = 1e-8  # weights, traces, Hermiticity, positivity and padding of block states


def m_grid(dim_pad: int):
    """The padded m grid ``ns, ns-1, ..., -ns`` for ``dim_pad = 2ns+1``."""
    ns = (dim_pad - 1) / 2
    return ns - jnp.arange(dim_pad, dtype=jnp.result_type(float))


def block_mask(j, dim_pad: int):
    """``(nb, D)`` boolean mask ``|m| <= J``."""
    return jnp.abs(m_grid(dim_pad)) <= jnp.asarray(j)[..., None] + 1e-9


class BlockState(eqx.Module):
    """A total-spin block-diagonal state of a spin ensemble (see the module docstring)."""

    j: jax.Array
    log_mult: jax.Array
    w: jax.Array
    blocks: jax.Array
    mult_entropy: jax.Array
    diagonal: bool = eqx.field(static=True)

    @property
    def dim_pad(self) -> int:
        return self.blocks.shape[-1]

    @property
    def m(self):
        return m_grid(self.dim_pad)

    @property
    def mask(self):
        return block_mask(self.j, self.dim_pad)

    def populations(self):
        """``(..., nb, D)`` per-block populations ``P_J(m)`` (normalised per block)."""
        if self.diagonal:
            return self.blocks
        return jnp.real(jnp.diagonal(self.blocks, axis1=-2, axis2=-1))

    def matrices(self):
        """``(..., nb, D, D)`` per-block density matrices (diagonal states are expanded)."""
        if self.diagonal:
            p = self.blocks.astype(jnp.result_type(complex))
            return p[..., :, None] * jnp.eye(self.dim_pad, dtype=p.dtype)
        return self.blocks

    def to_matrices(self) -> BlockState:
        """The same state with full block matrices (for dynamics with coherences)."""
        return BlockState(self.j, self.log_mult, self.w, self.matrices(), self.mult_entropy,
                          diagonal=False)

    def at(self, i) -> BlockState:
        """Index the leading (time or batch) axis of every leaf."""
        return jax.tree.map(lambda x: x[i], self)

    def with_blocks(self, blocks, diagonal: bool | None = None) -> BlockState:
        """Same weights and multiplicity data, new per-block content."""
        return BlockState(self.j, self.log_mult, self.w, blocks, self.mult_entropy,
                          diagonal=self.diagonal if diagonal is None else diagonal)


def _block_count(n: int, two_s: int) -> int:
    """Number of J blocks of n spins of size two_s/2 (J0 = 0 or 1/2 .. ns; one block at n = 1)."""
    return 1 if n == 1 else n * two_s // 2 + 1


def _ensembles_with(nb: int, dim_pad: int) -> str:
    """The ensembles ``(n, s)`` whose block states have ``nb`` blocks on a grid of ``dim_pad``."""
    two_ns = dim_pad - 1
    found = [f"SpinEnsemble(n={two_ns // t}, s={t / 2:g})" for t in range(1, two_ns + 1)
             if two_ns % t == 0 and _block_count(two_ns // t, t) == nb][:4]
    return "the state of " + " or ".join(found) if found else "no ensemble has this layout"


@functools.partial(jax.jit, static_argnames=("full",))
def _state_flags(state: BlockState, j_ref, log_mult_ref, full: bool):
    """Boolean flags (one per message of :func:`check_block_state`); NaN raises every flag it
    touches (conditions are written ``~(ok)``). ``full=False`` reads only the weights and the
    populations (the diagonal), O(nb D)."""
    tol = STATE_TOL
    w, blocks, me = state.w, state.blocks, state.mult_entropy
    pops_c = blocks if state.diagonal else jnp.diagonal(blocks, axis1=-2, axis2=-1)
    pops = jnp.real(pops_c)
    content = blocks if full else pops_c
    finite = jnp.all(jnp.array([jnp.all(jnp.isfinite(x)) for x in
                                (state.j, state.log_mult, w, content, me)]))
    other = ~(jnp.max(jnp.abs(state.j - j_ref)) <= 1e-9)
    if log_mult_ref is not None:
        other = other | ~(jnp.max(jnp.abs(state.log_mult - log_mult_ref)
                                  / jnp.maximum(1.0, log_mult_ref)) <= 1e-9)
    w_neg = ~jnp.all(w >= -tol)
    w_sum = ~(jnp.abs(jnp.sum(w) - 1.0) <= tol)
    aw = jnp.abs(w)
    m_out = jnp.maximum(-me, me - state.log_mult) / jnp.maximum(1.0, state.log_mult)
    m_ent = ~jnp.all(aw * m_out <= tol)
    mask = block_mask(j_ref, state.dim_pad)
    trace = ~jnp.all(aw * jnp.abs(jnp.sum(pops_c, -1) - 1.0) <= tol)
    lam = jnp.min(pops, -1)  # positivity of the populations: necessary, and enough when diagonal
    if full and not state.diagonal:
        mask2 = mask[:, :, None] & mask[:, None, :]
        pad = ~(jnp.max(jnp.abs(jnp.where(mask2, 0.0, blocks))) <= tol)
        herm_err = jnp.max(jnp.abs(blocks - jnp.conj(jnp.swapaxes(blocks, -1, -2))), axis=(-2, -1))
        herm = ~jnp.all(aw * herm_err <= tol)
        hpart = 0.5 * (blocks + jnp.conj(jnp.swapaxes(blocks, -1, -2)))
        lam = jnp.linalg.eigvalsh(jnp.where(jnp.isfinite(hpart), hpart, 0.0))[:, 0]
    else:
        pad = ~(jnp.max(jnp.abs(jnp.where(mask, 0.0, pops_c))) <= tol)
        herm = jnp.zeros((), bool)
    pos = ~jnp.all(aw * lam >= -tol)
    return jnp.stack([~finite, other, w_neg, w_sum, m_ent, pad, herm, trace, pos])


def check_block_state(state, name: str = "state", n=None, s=None, *, full: bool = True):
    """Validate one (time-free) block state; return it, with ``error_if`` checks attached to ``w``
    (and ``blocks`` if ``full``) when traced (under jit/vmap), else raise ``ValueError`` eagerly.

    With ``(n, s)`` the layout must be that ensemble's (a state of another ensemble raises naming
    both) and ``j``, ``log_mult`` its values; without, ``j`` must match the shapes (J ascending,
    consecutive, top block ``J = ns``). Values: see the module docstring; tolerance
    ``STATE_TOL``. ``full=False`` (for quantities that read only ``w`` and the populations, or
    are linear in the state: O(nb D) instead of O(nb D^3)) tests blocks with coherences on their
    diagonal only (padding, trace, populations >= 0; no Hermiticity, no ``eigvalsh``) and
    attaches the checks to ``w`` alone (every such quantity is weighted by ``w``; a check on the
    large ``blocks`` array would cost a copy of it under jit).
    """
    if not isinstance(state, BlockState):
        raise TypeError(f"{name} must be a BlockState, got {type(state).__name__}")
    shape = tuple(state.blocks.shape)
    nb = shape[0] if shape else 0
    want = (nb, shape[-1]) if state.diagonal else (nb, shape[-1], shape[-1])
    leaves = (state.j, state.log_mult, state.w, state.mult_entropy)
    if not shape or shape != want or any(tuple(jnp.shape(x)) != (nb,) for x in leaves):
        form = "(nb, D)" if state.diagonal else "(nb, D, D)"
        raise ValueError(
            f"{name} must be one block state: blocks of shape {form} and j, log_mult, w, "
            f"mult_entropy of shape (nb,); got blocks {shape}, w {tuple(jnp.shape(state.w))} "
            "(for a trajectory take traj.at(i) or vmap over its leading axis)")
    dim = shape[-1]
    if n is not None:
        n, s = positive_int(n, "n"), spin_value(s)
        want_dim, want_nb = int(round(2 * n * s)) + 1, _block_count(n, int(round(2 * s)))
        if (nb, dim) != (want_nb, want_dim):
            raise ValueError(
                f"{name} belongs to a different ensemble: it has {nb} blocks on a padded m grid "
                f"of {dim} ({_ensembles_with(nb, dim)}), but it is used with SpinEnsemble(n={n}, "
                f"s={s:g}), which has {want_nb} blocks on a grid of {want_dim}")
        from .multiplicity import multiplicities

        j_ref, lm_ref = (jnp.asarray(x) for x in multiplicities(n, s))
        ens = f"SpinEnsemble(n={n}, s={s:g})"
    else:
        j_ref = jnp.asarray((dim - 1) / 2 - np.arange(nb)[::-1], dtype=jnp.result_type(float))
        lm_ref, ens = None, f"the layout ({nb} blocks J = ns-{nb - 1}..ns, ns = {(dim - 1) / 2:g})"
    tol = STATE_TOL
    msgs = [
        f"{name} must be finite (a leaf contains NaN or inf)",
        f"{name} is a block state of a different ensemble: its J values or multiplicities "
        f"(j, log_mult) are not those of {ens}",
        f"{name}.w (block weights) must be >= 0 (a weight < {-tol:g})",
        f"{name}.w (block weights) must sum to 1 (|sum w - 1| exceeds {tol:g})",
        f"{name}.mult_entropy must lie in [0, log_mult] (the entropy of a state on C^(l_J); "
        f"w_J times the excess above {tol:g})",
        f"{name}.blocks must be zero outside |m| <= J (padding above {tol:g})",
        f"{name}.blocks must be Hermitian (w_J max |rho_J - rho_J^dag| exceeds {tol:g})",
        f"{name}.blocks must have unit trace (w_J |Tr rho_J - 1| exceeds {tol:g})",
        f"{name}.blocks must be positive semidefinite (w_J times an eigenvalue or population "
        f"< {-tol:g})",
    ]
    flags = _state_flags(state, j_ref, lm_ref, full=full)
    if not isinstance(flags, jax.core.Tracer):  # concrete (also a constant state under jit)
        bad = np.asarray(flags)
        for flag, msg in zip(bad, msgs, strict=True):
            if flag:
                raise ValueError(msg)
        return state
    w, blocks = state.w, state.blocks
    for i, msg in enumerate(msgs):
        w = error_if(w, flags[i], msg)
        if full:
            blocks = error_if(blocks, flags[i], msg)
    return BlockState(state.j, state.log_mult, w, blocks, state.mult_entropy,
                      diagonal=state.diagonal)
