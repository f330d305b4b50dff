"""Explicit Runge-Kutta stage algebra as diffrax forms it: the Butcher tableau of a diffrax ERK
solver and the stage inputs / increments of one step (``Y_i = y + sum_j a_ij k_j``,
``k_i = h f(t_i, Y_i)``, ``t_i = t0 + c_i h``). Used by :mod:`jaxthermo.dynamics.adjoint` to replay
accepted steps exactly.
"""

from __future__ import annotations

import diffrax
import numpy as np


def erk_tableau(solver):
    """Explicit Butcher tableau ``(a_lower, b, c, n_b)`` of ALL stages (the trailing stages with
    ``b = 0``, e.g. Tsit5's first-same-as-last stage, enter the dense output at the save times);
    ``n_b``: the number of stages up to the last one with ``b != 0`` (those that make ``y1``)."""
    tab = getattr(solver, "tableau", None)
    if not isinstance(solver, diffrax.AbstractERK) or tab is None:
        raise ValueError(
            "StoredStepAdjoint needs an explicit Runge-Kutta solver (e.g. diffrax.Tsit5(), "
            f"Dopri5()), got {type(solver).__name__}"
        )
    b = np.asarray(tab.b_sol, dtype=float)
    n_b = int(np.nonzero(b)[0].max()) + 1
    # Python floats (not arrays): the tableau is static, zeros are skipped at trace time
    a = tuple(tuple(float(v) for v in np.asarray(r)) for r in tab.a_lower)
    c = (float(tab.c1),) + tuple(float(v) for v in np.asarray(tab.c))
    return a, tuple(float(v) for v in b), c, n_b


def stages(vf, tableau, t0, t1, y, n_stages):
    """Stage inputs ``Y_i`` and increments ``k_i = h f(t_i, Y_i)`` of one explicit RK step from
    ``t0`` to ``t1`` (flat ``y``), exactly as diffrax forms them (``t_i = t0 + c_i h``, or ``t1``
    where ``c_i = 1``; ``Y_i = y + sum_j a_ij k_j``). Returns two lists of ``n_stages`` arrays."""
    a, _, c, _ = tableau
    h = t1 - t0
    ys, ks = [], []
    for i in range(n_stages):
        yi = y
        if i > 0:
            for aij, k in zip(a[i - 1], ks, strict=False):
                if aij != 0.0:
                    yi = yi + aij * k
        ti = t1 if c[i] == 1.0 else t0 + c[i] * h
        ys.append(yi)
        ks.append(h * vf(ti, yi))
    return ys, ks


def stage_times(tableau, t0, t1, n_stages):
    _, _, c, _ = tableau
    return [t1 if c[i] == 1.0 else t0 + c[i] * (t1 - t0) for i in range(n_stages)]
