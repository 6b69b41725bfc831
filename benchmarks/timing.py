"""The one way the benchmarks time work: wall-clock seconds (``time.perf_counter``), CUDA synchronised.

``interleaved`` runs the sides being compared in turn (one of ours, one of theirs, repeated), so a
change in the machine's load touches both; ``timed`` times one call.
"""

from __future__ import annotations

import statistics
import time
from typing import Callable, TypeVar

import torch

T = TypeVar("T")


def sync(device: torch.device | None = None) -> None:
    """Wait for the GPU's queued work (nothing to wait for on the CPU)."""
    if torch.cuda.is_available() and (device is None or device.type == "cuda"):
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], T], device: torch.device | None = None) -> tuple[T, float]:
    """``(fn(), seconds it took)``, the GPU synchronised before and after."""
    sync(device)
    start = time.perf_counter()
    result = fn()
    sync(device)
    return result, time.perf_counter() - start


def interleaved(runs: int, warmup: int = 1, device: torch.device | None = None, **sides: Callable[[], object]) -> dict[str, float]:
    """Median seconds of each side, run in turn ``runs`` times after ``warmup`` rounds of each."""
    for _ in range(warmup):
        for fn in sides.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in sides}
    for _ in range(runs):
        for name, fn in sides.items():
            times[name].append(timed(fn, device)[1])
    return {name: statistics.median(values) for name, values in times.items()}
