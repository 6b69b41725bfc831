"""Hook points: named identity modules where a run's intermediates can be read.

A hook point's name is its module path, e.g. ``blocks.3.attn.hook_pattern``; capturing
registers a forward hook on it (PyTorch's own mechanism, nothing is monkeypatched).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


class HookPoint(nn.Module):
    """Returns its input unchanged; exists so that a capture (or a forward hook) can see the tensor.

    ``out`` is, while capturing, the preallocated tensor this point's value belongs in:
    the operation that feeds the point may write its result there directly (so a capture
    of ``[layer, ...]`` needs no stacking copy); any other value is copied in here, and the
    (contiguous) copy is passed on. ``None`` otherwise.
    """

    def __init__(self):
        super().__init__()
        self.out: torch.Tensor | None = None

    @property
    def observed(self) -> bool:
        """Whether anything reads this point's value: a capture sink or a forward hook."""
        return self.out is not None or bool(self._forward_hooks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.out is None:
            return x
        if x.data_ptr() != self.out.data_ptr():
            self.out.copy_(x)
        return self.out


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of ``model`` by its module path, in execution order of definition."""
    return {name: module for name, module in model.named_modules() if isinstance(module, HookPoint)}


@contextmanager
def capturing(model: nn.Module, sinks: dict[str, torch.Tensor]) -> Iterator[None]:
    """While the ``with`` block runs, write each named hook point's output into its sink.

    ``sinks`` maps hook names to preallocated tensors of the hooked output's shape. Each
    sink is offered to the operation that feeds its hook point (``HookPoint.out``); one that
    wrote there needs no copy, any other output is copied in by the hook point itself (no
    forward hooks are registered, which keeps a capture as fast as a plain run). The
    model's own tensors are then free to be reused as in an uncaptured run. Not
    thread-safe: one capture per model at a time.

    Raises:
        KeyError: for a name that is not a hook point of ``model``.
    """
    points = getattr(model, "_attnviz_hook_points", None)
    if points is None:  # found once per model: walking the module tree costs about a millisecond
        points = hook_points(model)
        model._attnviz_hook_points = points  # a plain attribute: nn.Module registers only modules and tensors
    try:
        for name, sink in sinks.items():
            points[name].out = sink
        yield
    finally:
        for name in sinks:
            if name in points:
                points[name].out = None
