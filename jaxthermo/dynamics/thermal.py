"""Thermal dissipators with detailed balance (Davies / Breuer-Petruccione secular master equation).

For a system Hamiltonian ``H = sum_e e P_e`` and a coupling operator ``A`` the eigenoperators are

    ``A(w) = sum_{e' - e = w} P_e A P_e'``       (Breuer & Petruccione, Eq. 3.120)

so ``[H, A(w)] = -w A(w)``: ``A(w)`` with ``w > 0`` lowers the energy by ``w``. The bath enters only
through the rates ``G(w)``, which obey detailed balance ``G(-w) / G(w) = exp(-beta w)`` for any real
``beta`` (negative allowed: population-inverting bath). The jump operators returned are
``sqrt(G(w)) A(w)``, one per distinct Bohr frequency (including ``w = 0`` when ``A`` has a part that
commutes with ``H``).

Rate conventions (``ThermalBath.spectrum``):

* ``"fermi"`` (default; valid for every beta, including 0 and negative):
  ``G(w) = gamma / (1 + exp(-beta w))`` for all w, i.e. ``G(w) = gamma (1 - f)``,
  ``G(-w) = gamma exp(-beta w)/(1 + exp(-beta w))``, ``G(w) + G(-w) = gamma``. This is the reference
  convention of papers 000/001 (spec seed-001, Sec. 1.3). ``G(0) = gamma / 2``.
* ``"bosonic"`` (flat spectral density; beta > 0 only): ``G(w) = gamma (1 + nbar(w))`` for ``w > 0``,
  ``G(-w) = gamma nbar(w)``, ``nbar = 1/(exp(beta w) - 1)``. The ``w = 0`` rate is undefined for a
  flat density; ``zero_frequency_rate`` (default 0) sets it.
* a callable ``g(w)`` giving ``G(w)`` for ``w > 0``; ``G(-w) = exp(-beta w) g(w)`` is then imposed,
  so detailed balance holds by construction; ``G(0) = zero_frequency_rate``.

Degenerate and near-degenerate Bohr frequencies are grouped with the absolute tolerance
``degeneracy_tol`` (default 1e-9 in energy units); energy levels are grouped the same way. The
grouping is structural, so ``H0`` and ``A`` must be concrete arrays; to vary the energy scale under
``jit``/``vmap``/``grad`` pass ``H = energy_scale * H0`` with a traced ``energy_scale > 0``.
"""

from __future__ import annotations

from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import _fail, _is_concrete, nonnegative, positive


class ThermalBath(eqx.Module):
    """A bath: inverse temperature ``beta`` (any sign, +-inf allowed, not NaN), overall rate ``gamma``
    (finite, >= 0), a spectrum and an optional ``zero_frequency_rate`` (finite, >= 0)."""

    beta: jax.Array
    gamma: jax.Array
    spectrum: str | Callable = eqx.field(static=True, default="fermi")
    zero_frequency_rate: jax.Array | None = None

    def __init__(self, beta, gamma=1.0, spectrum="fermi", zero_frequency_rate=None):
        self.beta = jnp.asarray(beta, dtype=jnp.result_type(float))
        self.beta = _fail(self.beta, jnp.any(jnp.isnan(self.beta)), "beta must not be NaN")
        self.gamma = jnp.asarray(gamma, dtype=jnp.result_type(float))
        if isinstance(spectrum, str) and spectrum not in ("fermi", "bosonic"):
            raise ValueError(f"spectrum must be 'fermi', 'bosonic' or a callable, got {spectrum!r}")
        self.spectrum = spectrum
        if spectrum == "bosonic":
            self.beta = _fail(
                self.beta,
                jnp.any(self.beta <= 0),
                "beta must be positive for the bosonic spectrum (nbar = 1/(exp(beta w) - 1));"
                " use spectrum='fermi' for beta <= 0",
            )
        self.gamma = nonnegative(self.gamma, "gamma")
        self.zero_frequency_rate = (
            None if zero_frequency_rate is None else nonnegative(zero_frequency_rate, "zero_frequency_rate")
        )

    def rate(self, w):
        """``G(w)`` for Bohr frequencies ``w`` of either sign (detailed balance built in)."""
        w = jnp.asarray(w, dtype=jnp.result_type(float))
        if self.spectrum == "fermi":
            g = self.gamma * jax.nn.sigmoid(self.beta * w)
            g0 = self.gamma / 2
        elif self.spectrum == "bosonic":
            aw = jnp.abs(jnp.where(w == 0, 1.0, w))
            nbar = 1.0 / jnp.expm1(self.beta * aw)
            g = self.gamma * jnp.where(w > 0, 1.0 + nbar, nbar)
            g0 = 0.0
        else:
            aw = jnp.abs(jnp.where(w == 0, 1.0, w))
            gpos = jnp.asarray(self.spectrum(aw))
            g = jnp.where(w > 0, gpos, jnp.exp(-self.beta * aw) * gpos)
            g0 = 0.0
        if self.zero_frequency_rate is not None:
            g0 = self.zero_frequency_rate
        return jnp.where(w == 0, g0, g)


def _group(values, tol):
    """Group sorted real values into clusters whose neighbours differ by at most ``tol``."""
    order = np.argsort(values, kind="stable")
    labels = np.empty(len(values), dtype=int)
    reps = []
    cur = -1
    last = None
    for idx in order:
        v = values[idx]
        if last is None or v - last > tol:
            cur += 1
            reps.append([v])
        else:
            reps[-1].append(v)
        labels[idx] = cur
        last = v
    return labels, np.array([np.mean(r) for r in reps])


def eigenoperators(h0, a, degeneracy_tol: float = 1e-9):
    """The Bohr frequencies ``w`` (in units of ``H0``) and eigenoperators ``A(w)`` of ``A``.

    Returns ``(freqs, ops)`` with ``freqs`` a numpy array (static) and ``ops`` of shape
    ``(len(freqs), d, d)``; zero operators are dropped. ``H0`` and ``A`` must be concrete.
    """
    if not (_is_concrete(h0) and _is_concrete(a)):
        raise TypeError(
            "eigenoperators / thermal_jump_ops need a concrete H0 and A (the grouping of Bohr "
            "frequencies is structural); scale a concrete H0 with a traced energy_scale instead"
        )
    h0 = np.asarray(h0)
    a = np.asarray(a)
    if h0.ndim != 2 or h0.shape[0] != h0.shape[1]:
        raise ValueError(f"H0 must be a square matrix, got shape {h0.shape}")
    for name, x in (("H0", h0), ("A", a)):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} must be finite (it contains NaN or inf)")
    if np.max(np.abs(h0 - h0.conj().T)) > 1e-8 * max(1.0, np.max(np.abs(h0))):
        raise ValueError("H0 must be Hermitian (max |A - A^dag| exceeds 1e-08 x scale)")
    if a.shape != h0.shape:
        raise ValueError(f"A has shape {tuple(a.shape)}, which does not match H {tuple(h0.shape)}")
    e, v = np.linalg.eigh(np.asarray(h0))
    lev_labels, lev_e = _group(e, degeneracy_tol)
    nlev = len(lev_e)
    a_eig = np.conj(v.T) @ np.asarray(a) @ v
    # Bohr frequency of the transition from level q (upper index) to level p: w = e_q - e_p
    w_pairs = lev_e[None, :] - lev_e[:, None]
    w_labels, w_vals = _group(w_pairs.ravel(), degeneracy_tol)
    w_labels = w_labels.reshape(nlev, nlev)
    freqs, ops = [], []
    for k, w in enumerate(w_vals):
        mask_lev = w_labels == k
        mask = mask_lev[lev_labels[:, None], lev_labels[None, :]]
        block = np.where(mask, a_eig, 0.0)
        if np.max(np.abs(block)) < 1e-14:
            continue
        freqs.append(0.0 if abs(w) <= degeneracy_tol else w)
        ops.append(v @ block @ np.conj(v.T))
    dt = jnp.result_type(complex)
    if not ops:
        return np.zeros(0), jnp.zeros((0,) + h0.shape, dtype=dt)
    return np.asarray(freqs), jnp.asarray(np.stack(ops), dtype=dt)


def thermal_jump_ops(h0, a, bath: ThermalBath, *, energy_scale=1.0, degeneracy_tol: float = 1e-9):
    """Jump operators ``sqrt(G(w)) A(w)`` of one bath coupled through ``A`` (a (k, d, d) array).

    ``H = energy_scale * H0``; Bohr frequencies are ``energy_scale * w0`` and the rates are evaluated
    there, so ``bath`` and ``energy_scale`` may be traced (jit / vmap / grad). For a **collective**
    bath pass ``A = sum_k a_k``; for **local** baths use :func:`local_thermal_jump_ops`. A callable
    ``bath.spectrum`` must give finite rates ``>= 0`` (ValueError otherwise, also for an overflow of
    ``exp(-beta w) g(w)``).
    """
    if not isinstance(bath, ThermalBath):
        raise TypeError(f"bath must be a ThermalBath, got {type(bath).__name__}")
    freqs, ops = eigenoperators(h0, a, degeneracy_tol)
    if len(freqs) == 0:
        return ops
    scale = jnp.asarray(energy_scale, dtype=jnp.result_type(float))
    scale = positive(scale, "energy_scale")
    rates = bath.rate(scale * jnp.asarray(freqs))
    if callable(bath.spectrum):
        rates = _fail(rates, ~jnp.all(jnp.isfinite(rates) & (rates >= 0)),
                      "bath.spectrum returned a negative or non-finite rate (G(w) must be finite and >= 0)")
    return jnp.sqrt(rates)[:, None, None] * ops


def local_thermal_jump_ops(h0, couplings, baths, *, energy_scale=1.0, degeneracy_tol=1e-9):
    """Jump operators for independent baths, one per coupling operator in ``couplings``.

    ``baths`` is one ``ThermalBath`` shared by all channels (identical but uncorrelated baths) or a
    list with one bath per channel. Returns the concatenated ``(k, d, d)`` array.
    """
    couplings = list(couplings)
    if isinstance(baths, ThermalBath):
        baths = [baths] * len(couplings)
    if len(baths) != len(couplings):
        raise ValueError(f"got {len(baths)} baths for {len(couplings)} coupling operators")
    parts = [
        thermal_jump_ops(h0, a, b, energy_scale=energy_scale, degeneracy_tol=degeneracy_tol)
        for a, b in zip(couplings, baths, strict=True)
    ]
    return jnp.concatenate(parts, axis=0)


def bohr_frequencies_of(jump_ops, h):
    """Diagnostic: ``w`` such that ``[H, L] = -w L`` for each jump operator (least squares)."""
    h = jnp.asarray(h)
    c = h @ jump_ops - jump_ops @ h
    num = -jnp.einsum("kij,kij->k", jnp.conj(jump_ops), c)
    den = jnp.einsum("kij,kij->k", jnp.conj(jump_ops), jump_ops)
    return jnp.real(num / jnp.where(den == 0, 1.0, den))


__all__ = [
    "ThermalBath",
    "bohr_frequencies_of",
    "eigenoperators",
    "local_thermal_jump_ops",
    "thermal_jump_ops",
]
