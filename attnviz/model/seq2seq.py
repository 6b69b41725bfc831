"""attnviz's encoder–decoder Transformer (Vaswani et al. 2017), with hook points everywhere.

The encoder reads the source with self-attention; the decoder reads the target shifted
right (the decoder start token, then the target) with masked self-attention, then
attends over the encoder's output (cross-attention: queries from the decoder, keys and
values from the encoder), then a feed-forward network (Vaswani et al. 2017, section 3.1,
Figure 1). Pre-norm blocks (the norm inside each residual branch):

    x = x + SelfAttn(Norm1(x));  x = x + CrossAttn(Norm2(x), memory);  x = x + MLP(Norm3(x))

post-norm blocks (the paper's, BART's, Marian's): ``x = Norm1(x + SelfAttn(x))`` and so on.
Every attention is softmax(mask(Q·Kᵀ/√d_head [+ T5's position bias]))·V, computed with the
pure functions of ``attnviz.model.attention``. Hook points (STYLE.md's names):
``encoder.blocks.{l}.attn.hook_*``, ``decoder.blocks.{l}.self_attn.hook_*``,
``decoder.blocks.{l}.cross_attn.hook_*`` for ``q, k, v, attn_scores_raw, attn_scores, pattern,
z`` and, with relative positions, ``hook_position_bias`` (the bias added to the raw scores).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from einops import rearrange
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.model.attention import apply_mask, attention_scores, causal_attn_mask, padding_attn_mask, softmax_pattern, weighted_values
from attnviz.model.hooks import HookPoint
from attnviz.model.layers import LayerNorm, RMSNorm
from attnviz.model.relative_position import RelativePositionBias, sinusoidal_positions
from attnviz.model.seq2seq_config import Seq2SeqConfig

__all__ = ["EncoderDecoder", "Seq2SeqConfig"]
ACTIVATIONS = {
    "relu": F.relu,
    "gelu": F.gelu,
    "gelu_new": lambda x: 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0)))),  # GPT-2's tanh GELU, written as Hugging Face does
    "silu": F.silu,
}


def make_norm(cfg: Seq2SeqConfig) -> nn.Module:
    """LayerNorm (weight ``w``, bias ``b``) or RMSNorm (weight ``w``) over d_model."""
    return RMSNorm(cfg.d_model, cfg.norm_eps) if cfg.norm == "rmsnorm" else LayerNorm(cfg.d_model, cfg.norm_eps)


class Seq2SeqAttention(nn.Module):
    """Multi-head attention of queries from ``x`` over keys and values from ``memory`` (x itself for self-attention).

    Weights as ``nn.Linear`` stores them: ``q``, ``k``, ``v`` ``[head·d_head, d_model]``,
    ``o`` ``[d_model, head·d_head]`` (biases per ``cfg.bias``). Vaswani et al. 2017, Eq. 1
    and section 3.2.2; with ``relative`` a ``hook_position_bias`` point sees the bias
    ``[1, head, query_pos, key_pos]`` added to the raw scores (Raffel et al. 2020, section 2.1).
    """

    def __init__(self, cfg: Seq2SeqConfig, relative: bool = False):
        super().__init__()
        inner = cfg.n_heads * cfg.d_head
        self.d_head, self.scale = cfg.d_head, None if cfg.scale_scores else 1.0
        self.q, self.k, self.v = (nn.Linear(cfg.d_model, inner, bias=cfg.bias) for _ in range(3))
        self.o = nn.Linear(inner, cfg.d_model, bias=cfg.bias)
        names = ("q", "k", "v", "attn_scores_raw") + (("position_bias",) if relative else ()) + ("attn_scores", "pattern", "z")
        for name in names:
            setattr(self, f"hook_{name}", HookPoint())

    def forward(
        self,
        x: Float[torch.Tensor, "batch query_pos d_model"],
        memory: Float[torch.Tensor, "batch key_pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
        position_bias: Float[torch.Tensor, "1 head query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch query_pos d_model"]:
        """``attn_mask``: True where a query may attend (None: every key). ``position_bias``: T5's, or None."""
        split = lambda t: rearrange(t, "b n (h d) -> b n h d", d=self.d_head)  # noqa: E731
        q = self.hook_q(split(self.q(x)))  # [batch, query_pos, head, d_head]
        k = self.hook_k(split(self.k(memory)))  # [batch, key_pos, head, d_head]
        v = self.hook_v(split(self.v(memory)))
        scores = self.hook_attn_scores_raw(attention_scores(q, k, self.scale))  # [batch, head, query_pos, key_pos]
        if position_bias is not None:
            scores = scores + self.hook_position_bias(position_bias)
        pattern = self.hook_pattern(softmax_pattern(self.hook_attn_scores(apply_mask(scores, attn_mask))))
        z = self.hook_z(weighted_values(pattern, v))  # [batch, query_pos, head, d_head]
        return self.o(z.flatten(2))


class Seq2SeqMLP(nn.Module):
    """act(x·W_in + b_in)·W_out + b_out (Vaswani et al. 2017, Eq. 2), or gated:
    (act(x·W_gate) ⊙ x·W_in)·W_out (Shazeer 2020; T5 v1.1). ``nn.Linear`` layers
    ``w_in``, ``w_gate`` ``[d_mlp, d_model]`` and ``w_out`` ``[d_model, d_mlp]``."""

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.act = ACTIVATIONS[cfg.act.removeprefix("gated-")]
        self.w_gate = nn.Linear(cfg.d_model, cfg.d_mlp, bias=cfg.bias) if cfg.gated else None
        self.w_in = nn.Linear(cfg.d_model, cfg.d_mlp, bias=cfg.bias)
        self.w_out = nn.Linear(cfg.d_mlp, cfg.d_model, bias=cfg.bias)
        self.hook_post = HookPoint()

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        hidden = self.act(self.w_in(x)) if self.w_gate is None else self.act(self.w_gate(x)) * self.w_in(x)  # [batch, pos, d_mlp]
        return self.w_out(self.hook_post(hidden))


class Residual(nn.Module):
    """One residual branch's norm: pre-norm ``x + drop(f(Norm(x)))`` or post-norm ``Norm(x + drop(f(x)))``.

    ``hook_out`` sees f's output (what the branch adds to the residual stream).
    """

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.pre_norm, self.dropout = cfg.pre_norm, cfg.dropout
        self.ln = make_norm(cfg)
        self.hook_out = HookPoint()

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"], branch: Callable[[torch.Tensor], torch.Tensor]) -> Float[torch.Tensor, "batch pos d_model"]:
        out = self.hook_out(branch(self.ln(x) if self.pre_norm else x))
        summed = x + F.dropout(out, self.dropout, self.training)
        return summed if self.pre_norm else self.ln(summed)


class Embed(nn.Module):
    """Token embeddings (``W_E``, shared by both stacks) plus this stack's positions, optional norm and dropout.

    ``W_pos [max_positions + position_offset, d_model]`` for learned positions (row
    ``pos + offset``, as BART); sinusoids are computed, not stored; relative positions add nothing here.
    """

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.cfg = cfg
        self.W_pos = nn.Parameter(torch.zeros(cfg.max_positions + cfg.position_offset, cfg.d_model)) if cfg.positions == "learned" else None
        self.ln = make_norm(cfg) if cfg.layernorm_embedding else None
        self.hook_embed = HookPoint()

    def forward(self, token_ids: Int[torch.Tensor, "batch pos"], W_E: Float[torch.Tensor, "d_vocab d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        """``W_E``: the shared token embedding (a parameter of ``EncoderDecoder``, passed in so that one tensor serves both stacks)."""
        cfg, n = self.cfg, token_ids.shape[1]
        x = F.embedding(token_ids, W_E)  # [batch, pos, d_model]
        if cfg.scale_embedding:
            x = x * math.sqrt(cfg.d_model)
        if self.W_pos is not None:
            x = x + self.W_pos[cfg.position_offset : cfg.position_offset + n]
        elif cfg.positions == "sinusoidal":
            x = x + sinusoidal_positions(n, cfg.d_model, x.device).to(x.dtype)
        if self.ln is not None:
            x = self.ln(x)
        return self.hook_embed(F.dropout(x, cfg.dropout, self.training))


class EncoderBlock(nn.Module):
    """Self-attention (norm ``res_attn``), then the feed-forward network (norm ``res_mlp``)."""

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.attn, self.res_attn = Seq2SeqAttention(cfg, relative=cfg.positions == "relative"), Residual(cfg)
        self.mlp, self.res_mlp = Seq2SeqMLP(cfg), Residual(cfg)
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        x: Float[torch.Tensor, "batch src_pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch src_pos src_pos"] | None,
        position_bias: Float[torch.Tensor, "1 head src_pos src_pos"] | None,
    ) -> Float[torch.Tensor, "batch src_pos d_model"]:
        """``attn_mask``: the padding mask (None: every key); ``position_bias``: T5's, or None."""
        x = self.res_attn(x, lambda h: self.attn(h, h, attn_mask, position_bias))
        return self.hook_resid_post(self.res_mlp(x, self.mlp))


class DecoderBlock(nn.Module):
    """Masked self-attention, cross-attention over the encoder output, feed-forward: three residual branches."""

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.self_attn, self.res_self = Seq2SeqAttention(cfg, relative=cfg.positions == "relative"), Residual(cfg)
        self.cross_attn, self.res_cross = Seq2SeqAttention(cfg), Residual(cfg)
        self.mlp, self.res_mlp = Seq2SeqMLP(cfg), Residual(cfg)
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        x: Float[torch.Tensor, "batch tgt_pos d_model"],
        memory: Float[torch.Tensor, "batch src_pos d_model"],
        self_mask: Bool[torch.Tensor, "batch tgt_pos tgt_pos"],
        cross_mask: Bool[torch.Tensor, "batch tgt_pos src_pos"] | None,
        position_bias: Float[torch.Tensor, "1 head tgt_pos tgt_pos"] | None,
    ) -> Float[torch.Tensor, "batch tgt_pos d_model"]:
        """``self_mask``: the causal triangle; ``cross_mask``: the source padding (None: every source token)."""
        x = self.res_self(x, lambda h: self.self_attn(h, h, self_mask, position_bias))
        x = self.res_cross(x, lambda h: self.cross_attn(h, memory, cross_mask))
        return self.hook_resid_post(self.res_mlp(x, self.mlp))


class Stack(nn.Module):
    """Embeddings, blocks, an optional final norm and (relative positions) the stack's shared position bias."""

    def __init__(self, cfg: Seq2SeqConfig, block: type[nn.Module], n_layers: int, bidirectional: bool):
        super().__init__()
        self.embed = Embed(cfg)
        relative = cfg.positions == "relative"
        self.position_bias = RelativePositionBias(cfg.relative_buckets, cfg.n_heads, cfg.relative_max_distance, bidirectional) if relative else None
        self.blocks = nn.ModuleList(block(cfg) for _ in range(n_layers))
        self.ln_final = make_norm(cfg) if cfg.final_norm else None

    def bias(self, n: int) -> Float[torch.Tensor, "1 head pos pos"] | None:
        """The relative position bias of ``n`` positions, shared by the stack's self-attention layers (None without it)."""
        return None if self.position_bias is None else self.position_bias(n, n)

    def finish(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        """The final norm, if the stack has one."""
        return x if self.ln_final is None else self.ln_final(x)


class EncoderDecoder(nn.Module):
    """The encoder–decoder Transformer: ``forward(src_ids, tgt_ids, src_mask)`` gives the logits.

    Parameters: ``W_E [d_vocab, d_model]`` (the token embedding shared by both stacks),
    ``encoder`` and ``decoder`` stacks, and unless tied ``lm_head [d_vocab, d_model]``,
    plus ``final_logits_bias [d_vocab]`` if the config has it. Trainable as it is:
    ``W_E`` starts as N(0, 1/d_model) (so tied logits of a normed stream have unit
    scale), learned positions as N(0, 0.02²), linear layers as ``nn.Linear`` does.
    """

    def __init__(self, cfg: Seq2SeqConfig):
        super().__init__()
        self.cfg = cfg
        self.W_E = nn.Parameter(torch.randn(cfg.d_vocab, cfg.d_model) * cfg.d_model**-0.5)
        self.encoder = Stack(cfg, EncoderBlock, cfg.n_encoder_layers, bidirectional=True)
        self.decoder = Stack(cfg, DecoderBlock, cfg.n_decoder_layers, bidirectional=False)
        self.lm_head = None if cfg.tie_embeddings else nn.Linear(cfg.d_model, cfg.d_vocab, bias=False)
        self.final_logits_bias = nn.Parameter(torch.zeros(cfg.d_vocab)) if cfg.final_logits_bias else None
        for stack in (self.encoder, self.decoder):
            if stack.embed.W_pos is not None:
                nn.init.normal_(stack.embed.W_pos, std=0.02)

    def encode(
        self, src_ids: Int[torch.Tensor, "batch src_pos"], src_mask: Bool[torch.Tensor, "batch src_pos"] | None = None
    ) -> Float[torch.Tensor, "batch src_pos d_model"]:
        """The encoder's output (the memory the decoder attends over). ``src_mask``: True = real token, None = all real."""
        mask = None if src_mask is None else padding_attn_mask(src_mask)  # [batch, query_pos, key_pos]
        x = self.encoder.embed(src_ids, self.W_E)
        bias = self.encoder.bias(src_ids.shape[1])
        for block in self.encoder.blocks:
            x = block(x, mask, bias)
        return self.encoder.finish(x)

    def decode(
        self,
        tgt_ids: Int[torch.Tensor, "batch tgt_pos"],
        memory: Float[torch.Tensor, "batch src_pos d_model"],
        src_mask: Bool[torch.Tensor, "batch src_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch tgt_pos d_vocab"]:
        """The logits of every target position, float32 ``[batch, tgt_pos, d_vocab]``.

        ``tgt_ids``: the decoder input (start token, then the target so far); each position
        sees itself and earlier positions only (the causal mask) and every real source token.
        """
        n = tgt_ids.shape[1]
        self_mask = causal_attn_mask(n, tgt_ids.device)[None]  # [1, tgt_pos, tgt_pos]
        cross_mask = None if src_mask is None else src_mask[:, None, :].expand(-1, n, -1)  # [batch, tgt_pos, src_pos]
        x = self.decoder.embed(tgt_ids, self.W_E)
        bias = self.decoder.bias(n)
        for block in self.decoder.blocks:
            x = block(x, memory, self_mask, cross_mask, bias)
        return self.unembed(self.decoder.finish(x))

    def unembed(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_vocab"]:
        """x·W_U (+ final_logits_bias); T5 scales x by d_model^-0.5 first (Raffel et al. 2020, as Mesh TensorFlow)."""
        if self.cfg.scale_decoder_output:
            x = x * self.cfg.d_model**-0.5
        logits = F.linear(x, self.W_E if self.lm_head is None else self.lm_head.weight)
        return logits if self.final_logits_bias is None else logits + self.final_logits_bias

    def forward(
        self,
        src_ids: Int[torch.Tensor, "batch src_pos"],
        tgt_ids: Int[torch.Tensor, "batch tgt_pos"],
        src_mask: Bool[torch.Tensor, "batch src_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch tgt_pos d_vocab"]:
        """Teacher-forced logits: ``decode(tgt_ids, encode(src_ids, src_mask), src_mask)``.

        Args:
            src_ids: int64 source ids ``[batch, src_pos]`` (characters then </s> for the toy).
            tgt_ids: int64 decoder input ids ``[batch, tgt_pos]`` (<s> then the target: shifted right).
            src_mask: bool ``[batch, src_pos]``, True for real tokens, False for padding; None: all real.
        """
        return self.decode(tgt_ids, self.encode(src_ids, src_mask), src_mask)
