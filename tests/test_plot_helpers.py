"""jaxthermo.plot: figures are drawn without pyplot, Husimi maps are normalised, errors are clear."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

import jaxthermo as jt
from jaxthermo import plot
from jaxthermo.phasespace import coherent_state


@pytest.fixture
def ds():
    beta = np.linspace(0.1, 3.0, 7)
    n = np.array([1, 2, 4])
    e = -0.5 * n[None, :] * np.tanh(beta[:, None] / 2)
    return xr.Dataset({"energy": (("beta", "n"), e), "state": (("beta", "n", "k"),
                                                                np.zeros((7, 3, 2)))},
                      coords={"beta": beta, "n": n, "omega": 1.0})


def test_lines_and_heatmap(ds, tmp_path):
    fig, ax = plot.lines(ds, "energy", "beta", hue="n")
    assert len(ax.lines) == 3 and ax.get_xlabel() == r"$\beta$" and ax.get_ylabel() == "$E$"
    np.testing.assert_allclose(ax.lines[2].get_ydata(), ds.energy.values[:, 2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["$n$ = 1", "$n$ = 2", "$n$ = 4"]
    fig, ax = plot.lines(ds, "energy", "beta")  # n held at its first value, said in the title
    assert "$n$ = 1" in ax.get_title()
    fig, ax = plot.heatmap(ds, "energy", "beta", "n", symmetric=True)
    assert ax.get_ylabel() == "$n$"
    p = plot.save(fig, tmp_path / "sub" / "h.png")
    assert p.exists() and p.stat().st_size > 5000
    assert plt.get_fignums() == []  # nothing left in pyplot's state (Agg-safe, no leaks)
    with pytest.raises(ValueError, match="'gamma' is not a dimension of 'energy'"):
        plot.lines(ds, "energy", "gamma")


def test_trajectories():
    ts = np.linspace(0, 1, 5)
    fig, ax = plot.trajectories(ts, {"a": ts, "b": 2 * ts}, ylabel="x")
    assert len(ax.lines) == 2
    with pytest.raises(ValueError, match="ys has 3 times per curve but ts has 5"):
        plot.trajectories(ts, np.zeros((2, 3)))


@pytest.mark.parametrize("j", [0.5, 1.5])
def test_husimi_normalised_and_peaked(j):
    theta0, phi0 = 1.0, 0.5
    k = np.asarray(coherent_state(j, theta0, phi0))
    rho = np.outer(k, k.conj())
    th, ph, q = plot.husimi_grid(rho, j, 181, 361)
    # paper 004, Eq. 5: c_J int dOmega |Omega><Omega| = 1, so int Q dOmega = Tr rho = 1
    w_t = np.sin(th) * np.gradient(th)
    total = np.sum(w_t[:, None] * q[:, :-1]) * (ph[1] - ph[0])
    np.testing.assert_allclose(total, 1.0, atol=2e-4)
    # a coherent state's Q peaks at its own direction with c_J |<Omega|Omega>|^2 = (2J+1)/(4 pi)
    i, m = np.unravel_index(np.argmax(q), q.shape)
    assert abs(th[i] - theta0) < 0.02 and abs(ph[m] - phi0) < 0.02
    np.testing.assert_allclose(q.max(), (2 * j + 1) / (4 * np.pi), rtol=1e-3)
    # maximally mixed state: Q is flat, 1/(4 pi)
    _, _, qm = plot.husimi_grid(np.asarray(jt.maximally_mixed(int(2 * j + 1))), j, 9, 9)
    np.testing.assert_allclose(qm, 1 / (4 * np.pi), rtol=1e-12)


@pytest.mark.parametrize("projection", ["map", "mollweide", "sphere"])
def test_husimi_projections(projection):
    rho = np.asarray(jt.ket2dm(jt.basis(2, 0)))
    fig, ax = plot.husimi_sphere(rho, 0.5, projection=projection, n_theta=19, n_phi=37)
    assert fig is ax.figure
    with pytest.raises(ValueError, match=r"expected \(3, 3\) for a spin j=1"):
        plot.husimi_sphere(rho, 1.0)
    with pytest.raises(ValueError, match="projection must be"):
        plot.husimi_sphere(rho, 0.5, projection="globe")


def test_plot_dataset(ds, tmp_path):
    paths = plot.plot_dataset(ds, tmp_path)
    assert sorted(p.name for p in paths) == ["energy_beta_n.png", "energy_vs_beta.png"]
    with pytest.raises(ValueError, match="unknown variable"):
        plot.plot_dataset(ds, tmp_path, variables=["power"])
    with pytest.raises(ValueError, match="'omega' is not a swept dimension"):
        plot.plot_dataset(ds, tmp_path, x="omega")
