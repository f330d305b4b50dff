"""Argument validation shared by every public function.

Two levels (DESIGN.md, principle 7):

* shapes, dtypes and static arguments are checked at trace time and raise ``ValueError`` /
  ``TypeError`` naming the argument and what was wrong;
* values (finiteness, Hermiticity, trace, positivity, signs) are checked with
  :func:`equinox.error_if`, which works under ``jit``. Every value check also rejects NaN and inf
  (a comparison with NaN is False, so ``x > tol`` alone would let NaN through). When the value
  is concrete (not traced) the check is done eagerly in numpy and raises a plain ``ValueError``
  instead, so interactive users get a normal Python error.

Under ``jit(grad(...))`` a check attached to a value alone is removed with that value when the
gradient does not need it (a loss linear in the checked array needs only its cotangent), and the
gradient of invalid input would come back silently. :func:`error_if` therefore also gates the
derivatives of the checked array: its tangent is multiplied by a checked 1.0, so forward- and
reverse-mode derivatives run the check too.
"""

from __future__ import annotations

import functools

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

HERMITIAN_TOL = 1e-8
TRACE_TOL = 1e-8


def _is_concrete(x) -> bool:
    return not isinstance(x, jax.core.Tracer)


@functools.partial(jax.custom_jvp, nondiff_argnums=(2,))
def _checked(x, bad, msg):
    return eqx.error_if(x, bad, msg)


@_checked.defjvp
def _checked_jvp(msg, primals, tangents):
    x, bad = primals
    tx, _ = tangents
    gate = eqx.error_if(jnp.ones((), dtype=jnp.finfo(x.dtype).dtype), bad, msg)
    return eqx.error_if(x, bad, msg), tx * gate


def error_if(x, bad, msg: str):
    """``eqx.error_if(x, bad, msg)`` whose check also runs wherever a derivative of ``x`` is taken
    (see the module docstring): the tangent of ``x`` is multiplied by a checked 1.0, a value the
    backward pass of ``jit(grad(...))`` reads, so the compiler cannot drop the check."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return eqx.error_if(x, bad, msg)
    return _checked(x, bad, msg)


def _fail(x, bad, msg):
    """Raise ``msg`` eagerly if ``x`` is concrete, else attach :func:`error_if` to ``x``."""
    if _is_concrete(bad):
        if bool(np.asarray(bad)):
            raise ValueError(msg)
        return x
    return error_if(x, bad, msg)


def as_array(x, name: str):
    """Convert to a JAX array with an inexact dtype (complex stays complex)."""
    try:
        a = jnp.asarray(x)
    except Exception as exc:  # pragma: no cover - message path
        raise TypeError(f"{name}: cannot convert {type(x).__name__} to an array ({exc})") from exc
    if not jnp.issubdtype(a.dtype, jnp.inexact):
        a = a.astype(jnp.result_type(float))
    return a


def square(x, name: str):
    """A square 2-D array (an operator); raises ValueError naming ``name`` otherwise."""
    a = as_array(x, name)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {tuple(a.shape)}")
    return a


def finite(x, name: str):
    """Raise if ``x`` holds NaN or inf (eagerly or via ``error_if``)."""
    a = as_array(x, name)
    return _fail(a, ~jnp.all(jnp.isfinite(a)), f"{name} must be finite (it contains NaN or inf)")


def hermitian(x, name: str, tol: float = HERMITIAN_TOL):
    """A finite Hermitian square matrix; other input raises (eagerly or via ``error_if``)."""
    a = finite(square(x, name), name)
    scale = jnp.maximum(1.0, jnp.max(jnp.abs(a)))
    bad = ~(jnp.max(jnp.abs(a - a.conj().T)) <= tol * scale)
    return _fail(a, bad, f"{name} must be Hermitian (max |A - A^dag| exceeds {tol:g} x scale)")


def density_matrix(x, name: str = "rho", dim: int | None = None, tol: float = TRACE_TOL):
    """A Hermitian, unit-trace square matrix of dimension ``dim`` (if given)."""
    a = hermitian(x, name, tol)
    if dim is not None and a.shape[0] != dim:
        raise ValueError(
            f"{name} has dimension {a.shape[0]} but the operators have dimension {dim}"
        )
    bad = ~(jnp.abs(jnp.trace(a) - 1.0) <= tol)
    return _fail(a, bad, f"{name} must have unit trace (|Tr {name} - 1| exceeds {tol:g})")


def positive_semidefinite(x, name: str, tol: float = 1e-10):
    """Raise if the Hermitian matrix ``x`` has an eigenvalue below ``-tol``."""
    lam_min = jnp.linalg.eigvalsh(x)[0]
    return _fail(x, ~(lam_min >= -tol), f"{name} must be positive semidefinite (an eigenvalue < {-tol:g})")


def same_dim(x, name: str, dim: int):
    if x.shape != (dim, dim):
        raise ValueError(f"{name} has shape {tuple(x.shape)}, expected ({dim}, {dim}) to match H")
    return x


def operator_list(ops, name: str, dim: int):
    """A list/tuple of square operators of dimension ``dim``, or a stacked (k, d, d) array."""
    if ops is None:
        return jnp.zeros((0, dim, dim), dtype=jnp.result_type(complex))
    if isinstance(ops, (list, tuple)):
        if len(ops) == 0:
            return jnp.zeros((0, dim, dim), dtype=jnp.result_type(complex))
        arrs = [as_array(o, f"{name}[{i}]") for i, o in enumerate(ops)]
        for i, o in enumerate(arrs):
            if o.shape != (dim, dim):
                raise ValueError(
                    f"{name}[{i}] has shape {tuple(o.shape)}, expected ({dim}, {dim}) to match H"
                )
        return jnp.stack([o.astype(jnp.result_type(complex)) for o in arrs])
    a = as_array(ops, name)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1:] != (dim, dim):
        raise ValueError(
            f"{name} must be a list of ({dim}, {dim}) operators or a (k, {dim}, {dim}) array, "
            f"got shape {tuple(a.shape)}"
        )
    return a.astype(jnp.result_type(complex))


def nonnegative(x, name: str):
    """Finite values >= 0 (NaN and inf raise)."""
    a = finite(x, name)
    return _fail(a, ~jnp.all(a >= 0), f"{name} must be non-negative, got a negative value")


def positive(x, name: str):
    """Finite values > 0 (NaN and inf raise)."""
    a = finite(x, name)
    return _fail(a, ~jnp.all(a > 0), f"{name} must be positive, got a value <= 0")


def inverse_temperature(x, name: str):
    """An inverse temperature: any real value or +-inf (zero or negative temperature), not NaN."""
    a = as_array(x, name)
    if not jnp.issubdtype(a.dtype, jnp.floating):
        a = jnp.real(a)
    return _fail(a, jnp.any(jnp.isnan(a)), f"{name} must not be NaN (any real value or +-inf)")


def sorted_times(ts, name: str = "ts"):
    a = as_array(ts, name)
    if a.ndim != 1 or a.shape[0] < 1:
        raise ValueError(f"{name} must be a 1-D array of at least one time, got shape {tuple(a.shape)}")
    a = finite(a, name)
    if a.shape[0] > 1:
        a = _fail(a, ~jnp.all(jnp.diff(a) > 0), f"{name} must be strictly increasing")
    return a


def spin_value(s, name: str = "s") -> float:
    """A static spin size: a positive multiple of 1/2 (a Python number, not a traced value)."""
    try:
        f = float(s)
    except Exception as exc:
        raise TypeError(f"{name} must be a number (1/2, 1, 3/2, ...), got {s!r}") from exc
    if not np.isfinite(f) or f <= 0 or abs(2 * f - round(2 * f)) > 1e-12:
        raise ValueError(f"{name} must be a positive multiple of 1/2, got {s!r}")
    return round(2 * f) / 2


def positive_int(n, name: str) -> int:
    try:
        ok = not isinstance(n, bool) and np.isfinite(float(n)) and int(n) == n and int(n) >= 1
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)
