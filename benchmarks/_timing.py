"""Timing helper shared by the benchmark scripts (not a benchmark itself: no ``bench_`` prefix)."""

import statistics
import time


def timeit(fn, repeats):
    """Median wall time of ``repeats`` warm calls of ``fn`` (which must block until ready)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
