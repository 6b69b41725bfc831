"""Hook points: named identity modules where a run's intermediates can be read.

A hook point's name is its module path, e.g. ``blocks.3.attn.hook_pattern`` (as in
TransformerLens). It returns its input unchanged; reading a value means registering a
forward hook on it (PyTorch's own mechanism, nothing is monkeypatched). ``recording``
does that for a capture: each named point's value is copied into a ``[layer, ...]``
tensor as it passes.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn


class HookPoint(nn.Module):
    """Returns its input unchanged; exists so that a forward hook can see the tensor."""

    @property
    def observed(self) -> bool:
        """Whether a forward hook reads this point's value."""
        return bool(self._forward_hooks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def hook_points(model: nn.Module) -> dict[str, HookPoint]:
    """Every hook point of ``model`` by its module path, in order of definition."""
    return {name: module for name, module in model.named_modules() if isinstance(module, HookPoint)}


@contextmanager
def recording(model: nn.Module, fields: dict[str, list[str]]) -> Iterator[dict[str, torch.Tensor]]:
    """While the ``with`` block runs, store what passes the named hook points.

    Args:
        fields: for each field name, the hook names of its layers in order, e.g.
            ``{"z": ["blocks.0.attn.hook_z", "blocks.1.attn.hook_z"]}``.

    Yields:
        A dict filled as the model runs: field -> ``[layer, *value.shape]``, the value
        seen at the field's i-th hook point in row i (a copy; the model's own tensors are
        free to go as in an unobserved run).

    Raises:
        AttributeError: for a name that is not a module of ``model``.
    """
    stored: dict[str, torch.Tensor] = {}

    def store(field: str, layer: int, n_layers: int):
        def hook(module: nn.Module, args: tuple, value: torch.Tensor) -> None:
            if field not in stored:
                stored[field] = value.new_empty((n_layers, *value.shape))
            stored[field][layer].copy_(value)

        return hook

    handles = [
        model.get_submodule(name).register_forward_hook(store(field, layer, len(names)))
        for field, names in fields.items()
        for layer, name in enumerate(names)
    ]
    try:
        yield stored
    finally:
        for handle in handles:
            handle.remove()
