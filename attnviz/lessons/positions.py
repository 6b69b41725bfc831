"""Lesson 6: positional encoding, and why attention needs it.

Attention itself has no notion of order: softmax(QKᵀ/√d)V treats its input as a set. If
the tokens of a sentence are permuted by P, then Q, K and V are permuted the same way and
the weights become P·A·Pᵀ — the same numbers, moved. Order enters only through the input,
by adding a position vector to each token's embedding:

- sinusoidal (Vaswani et al. 2017, section 3.5):
  PE(pos, 2i) = sin(pos / 10000^(2i/d_model)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d_model));
- learned (BERT, Devlin et al. 2019): a trained matrix W_pos [max_positions, d_model].

Layer 0 of the bundled model is computed here from its embeddings with and without W_pos
(the first layer sees nothing but the embeddings, so this is exact).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from jaxtyping import Float, Int

from attnviz.analysis.heads import head_weights, project
from attnviz.errors import LessonValueError
from attnviz.lessons.quiz import Question
from attnviz.model.attention import attention_scores, softmax_pattern


def sinusoidal_encoding(n_positions: int, d_model: int) -> Float[torch.Tensor, "pos d_model"]:
    """The sinusoidal position encodings of Vaswani et al. 2017, section 3.5: float32 ``[pos, d_model]``.

    Raises:
        LessonValueError: if ``d_model`` is not a positive even number or ``n_positions`` < 1.
    """
    if d_model < 2 or d_model % 2:
        raise LessonValueError(name="d_model", value=d_model, allowed="an even number ≥ 2")
    if n_positions < 1:
        raise LessonValueError(name="n_positions", value=n_positions, allowed="≥ 1")
    pos = torch.arange(n_positions, dtype=torch.float64)[:, None]  # [pos, 1]
    rates = 10000.0 ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)  # [d_model / 2]: 1 / 10000^(2i/d)
    pe = torch.empty(n_positions, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos * rates)
    pe[:, 1::2] = torch.cos(pos * rates)
    return pe.float()


@dataclass(frozen=True)
class ColourRange:
    """A symmetric colour range ±limit that ignores outliers.

    Attributes:
        limit: max(|1st percentile|, |99th percentile|) of the values.
        clipped: how many values lie outside ±limit (drawn in the end colours).
        largest: the value of largest magnitude; ``largest_at`` its (row, column).
    """

    limit: float
    clipped: int
    largest: float
    largest_at: tuple[int, int]


def robust_range(values: Float[torch.Tensor, "rows cols"], low: float = 1.0, high: float = 99.0) -> ColourRange:
    """The ``low``-th to ``high``-th percentile range of ``values``, made symmetric around 0.

    One outlier (W_pos has a single 1.87 among values mostly within ±0.06) would otherwise
    stretch a colour scale set by the minimum and maximum until every other cell looks white.
    """
    flat = values.detach().float().flatten()
    limit = max(abs(float(torch.quantile(flat, low / 100))), abs(float(torch.quantile(flat, high / 100))), 1e-12)
    index = int(flat.abs().argmax())
    return ColourRange(limit, int((flat.abs() > limit).sum()), float(flat[index]), divmod(index, values.shape[-1]))


def dot_similarity(vectors: Float[torch.Tensor, "pos d"]) -> Float[torch.Tensor, "pos pos"]:
    """Dot product between every pair of position vectors. For the sinusoidal encoding it
    depends only on the distance: PE(p)·PE(p + δ) = Σ_i cos(δ·rate_i)."""
    return vectors @ vectors.T


def embedding_input(
    model, token_ids: Int[torch.Tensor, "pos"], token_type_ids: Int[torch.Tensor, "pos"], with_positions: bool
) -> Float[torch.Tensor, "pos d_model"]:
    """What layer 0 sees: LayerNorm(W_E[ids] + W_token_type[types] (+ W_pos[:n])), float32 CPU.

    With ``with_positions=True`` it is the model's own embedding output (``cap.embed``).
    """
    embed = model.network.embed
    device = embed.W_E.device
    with torch.no_grad():
        summed = embed.W_E[token_ids.to(device)] + embed.W_token_type[token_type_ids.to(device)]
        if with_positions:
            summed = summed + embed.W_pos[: len(token_ids)]
        out = F.layer_norm(summed, (summed.shape[-1],), embed.ln.w, embed.ln.b, embed.ln.eps)
    return out.float().cpu()


def layer0_pattern(
    model, token_ids: Int[torch.Tensor, "pos"], token_type_ids: Int[torch.Tensor, "pos"], head: int, with_positions: bool
) -> Float[torch.Tensor, "query_pos key_pos"]:
    """Head ``head`` of layer 0's attention weights, computed from the embeddings (with or without W_pos)."""
    x = embedding_input(model, token_ids, token_type_ids, with_positions)
    w = head_weights(model, 0, head)
    q, k = project(x, w.W_Q, w.b_Q), project(x, w.W_K, w.b_K)  # [pos, d_head]
    return softmax_pattern(attention_scores(q[None, :, None], k[None, :, None]))[0, 0]


def shuffle_order(n: int, seed: int) -> Int[torch.Tensor, "pos"]:
    """A seeded random order of ``n`` positions that keeps the first and the last in place
    ([CLS] and [SEP] stay where they are); ``order[i]`` is the old position now at i."""
    if n <= 3:
        return torch.arange(n)
    g = torch.Generator().manual_seed(seed)
    middle = torch.randperm(n - 2, generator=g) + 1
    return torch.cat([torch.tensor([0]), middle, torch.tensor([n - 1])])


def permutation_error(
    pattern: Float[torch.Tensor, "pos pos"], pattern_shuffled: Float[torch.Tensor, "pos pos"], order: Int[torch.Tensor, "pos"]
) -> float:
    """max |A_shuffled − P·A·Pᵀ|, where (P·A·Pᵀ)[i, j] = A[order[i], order[j]]: 0 when attention ignores order."""
    return float((pattern_shuffled - pattern[order][:, order]).abs().max())


def shuffled_copy_question(error_with_positions: float) -> Question:
    """With the model's learned positions added, are the shuffled sentence's weights a shuffled copy?"""
    return Question(
        prompt="lesson6_q_prompt",
        options=("lesson_yes", "lesson_no"),
        answer=0 if error_with_positions < 1e-5 else 1,
        explanation="lesson6_q_explain",
        explanation_params={"error": f"{error_with_positions:.3f}"},
        translate=True,
    )
