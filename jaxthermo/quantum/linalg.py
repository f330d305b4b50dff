"""Linear algebra on operators: tensor products, partial traces, vectorisation, spectral functions.

No physics choices live here. Vectorisation is **row-major** (C order): ``vec(X) = X.reshape(-1)``,
so that ``vec(A X B) = (A kron B^T) vec(X)``. Every superoperator in jaxthermo uses this convention.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp


def dag(a):
    """Conjugate transpose over the last two axes."""
    return jnp.conj(jnp.swapaxes(a, -1, -2))


def commutator(a, b):
    return a @ b - b @ a


def anticommutator(a, b):
    return a @ b + b @ a


def hermitian_part(a):
    return 0.5 * (a + dag(a))


def tensor(*ops):
    """Kronecker product of operators (or kets), left to right: ``tensor(A, B) = A (x) B``."""
    if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
        ops = tuple(ops[0])
    if not ops:
        raise ValueError("tensor needs at least one operator")
    return functools.reduce(jnp.kron, [jnp.asarray(o) for o in ops])


def embed(op, k: int, dims):
    """The operator ``op`` acting on subsystem ``k`` of a product space with dimensions ``dims``."""
    dims = tuple(int(d) for d in dims)
    if not 0 <= k < len(dims):
        raise ValueError(f"k={k} is not a subsystem index for dims={dims}")
    op = jnp.asarray(op)
    if op.shape != (dims[k], dims[k]):
        raise ValueError(f"op has shape {op.shape}, expected ({dims[k]}, {dims[k]}) for subsystem {k}")
    left = math.prod(dims[:k])
    right = math.prod(dims[k + 1 :])
    return jnp.kron(jnp.kron(jnp.eye(left, dtype=op.dtype), op), jnp.eye(right, dtype=op.dtype))


def ptrace(rho, dims, keep):
    """Partial trace of ``rho`` on a product space with subsystem dimensions ``dims``.

    ``keep`` is an index or a sequence of subsystem indices to keep (any subset, any order: the
    result is ordered as ``keep`` lists them). Works on a batch ``(..., d, d)``.
    """
    dims = tuple(int(d) for d in dims)
    if isinstance(keep, int):
        keep = (keep,)
    keep = tuple(int(k) for k in keep)
    n = len(dims)
    d = math.prod(dims)
    rho = jnp.asarray(rho)
    if rho.shape[-2:] != (d, d):
        raise ValueError(
            f"rho has shape {tuple(rho.shape)}, but dims={dims} need ({d}, {d}) in the last two axes"
        )
    if len(set(keep)) != len(keep) or any(not 0 <= k < n for k in keep):
        raise ValueError(f"keep={keep} must be distinct subsystem indices in [0, {n})")
    batch = rho.shape[:-2]
    nb = len(batch)
    t = rho.reshape(batch + dims + dims)
    traced = [k for k in range(n) if k not in keep]
    # einsum subscripts: batch, row indices, column indices (traced ones shared)
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    b_idx = [next(letters) for _ in range(nb)]
    row = [next(letters) for _ in range(n)]
    col = [row[k] if k in traced else next(letters) for k in range(n)]
    out = b_idx + [row[k] for k in keep] + [col[k] for k in keep]
    expr = "".join(b_idx + row + col) + "->" + "".join(out)
    res = jnp.einsum(expr, t)
    dk = math.prod(dims[k] for k in keep)
    return res.reshape(batch + (dk, dk))


def vec(x):
    """Row-major vectorisation of the last two axes."""
    return x.reshape(x.shape[:-2] + (-1,))


def unvec(v, d: int | None = None):
    """Inverse of :func:`vec`."""
    if d is None:
        d = math.isqrt(v.shape[-1])
    return v.reshape(v.shape[:-1] + (d, d))


def spre(a):
    """Superoperator of ``X -> A X`` (row-major vec)."""
    d = a.shape[-1]
    return jnp.kron(a, jnp.eye(d, dtype=a.dtype))


def spost(b):
    """Superoperator of ``X -> X B`` (row-major vec)."""
    d = b.shape[-1]
    return jnp.kron(jnp.eye(d, dtype=b.dtype), b.T)


def sprepost(a, b):
    """Superoperator of ``X -> A X B`` (row-major vec)."""
    return jnp.kron(a, b.T)


def eigh_apply(h, f):
    """``f(H)`` for a Hermitian ``H`` through its eigendecomposition."""
    w, v = jnp.linalg.eigh(h)
    return (v * f(w)[..., None, :]) @ dag(v)


def expm(a):
    """Matrix exponential (Pade, scaling and squaring)."""
    return jax.scipy.linalg.expm(a)


def xlogx(p):
    """``p ln p`` with the limit 0 at p = 0 and a finite (zero) gradient there; p < 0 clipped to 0."""
    p = jnp.asarray(p)
    pos = p > 0
    safe = jnp.where(pos, p, 1.0)
    return jnp.where(pos, safe * jnp.log(safe), 0.0)


def safe_log(p, floor: float = 0.0):
    """``ln p`` for p > floor and 0 elsewhere (the convention used on the kernel of a state)."""
    pos = p > floor
    return jnp.where(pos, jnp.log(jnp.where(pos, p, 1.0)), 0.0)
