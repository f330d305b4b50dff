"""Parameter grids for sweeps: cartesian products or zipped axes, with static (shape-changing) axes.

A :class:`Grid` names its axes and enumerates its points in C order (the last axis fastest for a
cartesian grid). Axes listed in ``static`` (integers such as the number of spins ``n`` or a spin
size ``s`` that change array shapes) are passed to the swept function as Python scalars and each
distinct static value gets its own compiled kernel; every other axis is batched with ``jax.vmap``.

:func:`parse_range` turns command-line text (``"0.1:5:64"``, ``"log:0.01:10:20"``, ``"1,2,4"``)
into an axis, with errors that say what was wrong.
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

__all__ = ["Grid", "cartesian", "parse_range", "zipped"]


def _axis(name, values):
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"axis name {name!r} must be a Python identifier")
    a = np.asarray(values)
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise ValueError(f"axis {name!r} must be 1-D, got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"axis {name!r} is empty: give at least one value")
    if a.dtype.kind not in "biuf":
        raise ValueError(f"axis {name!r} must be real numbers, got dtype {a.dtype}")
    if a.dtype.kind == "f" and np.any(np.isnan(a)):
        raise ValueError(f"axis {name!r} has NaN values (+-inf is allowed, e.g. beta = inf)")
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    return a.astype(np.float64) if a.dtype.kind == "f" else a.astype(np.int64)


class Grid:
    """Named parameter axes swept either as a cartesian product or zipped point by point.

    ``Grid({"beta": betas, "gamma": gammas})`` is the product (``len(betas) x len(gammas)``
    points, coordinates ``beta`` and ``gamma``); ``Grid(..., mode="zipped")`` pairs the i-th values
    (all axes the same length, one dimension ``point``). ``static``: names of axes whose values
    are passed as Python numbers (shape-changing parameters); the rest are batched.
    """

    def __init__(self, axes: dict, mode: str = "cartesian", static=()):
        if mode not in ("cartesian", "zipped"):
            raise ValueError(f"mode must be 'cartesian' or 'zipped', got {mode!r}")
        if not axes:
            raise ValueError("a grid needs at least one axis")
        self.mode = mode
        self.names = tuple(axes)
        self.values = {k: _axis(k, v) for k, v in axes.items()}
        static = (static,) if isinstance(static, str) else tuple(static)
        unknown = [s for s in static if s not in self.values]
        if unknown:
            raise ValueError(f"static axes {unknown} are not axes of the grid {list(self.names)}")
        self.static = static
        if mode == "zipped":
            lens = {k: v.size for k, v in self.values.items()}
            if len(set(lens.values())) != 1:
                raise ValueError(f"zipped axes must have equal lengths, got {lens}")

    @property
    def shape(self) -> tuple:
        if self.mode == "zipped":
            return (self.values[self.names[0]].size,)
        return tuple(self.values[k].size for k in self.names)

    @property
    def dims(self) -> tuple:
        return ("point",) if self.mode == "zipped" else self.names

    @property
    def n_points(self) -> int:
        return math.prod(self.shape)

    @property
    def dynamic(self) -> tuple:
        return tuple(k for k in self.names if k not in self.static)

    def points(self, flat_indices) -> dict:
        """Parameter values at the given flat (C-order) point indices, one array per axis."""
        idx = np.asarray(flat_indices, dtype=np.int64)
        if self.mode == "zipped":
            return {k: v[idx] for k, v in self.values.items()}
        sub = np.unravel_index(idx, self.shape)
        return {k: self.values[k][i] for k, i in zip(self.names, sub, strict=True)}

    def coords(self) -> dict:
        """xarray coordinates: one per axis (on the ``point`` dimension when zipped)."""
        if self.mode == "zipped":
            return {k: ("point", v) for k, v in self.values.items()}
        return {k: (k, v) for k, v in self.values.items()}

    def fingerprint(self) -> str:
        """A hash of the axes, their values, the mode and the static axes (for safe resuming)."""
        blob = json.dumps(
            {"mode": self.mode, "static": list(self.static),
             "axes": {k: [repr(x) for x in v.tolist()] for k, v in self.values.items()}},
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def __repr__(self):
        ax = ", ".join(f"{k}[{self.values[k].size}]" for k in self.names)
        return f"Grid({ax}, mode={self.mode!r}, static={self.static}, n_points={self.n_points})"


def cartesian(static=(), **axes) -> Grid:
    """The cartesian product of the given axes: ``cartesian(beta=..., gamma=...)``."""
    return Grid(axes, "cartesian", static)


def zipped(static=(), **axes) -> Grid:
    """Axes paired value by value (equal lengths): ``zipped(beta=..., gamma=...)``."""
    return Grid(axes, "zipped", static)


def _num(text, name, what):
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name}: {what} {text!r} is not a number") from None


def parse_range(text: str, name: str = "value", *, integer: bool = False) -> np.ndarray:
    """Parse an axis from text.

    * ``"2.5"``: one value; ``"0.5,1,2"``: a list;
    * ``"START:STOP:NUM"``: ``NUM`` evenly spaced values from START to STOP inclusive;
    * ``"log:START:STOP:NUM"``: ``NUM`` log-spaced values (START, STOP > 0);
    * ``"range:START:STOP[:STEP]"``: integers START, START+STEP, ..., up to STOP inclusive.

    Errors name the axis and say what was wrong.
    """
    t = str(text).strip().replace(" ", "")
    if not t:
        raise ValueError(f"{name}: empty range")
    parts = t.split(":")
    if parts[0] in ("log", "range"):
        kind, parts = parts[0], parts[1:]
    elif len(parts) > 1:
        kind = "lin"
    else:
        kind = "list"
    if kind == "list":
        vals = np.array([_num(x, name, "value") for x in t.split(",") if x != ""])
        if vals.size == 0:
            raise ValueError(f"{name}: {text!r} contains no values")
    elif kind == "range":
        if len(parts) not in (2, 3):
            raise ValueError(f"{name}: 'range:START:STOP[:STEP]' expected, got {text!r}")
        a, b = (_num(parts[0], name, "START"), _num(parts[1], name, "STOP"))
        step = _num(parts[2], name, "STEP") if len(parts) == 3 else 1.0
        if step == 0 or (b - a) * step < 0:
            raise ValueError(f"{name}: range {text!r} is empty (STEP={step:g} never reaches "
                             f"STOP={b:g} from START={a:g})")
        vals = np.arange(a, b + 0.5 * step, step)
    else:
        if len(parts) != 3:
            form = "log:START:STOP:NUM" if kind == "log" else "START:STOP:NUM"
            raise ValueError(f"{name}: expected {form!r}, got {text!r}")
        a, b = _num(parts[0], name, "START"), _num(parts[1], name, "STOP")
        try:
            num = int(parts[2])
        except ValueError:
            raise ValueError(f"{name}: NUM {parts[2]!r} must be a whole number of points") from None
        if num < 1:
            raise ValueError(f"{name}: {text!r} asks for {num} points; NUM must be >= 1")
        if num == 1 and a != b:
            raise ValueError(f"{name}: {text!r} asks for 1 point between two different ends")
        if kind == "log":
            if a <= 0 or b <= 0:
                raise ValueError(f"{name}: log range {text!r} needs START > 0 and STOP > 0")
            vals = np.geomspace(a, b, num)
        else:
            vals = np.linspace(a, b, num)
    if np.any(np.isnan(vals)):
        raise ValueError(f"{name}: {text!r} gives NaN values (a range cannot end at inf)")
    if integer:
        if not np.allclose(vals, np.round(vals)):
            raise ValueError(f"{name}: {text!r} must give whole numbers, got {vals.tolist()}")
        return np.round(vals).astype(np.int64)
    return vals.astype(np.float64)
