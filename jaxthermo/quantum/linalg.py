"""Linear algebra on operators: tensor products, partial traces, vectorisation, spectral functions.

No physics choices live here. Vectorisation is **row-major** (C order): ``vec(X) = X.reshape(-1)``,
so that ``vec(A X B) = (A kron B^T) vec(X)``. Every superoperator in jaxthermo uses this convention.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp


def complex_einsum(spec: str, a, b):
    """``jnp.einsum(spec, a, b)`` for two operands, complex ones given as complex arrays, computed as ONE
    real contraction: the real and imaginary parts of each complex operand are stacked on a new leading
    axis, the four real products come out of one ``dot_general`` and are recombined
    (``Re = rr - ii``, ``Im = ri + ir``). Same flops as the complex contraction, but XLA:CPU (jax 0.10)
    runs complex128 matrix products at about a third of the real rate: measured on one core, a (d, d)
    product costs 1.43 us complex vs 0.71 us this way at d = 16, 6.96 vs 2.95 at d = 32, 49 vs 19
    at d = 64 (complex-to-real conversions included). Real operands are not stacked; two real
    operands give the plain einsum.
    """
    if "X" in spec or "Y" in spec:
        raise ValueError(f"spec: labels X and Y are reserved for the real/imaginary axes, got {spec!r}")
    a, b = jnp.asarray(a), jnp.asarray(b)
    ca, cb = jnp.iscomplexobj(a), jnp.iscomplexobj(b)
    if not (ca or cb):
        return jnp.einsum(spec, a, b)
    lhs, out = spec.split("->")
    sa, sb = lhs.split(",")
    if ca and cb:
        c = jnp.einsum(f"X{sa},Y{sb}->XY{out}", jnp.stack([a.real, a.imag]),
                       jnp.stack([b.real, b.imag]))
        return jax.lax.complex(c[0, 0] - c[1, 1], c[0, 1] + c[1, 0])
    if ca:
        c = jnp.einsum(f"X{sa},{sb}->X{out}", jnp.stack([a.real, a.imag]), b)
    else:
        c = jnp.einsum(f"{sa},X{sb}->X{out}", a, jnp.stack([b.real, b.imag]))
    return jax.lax.complex(c[0], c[1])


def complex_matmul(a, b):
    """``a @ b`` over the last two axes through :func:`complex_einsum`; leading (batch) axes of the
    higher-rank operand are kept, shared leading axes must have equal sizes (no size-1 broadcast)."""
    a, b = jnp.asarray(a), jnp.asarray(b)
    nd = max(a.ndim, b.ndim)
    lead = "abcdefgh"[: nd - 2]
    sa = lead[nd - a.ndim:] + "ij"
    sb = lead[nd - b.ndim:] + "jl"
    return complex_einsum(f"{sa},{sb}->{lead}il", a, b)


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
