"""Paper reproductions: registered functions run by ``jaxthermo reproduce`` (see registry.py)."""

from .registry import Check, Context, load_all, reproduction
from .runner import run_reproductions

__all__ = ["Check", "Context", "load_all", "reproduction", "run_reproductions"]
