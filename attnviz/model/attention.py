"""Scaled dot-product attention as pure functions: the math the lessons show.

Vaswani et al. 2017, "Attention Is All You Need", Eq. 1:

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V

A mask is applied between the scaling and the softmax: a position a query may not
attend to gets the most negative finite value of the dtype (``torch.finfo(dtype).min``,
as Hugging Face does), so its weight after the softmax is exactly 0 and no NaN can
appear. Masks are boolean, True where a query may attend.

Decoders add rotary position embeddings (RoPE, Su et al. 2021), which rotate q and k
before their product, and grouped-query attention (Ainslie et al. 2023), where several
query heads share one key/value head.
"""

from __future__ import annotations

import torch
from jaxtyping import Bool, Float, Int

from attnviz.errors import InvalidMaskError


def attention_scores(
    q: Float[torch.Tensor, "batch query_pos head d_head"],
    k: Float[torch.Tensor, "batch key_pos kv_head d_head"],
    bias: Float[torch.Tensor, "batch query_pos key_pos"] | None = None,
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Q·Kᵀ/√d_head for every head: the attention scores, before the mask or with it.

    Dividing by √d_head keeps the scores' variance near 1 when q and k have unit-variance
    entries, so the softmax does not saturate (Vaswani et al. 2017, section 3.2.1). The
    dot products are computed first and then multiplied by ``d_head ** -0.5``.

    Grouped-query attention (Ainslie et al. 2023): ``k`` may have fewer heads than ``q``;
    query head h then uses key head ``h // (head / kv_head)`` (see ``kv_head_of``).

    Args:
        bias: optional float ``[batch, query_pos, key_pos]`` (or ``[1, ...]`` for every
            batch element) added to the scaled scores in the same matrix product, e.g.
            ``mask_bias(attn_mask)``: the masked scores then come out of one pass (0 is
            added exactly, so unmasked scores equal those computed without a bias).
        out: optional contiguous ``[batch, head, query_pos, key_pos]`` tensor to write into.

    Raises:
        ValueError: if the number of query heads is not a multiple of the key heads.
    """
    batch, n_q, h, d = q.shape
    n_k, kv = k.shape[1], k.shape[2]
    if h % kv:
        raise ValueError(f"q has {h} heads and k {kv}: the query heads must be a whole multiple of the key heads")
    queries = q.transpose(1, 2).reshape(batch * h, n_q, d)
    keys = k.permute(0, 2, 3, 1)[:, :, None].expand(batch, kv, h // kv, d, n_k).reshape(batch * h, d, n_k)
    target = None if out is None else out.view(batch * h, n_q, n_k)
    if bias is None:
        scores = torch.bmm(queries, keys, out=target).mul_(d**-0.5)
    else:  # one product: d_head^-0.5 · q·kᵀ + bias (the scaling is applied to the finished dot products)
        bias = bias[0] if bias.shape[0] == 1 else bias[:, None].expand(-1, h, -1, -1).reshape(batch * h, n_q, n_k)
        scores = torch.baddbmm(bias, queries, keys, alpha=d**-0.5, out=target)
    return scores.view(batch, h, n_q, n_k)


def mask_bias(
    attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"], dtype: torch.dtype = torch.float32
) -> Float[torch.Tensor, "batch query_pos key_pos"]:
    """The additive form of a boolean mask: 0 where a query may attend, ``torch.finfo(dtype).min`` elsewhere.

    Added to the scores (``attention_scores(q, k, bias)``) it gives what ``apply_mask``
    gives: a score plus ``finfo.min`` rounds to ``finfo.min`` for any score smaller than
    about 1e31 in magnitude, and a score plus 0 is the score.
    """
    return torch.zeros(attn_mask.shape, dtype=dtype, device=attn_mask.device).masked_fill_(~attn_mask, torch.finfo(dtype).min)


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
    return torch.where(attn_mask[:, None], scores, torch.finfo(scores.dtype).min)  # one pass, a new tensor


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
    v: Float[torch.Tensor, "batch key_pos kv_head d_head"],
) -> Float[torch.Tensor, "batch query_pos head d_head"]:
    """z_i = Σ_j pattern[i, j] · v_j for every head (a view, laid out ``[batch, head, query_pos, d_head]``).

    ``v`` may have fewer heads than ``pattern`` (grouped-query attention): query head h
    reads value head ``h // (head / kv_head)``, as in ``attention_scores``.
    """
    batch, h, n_q, n_k = pattern.shape
    kv, d = v.shape[2], v.shape[3]
    values = v.permute(0, 2, 1, 3)[:, :, None].expand(batch, kv, h // kv, n_k, d).reshape(batch * h, n_k, d)
    return torch.bmm(pattern.reshape(batch * h, n_q, n_k), values).view(batch, h, n_q, d).transpose(1, 2)


def kv_head_of(n_heads: int, n_kv_heads: int) -> Int[torch.Tensor, "head"]:
    """The key/value head each query head uses: ``h // (n_heads / n_kv_heads)``, int64.

    With as many key/value heads as query heads (BERT, GPT-2) it is ``0, 1, ..., n_heads-1``.
    SmolLM2's 9 query heads share 3: ``0 0 0 1 1 1 2 2 2``.

    Raises:
        ValueError: if ``n_heads`` is not a multiple of ``n_kv_heads``.
    """
    if n_kv_heads <= 0 or n_heads % n_kv_heads:
        raise ValueError(f"{n_heads} query heads cannot share {n_kv_heads} key/value heads evenly")
    return torch.arange(n_heads) // (n_heads // n_kv_heads)


def rope_frequencies(d_head: int, theta: float) -> Float[torch.Tensor, "pair"]:
    """The rotation speed of each dimension pair, θ_i = theta^(-2i/d_head), float32 ``[d_head/2]``.

    Su et al. 2021 (RoFormer), Eq. 15. Pair 0 turns by 1 radian per position; later
    pairs turn ever more slowly, so that together they encode near and far distances.
    """
    return 1.0 / (theta ** (torch.arange(0, d_head, 2, dtype=torch.float32) / d_head))


def rope_angles(n: int, d_head: int, theta: float) -> Float[torch.Tensor, "pos pair"]:
    """The angle m·θ_i (radians) by which pair i is rotated at position m: float32 ``[n, d_head/2]``."""
    return torch.arange(n, dtype=torch.float32)[:, None] * rope_frequencies(d_head, theta)[None, :]


def rope_cos_sin(
    n: int, d_head: int, theta: float, device: torch.device | str = "cpu"
) -> tuple[Float[torch.Tensor, "pos d_head"], Float[torch.Tensor, "pos d_head"]]:
    """cos and sin of ``rope_angles``, each repeated for both halves: ``[n, d_head]``.

    Dimension pair i is (i, i + d_head/2), the layout of Hugging Face's Llama (the
    original RoFormer pairs neighbours 2i, 2i+1; the two are the same rotation applied to
    a permuted basis, and checkpoints are stored for the layout they use).
    """
    angles = rope_angles(n, d_head, theta).to(device)
    both = torch.cat([angles, angles], dim=-1)  # [pos, d_head]
    return both.cos(), both.sin()


def apply_rope(
    x: Float[torch.Tensor, "batch pos head d_head"],
    cos: Float[torch.Tensor, "pos d_head"],
    sin: Float[torch.Tensor, "pos d_head"],
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "batch pos head d_head"]:
    """Rotate each dimension pair (i, i + d_head/2) of x at position m by the angle m·θ_i.

    (x_i, x_j) -> (x_i cos − x_j sin, x_j cos + x_i sin), Su et al. 2021, Eq. 34. After the
    rotation, q_m·k_n depends on the positions only through m − n.

    Args:
        out: optional contiguous tensor of x's shape to write into.
    """
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)  # [batch, pos, head, d_head]
    result = torch.mul(x, cos[:, None], out=out)
    return result.addcmul_(rotated, sin[:, None])


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
