"""Lesson 5: why queries and keys need different matrices W_Q and W_K.

With one shared matrix (Q = K = XW + b) the scores are S = (XW + b)(XW + b)ᵀ/√d: S is
symmetric (token i scores j exactly as j scores i), and its diagonal S_ii = |q_i|²/√d is by
Cauchy–Schwarz at least as large as S_ij whenever |q_j| ≤ |q_i|, so tokens tend to attend to
themselves. Separate matrices let "what I look for" (query) differ from "what I offer" (key).

The shared variant is computed functionally from the real head's input and weights; the
model was trained with separate matrices, so the variant shows what sharing would do to
this head's geometry, not a trained alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.analysis.heads import HeadWeights, project
from attnviz.lessons.quiz import Question
from attnviz.model.attention import apply_mask, attention_scores, softmax_pattern
from attnviz.model.capture import Capture


def head_scores(
    q: Float[torch.Tensor, "pos d_head"], k: Float[torch.Tensor, "pos d_head"]
) -> Float[torch.Tensor, "query_pos key_pos"]:
    """q·kᵀ/√d_head with the model's own ``attention_scores``."""
    return attention_scores(q[None, :, None], k[None, :, None])[0, 0]  # [1, pos, 1, d_head] -> [query_pos, key_pos]


def shared_scores(
    x: Float[torch.Tensor, "pos d_model"], weights: HeadWeights, shared: str = "Q"
) -> Float[torch.Tensor, "query_pos key_pos"]:
    """The head's scores with one matrix for both sides: (xW + b)(xW + b)ᵀ/√d_head.

    Args:
        x: the layer's input (``cap.resid_pre[layer]``).
        shared: "Q" uses (W_Q, b_Q) for keys too; "K" uses (W_K, b_K) for queries too.
    """
    W, b = (weights.W_Q, weights.b_Q) if shared == "Q" else (weights.W_K, weights.b_K)
    p = project(x, W, b)  # [pos, d_head]
    return head_scores(p, p)


def symmetry_error(scores: Float[torch.Tensor, "n n"]) -> float:
    """max |S − Sᵀ|: 0 for a symmetric score matrix."""
    return float((scores - scores.T).abs().max())


def diagonal_weight(pattern: Float[torch.Tensor, "n n"]) -> float:
    """The mean weight a token puts on itself: mean of the pattern's diagonal."""
    return float(pattern.diagonal().mean())


def self_argmax_fraction(pattern: Float[torch.Tensor, "n n"]) -> float:
    """The fraction of queries whose largest weight is on themselves."""
    return float((pattern.argmax(-1) == torch.arange(pattern.shape[0])).float().mean())


@dataclass(frozen=True)
class AllHeads:
    """Diagonal weight and symmetry error of every head, actual vs shared: each ``[layer, head]``."""

    diagonal_actual: Float[torch.Tensor, "layer head"]
    diagonal_shared: Float[torch.Tensor, "layer head"]
    symmetry_actual: Float[torch.Tensor, "layer head"]
    symmetry_shared: Float[torch.Tensor, "layer head"]


def compare_all_heads(cap: Capture) -> AllHeads:
    """For every head of a capture: the actual pattern vs the pattern with keys made from W_Q.

    With W_K := W_Q (and b_K := b_Q) the keys equal the captured queries, so the shared scores
    are q·qᵀ/√d_head, computed from ``cap.q`` alone. The capture's mask applies to both.
    """
    actual_scores = cap.attn_scores_raw  # [layer, head, query_pos, key_pos]
    shared = attention_scores(cap.q, cap.q)
    mats = {"actual": actual_scores, "shared": shared}
    diag = {name: softmax_pattern(apply_mask(s, cap.attn_mask[None])).diagonal(dim1=-2, dim2=-1).mean(-1) for name, s in mats.items()}
    sym = {name: (s - s.transpose(-1, -2)).abs().amax(dim=(-1, -2)) for name, s in mats.items()}
    return AllHeads(diag["actual"], diag["shared"], sym["actual"], sym["shared"])


def diagonal_question(layer: int, head: int, actual: float, shared: float) -> Question:
    """With one shared matrix, does the weight tokens put on themselves go up or down in this head?"""
    return Question(
        prompt="lesson5_q_prompt",
        params={"layer": layer, "head": head},
        options=("lesson5_up", "lesson5_down"),
        answer=0 if shared > actual else 1,
        explanation="lesson5_q_explain",
        explanation_params={"actual": f"{actual:.3f}", "shared": f"{shared:.3f}"},
        translate=True,
    )
