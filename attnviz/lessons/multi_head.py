"""Lesson 10: why multi-head attention.

MultiHead(Q, K, V) = Concat(head_1, …, head_h)·W^O with head_i = Attention(Q·W_i^Q, K·W_i^K, V·W_i^V)
(Vaswani et al. 2017, section 3.2.2): each head projects the d_model-wide input into its own
d_k-wide subspace and attends there. With d_k = d_v = d_model/h the h heads together hold
exactly the parameters of one head of full width d_model ("due to the reduced dimension of
each head, the total computational cost is similar to that of single-head attention with
full dimensionality"). The paper uses h = 8, d_k = 64; MiniLM h = 12, d_k = 32.

How differently the heads of a real model attend is read from a capture: each head's
pattern entropy, and the Jensen–Shannon distance between two heads' patterns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.analysis.metrics import entropy_bits
from attnviz.lessons.quiz import Question
from attnviz.model.capture import Capture


@dataclass(frozen=True)
class AttentionParameters:
    """The parameters of one multi-head attention layer, and of two alternatives of the same d_model.

    Attributes:
        n_heads, d_model, d_head: the layer's h, d_model and d_k.
        actual: the numbers in the layer's parameter tensors (W_Q, W_K, W_V, W_O and biases).
        one_full_head: one head of width d_model: 4·d_model² weights + 4·d_model biases.
        full_width_heads: h heads each of width d_model (what "more heads, more parameters"
            would need): 3·h·d_model² + 3·h·d_model for Q, K, V, then W^O of h·d_model × d_model + d_model.
        per_head_projection: one head's W_i^Q: d_model·d_k.
    """

    n_heads: int
    d_model: int
    d_head: int
    actual: int
    one_full_head: int
    full_width_heads: int
    per_head_projection: int


def attention_parameters(network, layer: int = 0) -> AttentionParameters:
    """Count the parameters of block ``layer``'s attention in a loaded network (BERT, GPT-2 or Llama family).

    ``actual`` is ``sum(p.numel() for p in attn.parameters())``: the real tensors, whatever
    their layout (attnviz fuses W_Q, W_K, W_V into one tensor). The alternatives are the
    formulas for the same d_model. With grouped-query attention the actual count is smaller
    than one full head's (fewer key/value heads).

    Raises:
        IndexError: for a layer the network does not have.
    """
    if not 0 <= layer < len(network.blocks):
        raise IndexError(f"layer {layer} is outside the model's {len(network.blocks)} layers")
    attn = network.blocks[layer].attn
    n_heads, d_model, d_head = attn.W_Q.shape  # W_Q: [head, d_model, d_head]
    return AttentionParameters(
        n_heads=n_heads,
        d_model=d_model,
        d_head=d_head,
        actual=sum(p.numel() for p in attn.parameters()),
        one_full_head=4 * d_model * d_model + 4 * d_model,
        full_width_heads=3 * n_heads * d_model * d_model + 3 * n_heads * d_model + n_heads * d_model * d_model + d_model,
        per_head_projection=d_model * d_head,
    )


def pattern_entropy(pattern: Float[torch.Tensor, "layer head query_pos key_pos"]) -> Float[torch.Tensor, "layer head"]:
    """Each head's attention entropy in bits (``entropy_bits`` of each query row), averaged over the query rows.

    0 bits: every query looks at one key; log₂(n) bits: every query spreads evenly over n keys.
    """
    return entropy_bits(pattern.float()).mean(-1)


def head_distances(pattern: Float[torch.Tensor, "head query_pos key_pos"]) -> Float[torch.Tensor, "head head"]:
    """Jensen–Shannon distance between every two heads' patterns of one layer, averaged over the query rows.

    For two rows a and b, JS(a, b) = ½·KL(a‖m) + ½·KL(b‖m) with m = (a + b)/2, in bits;
    the distance √JS is a metric in [0, 1] (Endres and Schindelin 2003): 0 for identical
    rows, 1 for rows with no key in common.
    """
    p = pattern.float()
    logs = torch.log2(p.clamp_min(1e-30))
    out = torch.empty(p.shape[0], p.shape[0])
    for i in range(p.shape[0]):  # one head against all: [head, query_pos, key_pos] at a time, not [head, head, …]
        m = (p[i] + p) / 2
        log_m = torch.log2(m.clamp_min(1e-30))
        js = ((p[i] * (logs[i] - log_m)).sum(-1) + (p * (logs - log_m)).sum(-1)) / 2  # [head, query_pos]
        out[i] = js.clamp_min(0).sqrt().mean(-1)
    return out


def mean_distance(distances: Float[torch.Tensor, "head head"]) -> float:
    """The mean distance over the pairs of different heads (the diagonal, 0, left out)."""
    n = distances.shape[0]
    return float(distances.sum() / (n * n - n)) if n > 1 else 0.0


def extreme_pairs(distances: Float[torch.Tensor, "head head"]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The (most alike, most different) pairs of different heads, each as (smaller index, larger index)."""
    n = distances.shape[0]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    return min(pairs, key=lambda ij: float(distances[ij])), max(pairs, key=lambda ij: float(distances[ij]))


def most_varied_layer_question(cap: Capture) -> Question:
    """In which layer do the heads attend most differently from each other? Answered by the mean JS distance."""
    means = [mean_distance(head_distances(cap.pattern[layer])) for layer in range(cap.n_layers)]
    best = max(range(cap.n_layers), key=means.__getitem__)
    return Question(
        prompt="lesson10_q_prompt",
        options=tuple(str(layer) for layer in range(cap.n_layers)),
        answer=best,
        explanation="lesson10_q_explain",
        explanation_params={"layer": best, "distance": f"{means[best]:.3f}", "least": f"{min(means):.3f}", "least_layer": means.index(min(means))},
    )


def sqrt_text(d_head: int) -> str:
    """√d_k as shown in the lesson: exact when it is whole ("8"), else two decimals ("5.66")."""
    root = math.sqrt(d_head)
    return f"{root:.0f}" if root.is_integer() else f"{root:.2f}"
