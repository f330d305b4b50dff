"""Which devices a computation runs on: shared by the sweep engine (points spread over devices) and
the phase-space reductions (one grid integral split over devices).

On a CPU, JAX shows ONE device by default and a single computation's loops run on one core (XLA's
intra-op threads only split large operations). To use several cores for one computation, ask JAX
for several CPU devices before its first use::

    import os, jax
    jax.config.update("jax_num_cpu_devices", os.cpu_count())

(or ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` in the environment)

and pass ``devices="all"`` (or a count) to the functions that take it; GPUs and TPUs appear as one
device each.
"""

from __future__ import annotations

import jax

__all__ = ["replicate", "resolve_devices", "split_devices"]


def resolve_devices(device=None) -> list:
    """``None``/``"auto"``: all local devices of the default backend; ``"cpu"`` / ``"gpu"``: the
    local devices of that platform (error if there are none); or a list of devices."""
    if device is None or device == "auto":
        return jax.local_devices()
    if isinstance(device, str):
        if device not in ("cpu", "gpu", "tpu"):
            raise ValueError(f"device must be 'cpu', 'gpu', 'tpu' or 'auto', got {device!r}")
        try:
            devs = jax.local_devices(backend=device)
        except RuntimeError:
            devs = []
        if not devs:
            raise RuntimeError(
                f"device={device!r}: JAX sees no {device.upper()} here (available: "
                f"{[d.platform for d in jax.devices()]}); use device='auto' or 'cpu'"
            )
        return devs
    devs = list(device)
    if not devs:
        raise ValueError("devices: empty list")
    return devs


def split_devices(devices, name: str = "devices"):
    """The devices one computation is split over, as a tuple of two or more, or ``None`` (run it
    where JAX puts it, unsplit).

    ``None`` or ``1``: unsplit. ``"all"``: every local device of the default backend. An integer
    ``n``: the first ``n`` of them (error if there are fewer, saying how to get more CPU devices).
    ``"cpu"`` / ``"gpu"``: the local devices of that platform. Or a sequence of devices.
    """
    if devices is None:
        return None
    if isinstance(devices, bool):
        raise TypeError(f"{name} must be None, 'all', a count or a list of devices, got {devices!r}")
    if isinstance(devices, int):
        if devices < 1:
            raise ValueError(f"{name} must be >= 1, got {devices}")
        avail = jax.local_devices()
        if devices > len(avail):
            raise ValueError(
                f"{name}={devices} but JAX sees {len(avail)} local device(s) "
                f"({avail[0].platform}); for CPU cores call "
                f"jax.config.update('jax_num_cpu_devices', {devices}) before JAX's first use"
            )
        devs = avail[:devices]
    elif isinstance(devices, str):
        if devices == "all":
            devs = jax.local_devices()
        elif devices in ("cpu", "gpu", "tpu"):
            devs = resolve_devices(devices)
        else:
            raise ValueError(f"{name} must be None, 'all', 'cpu', 'gpu', 'tpu', a count or a list "
                             f"of devices, got {devices!r}")
    else:
        devs = list(devices)
        if not devs or not all(isinstance(d, jax.Device) for d in devs):
            raise TypeError(f"{name}: expected a non-empty list of jax devices, got {devices!r}")
        if len(set(devs)) != len(devs):
            raise ValueError(f"{name}: a device appears twice in {devs}")
    return tuple(devs) if len(devs) > 1 else None


def replicate(x, devices):
    """A concrete array copied onto every one of ``devices`` (a tuple from :func:`split_devices`;
    ``None``: ``x`` unchanged), so that a computation split over them accepts an input committed
    to some other device. Traced values are returned unchanged (the caller's jit places them)."""
    if devices is None or not isinstance(x, jax.Array) or isinstance(x, jax.core.Tracer):
        return x
    mesh = jax.sharding.Mesh(list(devices), ("d",))
    return jax.device_put(x, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec()))
