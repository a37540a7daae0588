"""Interleaved median timing: contenders take turns, so drift on a shared machine hits all alike."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable

import numpy as np


def _timed(fn: Callable, loops: int) -> float:
    """Seconds per call of ``fn`` averaged over ``loops`` back-to-back calls."""
    start = time.perf_counter()
    for _ in range(loops):
        fn()
    return (time.perf_counter() - start) / loops


def compare(contenders: dict[str, Callable], *, repeats: int, min_seconds: float = 2e-3) -> dict[str, float]:
    """Median seconds per call of each contender.

    Each contender is warmed up once, then given enough back-to-back ``loops`` that one
    timing lasts at least ``min_seconds`` (so timer resolution does not matter); the
    ``repeats`` rounds run the contenders in turn, A B A B ..., and the median is taken.
    """
    loops = {}
    for name, fn in contenders.items():
        once = _timed(fn, 1)  # warm-up and calibration in one
        loops[name] = max(1, math.ceil(min_seconds / max(once, 1e-9)))
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            times[name].append(_timed(fn, loops[name]))
    return {name: statistics.median(ts) for name, ts in times.items()}


def median_seconds(fn: Callable, *, repeats: int, min_seconds: float = 2e-3) -> float:
    """Median seconds per call of one function (see :func:`compare`)."""
    return compare({"fn": fn}, repeats=repeats, min_seconds=min_seconds)["fn"]


def loglog_slope(sizes, seconds) -> float:
    """Least-squares slope of log(seconds) against log(size): 1 means time grows linearly."""
    return float(np.polyfit(np.log(sizes), np.log(seconds), 1)[0])
