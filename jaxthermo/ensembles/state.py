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
"""

from __future__ import annotations

import equinox as eqx
import jax
import jax.numpy as jnp

__all__ = ["BlockState", "m_grid", "block_mask"]


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
