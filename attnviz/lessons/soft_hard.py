"""Lesson 3: soft, hard, local, self and cross attention, all from the same scores.

Given one head's scores ``s [query_pos, key_pos]``:

- soft (global) attention: w = softmax(s); every key gets a weight in (0, 1).
- hard attention, as simplified here: w is 0 or 1; the key with the highest score gets
  everything (argmax), or the k best keys are selected and averaged (top-k, each gets 1/k).
  Whatever weight the soft version gave the other keys is thrown away. All n² scores are
  still computed. Hard attention in the literature (Xu et al. 2015, "Show, Attend and Tell",
  section 4.1) instead samples one position from the soft weights and, since sampling has
  no gradient, is trained with REINFORCE (Williams 1992).
- local attention: a query sees only the keys within r positions of itself: softmax over a
  window. Centred on the query's own position this is the "self-attention (restricted)" row
  of Vaswani et al. 2017, Table 1, and Luong et al. 2015's local-m (p_t = t, section 3.2,
  which also adds a Gaussian); Luong's local-p predicts the centre p_t. Global/local (which
  keys are scored) is a different distinction from soft/hard (how the weights are made).
- self-attention takes Q, K and V from the same sequence X (by three different matrices);
  cross-attention (encoder–decoder attention; the notes' "general attention") takes Q from
  another sequence Y: softmax((Y W_Q)(X W_K)ᵀ/√d) — a [len(Y), len(X)] map.
"""

from __future__ import annotations

import torch
from jaxtyping import Bool, Float

from attnviz.analysis.heads import HeadWeights, project
from attnviz.errors import LessonValueError
from attnviz.lessons.quiz import Question
from attnviz.model.attention import apply_mask, attention_scores, softmax_pattern


def soft_weights(scores: Float[torch.Tensor, "query_pos key_pos"]) -> Float[torch.Tensor, "query_pos key_pos"]:
    """softmax over the keys: weights in (0, 1), each row sums to 1."""
    return softmax_pattern(scores)


def hard_weights(scores: Float[torch.Tensor, "query_pos key_pos"], k: int = 1) -> Float[torch.Tensor, "query_pos key_pos"]:
    """Hard attention: 1/k on each row's k highest-scoring keys, 0 elsewhere.

    With k = 1 the weights are exactly 0 or 1 (the argmax); each row sums to 1.

    Raises:
        LessonValueError: unless 1 ≤ k ≤ key_pos.
    """
    n_keys = scores.shape[-1]
    if not 1 <= k <= n_keys:
        raise LessonValueError(name="k", value=k, allowed=f"1 … {n_keys}")
    chosen = scores.topk(k, dim=-1).indices  # [query_pos, k]
    return torch.zeros_like(scores, dtype=torch.float32).scatter_(-1, chosen, 1.0 / k)


def work_counts(n: int, k: int) -> dict[str, int]:
    """What one head computes for ``n`` tokens, soft vs top-``k`` hard attention.

    Returns ``scores_soft`` and ``scores_hard`` (both n², since top-k must score every key
    to find the best ones) and ``values_soft`` = n·n, ``values_hard`` = n·k (value vectors
    summed over all queries).
    """
    return {"scores_soft": n * n, "scores_hard": n * n, "values_soft": n * n, "values_hard": n * k}


def local_attn_mask(n: int, radius: int) -> Bool[torch.Tensor, "query_pos key_pos"]:
    """True where |query_pos − key_pos| ≤ radius: each query sees its 2·radius + 1 nearest positions.

    Raises:
        LessonValueError: for a negative radius.
    """
    if radius < 0:
        raise LessonValueError(name="r", value=radius, allowed="≥ 0")
    pos = torch.arange(n)
    return (pos[:, None] - pos[None, :]).abs() <= radius


def local_weights(scores: Float[torch.Tensor, "query_pos key_pos"], radius: int) -> Float[torch.Tensor, "query_pos key_pos"]:
    """softmax over the keys within ``radius`` of each query; keys outside the window get exactly 0."""
    mask = local_attn_mask(scores.shape[-1], radius)
    return softmax_pattern(apply_mask(scores[None, None], mask[None]))[0, 0]


def discarded_weight(
    soft: Float[torch.Tensor, "query_pos key_pos"], kept: Float[torch.Tensor, "query_pos key_pos"]
) -> Float[torch.Tensor, "query_pos"]:
    """The soft weight each query put on keys that ``kept`` gives 0: what hard or local attention throws away."""
    return (soft * (kept == 0)).sum(-1)


def output_change(
    soft: Float[torch.Tensor, "query_pos key_pos"],
    other: Float[torch.Tensor, "query_pos key_pos"],
    v: Float[torch.Tensor, "key_pos d_head"],
) -> Float[torch.Tensor, "query_pos"]:
    """|z_other − z_soft| / |z_soft| per query, with z = weights · v: how far the head's output moves."""
    z_soft, z_other = soft @ v, other @ v  # [query_pos, d_head]
    return (z_other - z_soft).norm(dim=-1) / z_soft.norm(dim=-1)


def general_attention(
    x_queries: Float[torch.Tensor, "query_pos d_model"],
    x_keys: Float[torch.Tensor, "key_pos d_model"],
    weights: HeadWeights,
) -> Float[torch.Tensor, "query_pos key_pos"]:
    """One head's weights when its queries come from one sequence and its keys from another.

    q = x_queries·W_Q + b_Q, k = x_keys·W_K + b_K, weights = softmax(q·kᵀ/√d_head).
    With the same sequence for both, this is the head's own self-attention pattern.
    """
    q = project(x_queries, weights.W_Q, weights.b_Q)  # [query_pos, d_head]
    k = project(x_keys, weights.W_K, weights.b_K)  # [key_pos, d_head]
    scores = attention_scores(q[None, :, None], k[None, :, None])  # [1, 1, query_pos, key_pos]
    return softmax_pattern(scores)[0, 0]


BUCKETS = ("lesson3_bucket_0", "lesson3_bucket_1", "lesson3_bucket_2", "lesson3_bucket_3")


def discarded_question(token: str, discarded: float, layer: int, head: int) -> Question:
    """How much of the token's soft weight does hard attention (k = 1) throw away? Four ranges of 25 %."""
    return Question(
        prompt="lesson3_q_prompt",
        params={"token": token, "layer": layer, "head": head},
        options=BUCKETS,
        answer=min(int(discarded * 4), 3),
        explanation="lesson3_q_explain",
        explanation_params={"token": token, "percent": f"{100 * discarded:.1f}"},
        translate=True,
    )
