"""Chunk-by-chunk storage of sweep results in netCDF, so interrupted sweeps resume losslessly.

A sweep writing to ``out.nc`` keeps a folder ``out.nc.parts/`` while it runs:

* ``manifest.json``: the grid fingerprint, the chunk plan, the output names/shapes and a hash of the
  computation (the traced program and its captured arrays); a resume
  refuses to mix results of a different sweep;
* ``chunk_000123.nc``: one netCDF file per finished chunk (the flat point indices and every
  output), written to a temporary name, flushed, then renamed, so a process killed at any moment
  leaves either a complete chunk file or none.

When every chunk is present the parts are assembled into one labelled ``xarray.Dataset`` (one
coordinate per parameter, one variable per output) written atomically to ``out.nc``; the parts
folder is then removed. Complex outputs are stored as ``<name>__real`` / ``<name>__imag`` pairs
(netCDF has no complex type) and recombined by :func:`load`.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import netCDF4
import numpy as np

__all__ = ["ChunkStore", "load", "to_netcdf"]

_RE, _IM = "__real", "__imag"


class ChunkStore:
    """The ``<out>.parts`` folder of one sweep (see the module docstring)."""

    def __init__(self, out, manifest: dict, *, resume: bool = True):
        self.out = Path(out)
        self.parts = self.out.with_name(self.out.name + ".parts")
        self.manifest = manifest
        mpath = self.parts / "manifest.json"
        if self.parts.exists() and mpath.exists() and resume:
            old = json.loads(mpath.read_text())
            if old != json.loads(json.dumps(manifest)):
                diff = sorted(k for k in set(old) | set(manifest) if old.get(k) != manifest.get(k))
                raise ValueError(
                    f"{self.parts} holds a different sweep (differs in {diff}); pass "
                    "resume=False (CLI: --overwrite) to start again, or change --out"
                )
        else:
            if self.parts.exists():
                shutil.rmtree(self.parts)
            self.parts.mkdir(parents=True)
            tmp = mpath.with_suffix(".tmp")
            tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
            os.replace(tmp, mpath)

    def path(self, i: int) -> Path:
        return self.parts / f"chunk_{i:06d}.nc"

    def done(self) -> set:
        return {int(p.stem.split("_")[1]) for p in self.parts.glob("chunk_*.nc")}

    def write(self, i: int, indices, outputs: dict):
        tmp = self.parts / f".chunk_{i:06d}.{os.getpid()}.tmp"
        with netCDF4.Dataset(tmp, "w") as ds:
            ds.createDimension("p", len(indices))
            ds.createVariable("index", "i8", ("p",))[:] = np.asarray(indices)
            for name, val in outputs.items():
                val = np.asarray(val)
                dims = ("p",)
                for k, n in enumerate(val.shape[1:]):
                    dn = f"{name}_d{k}"
                    ds.createDimension(dn, n)
                    dims += (dn,)
                for suffix, part in _split(name, val):
                    ds.createVariable(suffix, part.dtype.str[1:], dims)[:] = part
            ds.sync()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path(i))

    def read_all(self, n_points: int, spec: dict) -> dict:
        """Every output as an array of shape ``(n_points, *shape)`` in flat grid order."""
        out = {k: np.zeros((n_points, *shape), dtype=dtype) for k, (shape, dtype) in spec.items()}
        seen = np.zeros(n_points, dtype=bool)
        for p in sorted(self.parts.glob("chunk_*.nc")):
            with netCDF4.Dataset(p) as ds:
                idx = np.asarray(ds["index"][:])
                seen[idx] = True
                for k in spec:
                    out[k][idx] = _join(ds, k)
        if not seen.all():
            raise RuntimeError(f"{int((~seen).sum())} points missing from {self.parts}")
        return out

    def remove(self):
        shutil.rmtree(self.parts, ignore_errors=True)


def _split(name, val):
    if np.iscomplexobj(val):
        return [(name + _RE, np.ascontiguousarray(val.real)),
                (name + _IM, np.ascontiguousarray(val.imag))]
    return [(name, val)]


def _join(ds, name):
    if name in ds.variables:
        return np.asarray(ds[name][:])
    return np.asarray(ds[name + _RE][:]) + 1j * np.asarray(ds[name + _IM][:])


def to_netcdf(dataset, path):
    """Write a sweep ``xarray.Dataset`` atomically (complex variables split into real/imag)."""
    path = Path(path)
    ds = dataset.copy()
    for name in list(ds.data_vars):
        if np.iscomplexobj(ds[name].values):
            v = ds[name]
            ds[name + _RE] = v.real.assign_attrs(v.attrs, complex_part="real")
            ds[name + _IM] = v.imag.assign_attrs(v.attrs, complex_part="imag")
            ds = ds.drop_vars(name)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ds.to_netcdf(tmp, engine="netcdf4")
    os.replace(tmp, path)
    return path


def load(path):
    """Open a sweep file written by :func:`jaxthermo.sweeps.sweep` as an ``xarray.Dataset``."""
    import xarray as xr

    with xr.open_dataset(path, engine="netcdf4") as f:
        ds = f.load()
    for name in list(ds.data_vars):
        if name.endswith(_RE) and name[: -len(_RE)] + _IM in ds:
            base = name[: -len(_RE)]
            attrs = {k: v for k, v in ds[name].attrs.items() if k != "complex_part"}
            ds[base] = (ds[name] + 1j * ds[base + _IM]).assign_attrs(attrs)
            ds = ds.drop_vars([name, base + _IM])
    return ds
