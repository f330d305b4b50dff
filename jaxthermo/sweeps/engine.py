"""The sweep engine: any jit-able function of named parameters, run over a :class:`Grid`.

``sweep(fn, grid, out="run.nc")`` evaluates ``fn(**point)`` at every grid point and returns a
labelled ``xarray.Dataset`` (one coordinate per axis, one variable per output of ``fn``):

1. **Chunks.** Points are split into chunks sized to ``memory_budget`` (from XLA's memory
   analysis of the compiled kernel) or to ``chunk_size``. Points sharing the values of the static
   axes form one group, compiled once; the last chunk of a group is padded so nothing recompiles.
2. **Batching inside a chunk.** ``batch="vmap"`` vectorises the points with ``jax.vmap`` (what
   GPUs want); ``batch="map"`` runs them one after another inside one compiled kernel
   (``jax.lax.map``); ``batch="loop"`` calls one compiled single-point kernel per point,
   dispatched asynchronously, so an adaptive solver never makes easy points wait for the
   stiffest one and the cost per point is that of one solve (no batching penalty);
   ``batch="auto"`` picks ``loop`` on CPU and ``vmap`` on accelerators. ``order`` sorts the points
   of each group (by an axis or a key function, e.g. an estimate of stiffness such as the bath
   temperature) so that a vmapped chunk holds points of similar cost; results are always stored
   in grid order.
3. **Devices.** ``vmap``: each chunk is an array sharded over the local devices
   (``jax.sharding.Mesh`` with one axis ``"p"``, ``NamedSharding``; GSPMD splits the batch);
   ``map``: the chunk is reshaped to ``(devices, points per device)`` and sharded the same way;
   ``loop``: points go round-robin to the devices. Every device runs the same per-point
   computation, so results do not depend on the number of devices (tested bitwise with 1 and 4
   host devices). On several hosts, call
   ``jax.distributed.initialize()`` first (same script on every host, a shared filesystem for
   ``out``): process ``k`` of ``P`` computes chunks ``i`` with ``i % P == k`` on its own devices
   and writes them to the shared parts folder; the process that finds every chunk present
   assembles ``out`` (the others return ``None``).
4. **Storage and resume.** With ``out``, every finished chunk is written at once (see
   ``store.py``); rerunning the same sweep skips the chunks already on disk, so an interrupted
   sweep loses and recomputes nothing. "The same" means the same name, grid and chunk plan and
   the same computation: a hash of ``fn``'s traced program and of the arrays it captures, so a
   changed constant or captured array refuses to resume (``resume=False`` replaces the file).
   A progress bar (tqdm) shows points, rate and ETA. Points whose outputs hold NaN or inf are
   stored as they are, counted in ``attrs["n_nonfinite_points"]`` and reported by a warning.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import time
from collections.abc import Callable
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

from .._devices import resolve_devices
from .grid import Grid
from .store import ChunkStore, load, to_netcdf

__all__ = ["SweepResult", "parse_bytes", "resolve_devices", "run_sweep", "sweep"]

_DEFAULT_BUDGET = 256 * 2**20
_MAX_CHUNK = 4096


def parse_bytes(x) -> int:
    """``512`` / ``"512MB"`` / ``"2GiB"`` -> bytes."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        if x <= 0:
            raise ValueError(f"memory_budget must be > 0 bytes, got {x}")
        return int(x)
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kmgt]?i?b?)\s*", str(x).lower())
    if not m:
        raise ValueError(f"memory_budget {x!r} not understood; use e.g. '512MB' or '2GiB'")
    unit = m.group(2).rstrip("b").rstrip("i")
    scale = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit]
    val = float(m.group(1)) * scale
    if val <= 0:
        raise ValueError(f"memory_budget must be > 0, got {x!r}")
    return int(val)


def _as_dict(out):
    if isinstance(out, dict):
        return {str(k): v for k, v in out.items()}
    if hasattr(out, "_asdict"):
        return dict(out._asdict())
    if isinstance(out, (tuple, list)):
        return {f"out{i}": v for i, v in enumerate(out)}
    return {"value": out}


@dataclasses.dataclass
class SweepResult:
    """``dataset`` (None on a non-assembling host), and what this run did."""

    dataset: object
    n_chunks: int
    computed_chunks: int
    reused_chunks: int
    chunk_size: int
    n_devices: int
    batch: str
    seconds: float


def _point_args(grid, idx, names):
    vals = grid.points(idx)
    return {k: vals[k] for k in names}


def _plan(grid: Grid, order):
    """Groups of flat indices sharing static values (insertion order), each sorted by ``order``."""
    flat = np.arange(grid.n_points)
    pts = grid.points(flat)
    if grid.static:
        keys = np.stack([pts[k] for k in grid.static], axis=1)
        _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        groups = [flat[inv == g] for g in np.argsort(first)]
    else:
        groups = [flat]
    if order is not None:
        out = []
        for g in groups:
            sub = grid.points(g)
            key = sub[order] if isinstance(order, str) else np.asarray(order(sub))
            if key.shape != g.shape:
                raise ValueError(f"order must give one key per point, got shape {key.shape}")
            out.append(g[np.argsort(key, kind="stable")])
        groups = out
    return groups


def _static_values(grid, idx0):
    p = grid.points([idx0])
    out = {}
    for k in grid.static:
        v = p[k][0]
        out[k] = int(v) if grid.values[k].dtype.kind == "i" else float(v)
    return out


_KERNELS: dict = {}


def _kernel(fn, static_vals, sharding, batch, n_dev):
    """The jitted chunk kernel, cached so that a repeated sweep of the same ``fn`` (same static
    values, batching and devices) reuses its compiled code."""
    try:
        key = (fn, tuple(static_vals.items()), batch, tuple(sharding.mesh.devices.flat))
        hash(key)
    except TypeError:
        key = None
    if key is not None and key in _KERNELS:
        return _KERNELS[key]
    if len(_KERNELS) > 64:
        _KERNELS.clear()
    built = _build_kernel(fn, static_vals, sharding, batch, n_dev)
    if key is not None:
        _KERNELS[key] = built
    return built


def _build_kernel(fn, static_vals, sharding, batch, n_dev):
    def one(p):
        p = dict(p)
        p.pop("_index")
        return _as_dict(fn(**static_vals, **p))

    if batch == "loop":
        one_jit = jax.jit(one)
        devices = list(sharding.mesh.devices.flat)

        def run(host_vals, n_real):
            # one compiled single-point call per point, dispatched asynchronously round-robin
            # over the devices: the cost per point is exactly that of one solve
            outs = []
            for i in range(n_real):
                if n_dev == 1:
                    p = {k: v[i] for k, v in host_vals.items()}
                else:
                    dev = devices[i % n_dev]
                    p = {k: jax.device_put(v[i], dev) for k, v in host_vals.items()}
                outs.append(one_jit(p))
            return outs

        return run, one

    if batch == "vmap":
        # the batch axis itself is split over the devices by GSPMD
        chunk_fn = jax.vmap(one)
    elif n_dev == 1:
        def chunk_fn(ps):
            return jax.lax.map(one, ps)
    else:
        def chunk_fn(ps):
            # (chunk,) -> (devices, chunk / devices): GSPMD splits the leading axis over the
            # devices and each runs lax.map over its own share (no shard_map: libraries such as
            # lineax compare the shardings of traced structures and reject manual axes)
            ps = jax.tree.map(lambda x: x.reshape(n_dev, -1), ps)
            out = jax.vmap(lambda q: jax.lax.map(one, q))(ps)
            return jax.tree.map(lambda x: x.reshape(-1, *x.shape[2:]), out)

    return jax.jit(chunk_fn, in_shardings=(sharding,), out_shardings=sharding), one


def _auto_chunk(kernel, args_of, n_dev, budget):
    probe = args_of(n_dev)
    try:
        mem = kernel.lower(probe).compile().memory_analysis()
        per = (mem.temp_size_in_bytes + mem.argument_size_in_bytes + mem.output_size_in_bytes)
        per = max(per / n_dev, 1.0)
    except Exception:  # some backends have no memory analysis: a conservative guess
        per = 2**20
    c = int(budget // per)
    return max(n_dev, min(_MAX_CHUNK, c) // n_dev * n_dev)


def _jsonable_attrs(attrs):
    out = {}
    for k, v in (attrs or {}).items():
        if isinstance(v, bool):
            v = int(v)
        elif isinstance(v, (np.generic,)):
            v = v.item()
        if not isinstance(v, (int, float, str)):
            v = json.dumps(v, default=str)
        out[str(k)] = v
    return out


def run_sweep(
    fn: Callable,
    grid: Grid,
    *,
    out=None,
    chunk_size: int | None = None,
    memory_budget=None,
    device=None,
    batch: str = "auto",
    order=None,
    progress: bool = True,
    resume: bool = True,
    keep_parts: bool = False,
    attrs: dict | None = None,
    output_dims: dict | None = None,
    name: str | None = None,
    on_chunk: Callable | None = None,
    squeeze: bool = False,
) -> SweepResult:
    """Run ``fn`` over ``grid``; see the module docstring. Returns a :class:`SweepResult`.

    ``fn(**point)`` receives every axis by name (static axes as Python numbers, the others as
    traced scalars) and returns an array, a tuple of arrays or a dict of named arrays (the
    variables of the dataset). ``output_dims``: ``{variable: (dim names of its trailing axes)}``.
    ``on_chunk(i, indices, outputs)`` is called after each computed chunk. ``squeeze``: drop
    length-1 dimensions of a cartesian grid (their value stays as a scalar coordinate).
    """
    t_start = time.perf_counter()
    if not isinstance(grid, Grid):
        raise TypeError(f"grid must be a jaxthermo.sweeps.Grid, got {type(grid).__name__}")
    if batch not in ("auto", "vmap", "map", "loop"):
        raise ValueError(f"batch must be 'auto', 'vmap', 'map' or 'loop', got {batch!r}")
    if isinstance(order, str) and order not in grid.names:
        raise ValueError(f"order={order!r} is not an axis of the grid {list(grid.names)}")
    if chunk_size is not None and (int(chunk_size) != chunk_size or chunk_size < 1):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    budget = parse_bytes(memory_budget if memory_budget is not None else _DEFAULT_BUDGET)
    devices = resolve_devices(device)
    n_dev = len(devices)
    if batch == "auto":
        batch = "loop" if devices[0].platform == "cpu" else "vmap"
    mesh = Mesh(np.array(devices), ("p",))
    sharding = NamedSharding(mesh, P("p"))
    groups = _plan(grid, order)
    fname = name or getattr(fn, "__qualname__", type(fn).__name__)

    kernels, specs, fingerprints = {}, {}, []
    for g in groups:
        sv = _static_values(grid, g[0])
        key = tuple(sv.values())
        kernel, one = _kernel(fn, sv, sharding, batch, n_dev)
        p0 = _point_args(grid, g[:1], grid.dynamic)
        closed, shapes = jax.make_jaxpr(one, return_shape=True)(
            {"_index": jnp.asarray(0), **{k: jnp.asarray(v[0]) for k, v in p0.items()}}
        )
        fingerprints.append(_computation_hash(closed))
        spec = {k: (tuple(s.shape), np.dtype(s.dtype).str) for k, s in shapes.items()}
        if specs and spec != next(iter(specs.values())):
            raise ValueError(
                f"fn returns differently shaped outputs for static values {sv}: {spec} vs "
                f"{next(iter(specs.values()))}; outputs must have the same shapes at every point"
            )
        kernels[key], specs[key] = kernel, spec
    spec = next(iter(specs.values()))

    def args_for(g_idx, size):
        idx = np.concatenate([g_idx, np.repeat(g_idx[-1:], size - len(g_idx))])
        vals = _point_args(grid, idx, grid.dynamic)
        vals["_index"] = idx
        return {k: jax.device_put(jnp.asarray(v), sharding) for k, v in vals.items()}

    if chunk_size is None:
        largest = max(len(g) for g in groups)
        if batch in ("map", "loop"):
            # one point at a time per device: memory does not grow with the chunk, so size
            # chunks for progress / resume granularity (about 32 per group) without a probe
            per = sum(math.prod(s) * np.dtype(d).itemsize for s, d in spec.values())
            chunk_size = min(-(-largest // 32), _MAX_CHUNK, int(budget // max(per, 1)))
            chunk_size = max(n_dev, min(4, largest), chunk_size)
        else:
            g0 = groups[0]
            key0 = tuple(_static_values(grid, g0[0]).values())
            chunk_size = _auto_chunk(kernels[key0], lambda m: args_for(g0[:m], m), n_dev, budget)
        chunk_size = min(chunk_size, largest)
    chunk_size = int(math.ceil(chunk_size / n_dev) * n_dev)
    chunks = []
    for g in groups:
        key = tuple(_static_values(grid, g[0]).values())
        chunks += [(key, g[i:i + chunk_size]) for i in range(0, len(g), chunk_size)]

    manifest = {
        "version": 1, "function": fname, "grid": grid.fingerprint(), "n_points": grid.n_points,
        "chunk_size": chunk_size, "n_chunks": len(chunks),
        "order": _order_hash(chunks), "outputs": {k: [list(s), d] for k, (s, d) in spec.items()},
        "attrs": _jsonable_attrs(attrs),
        # what fn computes (its traced program and captured constants): a resume after fn or a
        # value it captures changed must not return the old results under the same name
        "computation": _hash_strings(fingerprints),
    }
    store = None
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        parts = out.with_name(out.name + ".parts")
        if resume and out.exists() and not parts.exists():
            ds = load(out)
            if ds.attrs.get("sweep_manifest") == json.dumps(manifest, sort_keys=True):
                return SweepResult(ds, len(chunks), 0, len(chunks), chunk_size, n_dev, batch,
                                   time.perf_counter() - t_start)
            raise ValueError(
                f"{out} already holds a different sweep; pass resume=False (CLI: --overwrite) "
                "to replace it, or choose another --out"
            )
        store = ChunkStore(out, manifest, resume=resume)

    pc, pi = jax.process_count(), jax.process_index()
    done = store.done() if store else set()
    mine = [i for i in range(len(chunks)) if i % pc == pi]
    todo = [i for i in mine if i not in done]
    results = {k: np.zeros((grid.n_points, *s), dtype=d) for k, (s, d) in spec.items()}
    reused = len(done)

    from tqdm.auto import tqdm

    n_done_pts = sum(len(chunks[i][1]) for i in mine if i in done)
    bar = tqdm(total=sum(len(chunks[i][1]) for i in mine), initial=n_done_pts, unit="pt",
               desc=fname, disable=not progress, dynamic_ncols=True, smoothing=0.1)

    def launch(key, idx):
        if batch == "loop":
            vals = _point_args(grid, idx, grid.dynamic)
            vals["_index"] = np.zeros(len(idx), np.int64)
            return kernels[key](vals, len(idx))
        return kernels[key](args_for(idx, chunk_size))

    def finish(i, outputs):
        idx = chunks[i][1]
        if isinstance(outputs, list):  # loop mode: one dict per point
            outputs = {k: np.stack([np.asarray(o[k]) for o in outputs]) for k in spec}
        host = {k: np.asarray(v)[: len(idx)] for k, v in outputs.items()}
        if store is not None:
            store.write(i, idx, host)
        else:
            for k, v in host.items():
                results[k][idx] = v
        if on_chunk is not None:
            on_chunk(i, idx, host)
        bar.update(len(idx))

    pending = None
    for i in todo:
        key, idx = chunks[i]
        launched = (i, launch(key, idx))  # async dispatch
        if pending is not None:
            finish(*pending)
        pending = launched
    if pending is not None:
        finish(*pending)
    bar.close()

    if store is not None:
        if len(store.done()) < len(chunks):
            return SweepResult(None, len(chunks), len(todo), reused, chunk_size, n_dev, batch,
                               time.perf_counter() - t_start)
        results = store.read_all(grid.n_points, spec)
    bad = np.zeros(grid.n_points, bool)
    for v in results.values():
        if np.issubdtype(v.dtype, np.inexact) and v.size:
            bad |= ~np.isfinite(v).reshape(grid.n_points, -1).all(axis=1)
    bad = int(np.count_nonzero(bad))
    if bad:
        import warnings

        warnings.warn(f"sweep {fname!r}: {bad} point(s) returned NaN or inf (stored as they are; "
                      "the dataset's attrs['n_nonfinite_points'] counts them)", stacklevel=2)
    ds = _dataset(grid, results, spec, output_dims, attrs, manifest, batch)
    ds.attrs["n_nonfinite_points"] = bad
    if squeeze:
        ds = ds.squeeze([d for d in grid.dims if ds.sizes[d] == 1 and d != "point"])
    if out is not None:
        to_netcdf(ds, out)
        if not keep_parts and pc == 1:  # several hosts: another one may still be reading
            store.remove()
    return SweepResult(ds, len(chunks), len(todo), reused, chunk_size, n_dev, batch,
                       time.perf_counter() - t_start)


def sweep(fn, grid, **kwargs):
    """Run ``fn`` over ``grid`` and return the ``xarray.Dataset`` (see :func:`run_sweep`)."""
    return run_sweep(fn, grid, **kwargs).dataset


_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


def _computation_hash(closed) -> str:
    """sha256 of a traced point: the jaxpr's text (object addresses removed, e.g. of the callbacks
    behind value checks) and the bytes of its captured constants (closed-over arrays)."""
    import hashlib

    h = hashlib.sha256(_ADDRESS.sub("", str(closed.jaxpr)).encode())
    for c in closed.consts:
        a = np.asarray(c)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def _hash_strings(items) -> str:
    import hashlib

    return hashlib.sha256("|".join(items).encode()).hexdigest()[:16]


def _order_hash(chunks):
    import hashlib

    h = hashlib.sha256()
    for _, idx in chunks:
        h.update(np.asarray(idx, dtype=np.int64).tobytes())
    return h.hexdigest()[:16]


def _dataset(grid, results, spec, output_dims, attrs, manifest, batch):
    import xarray as xr

    output_dims = output_dims or {}
    data = {}
    for k, (shape, _) in spec.items():
        extra = tuple(output_dims.get(k, [f"{k}_dim{j}" for j in range(len(shape))]))
        if len(extra) != len(shape):
            raise ValueError(f"output_dims[{k!r}] names {len(extra)} dims, output has {shape}")
        data[k] = (grid.dims + extra, results[k].reshape(grid.shape + shape))
    a = _jsonable_attrs(attrs)
    a.update(sweep_manifest=json.dumps(manifest, sort_keys=True), grid_mode=grid.mode,
             static_axes=",".join(grid.static), batch=batch)
    return xr.Dataset(data, coords=grid.coords(), attrs=a)
