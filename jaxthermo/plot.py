"""Figures: matplotlib helpers for the common views of jaxthermo results.

* :func:`lines` -- a quantity against one parameter, one curve per value of another (n, s, ...);
* :func:`heatmap` -- a quantity over two parameters;
* :func:`trajectories` -- quantities against time;
* :func:`husimi_sphere` -- the spin Husimi function ``Q(theta, phi) = c_J <Omega|rho|Omega>``
  (paper 004, Eqs. 1 and 5; ``c_J = (2J+1)/(4 pi)``) as a map or on a 3-D sphere;
* :func:`plot_dataset` -- every variable of a sweep file to PNGs (``jaxthermo plot``).

Agg-safe: figures are ``matplotlib.figure.Figure`` objects (no pyplot state, no display needed);
pass ``ax=`` to draw into an existing axes, and save with :func:`save`. Labels use the library's
conventions (hbar = k_B = 1; heat into the system and work on it positive); ``LABELS`` maps common
names to TeX labels and can be extended.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["LABELS", "figure", "heatmap", "husimi_sphere", "label", "lines", "plot_dataset",
           "save", "trajectories"]

LABELS = {
    "beta": r"$\beta$", "beta0": r"$\beta_0$", "beta_bath": r"$\beta_B$", "beta_a": r"$\beta_A$",
    "beta_h": r"$\beta_h$", "beta_c": r"$\beta_c$", "gamma": r"$\gamma$", "omega": r"$\omega$",
    "omega_a": r"$\omega_A$", "lam": r"$\lambda$", "n": r"$n$", "s": r"$s$", "g": r"$g$",
    "dt": r"$\delta t$", "t": r"$t$", "energy": r"$E$", "entropy": r"$S$",
    "sigma_z": r"$\langle\sigma_z\rangle$", "energy_gibbs": r"$E_{\rm th}$",
    "energy_excess": r"$E_\infty - E_{\rm th}$", "l1_coherence": r"$C_{l_1}$",
    "heat_into_system": r"$Q$", "work_coherent": r"$W_{\rm coh}$",
    "entropy_production": r"$\Sigma$", "work": r"$W$", "theta": r"$\theta$", "phi": r"$\phi$",
}


def label(name: str, units: str | None = None) -> str:
    """The TeX label for a parameter / quantity name (the name itself if unknown)."""
    s = LABELS.get(name, name.replace("_", " "))
    return f"{s} [{units}]" if units else s


def figure(nrows=1, ncols=1, *, size=(5.0, 3.6), **kw):
    """A ``(Figure, axes)`` pair built without pyplot (safe on headless machines)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def save(fig, path, dpi=130):
    """Save ``fig`` (creating folders); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def _ax(ax, size=(5.0, 3.6), **kw):
    if ax is not None:
        return ax.figure, ax
    return figure(size=size, **kw)


def _select(da, x, others, sel):
    """Reduce ``da`` to the dims ``others``: apply ``sel``, then the first index of the rest."""
    if sel:
        da = da.sel({k: v for k, v in sel.items() if k in da.dims}, method="nearest")
    rest = [d for d in da.dims if d not in others]
    picked = {d: da[d].values[0] if d in da.coords else 0 for d in rest if da.sizes[d] > 1}
    if picked:
        da = da.isel({d: 0 for d in picked})
    return da.squeeze(), picked


def lines(ds, var, x, hue=None, *, sel=None, ax=None, xlabel=None, ylabel=None, title=None,
          logx=False, marker="o", **kw):
    """``var`` against parameter ``x``, one curve per value of ``hue`` (e.g. ``"n"`` or ``"s"``).

    ``ds``: an ``xarray.Dataset`` (a sweep) or a ``DataArray``. Remaining dimensions are fixed by
    ``sel={dim: value}`` or else at their first value (said in the title).
    """
    da = ds[var] if hasattr(ds, "data_vars") else ds
    keep = [x] + ([hue] if hue else [])
    for d in keep:
        if d not in da.dims:
            raise ValueError(f"{d!r} is not a dimension of {var!r} (dims: {list(da.dims)})")
    da, picked = _select(da, x, keep, sel)
    fig, ax = _ax(ax)
    xs = da[x].values
    if hue:
        da = da.transpose(x, hue)
        for k, hv in enumerate(da[hue].values):
            ax.plot(xs, np.real(da.values[:, k]), marker=marker, ms=3,
                    label=f"{label(hue)} = {hv:g}", **kw)
        ax.legend(fontsize="small")
    else:
        ax.plot(xs, np.real(da.values.reshape(xs.shape)), marker=marker, ms=3, **kw)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or label(x))
    ax.set_ylabel(ylabel or label(var))
    ax.set_title(title if title is not None else _fixed_title(picked, sel), fontsize="small")
    return fig, ax


def _fixed_title(picked, sel):
    items = {**(sel or {}), **picked}
    return ", ".join(f"{label(k)} = {v:g}" for k, v in items.items())


def heatmap(ds, var, x, y, *, sel=None, ax=None, cmap="viridis", symmetric=False, title=None,
            colorbar=True):
    """``var`` over parameters ``x`` (horizontal) and ``y`` (vertical) with a colour bar.

    ``symmetric=True`` centres a diverging colour map on zero (for signed heats, works, Sigma).
    """
    da = ds[var] if hasattr(ds, "data_vars") else ds
    for d in (x, y):
        if d not in da.dims:
            raise ValueError(f"{d!r} is not a dimension of {var!r} (dims: {list(da.dims)})")
    da, picked = _select(da, x, [x, y], sel)
    da = da.transpose(y, x)
    z = np.real(da.values)
    fig, ax = _ax(ax)
    kw = {}
    if symmetric:
        m = float(np.nanmax(np.abs(z))) or 1.0
        kw = dict(vmin=-m, vmax=m)
        cmap = "RdBu_r" if cmap == "viridis" else cmap
    mesh = ax.pcolormesh(da[x].values, da[y].values, z, shading="nearest", cmap=cmap, **kw)
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=label(var))
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    ax.set_title(title if title is not None else _fixed_title(picked, sel), fontsize="small")
    return fig, ax


def trajectories(ts, ys, labels=None, *, ax=None, xlabel=r"$t$", ylabel=None, title=None,
                 logy=False, **kw):
    """Curves ``ys[k](ts)``: ``ys`` of shape ``(k, len(ts))`` or ``(len(ts),)``, or a dict."""
    if isinstance(ys, dict):
        labels, ys = list(ys), list(ys.values())
    ys = np.real(np.atleast_2d(np.asarray(ys)))
    ts = np.asarray(ts)
    if ys.shape[-1] != ts.shape[0]:
        raise ValueError(f"ys has {ys.shape[-1]} times per curve but ts has {ts.shape[0]}")
    fig, ax = _ax(ax)
    for k, y in enumerate(ys):
        ax.plot(ts, y, label=None if labels is None else labels[k], **kw)
    if labels is not None:
        ax.legend(fontsize="small")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize="small")
    return fig, ax


def husimi_grid(rho, j, n_theta=91, n_phi=181):
    """``(theta, phi, Q)`` with ``Q = c_J <Omega|rho|Omega>`` on a regular grid (paper 004)."""
    from .phasespace import coherent_amplitudes, normalisation

    rho = np.asarray(rho)
    d = int(round(2 * j)) + 1
    if rho.shape != (d, d):
        raise ValueError(f"rho has shape {rho.shape}, expected ({d}, {d}) for a spin j={j:g}")
    theta = np.linspace(0.0, np.pi, n_theta)
    phi = np.linspace(-np.pi, np.pi, n_phi)
    amp = np.asarray(coherent_amplitudes(j, theta[:, None], phi[None, :]))  # (nt, np, d)
    q = np.real(np.einsum("tpi,ij,tpj->tp", amp.conj(), rho, amp))
    return theta, phi, normalisation(j) * q


def husimi_sphere(rho, j, *, projection="map", ax=None, n_theta=91, n_phi=181, cmap="magma",
                  title=None, colorbar=True):
    """The Husimi function of a spin-``j`` state on the sphere.

    ``projection="map"``: ``Q`` over ``(phi, theta)``; ``"mollweide"``: an equal-area map
    (latitude ``pi/2 - theta``); ``"sphere"``: colours on a 3-D unit sphere. ``rho``: a
    ``(2j+1, 2j+1)`` density matrix (basis ``m = j..-j``, like ``jt.spin_ops``).
    """
    theta, phi, q = husimi_grid(rho, j, n_theta, n_phi)
    if projection not in ("map", "mollweide", "sphere"):
        raise ValueError(f"projection must be 'map', 'mollweide' or 'sphere', got {projection!r}")
    if ax is None:
        sub = {"projection": {"map": None, "mollweide": "mollweide", "sphere": "3d"}[projection]}
        fig, ax = figure(size=(5.0, 3.6), subplot_kw=sub)
    fig = ax.figure
    import matplotlib
    from matplotlib import cm, colors

    if projection == "sphere":
        th, ph = np.meshgrid(theta, phi, indexing="ij")
        norm = colors.Normalize(q.min(), q.max())
        ax.plot_surface(np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th),
                        facecolors=matplotlib.colormaps[cmap](norm(q)),
                        rstride=2, cstride=2, linewidth=0, antialiased=False, shade=False)
        ax.set_box_aspect((1, 1, 1))
        ax.set_axis_off()
        mesh = cm.ScalarMappable(norm=norm, cmap=cmap)
    elif projection == "mollweide":
        mesh = ax.pcolormesh(phi, np.pi / 2 - theta, q, shading="nearest", cmap=cmap)
        ax.grid(True, alpha=0.3)
    else:
        mesh = ax.pcolormesh(phi, theta, q, shading="nearest", cmap=cmap)
        ax.set_xlabel(r"$\phi$")
        ax.set_ylabel(r"$\theta$")
        ax.invert_yaxis()
    if colorbar:
        fig.colorbar(mesh, ax=ax, label=r"$Q(\theta,\phi)$", shrink=0.8)
    if title:
        ax.set_title(title, fontsize="small")
    return fig, ax


def plot_dataset(ds, out, *, x=None, hue=None, variables=None, sel=None, fmt="png"):
    """Every variable of a sweep dataset to figures in folder ``out``; returns the paths.

    One swept dimension: a line plot. Two or more: a line plot against ``x`` (default: the longest
    dimension) with one curve per ``hue`` value (default: the next dimension, if it has <= 8
    values), and a heat map over the two longest dimensions.
    """
    out = Path(out)
    swept = [d for d in ds.dims if d in ds.coords and ds.sizes[d] > 1]
    if not swept:
        raise ValueError("the dataset has no swept dimension (every parameter has one value)")
    variables = variables or [v for v in ds.data_vars
                              if set(ds[v].dims) <= set(ds.coords) | set(swept)]
    bad = [v for v in variables if v not in ds.data_vars]
    if bad:
        raise ValueError(f"unknown variable(s) {bad}; the file has {list(ds.data_vars)}")
    for d in (x, hue):
        if d is not None and d not in swept:
            raise ValueError(f"{d!r} is not a swept dimension; swept: {swept}")
    by_len = sorted(swept, key=lambda d: -ds.sizes[d])
    x = x or by_len[0]
    if hue is None:
        hue = next((d for d in by_len if d != x and ds.sizes[d] <= 8), None)
    paths = []
    for v in variables:
        da = ds[v]
        if any(d not in swept and ds.sizes[d] > 1 for d in da.dims if d not in ds.coords):
            continue  # array-valued outputs (e.g. states) are not plotted
        fig, _ = lines(ds, v, x, hue if hue in da.dims else None, sel=sel)
        paths.append(save(fig, out / f"{v}_vs_{x}.{fmt}"))
        if len(swept) >= 2:
            y = next(d for d in by_len if d != x)
            fig, _ = heatmap(ds, v, x, y, sel=sel)
            paths.append(save(fig, out / f"{v}_{x}_{y}.{fmt}"))
    return paths
