"""attnviz's own decoders: the GPT-2 family and the Llama family, with hook points everywhere.

Both are pre-norm stacks (the norm sits inside each residual branch) with a causal mask:

    resid_mid  = resid_pre + Attn(Norm1(resid_pre))
    resid_post = resid_mid + MLP(Norm2(resid_mid))
    logits     = Norm_final(resid_post[-1]) · W_U

GPT-2 (Radford et al. 2019): learned position embeddings added to the token embeddings,
LayerNorm, tanh-GELU MLP, ``W_U = W_Eᵀ``. Llama (Touvron et al. 2023): no position
embeddings (q and k are rotated instead, RoPE), RMSNorm, SwiGLU MLP, grouped-query attention.
"""

from __future__ import annotations

import torch
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.model.attention import mask_bias, rope_cos_sin
from attnviz.model.config import ModelConfig
from attnviz.model.hooks import HookPoint
from attnviz.model.layers import MLP, Attention, GatedMLP, LayerNorm, RMSNorm, linear_t


def make_norm(cfg: ModelConfig) -> nn.Module:
    return RMSNorm(cfg.d_model, cfg.layer_norm_eps) if cfg.family == "llama" else LayerNorm(cfg.d_model, cfg.layer_norm_eps)


class DecoderEmbed(nn.Module):
    """Token embeddings ``W_E [d_vocab, d_model]``, plus ``W_pos [max_positions, d_model]`` for GPT-2."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))
        self.W_pos = None if cfg.rotary else nn.Parameter(torch.zeros(cfg.max_positions, cfg.d_model))
        self.hook_embed = HookPoint()

    def forward(self, token_ids: Int[torch.Tensor, "batch pos"]) -> Float[torch.Tensor, "batch pos d_model"]:
        embed = self.W_E[token_ids]
        if self.W_pos is not None:
            embed = embed + self.W_pos[: token_ids.shape[1]]
        return self.hook_embed(embed)


class PreNormBlock(nn.Module):
    """One pre-norm decoder block: resid + Attn(ln1(resid)), then · + MLP(ln2(·))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.ln1 = make_norm(cfg)
        self.attn = Attention(cfg)
        self.ln2 = make_norm(cfg)
        self.mlp = GatedMLP(cfg) if cfg.family == "llama" else MLP(cfg)
        self.hook_attn_out = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        resid_pre: Float[torch.Tensor, "batch pos d_model"],
        attn_bias: Float[torch.Tensor, "batch query_pos key_pos"],
        rope: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_bias``: the mask in additive form (``attention.mask_bias``)."""
        attn_out = self.hook_attn_out(self.attn(self.ln1(resid_pre), attn_bias, rope, out=self.hook_attn_out.out))
        resid_mid = self.hook_resid_mid(torch.add(resid_pre, attn_out, out=self.hook_resid_mid.out))
        mlp_out = self.hook_mlp_out(self.mlp(self.ln2(resid_mid)))
        return self.hook_resid_post(torch.add(resid_mid, mlp_out, out=self.hook_resid_post.out))


class Decoder(nn.Module):
    """A causal language model: embeddings, ``n_layers`` pre-norm blocks, final norm, unembedding.

    The unembedding ``W_U [d_model, d_vocab]`` (logits = x·W_U) is, with
    ``cfg.tie_embeddings``, ``embed.W_Eᵀ`` (one tensor, not a copy), otherwise a view of its
    own ``unembed_weight [d_vocab, d_model]`` (stored as ``nn.Linear`` stores weights).
    Returns the logits ``[batch, pos, d_vocab]``, a view of a ``[d_vocab, batch·pos]``
    buffer (``layers.linear_t``, the faster orientation for so wide an output).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = DecoderEmbed(cfg)
        self.blocks = nn.ModuleList(PreNormBlock(cfg) for _ in range(cfg.n_layers))
        self.ln_final = make_norm(cfg)
        self.unembed_weight = None if cfg.tie_embeddings else nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))
        self.hook_logits = HookPoint()

    @property
    def W_U(self) -> Float[torch.Tensor, "d_model d_vocab"]:
        """``[d_model, d_vocab]``, a view."""
        return self._unembed_rows.T

    @property
    def _unembed_rows(self) -> Float[torch.Tensor, "d_vocab d_model"]:
        return self.embed.W_E if self.unembed_weight is None else self.unembed_weight

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"],
    ) -> Float[torch.Tensor, "batch pos d_vocab"]:
        """``attn_mask``: the causal lower triangle (and any padding), True where a query may attend."""
        cfg = self.cfg
        rope = rope_cos_sin(token_ids.shape[1], cfg.d_head, cfg.rope_theta, token_ids.device) if cfg.rotary else None
        resid = self.embed(token_ids)
        attn_bias = mask_bias(attn_mask, resid.dtype)  # once for every layer
        for block in self.blocks:
            resid = block(resid, attn_bias, rope)
        final = self.ln_final(resid).flatten(0, 1)  # [batch·pos, d_model]
        sink = self.hook_logits.out  # a capture's logits are a [batch, pos, d_vocab] view of a [d_vocab, batch·pos] buffer
        logits = linear_t(final, self._unembed_rows, out=None if sink is None else sink.flatten(0, 1).T)  # [d_vocab, batch·pos]
        return self.hook_logits(logits.T.unflatten(0, token_ids.shape))  # [batch, pos, d_vocab], a view
