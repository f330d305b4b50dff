"""jaxtyping aliases used on public signatures.

Shapes are documented by name: ``d`` is a Hilbert-space dimension, ``t`` a number of times.
"""

from jaxtyping import Array, ArrayLike, Complex, Float, Inexact

Ket = Inexact[Array, "d"]
Operator = Inexact[Array, "d d"]
DensityMatrix = Inexact[Array, "d d"]
Superoperator = Inexact[Array, "d2 d2"]
RealScalar = Float[ArrayLike, ""]
ComplexOperator = Complex[Array, "d d"]

__all__ = [
    "Array",
    "ArrayLike",
    "ComplexOperator",
    "DensityMatrix",
    "Ket",
    "Operator",
    "RealScalar",
    "Superoperator",
]
