"""Closed-form reference systems used by the tests (physics we did not derive in the library)."""

import numpy as np


def qubit_sigma_z(t, z0, beta, w, gamma):
    """<sigma_z>(t) of H = (w/2) sigma_z with G(w) + G(-w) = gamma (fermi rates):
    z(t) = z_inf + (z0 - z_inf) exp(-gamma t), z_inf = -tanh(beta w / 2)."""
    z_inf = -np.tanh(beta * w / 2)
    return z_inf + (z0 - z_inf) * np.exp(-gamma * np.asarray(t))


def gibbs_populations(energies, beta):
    e = np.asarray(energies, dtype=float)
    x = -beta * (e - (e.min() if beta >= 0 else e.max()))
    p = np.exp(x)
    return p / p.sum()
