"""Scaled dot-product attention as pure functions: the math the lessons show.

Vaswani et al. 2017, "Attention Is All You Need", Eq. 1:

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V

A mask is applied between the scaling and the softmax: a position a query may not
attend to gets the most negative finite value of the dtype (``torch.finfo(dtype).min``,
as Hugging Face does), so its weight after the softmax is exactly 0 and no NaN can
appear. Masks are boolean, True where a query may attend.
"""

from __future__ import annotations

import math

import torch
from jaxtyping import Bool, Float

from attnviz.errors import InvalidMaskError


def attention_scores(
    q: Float[torch.Tensor, "batch query_pos head d_head"],
    k: Float[torch.Tensor, "batch key_pos head d_head"],
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Q·Kᵀ/√d_head for every head: the attention scores before the mask.

    Dividing by √d_head keeps the scores' variance near 1 when q and k have unit-variance
    entries, so the softmax does not saturate (Vaswani et al. 2017, section 3.2.1). The
    dot products are computed first and then multiplied by ``d_head ** -0.5``.

    Args:
        out: optional contiguous ``[batch, head, query_pos, key_pos]`` tensor to write into.
    """
    scores = torch.matmul(q.transpose(1, 2), k.permute(0, 2, 3, 1), out=out)  # [batch, head, query_pos, key_pos]
    return scores.mul_(q.shape[-1] ** -0.5)


def apply_mask(
    scores: Float[torch.Tensor, "batch head query_pos key_pos"],
    attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Replace the scores where ``attn_mask`` is False by ``torch.finfo(dtype).min``.

    ``attn_mask=None`` means every query may attend to every key: the scores are returned
    as they are (the same tensor, not a copy).
    """
    if attn_mask is None:
        return scores
    return scores.masked_fill(~attn_mask[:, None], torch.finfo(scores.dtype).min)


def softmax_pattern(
    scores: Float[torch.Tensor, "batch head query_pos key_pos"],
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Softmax over the keys, computed in float32 and returned in the scores' dtype.

    Args:
        out: optional contiguous tensor of the scores' shape and dtype to write into.
    """
    if scores.dtype == torch.float32:
        return torch.softmax(scores, dim=-1, out=out)
    pattern = torch.softmax(scores.float(), dim=-1).to(scores.dtype)
    return pattern if out is None else out.copy_(pattern)


def weighted_values(
    pattern: Float[torch.Tensor, "batch head query_pos key_pos"],
    v: Float[torch.Tensor, "batch key_pos head d_head"],
) -> Float[torch.Tensor, "batch query_pos head d_head"]:
    """z_i = Σ_j pattern[i, j] · v_j for every head."""
    return torch.matmul(pattern, v.transpose(1, 2)).transpose(1, 2)  # [batch, query_pos, head, d_head]


def padding_attn_mask(
    padding_mask: torch.Tensor,
) -> Bool[torch.Tensor, "batch query_pos key_pos"]:
    """Turn a Hugging Face 0/1 ``padding_mask`` ``[batch, key_pos]`` into a boolean mask.

    Every query may attend to every real (1) key; padded keys (0) are hidden from all queries.
    """
    keep = padding_mask.bool()  # [batch, key_pos]
    return keep[:, None, :].expand(-1, keep.shape[1], -1)


def causal_attn_mask(n: int, device: torch.device | str = "cpu") -> Bool[torch.Tensor, "query_pos key_pos"]:
    """The decoder's lower triangle: query i may attend to keys 0..i."""
    return torch.ones(n, n, dtype=torch.bool, device=device).tril()


def check_attn_mask(attn_mask: torch.Tensor, n: int) -> Bool[torch.Tensor, "query_pos key_pos"]:
    """Validate a user-given mask ``[query_pos, key_pos]`` for a sequence of ``n`` tokens.

    Raises:
        InvalidMaskError: if it is not boolean, not ``[n, n]``, or a query may attend to nothing.
    """
    if not isinstance(attn_mask, torch.Tensor) or attn_mask.dtype != torch.bool:
        raise InvalidMaskError(detail="the mask must be a torch.bool tensor (True where a query may attend)")
    if tuple(attn_mask.shape) != (n, n):
        raise InvalidMaskError(detail=f"the mask has shape {tuple(attn_mask.shape)}, it must be [{n}, {n}] for {n} tokens")
    empty = (~attn_mask.any(dim=-1)).nonzero().flatten().tolist()
    if empty:
        raise InvalidMaskError(detail=f"query position(s) {empty} may attend to no key; allow at least one key per row")
    return attn_mask
