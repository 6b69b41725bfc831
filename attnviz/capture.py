"""Capture: the tensors of one run, on the CPU, with no reference to the model."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import torch
from jaxtyping import Bool, Float, Int

from attnviz.attention import apply_mask, attention_scores


@dataclass(frozen=True, eq=False)
class Capture:
    """Everything one forward pass computed that attnviz shows, for one text (or pair).

    All tensors are float32 on the CPU unless noted; ``n`` is the number of tokens.

    Attributes:
        tokens: the n display strings (word pieces, special tokens included).
        token_ids: int64 ``[pos]``.
        token_type_ids: int64 ``[pos]``, 0 for the first sentence, 1 for the second.
        attn_mask: bool ``[query_pos, key_pos]``, True where a query may attend.
        embed: ``[pos, d_model]``, the residual stream entering layer 0.
        q, k, v: ``[layer, pos, head, d_head]``, x·W + b per head.
        pattern: ``[layer, head, query_pos, key_pos]``, softmax weights; each row sums to 1.
        z: ``[layer, pos, head, d_head]``, Σ_j pattern[i, j]·v_j.
        attn_out: ``[layer, pos, d_model]``, concat(z)·W_O + b_O.
        resid_mid: ``[layer, pos, d_model]``, LayerNorm(resid_pre + attn_out) (post-LN blocks).
        resid_post: ``[layer, pos, d_model]``, each block's output.
        n_truncated: how many tokens were dropped to fit the model's maximum length.
        model_name, text, text_pair: what was run.
    """

    tokens: list[str]
    token_ids: Int[torch.Tensor, "pos"]
    token_type_ids: Int[torch.Tensor, "pos"]
    attn_mask: Bool[torch.Tensor, "query_pos key_pos"]
    embed: Float[torch.Tensor, "pos d_model"]
    q: Float[torch.Tensor, "layer pos head d_head"]
    k: Float[torch.Tensor, "layer pos head d_head"]
    v: Float[torch.Tensor, "layer pos head d_head"]
    pattern: Float[torch.Tensor, "layer head query_pos key_pos"]
    z: Float[torch.Tensor, "layer pos head d_head"]
    attn_out: Float[torch.Tensor, "layer pos d_model"]
    resid_mid: Float[torch.Tensor, "layer pos d_model"]
    resid_post: Float[torch.Tensor, "layer pos d_model"]
    n_truncated: int = 0
    model_name: str = ""
    text: str = ""
    text_pair: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    @property
    def n_layers(self) -> int:
        return self.pattern.shape[0]

    @property
    def n_heads(self) -> int:
        return self.pattern.shape[1]

    @property
    def attn_scores_raw(self) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        """Q·Kᵀ/√d_head before the mask, for every layer and head.

        Not stored: recomputed on each access from the captured ``q`` and ``k`` with the very
        function the model applies (``attnviz.attention.attention_scores``), which halves
        what a capture holds. Use ``head_scores_raw`` for one head.
        """
        return attention_scores(self.q, self.k)  # layer plays the batch dimension

    @property
    def attn_scores(self) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        """The scores after the mask: masked entries hold ``torch.finfo(float32).min``.

        Derived on access from ``attn_scores_raw`` and ``attn_mask`` with the model's own
        ``attnviz.attention.apply_mask``.
        """
        return apply_mask(self.attn_scores_raw, self.attn_mask[None])

    def head_scores_raw(self, layer: int, head: int) -> Float[torch.Tensor, "query_pos key_pos"]:
        """``attn_scores_raw[layer, head]``, computing only that head."""
        q = self.q[layer : layer + 1, :, head : head + 1]  # [1, pos, 1, d_head]
        k = self.k[layer : layer + 1, :, head : head + 1]
        return attention_scores(q, k)[0, 0]

    @property
    def resid_pre(self) -> Float[torch.Tensor, "layer pos d_model"]:
        """The residual stream entering each layer: ``embed``, then ``resid_post[:-1]``."""
        return torch.cat([self.embed[None], self.resid_post[:-1]])

    @property
    def nbytes(self) -> int:
        """Bytes held by the tensors of this capture."""
        return sum(
            getattr(self, f.name).element_size() * getattr(self, f.name).nelement()
            for f in fields(self)
            if isinstance(getattr(self, f.name), torch.Tensor)
        )
