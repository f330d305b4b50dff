"""Quantum kinematics: operators, states, tensor products, partial traces, spectral functions."""

from .linalg import (
    anticommutator,
    commutator,
    dag,
    eigh_apply,
    embed,
    expm,
    hermitian_part,
    ptrace,
    safe_log,
    spost,
    spre,
    sprepost,
    tensor,
    unvec,
    vec,
    xlogx,
)
from .operators import (
    collective_ladder,
    collective_ops,
    create,
    destroy,
    identity,
    number,
    sigmam,
    sigmap,
    sigmax,
    sigmay,
    sigmaz,
    spin_ladder,
    spin_ops,
)
from .states import (
    basis,
    boltzmann_weights,
    gibbs_state,
    ket2dm,
    maximally_mixed,
    random_density_matrix,
    random_hermitian,
    random_ket,
)

__all__ = [
    "anticommutator", "basis", "boltzmann_weights", "collective_ladder", "collective_ops",
    "commutator", "create", "dag", "destroy", "eigh_apply", "embed", "expm", "gibbs_state",
    "hermitian_part", "identity", "ket2dm", "maximally_mixed", "number", "ptrace",
    "random_density_matrix", "random_hermitian", "random_ket", "safe_log", "sigmam", "sigmap",
    "sigmax", "sigmay", "sigmaz", "spin_ladder", "spin_ops", "spost", "spre", "sprepost",
    "tensor", "unvec", "vec", "xlogx",
]
