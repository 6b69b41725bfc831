"""Seq2SeqCapture: every attention of one teacher-forced encoder–decoder run, on the CPU.

These models are small (the bundled translator: 2 + 2 layers, 4 heads, tens of tokens),
so the capture stores the patterns themselves rather than deriving them from q and k;
q, k and v are kept as well, for the step-by-step view (q·kᵀ, the scale, T5's position
bias, the mask, the softmax).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from jaxtyping import Bool, Float, Int

from attnviz.model.attention import attention_scores, causal_attn_mask

KINDS = ("encoder", "decoder", "cross")  # encoder self-attention, decoder masked self-attention, cross-attention


@dataclass(frozen=True)
class Seq2SeqCapture:
    """What one encoder–decoder run attended to. Float tensors are float32, ids int64, all on the CPU.

    Attributes:
        tokens: the source tokens as display strings, ``[src_pos]``.
        target_tokens: the decoder's input tokens (decoder start token, then the target shifted right), ``[tgt_pos]``.
        output_tokens: the token each decoder position is trained to predict (the target, ending with </s>), ``[tgt_pos]``.
        token_ids: int64 ``[src_pos]``; target_token_ids: int64 ``[tgt_pos]``, starting with the decoder start token;
            output_token_ids: int64 ``[tgt_pos]`` (``target_token_ids`` shifted left by one).
        pattern: encoder self-attention ``[layer, head, src_pos, src_pos]``.
        decoder_pattern: decoder masked self-attention ``[decoder_layer, head, tgt_pos, tgt_pos]`` (upper triangle 0).
        cross_pattern: cross-attention ``[decoder_layer, head, tgt_pos, src_pos]``: each decoder position over the source.
        logits: ``[tgt_pos, d_vocab]``; position i's scores for ``output_token_ids[i]``.
        q, k, v: per kind (``"encoder"``, ``"decoder"``, ``"cross"``), ``[layer, pos, head, d_head]``
            (cross-attention: q over target positions, k and v over source positions).
        position_bias: per kind, T5's relative position bias ``[head, query_pos, key_pos]``
            (the same in every layer of a stack), or None for models without it and for cross-attention.
        scale: the factor of q·kᵀ (``d_head ** -0.5``; 1.0 for T5).
        source: the source text; target: the target text (given, or the model's own greedy output).
        generated: True when the target is the model's own greedy output.
        model_name: the model's name.
    """

    tokens: list[str]
    target_tokens: list[str]
    output_tokens: list[str]
    token_ids: Int[torch.Tensor, "src_pos"]
    target_token_ids: Int[torch.Tensor, "tgt_pos"]
    output_token_ids: Int[torch.Tensor, "tgt_pos"]
    pattern: Float[torch.Tensor, "layer head src_pos src_pos"]
    decoder_pattern: Float[torch.Tensor, "decoder_layer head tgt_pos tgt_pos"]
    cross_pattern: Float[torch.Tensor, "decoder_layer head tgt_pos src_pos"]
    logits: Float[torch.Tensor, "tgt_pos d_vocab"]
    q: dict[str, torch.Tensor]
    k: dict[str, torch.Tensor]
    v: dict[str, torch.Tensor]
    position_bias: dict[str, torch.Tensor | None] = field(default_factory=dict)
    scale: float = 1.0
    source: str = ""
    target: str = ""
    generated: bool = False
    model_name: str = ""

    @property
    def n_layers(self) -> int:
        """Encoder layers."""
        return self.pattern.shape[0]

    @property
    def n_decoder_layers(self) -> int:
        return self.decoder_pattern.shape[0]

    @property
    def n_heads(self) -> int:
        return self.pattern.shape[1]

    @property
    def predicted_ids(self) -> Int[torch.Tensor, "tgt_pos"]:
        """The most likely next token at each decoder position (argmax of ``logits``)."""
        return self.logits.argmax(-1)

    def score_parts(self, kind: str, layer: int, head: int) -> tuple[Float[torch.Tensor, "query_pos key_pos"], Float[torch.Tensor, "query_pos key_pos"] | None]:
        """One head's scores before the mask, as their two terms: q·kᵀ·scale and T5's position bias (None without it).

        ``pattern = softmax(mask(content + bias))``, the mask being ``attn_mask(kind)``
        (Vaswani et al. 2017, Eq. 1; Raffel et al. 2020, section 2.1). Computed from the
        stored q and k with ``attention.attention_scores``, float32.

        Raises:
            KeyError: for an unknown kind; IndexError: for a layer or head outside the model.
        """
        q = self.q[kind][layer][None, :, head : head + 1]  # [1, query_pos, 1, d_head]
        k = self.k[kind][layer][None, :, head : head + 1]  # [1, key_pos, 1, d_head]
        bias = self.position_bias.get(kind)
        return attention_scores(q, k, self.scale)[0, 0], None if bias is None else bias[head]

    def attn_mask(self, kind: str) -> Bool[torch.Tensor, "query_pos key_pos"]:
        """True where a query may attend: everything for encoder and cross-attention (one unpadded text), the causal triangle for the decoder."""
        shape = self.patterns(kind).shape[-2:]
        return causal_attn_mask(shape[0]) if kind == "decoder" else torch.ones(shape, dtype=torch.bool)

    def patterns(self, kind: str) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        """``pattern``, ``decoder_pattern`` or ``cross_pattern`` by kind (``"encoder"``, ``"decoder"``, ``"cross"``).

        Raises:
            KeyError: for another kind.
        """
        return {"encoder": self.pattern, "decoder": self.decoder_pattern, "cross": self.cross_pattern}[kind]
