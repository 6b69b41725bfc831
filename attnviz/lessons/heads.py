"""Read-only float32 CPU copies of one attention head's weights, and the projection x·W + b."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float


@dataclass(frozen=True)
class HeadWeights:
    """One head's projections: ``W_Q, W_K, W_V [d_model, d_head]``, ``b_Q, b_K, b_V [d_head]``."""

    W_Q: Float[torch.Tensor, "d_model d_head"]
    b_Q: Float[torch.Tensor, "d_head"]
    W_K: Float[torch.Tensor, "d_model d_head"]
    b_K: Float[torch.Tensor, "d_head"]
    W_V: Float[torch.Tensor, "d_model d_head"]
    b_V: Float[torch.Tensor, "d_head"]


def head_weights(model, layer: int, head: int) -> HeadWeights:
    """Copies of head ``head`` of layer ``layer``'s weights (float32, CPU), detached from the model.

    The copies are new tensors, so nothing done with them can change the shared model.

    Raises:
        IndexError: for a layer or head the model does not have.
    """
    cfg = model.config
    if not (0 <= layer < cfg.n_layers and 0 <= head < cfg.n_heads):
        raise IndexError(f"layer {layer}, head {head} is outside the model's {cfg.n_layers} layers x {cfg.n_heads} heads")
    attn = model.network.blocks[layer].attn
    with torch.no_grad():
        parts = {name: getattr(attn, name)[head].detach().float().cpu().clone() for name in ("W_Q", "b_Q", "W_K", "b_K", "W_V", "b_V")}
    return HeadWeights(**parts)


def project(
    x: Float[torch.Tensor, "pos d_model"], W: Float[torch.Tensor, "d_model d_head"], b: Float[torch.Tensor, "d_head"]
) -> Float[torch.Tensor, "pos d_head"]:
    """x·W + b: one head's query, key or value vectors for every position (Vaswani et al. 2017, section 3.2.2)."""
    return torch.addmm(b, x, W)
