"""Capture: the tensors of one run, on the CPU, with no reference to the model."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cached_property

import torch
from jaxtyping import Bool, Float, Int

from attnviz.model.attention import apply_mask, apply_rope, attention_scores, rope_cos_sin
from attnviz.model.attention import kv_head_of as _kv_head_of


@dataclass(frozen=True, eq=False)
class Capture:
    """Everything one forward pass computed that attnviz shows, for one text (or pair).

    All tensors are float32 on the CPU unless noted; ``n`` is the number of tokens.
    Each piece of data is held once: scores are derived from q and k on access, keys and
    values keep their own (grouped) head count, ``resid_pre`` is derived from ``embed``
    and ``resid_post``. Where the model ran on the CPU, a rotary model's ``q`` and ``k``
    are derived from ``q_pre_rope`` and ``k_pre_rope``, and a pre-norm block's
    ``resid_mid`` from ``resid_pre + attn_out``, on first access (then kept): the same
    function on the same inputs, so the same numbers bit for bit as in the run.

    Attributes:
        tokens: the n display strings (word pieces, special tokens included; for decoders
            each token decoded on its own).
        token_ids: int64 ``[pos]``.
        token_type_ids: int64 ``[pos]``, 0 for the first sentence, 1 for the second.
        attn_mask: bool ``[query_pos, key_pos]``, True where a query may attend (for a
            decoder the causal lower triangle).
        embed: ``[pos, d_model]``, the residual stream entering layer 0.
        q: ``[layer, pos, head, d_head]``, x·W_Q + b_Q per head; for rotary models after
            the rotation (the values multiplied with k).
        k, v: ``[layer, pos, kv_head, d_head]``, as q; ``kv_head`` is ``head`` except with
            grouped-query attention, where several query heads share one (``kv_head_of``).
        pattern: ``[layer, head, query_pos, key_pos]``, softmax weights; each row sums to 1.
        z: ``[layer, pos, head, d_head]``, Σ_j pattern[i, j]·v_j.
        attn_out: ``[layer, pos, d_model]``, concat(z)·W_O + b_O.
        resid_mid: ``[layer, pos, d_model]``, LayerNorm(resid_pre + attn_out) in post-LN
            blocks (BERT), resid_pre + attn_out in pre-norm blocks (GPT-2, Llama).
        resid_post: ``[layer, pos, d_model]``, each block's output.
        n_truncated: how many tokens were dropped to fit the model's maximum length.
        model_name, text, text_pair: what was run.
        logits: ``[pos, d_vocab]`` for decoders (position i scores the token after i), else None;
            a view of the ``[d_vocab, pos]`` buffer the unembedding writes (not contiguous).
        q_pre_rope: ``[layer, pos, head, d_head]``, q before the rotary rotation; None
            for models without rotary positions.
        k_pre_rope: ``[layer, pos, kv_head, d_head]``, likewise for k.
        kv_head_of: int64 ``[head]``, the key/value head each query head uses.
        causal: True for a decoder's capture.
        rope_theta: the rotary base of a rotary model (to derive ``q`` and ``k``), else None.
        stored_q, stored_k, stored_resid_mid: what the run stored of ``q``, ``k`` and
            ``resid_mid``; None where those are derived (read ``q``, ``k``, ``resid_mid``).

    Raises:
        ValueError: when neither q and k nor what derives them is given.
    """

    tokens: list[str]
    token_ids: Int[torch.Tensor, "pos"]
    token_type_ids: Int[torch.Tensor, "pos"]
    attn_mask: Bool[torch.Tensor, "query_pos key_pos"]
    embed: Float[torch.Tensor, "pos d_model"]
    v: Float[torch.Tensor, "layer pos head d_head"]
    pattern: Float[torch.Tensor, "layer head query_pos key_pos"]
    z: Float[torch.Tensor, "layer pos head d_head"]
    attn_out: Float[torch.Tensor, "layer pos d_model"]
    resid_post: Float[torch.Tensor, "layer pos d_model"]
    n_truncated: int = 0
    model_name: str = ""
    text: str = ""
    text_pair: str | None = None
    meta: dict = field(default_factory=dict)
    logits: Float[torch.Tensor, "pos d_vocab"] | None = None
    q_pre_rope: Float[torch.Tensor, "layer pos head d_head"] | None = None
    k_pre_rope: Float[torch.Tensor, "layer pos kv_head d_head"] | None = None
    kv_head_of: Int[torch.Tensor, "head"] | None = None
    causal: bool = False
    rope_theta: float | None = None
    stored_q: Float[torch.Tensor, "layer pos head d_head"] | None = field(default=None, repr=False)
    stored_k: Float[torch.Tensor, "layer pos kv_head d_head"] | None = field(default=None, repr=False)
    stored_resid_mid: Float[torch.Tensor, "layer pos d_model"] | None = field(default=None, repr=False)

    def __post_init__(self):
        rotary = self.q_pre_rope is not None and self.k_pre_rope is not None and self.rope_theta is not None
        if not ((self.stored_q is not None and self.stored_k is not None) or rotary):
            raise ValueError("a Capture needs stored_q and stored_k, or q_pre_rope, k_pre_rope and rope_theta to derive them")

    @cached_property
    def q(self) -> Float[torch.Tensor, "layer pos head d_head"]:
        """x·W_Q + b_Q per head; for rotary models after the rotation, derived from ``q_pre_rope`` if not stored."""
        return self.stored_q if self.stored_q is not None else self._rotated(self.q_pre_rope)

    @cached_property
    def k(self) -> Float[torch.Tensor, "layer pos kv_head d_head"]:
        """As ``q``, for the keys."""
        return self.stored_k if self.stored_k is not None else self._rotated(self.k_pre_rope)

    @cached_property
    def resid_mid(self) -> Float[torch.Tensor, "layer pos d_model"]:
        """The residual stream between attention and feed-forward net; ``resid_pre + attn_out`` if not stored."""
        return self.stored_resid_mid if self.stored_resid_mid is not None else torch.add(self.resid_pre, self.attn_out)

    def _rotated(self, x: Float[torch.Tensor, "layer pos head d_head"]) -> Float[torch.Tensor, "layer pos head d_head"]:
        cos, sin = rope_cos_sin(x.shape[1], x.shape[-1], self.rope_theta)
        return apply_rope(x, cos, sin)

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
    def n_kv_heads(self) -> int:
        return self.k.shape[2]

    @property
    def kv_heads(self) -> Int[torch.Tensor, "head"]:
        """The key/value head of each query head (``kv_head_of``; derived from the shapes if unset)."""
        return self.kv_head_of if self.kv_head_of is not None else _kv_head_of(self.n_heads, self.n_kv_heads)

    @property
    def attn_scores_raw(self) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        """Q·Kᵀ/√d_head before the mask, for every layer and head.

        Not stored: recomputed on each access from the captured ``q`` and ``k`` with the very
        function the model applies (``attnviz.model.attention.attention_scores``), which halves
        what a capture holds. With grouped-query attention each query head's scores use
        its shared key head. Use ``head_scores_raw`` for one head.
        """
        return attention_scores(self.q, self.k)  # layer plays the batch dimension

    @property
    def attn_scores(self) -> Float[torch.Tensor, "layer head query_pos key_pos"]:
        """The scores after the mask: masked entries hold ``torch.finfo(float32).min``.

        Derived on access from ``attn_scores_raw`` and ``attn_mask`` with the model's own
        ``attnviz.model.attention.apply_mask``.
        """
        return apply_mask(self.attn_scores_raw, self.attn_mask[None])

    def head_scores_raw(self, layer: int, head: int) -> Float[torch.Tensor, "query_pos key_pos"]:
        """``attn_scores_raw[layer, head]``, computing only that head."""
        kv = int(self.kv_heads[head])
        q = self.q[layer : layer + 1, :, head : head + 1]  # [1, pos, 1, d_head]
        k = self.k[layer : layer + 1, :, kv : kv + 1]
        return attention_scores(q, k)[0, 0]

    def head_scores_pre_rope(self, layer: int, head: int) -> Float[torch.Tensor, "query_pos key_pos"]:
        """q·kᵀ/√d_head of one head from q and k *before* the rotary rotation, unmasked.

        Beside ``head_scores_raw`` (after the rotation) it shows what RoPE changes: the
        rotated product depends on the positions only through their distance.

        Raises:
            ValueError: for a capture of a model without rotary positions.
        """
        if self.q_pre_rope is None or self.k_pre_rope is None:
            raise ValueError("this capture has no q and k before rotation: its model has no rotary positions")
        kv = int(self.kv_heads[head])
        q = self.q_pre_rope[layer : layer + 1, :, head : head + 1]  # [1, pos, 1, d_head]
        k = self.k_pre_rope[layer : layer + 1, :, kv : kv + 1]
        return attention_scores(q, k)[0, 0]

    @property
    def resid_pre(self) -> Float[torch.Tensor, "layer pos d_model"]:
        """The residual stream entering each layer: ``embed``, then ``resid_post[:-1]``."""
        return torch.cat([self.embed[None], self.resid_post[:-1]])

    @property
    def nbytes(self) -> int:
        """Bytes held by the tensors of this capture, those derived and kept so far included
        (views of one buffer counted by their own size)."""
        held = [getattr(self, f.name) for f in fields(self)] + list(self.__dict__.values())
        unique = {id(t): t for t in held if isinstance(t, torch.Tensor)}
        return sum(t.element_size() * t.nelement() for t in unique.values())
