"""ensembles: n identical spins of size s in the total-spin (collective) basis (paper 001).

Collective processes (``H = omega J_z``, baths coupled through ``J_x``) conserve total spin, so the
``(2s+1)^n`` space splits as ``(+)_J H_J (x) C^{l_J}`` (``J = J0..ns``, multiplicities ``l_J``) and
an ensemble is a set of independent ``(2J+1)``-dimensional blocks weighted by ``w_J``.

Block-state layout (:class:`BlockState`, an ``eqx.Module`` pytree of padded arrays):

* blocks ``J`` ascending (``J0 = 0`` if 2ns even else 1/2), ``nb`` of them: ``state.j`` (nb,);
* multiplicities in log-space: ``state.log_mult`` (nb,) = ``ln l_J`` (exact integers:
  :func:`multiplicities_exact`);
* weights ``state.w`` (nb,) = ``Tr[Pi_J rho]`` (sum 1; thermal: ``w_J = l_J Z_J / Z_s^n``);
* content ``state.blocks``: ``(nb, D)`` populations (``state.diagonal = True``) or ``(nb, D, D)``
  complex matrices, each block normalised to trace 1, padded to ``D = 2ns+1`` on the common grid
  ``m = ns, ns-1, ..., -ns`` (index ``k <-> m = ns - k``; block J occupies ``|m| <= J``, i.e.
  ``k = ns-J .. ns+J``; ``state.mask`` (nb, D) marks it; padding is exactly zero);
* ``state.mult_entropy`` (nb,) = entropy of the multiplicity state ``sigma_J`` (``ln l_J`` for the
  maximally mixed ``sigma_J = 1/l_J`` of thermal states and everything evolved from them).

The full state is ``(+)_J w_J rho_J (x) sigma_J``; ``state.populations()``, ``state.matrices()``,
``state.at(i)`` (index a leading time/batch axis). Product-basis basis vectors ``|J, m, i>`` for
small n: :func:`collective_basis`, :func:`to_full`, :func:`from_full`.

Main entry point: :class:`SpinEnsemble` (``thermal_state``, ``steady_state``, ``evolve``,
``energy``, ``entropy``, ``local_state``, closed forms ``steady_energy`` ...); closed-form paper
quantities in :mod:`.analytic` (n up to 10^6, log-space, never a padded state); stable
thermal-ladder functions in :mod:`.ladder` (use ``ladder_excitations`` = ``e_J + J`` for
ground-referenced energies: ``ladder_energy(J, x) + J`` cancels catastrophically at large x);
block dynamics in :mod:`.dynamics` (exact contour propagator of the tridiagonal band chains, or
diffrax); single-spin reduced states in :mod:`.local` (any s, with coherences, via the Wigner
3j/6j symbols of :mod:`.recoupling`).
"""

from . import analytic, ladder
from .analytic import (
    beta_l,
    energy_plus,
    energy_steady,
    energy_thermal,
    entropy_plus,
    entropy_production_steady,
    entropy_production_thermal,
    entropy_steady,
    entropy_thermal,
    free_energy_change_steady,
    free_energy_change_thermal,
    log_block_weights,
    otto_work,
)
from .dynamics import collective_rates, evolve_block_state, expm_tridiag
from .ensemble import SpinEnsemble
from .fullspace import collective_basis, from_full, to_full
from .ladder import (
    ladder_energy,
    ladder_entropy,
    ladder_excitations,
    ladder_log_partition,
    ladder_populations,
    ladder_variance,
)
from .local import local_state, local_transfer
from .multiplicity import block_j_values, jz_degeneracies_exact, multiplicities, multiplicities_exact
from .quantities import apparent_beta_x, jz_mean, ladder_traces, state_entropy
from .recoupling import wigner_3j, wigner_6j
from .state import BlockState, block_mask, m_grid

__all__ = [
    "BlockState", "SpinEnsemble", "analytic", "apparent_beta_x", "beta_l", "block_j_values",
    "block_mask", "collective_basis", "collective_rates", "from_full", "ladder_excitations",
    "local_state", "local_transfer", "to_full", "energy_plus", "energy_steady", "energy_thermal",
    "entropy_plus", "entropy_production_steady", "entropy_production_thermal", "entropy_steady",
    "entropy_thermal", "evolve_block_state", "expm_tridiag", "free_energy_change_steady",
    "free_energy_change_thermal", "jz_degeneracies_exact", "jz_mean", "ladder",
    "ladder_energy", "ladder_entropy", "ladder_log_partition", "ladder_populations",
    "ladder_traces", "ladder_variance", "log_block_weights", "m_grid", "multiplicities",
    "multiplicities_exact", "otto_work", "state_entropy", "wigner_3j", "wigner_6j",
]
