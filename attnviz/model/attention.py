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
import torch.nn.functional as F
from einops import rearrange, repeat
from jaxtyping import Bool, Float, Int

from attnviz.errors import InvalidMaskError


def attention_scores(
    q: Float[torch.Tensor, "batch query_pos head d_head"],
    k: Float[torch.Tensor, "batch key_pos kv_head d_head"],
    scale: float | None = None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Q·Kᵀ/√d_head for every head: the attention scores before the mask.

    Dividing by √d_head keeps the scores' variance near 1 when q and k have unit-variance
    entries, so the softmax does not saturate (Vaswani et al. 2017, section 3.2.1). The
    dot products are computed first and then multiplied by ``d_head ** -0.5``, as Hugging
    Face's eager attention does.

    Grouped-query attention (Ainslie et al. 2023): ``k`` may have fewer heads than ``q``;
    query head h then uses key head ``h // (head / kv_head)`` (see ``kv_head_of``).

    ``scale``: the factor instead of ``d_head ** -0.5`` (T5 uses 1.0: Raffel et al. 2020
    fold the scaling into the initialisation of W_Q).

    Raises:
        ValueError: if the number of query heads is not a multiple of the key heads.
    """
    queries = rearrange(q, "b q h d -> b h q d").contiguous()
    keys = rearrange(repeat_kv(k, q.shape[2]), "b k h d -> b h d k").contiguous()  # each query head's key head
    factor = q.shape[-1] ** -0.5 if scale is None else scale
    return torch.matmul(queries, keys).mul_(factor)  # [batch, head, query_pos, key_pos]


def repeat_kv(
    x: Float[torch.Tensor, "batch pos kv_head d_head"], n_heads: int
) -> Float[torch.Tensor, "batch pos head d_head"]:
    """Each key/value head repeated for the query heads that share it (grouped-query attention).

    A view when no repetition is needed (as many key/value heads as query heads).

    Raises:
        ValueError: if ``n_heads`` is not a multiple of the key/value heads.
    """
    kv = x.shape[2]
    if n_heads % kv:
        raise ValueError(f"q has {n_heads} heads and k {kv}: the query heads must be a whole multiple of the key heads")
    return x if kv == n_heads else repeat(x, "b n kv d -> b n (kv g) d", g=n_heads // kv)


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
    scores: Float[torch.Tensor, "batch head query_pos key_pos"], out: torch.Tensor | None = None
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """Softmax over the keys, computed in float32 and returned in the scores' dtype
    (written into ``out``, a float32 tensor of the scores' shape, if given)."""
    if out is not None:
        return torch.softmax(scores.float(), dim=-1, out=out)
    return torch.softmax(scores.float(), dim=-1).to(scores.dtype)


def attention_pattern(
    q: Float[torch.Tensor, "batch query_pos head d_head"],
    k: Float[torch.Tensor, "batch key_pos kv_head d_head"],
    attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "batch head query_pos key_pos"]:
    """softmax(mask(Q·Kᵀ/√d_head)): the attention pattern, each row summing to 1.

    The explicit attention of Vaswani et al. 2017, Eq. 1, up to the product with V: the
    function a capture derives its patterns with, and the lessons show. ``out``: an
    optional float32 tensor of the pattern's shape to write it into.
    """
    scores = attention_scores(q, k)
    if attn_mask is not None:  # as apply_mask, in place: the scores are this function's own
        scores.masked_fill_(~attn_mask[:, None], torch.finfo(scores.dtype).min)
    return softmax_pattern(scores, out)


def weighted_values(
    pattern: Float[torch.Tensor, "batch head query_pos key_pos"],
    v: Float[torch.Tensor, "batch key_pos kv_head d_head"],
) -> Float[torch.Tensor, "batch query_pos head d_head"]:
    """z_i = Σ_j pattern[i, j] · v_j for every head.

    ``v`` may have fewer heads than ``pattern`` (grouped-query attention): query head h
    reads value head ``h // (head / kv_head)``, as in ``attention_scores``.
    """
    return torch.einsum("bhqk,bkhd->bqhd", pattern, repeat_kv(v, pattern.shape[1]))


def fused_attention(
    q: Float[torch.Tensor, "batch query_pos head d_head"],
    k: Float[torch.Tensor, "batch key_pos kv_head d_head"],
    v: Float[torch.Tensor, "batch key_pos kv_head d_head"],
    attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
    causal: bool,
) -> Float[torch.Tensor, "batch query_pos head d_head"]:
    """``weighted_values(attention_pattern(q, k, mask), v)`` in PyTorch's fused kernel.

    ``torch.nn.functional.scaled_dot_product_attention`` computes the same softmax(QKᵀ/√d)V
    block by block and never holds the ``[head, query_pos, key_pos]`` pattern: memory
    linear in the length instead of quadratic. Used where nothing observes the pattern
    (a capture derives it from q and k afterwards). ``causal`` with ``attn_mask=None``
    means the lower triangle; a given mask already holds whatever it hides.
    """
    qh, kh, vh = (rearrange(x, "b n h d -> b h n d") for x in (q, k, v))
    mask = None if attn_mask is None else attn_mask[:, None]  # [batch, 1, query_pos, key_pos]: True = may attend, as ours
    z = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask, is_causal=causal and mask is None, enable_gqa=kh.shape[1] != qh.shape[1])
    return rearrange(z, "b h n d -> b n h d")


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
) -> Float[torch.Tensor, "batch pos head d_head"]:
    """Rotate each dimension pair (i, i + d_head/2) of x at position m by the angle m·θ_i.

    (x_i, x_j) -> (x_i cos − x_j sin, x_j cos + x_i sin), Su et al. 2021, Eq. 34. After the
    rotation, q_m·k_n depends on the positions only through m − n. With ``-sin`` it
    rotates back (the rotation's inverse).
    """
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)  # [batch, pos, head, d_head]
    return x * cos[:, None] + rotated * sin[:, None]


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
