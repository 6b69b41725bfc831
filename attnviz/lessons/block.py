"""Lesson 7: the Transformer block, counted and checked on the loaded model.

An encoder block (Vaswani et al. 2017, section 3.1) has two sub-layers, each wrapped as
LayerNorm(x + Sublayer(x)) (residual connection, then LayerNorm: "post-LN", as in BERT):
multi-head self-attention, then the position-wise feed-forward network
FFN(x) = W_2·act(W_1·x + b_1) + b_2, d_model → d_mlp (4·d_model) → d_model, the same for
every position (Eq. 2). A decoder block has three sub-layers: masked self-attention (a
causal mask: scores of later positions set to −∞ before the softmax, section 3.2.3), then
cross-attention, whose queries come from the decoder and whose keys and values come from
the encoder's output, then the feed-forward network; each with its Add & Norm.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from jaxtyping import Float

from attnviz.lessons.quiz import Question
from attnviz.model.capture import Capture

GROUPS = ("embeddings", "attention", "feed_forward", "layer_norm")


@dataclass(frozen=True)
class Sizes:
    """The sizes a lesson compares: N layers, d_model, h heads, d_k = d_head, d_ff = d_mlp, the activation."""

    n_layers: int
    d_model: int
    n_heads: int
    d_head: int
    d_mlp: int
    activation: str


# The base model of Vaswani et al. 2017 (section 3 and Table 3): N = 6 (encoder and decoder
# each), d_model = 512, h = 8, d_k = d_v = 64, d_ff = 2048, FFN(x) = max(0, xW1 + b1)W2 + b2.
PAPER_BASE = Sizes(n_layers=6, d_model=512, n_heads=8, d_head=64, d_mlp=2048, activation="ReLU")


def model_sizes(config) -> Sizes:
    """The same sizes read from a loaded model's ``ModelConfig`` (activation "gelu" → "GELU")."""
    return Sizes(config.n_layers, config.d_model, config.n_heads, config.d_head, config.d_mlp, config.act_fn.upper())


@dataclass(frozen=True)
class PartCount:
    """The parameters of one component.

    Attributes:
        part: its id, e.g. "attn_q" (the page translates it).
        group: one of ``GROUPS``.
        shapes: its tensors' shapes, e.g. "W [384, 384] + b [384]".
        count: numbers in one copy (one layer, for parts that every block has).
        copies: how many copies the model holds (n_layers, or 1 for the embeddings).
    """

    part: str
    group: str
    shapes: str
    count: int
    copies: int

    @property
    def total(self) -> int:
        return self.count * self.copies


def _shape(t: torch.Tensor) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]"


def parameter_counts(network) -> list[PartCount]:
    """Every component's parameter count, read from the loaded BERT-family network.

    The fused query-key-value matrix is reported as its three parts (the views W_Q, W_K, W_V).
    The totals add up to ``sum(p.numel() for p in network.parameters())``.
    """
    embed, block, n_layers = network.embed, network.blocks[0], len(network.blocks)
    attn, mlp = block.attn, block.mlp

    def part(name: str, group: str, tensors: dict[str, torch.Tensor], copies: int) -> PartCount:
        shapes = " + ".join(f"{label} {_shape(t)}" for label, t in tensors.items())
        return PartCount(name, group, shapes, sum(t.numel() for t in tensors.values()), copies)

    parts = [
        part("word_embeddings", "embeddings", {"W_E": embed.W_E}, 1),
        part("position_embeddings", "embeddings", {"W_pos": embed.W_pos}, 1),
        part("token_type_embeddings", "embeddings", {"W_token_type": embed.W_token_type}, 1),
        part("embedding_layer_norm", "layer_norm", {"w": embed.ln.w, "b": embed.ln.b}, 1),
    ]
    for name in ("Q", "K", "V"):
        weights = {f"W_{name}": getattr(attn, f"W_{name}"), f"b_{name}": getattr(attn, f"b_{name}")}
        parts.append(part(f"attn_{name.lower()}", "attention", weights, n_layers))
    parts += [
        part("attn_o", "attention", {"W_O": attn.W_O, "b_O": attn.b_O}, n_layers),
        part("ln1", "layer_norm", {"w": block.ln1.w, "b": block.ln1.b}, n_layers),
        part("ffn_in", "feed_forward", {"W_in": mlp.W_in, "b_in": mlp.b_in}, n_layers),
        part("ffn_out", "feed_forward", {"W_out": mlp.W_out, "b_out": mlp.b_out}, n_layers),
        part("ln2", "layer_norm", {"w": block.ln2.w, "b": block.ln2.b}, n_layers),
    ]
    return parts


def group_totals(parts: list[PartCount], per_copy: bool = False) -> dict[str, int]:
    """Total parameters per group (embeddings, attention, feed-forward, LayerNorm).

    ``per_copy=True`` counts one copy of each part (one block's share instead of all blocks').
    """
    return {group: sum(p.count if per_copy else p.total for p in parts if p.group == group) for group in GROUPS}


@dataclass(frozen=True)
class ResidualStep:
    """The first sub-layer of one block on real tokens, each vector's norm ``[pos]``.

    Attributes:
        norm_input, norm_attn_out, norm_sum, norm_output: |x|, |Attn(x)|, |x + Attn(x)|,
            |LayerNorm(x + Attn(x))| per position.
        normalised_mean, normalised_std: mean and standard deviation over d_model of
            (x + Attn(x) − mean)/std, before LayerNorm's own weight and bias: ≈ 0 and ≈ 1.
        max_error: max |LayerNorm(x + Attn(x)) − captured resid_mid|: our recomputation vs the run.
    """

    norm_input: Float[torch.Tensor, "pos"]
    norm_attn_out: Float[torch.Tensor, "pos"]
    norm_sum: Float[torch.Tensor, "pos"]
    norm_output: Float[torch.Tensor, "pos"]
    normalised_mean: Float[torch.Tensor, "pos"]
    normalised_std: Float[torch.Tensor, "pos"]
    max_error: float


def residual_step(cap: Capture, network, layer: int) -> ResidualStep:
    """Recompute LN1(resid_pre + attn_out) of ``layer`` from the capture and the block's LayerNorm."""
    ln = network.blocks[layer].ln1
    x, attn_out = cap.resid_pre[layer], cap.attn_out[layer]  # [pos, d_model]
    summed = x + attn_out
    normalised = F.layer_norm(summed, (summed.shape[-1],), eps=ln.eps)
    with torch.no_grad():
        output = F.layer_norm(summed, (summed.shape[-1],), ln.w.float().cpu(), ln.b.float().cpu(), ln.eps)
    return ResidualStep(
        norm_input=x.norm(dim=-1),
        norm_attn_out=attn_out.norm(dim=-1),
        norm_sum=summed.norm(dim=-1),
        norm_output=output.norm(dim=-1),
        normalised_mean=normalised.mean(-1),
        normalised_std=normalised.std(-1, correction=0),
        max_error=float((output - cap.resid_mid[layer]).abs().max()),
    )


def future_weight(scores: Float[torch.Tensor, "query_pos key_pos"], fill: float) -> Float[torch.Tensor, "query_pos"]:
    """The weight each query row puts on later positions when their scores are replaced by ``fill``.

    A causal mask (Vaswani et al. 2017, section 3.2.3) sets the scores of every key after the
    query to ``fill`` before the softmax; ``fill`` = −∞ or ``torch.finfo(float32).min`` gives
    exactly 0 (e^fill underflows), a small number such as −10 does not.

    Args:
        scores: float ``[n, n]`` attention scores QKᵀ/√d_k of one head, before any mask.
    """
    n = scores.shape[-1]
    future = torch.ones(n, n, dtype=torch.bool).triu(1)  # [query_pos, key_pos], True above the diagonal
    pattern = torch.softmax(scores.float().masked_fill(future, fill), dim=-1)
    return (pattern * future).sum(-1)


MASK_FILLS = {"minus_ten": -10.0, "finfo_min": torch.finfo(torch.float32).min}  # what a causal mask writes over future scores


def largest_future_weight(cap: Capture, fill: float) -> tuple[float, int, int]:
    """The most weight any query of any head puts on later positions when the causal mask writes
    ``fill`` (``future_weight`` of every head's raw scores), with its layer and head: ``(weight, layer, head)``."""
    return max(
        (float(future_weight(cap.head_scores_raw(layer, head), fill).max()), layer, head)
        for layer in range(cap.n_layers) for head in range(cap.n_heads)
    )  # fmt: skip


def largest_group_question(totals: dict[str, int]) -> Question:
    """Which part of the model holds the most parameters? Answered by the counts."""
    best = max(GROUPS, key=totals.get)
    share = totals[best] / sum(totals.values())
    return Question(
        prompt="lesson7_q_prompt",
        options=tuple(f"lesson7_group_{g}" for g in GROUPS),
        answer=GROUPS.index(best),
        explanation="lesson7_q_explain",
        explanation_params={"count": f"{totals[best]:,}", "percent": f"{100 * share:.0f}"},
        translate=True,
    )
