"""Lesson 8: what self-attention costs, in theory (Vaswani et al. 2017, Table 1) and measured here.

For a sequence of n vectors of size d:

    layer                      per-layer cost   sequential operations   maximum path length
    self-attention             O(n²·d)          O(1)                    O(1)
    recurrent                  O(n·d²)          O(n)                    O(n)
    convolutional (kernel k)   O(k·n·d²)        O(1)                    O(log_k n)
    self-attention (window r)  O(r·n·d)         O(1)                    O(n/r)

``measure_costs`` times one self-attention layer (attnviz's own attention functions) against
``nn.RNN``, ``nn.LSTM`` and ``nn.Conv1d`` of the same width as n grows, and records the peak
bytes of the tensors each forward pass creates; ``fit_exponent`` fits cost ∝ n^p by least
squares on log-log axes, with the slope's standard error. A shared server is noisy: each
time is the minimum over k repeated timings (the run least disturbed by other work, as
``timeit`` advises), each timing long enough for the clock (several calls when one is short).
Small n is dominated by fixed overheads, so fitted exponents fall below the asymptotic ones
there. The lesson's question is graded by the theory (Table 1), the measurement is evidence.
"""

from __future__ import annotations

import math
import statistics
import time
import weakref
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from jaxtyping import Float
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves

from attnviz.errors import LessonValueError
from attnviz.lessons.quiz import Question
from attnviz.model.attention import attention_scores, softmax_pattern, weighted_values

COMPLEXITY = (
    ("self_attention", "O(n²·d)", "O(1)", "O(1)"),
    ("recurrent", "O(n·d²)", "O(n)", "O(n)"),
    ("convolutional", "O(k·n·d²)", "O(1)", "O(log_k n)"),
    ("restricted", "O(r·n·d)", "O(1)", "O(n/r)"),
)
LAYERS = ("self_attention", "rnn", "lstm", "conv1d")
# the growth with n of each measured layer's time and memory, for a fixed d (Table 1)
EXPECTED_EXPONENT = {"self_attention": 2, "rnn": 1, "lstm": 1, "conv1d": 1}


class SelfAttentionLayer(nn.Module):
    """One-head self-attention of width d: Q, K, V = X·W_QKV, softmax(QKᵀ/√d)V, then W_O."""

    def __init__(self, d_model: int):
        super().__init__()
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        q, k, v = self.qkv(x)[:, :, None].chunk(3, dim=-1)  # each [batch, pos, 1, d_model]
        pattern = softmax_pattern(attention_scores(q, k))  # [batch, 1, query_pos, key_pos]
        return self.out(weighted_values(pattern, v).flatten(2))


class _Conv(nn.Module):
    """``nn.Conv1d`` (kernel 3, same length) on ``[batch, pos, d_model]``."""

    def __init__(self, d_model: int, kernel_size: int = 3):
        super().__init__()
        self.conv = nn.Conv1d(d_model, d_model, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x.transpose(1, 2)).transpose(1, 2)  # [batch, d_model, pos] inside


class _Recurrent(nn.Module):
    """``nn.RNN`` or ``nn.LSTM`` (one layer, batch first), returning only the outputs."""

    def __init__(self, cell: type[nn.Module], d_model: int):
        super().__init__()
        self.cell = cell(d_model, d_model, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cell(x)[0]


def build_layers(d_model: int, seed: int = 0) -> dict[str, nn.Module]:
    """The four layers of width ``d_model`` with seeded random weights, in eval mode."""
    torch.manual_seed(seed)
    layers = {
        "self_attention": SelfAttentionLayer(d_model),
        "rnn": _Recurrent(nn.RNN, d_model),
        "lstm": _Recurrent(nn.LSTM, d_model),
        "conv1d": _Conv(d_model),
    }
    return {name: layer.eval() for name, layer in layers.items()}


class PeakMemory(TorchDispatchMode):
    """Peak bytes of the tensors created by the operators that run inside it.

    Every operator output whose storage is new counts from its creation until it is freed;
    ``peak`` is the largest total alive at once. Memory an operator uses internally and
    frees before returning (e.g. inside ``nn.LSTM``'s fused kernel) is not seen.
    """

    def __init__(self):
        super().__init__()
        self.live = 0
        self.peak = 0
        self._sizes: dict[int, int] = {}

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for tensor in tree_leaves(out):
            if isinstance(tensor, torch.Tensor):
                storage = tensor.untyped_storage()
                ptr, size = storage.data_ptr(), storage.nbytes()
                if size and ptr not in self._sizes:
                    self._sizes[ptr] = size
                    self.live += size
                    self.peak = max(self.peak, self.live)
                    weakref.finalize(storage, self._free, ptr)
        return out

    def _free(self, ptr: int) -> None:
        self.live -= self._sizes.pop(ptr, 0)


@dataclass(frozen=True)
class Measurement:
    """One layer at one length.

    Attributes:
        seconds: the minimum over the repeats of the time of one forward pass.
        median_seconds: the median over the repeats (how much the server's load disturbed them).
        peak_bytes: peak bytes of the tensors one forward pass created.
    """

    layer: str
    n: int
    seconds: float
    median_seconds: float
    peak_bytes: int


@dataclass(frozen=True)
class CostResult:
    """All measurements, and the (layer, n) pairs skipped to stay within the time cap."""

    measurements: list[Measurement]
    skipped: list[tuple[str, int]] = field(default_factory=list)

    def series(self, layer: str, what: str) -> tuple[list[int], list[float]]:
        """The lengths and the values of ``what`` ("seconds" or "peak_bytes") measured for ``layer``."""
        rows = [m for m in self.measurements if m.layer == layer]
        return [m.n for m in rows], [float(getattr(m, what)) for m in rows]


def lengths(n_min: int, n_max: int) -> list[int]:
    """Powers of two from ``n_min`` up to ``n_max`` (both rounded to powers of two).

    Raises:
        LessonValueError: unless 2 ≤ n_min ≤ n_max ≤ 65536.
    """
    if not 2 <= n_min <= n_max <= 65536:
        raise LessonValueError(name="n", value=f"{n_min} … {n_max}", allowed="2 ≤ n_min ≤ n_max ≤ 65536")
    lo, hi = round(math.log2(n_min)), round(math.log2(n_max))
    return [2**p for p in range(lo, hi + 1)]


def measure_costs(
    ns: list[int],
    d_model: int,
    time_cap_s: float,
    repeats: int = 5,
    on_progress: Callable[[float, str], None] | None = None,
    seed: int = 0,
    min_timing_s: float = 1e-3,
) -> CostResult:
    """Time and peak memory of each layer in ``LAYERS`` for every length in ``ns``, within a time cap.

    Lengths run from short to long. Before each measurement its duration is extrapolated
    from the same layer's previous length as if it grew like n² (the worst of the four); a
    layer whose next measurement would overrun ``time_cap_s`` is not measured at longer
    lengths (its pairs are listed in ``skipped``).

    Args:
        ns: sequence lengths, increasing.
        d_model: the width d of every layer.
        time_cap_s: the budget in seconds for the whole measurement.
        repeats: k, the timings per (layer, n) after one untimed warm-up; the minimum is kept.
        on_progress: called with (fraction done in [0, 1], "layer n=…") before each measurement.
        min_timing_s: a timing repeats the forward pass until it lasts at least this long
            (then divides by the number of passes), so that short passes are not lost in the clock's jitter.

    Raises:
        LessonValueError: for a non-positive width, cap or repeat count.
    """
    if d_model < 1 or time_cap_s <= 0 or repeats < 1:
        raise LessonValueError(name="d_model, time cap, repeats", value=(d_model, time_cap_s, repeats), allowed="> 0")
    layers = build_layers(d_model, seed)
    g = torch.Generator().manual_seed(seed)
    deadline = time.perf_counter() + time_cap_s
    last: dict[str, tuple[int, float]] = {}  # layer -> (n, wall seconds its measurement took); -1 once stopped
    measurements, skipped = [], []
    total, done = len(ns) * len(layers), 0
    for n in ns:
        x = torch.randn(1, n, d_model, generator=g)
        for name, layer in layers.items():
            done += 1
            if name in last:
                prev_n, prev_wall = last[name]
                if prev_wall < 0 or time.perf_counter() + prev_wall * (n / prev_n) ** 2 > deadline:
                    skipped.append((name, n))
                    last[name] = (prev_n, -1.0)  # stopped: no longer lengths for this layer
                    continue
            if on_progress:
                on_progress((done - 1) / total, f"{name} n={n}")
            started = time.perf_counter()
            measurements.append(_measure(layer, x, name, n, repeats, min_timing_s))
            last[name] = (n, time.perf_counter() - started)
    if on_progress:
        on_progress(1.0, "")
    return CostResult(measurements, skipped)


@torch.inference_mode()
def _measure(layer: nn.Module, x: torch.Tensor, name: str, n: int, repeats: int, min_timing_s: float) -> Measurement:
    start = time.perf_counter()
    layer(x)  # warm-up
    calls = max(1, min(1000, math.ceil(min_timing_s / max(time.perf_counter() - start, 1e-9))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            layer(x)
        times.append((time.perf_counter() - start) / calls)
    with PeakMemory() as memory:
        layer(x)
    return Measurement(name, n, min(times), statistics.median(times), memory.peak)


@dataclass(frozen=True)
class Fit:
    """cost ≈ c·n^p fitted by least squares on log-log axes.

    Attributes:
        exponent: p, the slope of log(cost) against log(n); NaN with fewer than 2 points.
        stderr: the slope's standard error, from the scatter of the points around the line
            (NaN with fewer than 3 points: two points always lie on a line).
        points: how many (n, cost) points were fitted.
    """

    exponent: float
    stderr: float
    points: int

    @property
    def text(self) -> str:
        """The exponent and its standard error as "1.93 ± 0.05"; just p with no stderr, "—" with no fit."""
        if not math.isfinite(self.exponent):
            return "—"
        return f"{self.exponent:.2f}" + (f" ± {self.stderr:.2f}" if math.isfinite(self.stderr) else "")


def fit_exponent(ns: list[int], values: list[float]) -> Fit:
    """Least-squares line log(value) = p·log(n) + c through the points, with the standard error of p."""
    if len(ns) < 2:
        return Fit(float("nan"), float("nan"), len(ns))
    x, y = np.log(np.asarray(ns, dtype=float)), np.log(np.maximum(np.asarray(values, dtype=float), 1e-12))
    x_centred = x - x.mean()
    sxx = float((x_centred**2).sum())
    slope = float((x_centred * (y - y.mean())).sum() / sxx)
    if len(ns) < 3:
        return Fit(slope, float("nan"), len(ns))
    residuals = y - y.mean() - slope * x_centred
    return Fit(slope, math.sqrt(float((residuals**2).sum()) / (len(ns) - 2) / sxx), len(ns))


def exponents(result: CostResult, what: str) -> dict[str, Fit]:
    """The fitted exponent p (cost ∝ n^p) of ``what`` ("seconds" or "peak_bytes") for every layer."""
    return {layer: fit_exponent(*result.series(layer, what)) for layer in LAYERS}


def fastest_growth_question(result: CostResult | None) -> Question:
    """When n doubles (d fixed), whose work per layer grows the most? Graded by Table 1, not by the clock.

    Self-attention's O(n²·d) grows as n², the others' as n: the answer is self-attention
    whatever this server measured. With a ``result`` the explanation also quotes the measured
    time exponent of that layer (p ± its standard error) as evidence.
    """
    best = max(LAYERS, key=EXPECTED_EXPONENT.get)
    params = {"p": str(EXPECTED_EXPONENT[best]), "factor": str(2 ** EXPECTED_EXPONENT[best])}
    fit = None if result is None else exponents(result, "seconds")[best]
    if fit is not None and math.isfinite(fit.exponent):
        params |= {"measured": fit.text, "points": str(fit.points), "measured_factor": f"{2 ** fit.exponent:.1f}"}
    return Question(
        prompt="lesson8_q_prompt",
        options=tuple(f"lesson8_layer_{layer}" for layer in LAYERS),
        answer=LAYERS.index(best),
        explanation="lesson8_q_explain_measured" if "measured" in params else "lesson8_q_explain",
        explanation_params=params,
        translate=True,
    )
