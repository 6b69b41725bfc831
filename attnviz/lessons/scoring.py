"""Lesson 4: four ways to score a query against a key, and the notes' seq2seq attention module.

For a query q and a key k, both of size d:

    additive    s = vᵀ·tanh(W·[q; k])       2d·d_att + d_att parameters   Bahdanau et al. 2015, eq. (6);
                                                                          Luong et al. 2015's "concat"
    dot         s = qᵀ·k                    no parameters                  Luong et al. 2015, eq. (8)
    general     s = qᵀ·W·k                  d² parameters                  Luong et al. 2015, eq. (8)
    scaled dot  s = qᵀ·k / √d               no parameters                  Vaswani et al. 2017, eq. (1)

and in every case weights = softmax over the keys. The parameters of the two learned rules
are drawn at random here (seeded, as ``nn.Linear`` initialises them), not trained.

The notes' first rule (attention-mechanism.txt, class ``MyAtt``, after the PyTorch seq2seq
tutorial's attention decoder) scores no key at all: a linear layer maps [Q; K] — the
decoder's input and its previous hidden state, both on the decoder side — to one score per
encoder position, of which there is a fixed number. It is location-based attention (Luong
et al. 2015, eq. (8), "location": a_t = softmax(W_a h_t)): the encoder outputs V are only
averaged with the weights, never looked at to make them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch
from jaxtyping import Float

from attnviz.errors import LessonValueError
from attnviz.lessons.quiz import Question
from attnviz.model.attention import softmax_pattern

RULES = ("additive", "dot", "general", "scaled_dot")
FORMULAS = {
    "additive": r"s(q, k) = v^\top \tanh(W [q; k])",
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
        additive_W: ``[d_att, 2d]``; additive_v: ``[d_att]``.
        general_W: ``[d, d]``.
    """

    additive_W: Float[torch.Tensor, "d_att two_d"]
    additive_v: Float[torch.Tensor, "d_att"]
    general_W: Float[torch.Tensor, "d d"]

    def count(self, rule: str) -> int:
        """How many numbers ``rule`` learns (0 for dot and scaled dot)."""
        parts = {"additive": (self.additive_W, self.additive_v), "general": (self.general_W,)}.get(rule, ())
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
        additive_W=_uniform(g, (d_att, 2 * d), 2 * d),
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
    if rule == "additive":
        hidden = torch.tanh(pairs(q, k) @ params.additive_W.T)  # [query_pos, key_pos, d_att]
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


@dataclass(frozen=True)
class Step:
    """One stage of the decoder step: a name (for the table), the LaTeX of the operation, the tensor."""

    name: str
    latex: str
    tensor: torch.Tensor


@dataclass(frozen=True)
class Seq2SeqAttention:
    """The notes' ``MyAtt`` module (a decoder step): random inputs and parameters, all seeded.

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
    """Seeded random inputs and parameters of ``MyAtt``, sizes as in the notes by default
    (query_size 32, key_size 32, value_size1 = n_positions 32, value_size2 = value_size 64, output_size 32).

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


def with_other_values(m: Seq2SeqAttention, seed: int) -> Seq2SeqAttention:
    """The same module and inputs with the encoder outputs V replaced by other random numbers (same shape)."""
    g = torch.Generator().manual_seed(seed)
    return replace(m, V=torch.randn(m.V.shape, generator=g))


def step_tensor(steps: list[Step], name: str) -> torch.Tensor:
    """The tensor of the step called ``name`` in ``decoder_step``'s list."""
    return next(s.tensor for s in steps if s.name == name)


@dataclass(frozen=True)
class ValueChange:
    """What replacing V does to the module: the largest change of a weight (exactly 0 for
    location-based weights) and the relative change |Δoutput| / |output|."""

    weights: float
    output: float


def value_change(m: Seq2SeqAttention, other: Seq2SeqAttention) -> ValueChange:
    """Run ``decoder_step`` on both modules and compare their weights and outputs."""
    a, b = decoder_step(m), decoder_step(other)
    out_a, out_b = step_tensor(a, "output"), step_tensor(b, "output")
    return ValueChange(
        weights=float((step_tensor(a, "weights") - step_tensor(b, "weights")).abs().max()),
        output=float((out_a - out_b).norm() / out_a.norm()),
    )


def padding_weight(attn_weights: Float[torch.Tensor, "n_positions"], n_source: int) -> float:
    """The weight on positions ``n_source`` … n_positions − 1: with a source of ``n_source``
    words padded to the module's fixed length, the weight given to padding.

    Raises:
        LessonValueError: unless 1 ≤ n_source ≤ n_positions.
    """
    n = attn_weights.shape[-1]
    if not 1 <= n_source <= n:
        raise LessonValueError(name="n_source", value=n_source, allowed=f"1 … {n}")
    return float(attn_weights[n_source:].sum())


CHANGES = ("lesson4_change_zero", "lesson4_change_small", "lesson4_change_large")


def value_change_question(change: ValueChange) -> Question:
    """Replace the encoder outputs V: how much do MyAtt's weights change? Answered by ``value_change``."""
    answer = 0 if change.weights == 0 else 1 if change.weights < 0.05 else 2
    return Question(
        prompt="lesson4_q_prompt",
        options=CHANGES,
        answer=answer,
        explanation="lesson4_q_explain",
        explanation_params={"weights": f"{change.weights:.1e}" if change.weights else "0", "output": f"{100 * change.output:.0f}"},
        translate=True,
    )
