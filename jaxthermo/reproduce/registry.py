"""Registry of paper reproductions run by ``jaxthermo reproduce``.

A reproduction is a function ``fn(ctx: Context) -> None`` decorated with
``@reproduction(paper="001", name="fig3", quick=True)``. It computes, writes figures into
``ctx.out`` and records numeric checks with ``ctx.check(name, expected, got, rtol=..., atol=...)``
(or ``ctx.check_true(name, condition, detail)``). ``ctx.quick`` says whether the fast default mode
is on (reduced grids: a few minutes in total on 2 CPU cores); ``--full`` runs the paper's sizes.

Modules named ``paper*.py`` or ``core*.py`` in this package are imported automatically, so each
capability registers its own reproductions without touching a shared file.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import pkgutil
from collections.abc import Callable
from pathlib import Path

import numpy as np


@dataclasses.dataclass
class Check:
    paper: str
    reproduction: str
    name: str
    expected: object
    got: object
    passed: bool
    detail: str = ""


@dataclasses.dataclass
class Context:
    out: Path
    quick: bool
    paper: str = ""
    reproduction: str = ""
    checks: list = dataclasses.field(default_factory=list)
    numbers: dict = dataclasses.field(default_factory=dict)

    def check(self, name, expected, got, *, rtol=1e-6, atol=0.0, detail=""):
        e = np.asarray(expected, dtype=float)
        g = np.asarray(got, dtype=float)
        ok = bool(e.shape == g.shape or e.size == 1 or g.size == 1) and bool(
            np.all(np.isfinite(g)) and np.allclose(g, e, rtol=rtol, atol=atol)
        )
        self.checks.append(
            Check(self.paper, self.reproduction, name, _jsonable(expected), _jsonable(got), ok,
                  detail or f"rtol={rtol:g}, atol={atol:g}")
        )
        return ok

    def check_true(self, name, condition, detail="", expected="True", got=None):
        ok = bool(condition)
        self.checks.append(
            Check(self.paper, self.reproduction, name, expected, ok if got is None else _jsonable(got),
                  ok, detail)
        )
        return ok

    def record(self, key, value):
        self.numbers[f"{self.paper}/{self.reproduction}/{key}"] = _jsonable(value)

    def figure_path(self, name: str) -> Path:
        d = self.out / f"paper{self.paper}"
        d.mkdir(parents=True, exist_ok=True)
        return d / name


def _jsonable(x):
    a = np.asarray(x)
    if np.iscomplexobj(a):
        a = a.real
    if a.dtype.kind in "fiub":
        if a.ndim == 0:
            v = float(a)
            return v if math.isfinite(v) else str(v)
        return [(_jsonable(v)) for v in a]
    return str(x)


@dataclasses.dataclass
class Reproduction:
    paper: str
    name: str
    fn: Callable
    description: str


_REGISTRY: dict[tuple[str, str], Reproduction] = {}


def reproduction(paper: str, name: str):
    """Decorator registering ``fn(ctx)`` as reproduction ``name`` of ``paper``."""

    def deco(fn):
        doc = (fn.__doc__ or "").strip().splitlines()
        _REGISTRY[(paper, name)] = Reproduction(paper, name, fn, doc[0] if doc else name)
        return fn

    return deco


def load_all():
    """Import every ``core*`` / ``paper*`` module of this package (they register themselves)."""
    import jaxthermo.reproduce as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name.startswith(("core", "paper")):
            importlib.import_module(f"jaxthermo.reproduce.{mod.name}")
    return dict(sorted(_REGISTRY.items()))
