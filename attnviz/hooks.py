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
    """Returns its input unchanged; exists so that a forward hook can see the tensor."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of ``model`` by its module path, in execution order of definition."""
    return {name: module for name, module in model.named_modules() if isinstance(module, HookPoint)}


@contextmanager
def capturing(model: nn.Module, names: list[str]) -> Iterator[dict[str, torch.Tensor]]:
    """Record the output of each named hook point during the ``with`` block.

    Yields a dict filled by the forward pass: hook name -> the tensor that passed through
    it (not copied; the model never modifies a hooked tensor in place).

    Raises:
        KeyError: for a name that is not a hook point of ``model``.
    """
    points = hook_points(model)
    store: dict[str, torch.Tensor] = {}
    handles = []
    try:
        for name in names:
            def record(_module, _inputs, output, name=name):
                store[name] = output

            handles.append(points[name].register_forward_hook(record))
        yield store
    finally:
        for handle in handles:
            handle.remove()
