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


@contextmanager
def ablating(model: nn.Module, heads: list[tuple[int, int]], how: str = "zero") -> Iterator[None]:
    """While the ``with`` block runs, replace the output z of the given (layer, head) pairs.

    A head's z (its slice of ``blocks.{l}.attn.hook_z``, ``[batch, pos, head, d_head]``)
    is what reaches W_O, so ablating it removes the head's whole contribution to the
    residual stream. ``how="zero"``: zeros; ``how="mean"``: the head's mean z over the
    positions of the same run (mean ablation keeps the average contribution and removes
    what depends on the token). A forward hook that returns the new value (PyTorch's
    mechanism); hooks registered after it, such as a capture's, see the ablated z.

    Raises:
        ValueError: for an unknown ``how``.
    """
    if how not in ("zero", "mean"):
        raise ValueError(f'ablation must be "zero" or "mean", not {how!r}')
    by_layer: dict[int, list[int]] = {}
    for layer, head in heads:
        by_layer.setdefault(layer, []).append(head)

    def replace(chosen: list[int]):
        def hook(module: nn.Module, args: tuple, z: torch.Tensor) -> torch.Tensor:
            z = z.clone()
            z[:, :, chosen] = 0 if how == "zero" else z[:, :, chosen].mean(dim=1, keepdim=True)
            return z

        return hook

    handles = [model.get_submodule(f"blocks.{layer}.attn.hook_z").register_forward_hook(replace(chosen)) for layer, chosen in by_layer.items()]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
