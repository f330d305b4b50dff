"""Spin coherent states ``|theta, phi> = exp(-i phi J_z) exp(-i theta J_y) |J, J>`` for any J.

Paper 004, eq. (1); components (spec seed-004, Sec. 1.2), in the core's basis ``m = J, ..., -J``
(index 0 = spin up = ``|J, J>``, matching :func:`jaxthermo.quantum.spin_ops`):

    <J, m | Omega> = sqrt(C(2J, J+m)) cos^{J+m}(theta/2) sin^{J-m}(theta/2) e^{-i m phi},

so that ``<Omega| J |Omega> = J (sin theta cos phi, sin theta sin phi, cos theta)``. Tests check
these amplitudes against ``expm`` of the spin operators. Powers are built by repeated products
(no ``x**0`` at ``x = 0``), so values and gradients stay finite at the poles.
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from .._checks import spin_value


def _dim(j) -> int:
    return int(round(2 * spin_value(j, "j"))) + 1


def _powers(v, n: int):
    """``[v^0, v^1, ..., v^n]`` stacked on a new last axis (products only)."""
    out = [jnp.ones_like(v)]
    for _ in range(n):
        out.append(out[-1] * v)
    return jnp.stack(out, axis=-1)


def _half_angle(theta=None, x=None):
    if x is not None:
        x = jnp.asarray(x)
        c = jnp.sqrt(jnp.clip((1 + x) / 2, 0.0, 1.0))
        s = jnp.sqrt(jnp.clip((1 - x) / 2, 0.0, 1.0))
        return c, s
    theta = jnp.asarray(theta)
    return jnp.cos(theta / 2), jnp.sin(theta / 2)


def _m_values(j) -> np.ndarray:
    j = spin_value(j, "j")
    return j - np.arange(_dim(j))


def _sqrt_binom(j) -> np.ndarray:
    n = _dim(j) - 1
    return np.sqrt(np.array([math.comb(n, k) for k in range(n + 1)], dtype=float))


def coherent_amplitudes(j, theta, phi):
    """``<J, m | theta, phi>`` with shape ``broadcast(theta, phi).shape + (2J+1,)``."""
    c, s = _half_angle(theta=theta)
    return _amplitudes_cs(j, c, s, jnp.asarray(phi))


def _amplitudes_cs(j, c, s, phi):
    n = _dim(j) - 1
    cp = _powers(c, n)[..., ::-1]  # c^{n-k}, k = J - m
    sp = _powers(s, n)  # s^k
    radial = jnp.asarray(_sqrt_binom(j)) * cp * sp
    m = jnp.asarray(_m_values(j))
    phase = jnp.exp(-1j * jnp.asarray(phi)[..., None] * m)
    return radial * phase


def coherent_state(j, theta, phi):
    """The spin-J coherent ket ``|theta, phi>`` (paper 004, eq. 1) as a (2J+1,) complex vector."""
    theta = jnp.asarray(theta)
    phi = jnp.asarray(phi)
    if theta.ndim or phi.ndim:
        raise ValueError(
            f"theta and phi must be scalars (use coherent_amplitudes for arrays), got shapes "
            f"{theta.shape} and {phi.shape}"
        )
    return coherent_amplitudes(j, theta, phi)


def radial_on_grid(j, grid):
    """Real theta parts ``u_m(theta)`` and ``du_m/dtheta`` on the grid's theta nodes, (n_theta, d).

    ``<J,m|theta,phi> = u_m(theta) e^{-i m phi}``.
    """
    n = _dim(j) - 1
    c, s = _half_angle(x=grid.x)  # (nt,)
    cp = _powers(c, n + 1)  # c^0..c^{n+1}
    sp = _powers(s, n + 1)
    k = np.arange(n + 1)
    a = n - k  # power of c
    b = k  # power of s
    sb = jnp.asarray(_sqrt_binom(j))
    radial = sb * cp[:, a] * sp[:, b]
    # d/dtheta c^a s^b = (1/2) [ b c^{a+1} s^{b-1} - a c^{a-1} s^{b+1} ]
    am1 = np.maximum(a - 1, 0)
    bm1 = np.maximum(b - 1, 0)
    d_radial = 0.5 * sb * (b * cp[:, a + 1] * sp[:, bm1] - a * cp[:, am1] * sp[:, b + 1])
    return radial, d_radial


def coherent_on_grid(j, grid):
    """Amplitudes and their angle derivatives on a :class:`SphereGrid`.

    Returns ``(z, z_theta, z_phi)``, each of shape ``(n_theta * n_phi, 2J+1)`` (theta-major),
    with ``z_theta = d z / d theta`` and ``z_phi = d z / d phi = -i m z``.
    """
    radial, d_radial = radial_on_grid(j, grid)
    m = jnp.asarray(_m_values(j))
    phase = jnp.exp(-1j * grid.phi[:, None] * m)  # (np, d)
    z = radial[:, None, :] * phase[None, :, :]
    z_t = d_radial[:, None, :] * phase[None, :, :]
    z_p = -1j * m * z
    shape = (grid.n_theta * grid.n_phi, radial.shape[-1])
    return z.reshape(shape), z_t.reshape(shape), z_p.reshape(shape)
