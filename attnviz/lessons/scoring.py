"""Lesson 4: five ways to score a query against a key, and the classic seq2seq decoder step.

For a query q and a key k, both of size d (Bahdanau et al. 2015; Luong et al. 2015;
Vaswani et al. 2017, section 3.2.1):

    concat      s = wᵀ·[q; k] + b                 2d + 1 parameters
    additive    s = vᵀ·tanh(W·[q; k] + b)         2d·d_att + 2·d_att parameters
    dot         s = qᵀ·k                          no parameters
    general     s = qᵀ·W·k                        d² parameters
    scaled dot  s = qᵀ·k / √d                     no parameters

and in every case weights = softmax over the keys. The parameters of the three learned
rules are drawn at random here (seeded, as ``nn.Linear`` initialises them), not trained.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from jaxtyping import Float

from attnviz.attention import softmax_pattern
from attnviz.lessons.errors import LessonValueError
from attnviz.lessons.quiz import Question

RULES = ("concat", "additive", "dot", "general", "scaled_dot")
FORMULAS = {
    "concat": r"s(q, k) = w^\top [q; k] + b",
    "additive": r"s(q, k) = v^\top \tanh(W [q; k] + b)",
    "dot": r"s(q, k) = q^\top k",
    "general": r"s(q, k) = q^\top W k",
    "scaled_dot": r"s(q, k) = \frac{q^\top k}{\sqrt{d}}",
}
MAX_SIZE = 512


def _uniform(generator: torch.Generator, shape: tuple[int, ...], fan_in: int) -> torch.Tensor:
    """U(−1/√fan_in, 1/√fan_in), the default initialisation of ``nn.Linear``."""
    bound = 1 / math.sqrt(fan_in)
    return (torch.rand(shape, generator=generator) * 2 - 1) * bound


@dataclass(frozen=True)
class ScoringParams:
    """Parameters of the learned rules for queries and keys of size ``d``.

    Attributes:
        concat_w: ``[2d]``; concat_b: ``[]``.
        additive_W: ``[d_att, 2d]``; additive_b: ``[d_att]``; additive_v: ``[d_att]``.
        general_W: ``[d, d]``.
    """

    concat_w: Float[torch.Tensor, "two_d"]
    concat_b: Float[torch.Tensor, ""]
    additive_W: Float[torch.Tensor, "d_att two_d"]
    additive_b: Float[torch.Tensor, "d_att"]
    additive_v: Float[torch.Tensor, "d_att"]
    general_W: Float[torch.Tensor, "d d"]

    def count(self, rule: str) -> int:
        """How many numbers ``rule`` learns (0 for dot and scaled dot)."""
        parts = {
            "concat": (self.concat_w, self.concat_b),
            "additive": (self.additive_W, self.additive_b, self.additive_v),
            "general": (self.general_W,),
        }.get(rule, ())
        return sum(p.numel() for p in parts)


def random_scoring_params(d: int, d_att: int, seed: int = 0) -> ScoringParams:
    """Seeded random parameters for queries and keys of size ``d`` (additive hidden size ``d_att``).

    Raises:
        LessonValueError: for a size outside 1 … 512.
    """
    for name, size in (("d", d), ("d_att", d_att)):
        if not 1 <= size <= MAX_SIZE:
            raise LessonValueError(name=name, value=size, allowed=f"1 … {MAX_SIZE}")
    g = torch.Generator().manual_seed(seed)
    return ScoringParams(
        concat_w=_uniform(g, (2 * d,), 2 * d),
        concat_b=_uniform(g, (), 2 * d),
        additive_W=_uniform(g, (d_att, 2 * d), 2 * d),
        additive_b=_uniform(g, (d_att,), 2 * d),
        additive_v=_uniform(g, (d_att,), d_att),
        general_W=_uniform(g, (d, d), d),
    )


def pairs(q: Float[torch.Tensor, "query_pos d"], k: Float[torch.Tensor, "key_pos d"]) -> Float[torch.Tensor, "query_pos key_pos two_d"]:
    """[q_i; k_j] for every query i and key j."""
    n_q, n_k = q.shape[0], k.shape[0]
    return torch.cat([q[:, None].expand(n_q, n_k, -1), k[None].expand(n_q, n_k, -1)], dim=-1)


def scores(rule: str, q: Float[torch.Tensor, "query_pos d"], k: Float[torch.Tensor, "key_pos d"], params: ScoringParams) -> Float[torch.Tensor, "query_pos key_pos"]:
    """The scores s(q_i, k_j) of ``rule`` (one of ``RULES``) for every query and key.

    Raises:
        ValueError: for an unknown rule.
    """
    if rule == "concat":
        return pairs(q, k) @ params.concat_w + params.concat_b
    if rule == "additive":
        hidden = torch.tanh(pairs(q, k) @ params.additive_W.T + params.additive_b)  # [query_pos, key_pos, d_att]
        return hidden @ params.additive_v
    if rule == "dot":
        return q @ k.T
    if rule == "general":
        return q @ params.general_W @ k.T
    if rule == "scaled_dot":
        return q @ k.T / math.sqrt(q.shape[-1])
    raise ValueError(f"unknown scoring rule {rule!r}; choose one of {RULES}")


def weights(rule: str, q: Float[torch.Tensor, "query_pos d"], k: Float[torch.Tensor, "key_pos d"], params: ScoringParams) -> Float[torch.Tensor, "query_pos key_pos"]:
    """softmax over the keys of ``scores(rule, q, k, params)``."""
    return softmax_pattern(scores(rule, q, k, params))


def entropy(weights: Float[torch.Tensor, "query_pos key_pos"]) -> Float[torch.Tensor, "query_pos"]:
    """−Σ_j w_ij·ln w_ij per query, in nats: 0 for a one-hot row, ln(key_pos) for a uniform one."""
    return -(weights * weights.clamp_min(1e-30).log()).sum(-1)


@dataclass(frozen=True)
class Step:
    """One stage of the decoder step: a name (for the table), the LaTeX of the operation, the tensor."""

    name: str
    latex: str
    tensor: torch.Tensor


@dataclass(frozen=True)
class Seq2SeqAttention:
    """The notes' decoder-step attention module: random inputs and parameters, all seeded.

    Inputs: ``Q [1, 1, query_size]`` (the decoder's current input), ``K [1, 1, key_size]``
    (its previous hidden state), ``V [1, n_positions, value_size]`` (the encoder's outputs).
    Parameters: ``W_attn [n_positions, query_size + key_size]``, ``b_attn [n_positions]``,
    ``W_combine [output_size, query_size + value_size]``, ``b_combine [output_size]``.
    """

    Q: torch.Tensor
    K: torch.Tensor
    V: torch.Tensor
    W_attn: torch.Tensor
    b_attn: torch.Tensor
    W_combine: torch.Tensor
    b_combine: torch.Tensor


def random_seq2seq(
    query_size: int = 32, key_size: int = 32, n_positions: int = 32, value_size: int = 64, output_size: int = 32, seed: int = 0
) -> Seq2SeqAttention:
    """Seeded random inputs and parameters of the decoder-step module, sizes as in the notes by default.

    Raises:
        LessonValueError: for a size outside 1 … 512.
    """
    sizes = {"query_size": query_size, "key_size": key_size, "n_positions": n_positions, "value_size": value_size, "output_size": output_size}
    for name, size in sizes.items():
        if not 1 <= size <= MAX_SIZE:
            raise LessonValueError(name=name, value=size, allowed=f"1 … {MAX_SIZE}")
    g = torch.Generator().manual_seed(seed)
    return Seq2SeqAttention(
        Q=torch.randn(1, 1, query_size, generator=g),
        K=torch.randn(1, 1, key_size, generator=g),
        V=torch.randn(1, n_positions, value_size, generator=g),
        W_attn=_uniform(g, (n_positions, query_size + key_size), query_size + key_size),
        b_attn=_uniform(g, (n_positions,), query_size + key_size),
        W_combine=_uniform(g, (output_size, query_size + value_size), query_size + value_size),
        b_combine=_uniform(g, (output_size,), query_size + value_size),
    )


def decoder_step(m: Seq2SeqAttention) -> list[Step]:
    """Run the decoder-step attention and return every tensor on the way, in order.

    1. [Q; K]: ``[1, query_size + key_size]``; 2. a linear layer gives one score per encoder
    position, ``[1, n_positions]``; 3. softmax → the weights; 4. weights · V (a batched
    product) → ``[1, 1, value_size]``; 5. [Q; that] → ``[1, query_size + value_size]``;
    6. a linear layer → ``[1, output_size]``, unsqueezed to ``[1, 1, output_size]``.
    """
    joined = torch.cat((m.Q[0], m.K[0]), dim=-1)  # [1, query_size + key_size]
    logits = joined @ m.W_attn.T + m.b_attn  # [1, n_positions]
    attn_weights = torch.softmax(logits, dim=-1)
    applied = torch.bmm(attn_weights[None], m.V)  # [1, 1, n_positions] x [1, n_positions, value_size] -> [1, 1, value_size]
    combined = torch.cat((m.Q[0], applied[0]), dim=-1)  # [1, query_size + value_size]
    output = (combined @ m.W_combine.T + m.b_combine)[None]  # [1, 1, output_size]
    return [
        Step("Q", "Q", m.Q),
        Step("K", "K", m.K),
        Step("V", "V", m.V),
        Step("cat", r"[Q_0; K_0]", joined),
        Step("scores", r"W_{attn}[Q_0; K_0] + b_{attn}", logits),
        Step("weights", r"\mathrm{softmax}(\cdot)", attn_weights),
        Step("applied", r"\mathrm{bmm}(w, V)", applied),
        Step("combined", r"[Q_0; \mathrm{applied}_0]", combined),
        Step("output", r"W_{combine}[\cdot] + b_{combine}", output),
    ]


def row_spread(weights: Float[torch.Tensor, "query_pos key_pos"]) -> float:
    """max |w_i − w_0| over all queries i: 0 when every query gets the same weights."""
    return float((weights - weights[0]).abs().max())


def query_matters_question(concat_weights: Float[torch.Tensor, "query_pos key_pos"]) -> Question:
    """With concat + linear scoring, does the query change the weights? Answered by the rows' spread.

    s_ij = w_qᵀq_i + w_kᵀk_j + b, and the softmax over j cancels the term w_qᵀq_i that is the
    same for every key, so each row is softmax_j(w_kᵀk_j): the query drops out.
    """
    spread = row_spread(concat_weights)
    return Question(
        prompt="lesson4_q_prompt",
        options=("lesson_yes", "lesson_no"),
        answer=0 if spread > 1e-5 else 1,
        explanation="lesson4_q_explain",
        explanation_params={"spread": f"{spread:.1e}"},
        translate=True,
    )
