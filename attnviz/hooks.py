"""Hook points: named identity modules where a run's intermediates can be read.

A hook point's name is its module path, e.g. ``blocks.3.attn.hook_pattern``; capturing
registers a forward hook on it (PyTorch's own mechanism, nothing is monkeypatched).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial
from typing import Iterator

import torch
from torch import nn


class HookPoint(nn.Module):
    """Returns its input unchanged; exists so that a forward hook can see the tensor.

    ``out`` is, while capturing with a preallocated buffer, the tensor the operation that
    feeds this hook point writes its result into (so a capture of ``[layer, ...]`` needs no
    stacking copy); ``None`` otherwise.
    """

    def __init__(self):
        super().__init__()
        self.out: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of ``model`` by its module path, in execution order of definition."""
    return {name: module for name, module in model.named_modules() if isinstance(module, HookPoint)}


@contextmanager
def capturing(model: nn.Module, sinks: dict[str, torch.Tensor]) -> Iterator[None]:
    """While the ``with`` block runs, write each named hook point's output into its sink.

    ``sinks`` maps hook names to preallocated tensors of the hooked output's shape. Each
    sink is offered to the operation that feeds its hook point (``HookPoint.out``); one that
    wrote there needs no copy, any other output is copied in by a forward hook. The model's
    own tensors are then free to be reused as in an uncaptured run. Not thread-safe: one
    capture per model at a time.

    Raises:
        KeyError: for a name that is not a hook point of ``model``.
    """
    points = hook_points(model)
    handles = []
    try:
        for name, sink in sinks.items():
            points[name].out = sink
            handles.append(points[name].register_forward_hook(partial(_write_into, sink)))
        yield
    finally:
        for handle in handles:
            handle.remove()
        for name in sinks:
            points[name].out = None


def _write_into(sink: torch.Tensor, _module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
    if output.data_ptr() != sink.data_ptr():
        sink.copy_(output)
