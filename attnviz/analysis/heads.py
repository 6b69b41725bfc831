"""One attention head's weights, sliced out of a loaded network: the one place that does it.

A layer's attention keeps every head's projections side by side (``W_Q [head, d_model,
d_head]``, ``W_K``, ``W_V [kv_head, d_model, d_head]``, ``W_O [head, d_head, d_model]``:
``attnviz.model.layers.Attention``). Query head h reads the keys and values of key/value
head ``kv_head_of[h]`` (grouped-query attention, Ainslie et al. 2023; the same head
without it). A model without biases (Llama) has zero biases here.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.errors import PositionError
from attnviz.model.attention import kv_head_of


def check_index(name: str, value: int, n: int) -> int:
    """``value`` if ``0 <= value < n``.

    Raises:
        PositionError: otherwise, naming the allowed range.
    """
    if not 0 <= value < n:
        raise PositionError(name=name, value=value, n=n)
    return value


def copy_weight(tensor: torch.Tensor) -> Float[torch.Tensor, "..."]:
    """A float32 CPU copy of a model weight, detached: nothing done with it changes the shared model."""
    return tensor.detach().float().cpu().clone()


@dataclass(frozen=True)
class HeadWeights:
    """One head's weights, float32 CPU copies (q = x·W_Q + b_Q, Vaswani et al. 2017, section 3.2.2).

    Attributes:
        layer, head: which head; kv_head: the key/value head it reads (``head`` without GQA).
        W_Q, W_K, W_V: ``[d_model, d_head]``; b_Q, b_K, b_V: ``[d_head]`` (zeros without biases).
        W_O: ``[d_head, d_model]``, this head's rows of the output projection.
    """

    layer: int
    head: int
    kv_head: int
    W_Q: Float[torch.Tensor, "d_model d_head"]
    b_Q: Float[torch.Tensor, "d_head"]
    W_K: Float[torch.Tensor, "d_model d_head"]
    b_K: Float[torch.Tensor, "d_head"]
    W_V: Float[torch.Tensor, "d_model d_head"]
    b_V: Float[torch.Tensor, "d_head"]
    W_O: Float[torch.Tensor, "d_head d_model"]


def head_weights(model, layer: int, head: int) -> HeadWeights:
    """Copies of head ``head`` of layer ``layer``'s weights (float32, CPU), detached from ``model``.

    Args:
        model: a loaded ``HookedTransformer``; its weights are read, never changed.

    Raises:
        PositionError: for a layer or head the model does not have.
    """
    cfg = model.config
    check_index("layer", layer, cfg.n_layers)
    check_index("head", head, cfg.n_heads)
    attn = model.network.blocks[layer].attn
    kv = int(kv_head_of(cfg.n_heads, attn.W_K.shape[0])[head])
    parts = {}
    for name, index in (("Q", head), ("K", kv), ("V", kv)):
        weight = copy_weight(getattr(attn, f"W_{name}")[index])  # [d_model, d_head]
        bias = getattr(attn, f"b_{name}")
        parts[f"W_{name}"] = weight
        parts[f"b_{name}"] = torch.zeros(weight.shape[1]) if bias is None else copy_weight(bias[index])
    return HeadWeights(layer=layer, head=head, kv_head=kv, W_O=copy_weight(attn.W_O[head]), **parts)


def output_projection(model, layer: int) -> tuple[Float[torch.Tensor, "head_d_head d_model"], Float[torch.Tensor, "d_model"]]:
    """Layer ``layer``'s W_O as one ``[head·d_head, d_model]`` matrix (the heads' rows stacked) and b_O
    ``[d_model]`` (zeros without biases): MultiHead = Concat(z_0, …, z_h)·W_O + b_O.

    Raises:
        PositionError: for a layer the model does not have.
    """
    check_index("layer", layer, model.config.n_layers)
    attn = model.network.blocks[layer].attn
    W_O = copy_weight(attn.W_O).flatten(0, 1)  # [head, d_head, d_model] -> [head·d_head, d_model]
    return W_O, torch.zeros(W_O.shape[1]) if attn.b_O is None else copy_weight(attn.b_O)


def project(
    x: Float[torch.Tensor, "pos d_model"], W: Float[torch.Tensor, "d_model d_head"], b: Float[torch.Tensor, "d_head"]
) -> Float[torch.Tensor, "pos d_head"]:
    """x·W + b: one head's query, key or value vectors for every position (Vaswani et al. 2017, section 3.2.2)."""
    return torch.addmm(b, x, W)
