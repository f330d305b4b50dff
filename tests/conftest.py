"""Test configuration: float64 everywhere, jaxtyping runtime checks of public signatures."""

import jax

jax.config.update("jax_enable_x64", True)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
