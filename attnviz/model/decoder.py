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
import torch.nn.functional as F
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.model.attention import rope_cos_sin
from attnviz.model.config import ModelConfig
from attnviz.model.hooks import HookPoint
from attnviz.model.layers import MLP, Attention, GatedMLP, LayerNorm, RMSNorm


def make_norm(cfg: ModelConfig) -> nn.Module:
    """The family's norm over d_model: RMSNorm for Llama, LayerNorm for GPT-2."""
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
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
        rope: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask``: True where a query may attend; None for the causal lower triangle alone."""
        attn_out = self.hook_attn_out(self.attn(self.ln1(resid_pre), attn_mask, causal=True, rope=rope))
        resid_mid = self.hook_resid_mid(resid_pre + attn_out)
        mlp_out = self.hook_mlp_out(self.mlp(self.ln2(resid_mid)))
        return self.hook_resid_post(resid_mid + mlp_out)


class Decoder(nn.Module):
    """A causal language model: embeddings, ``n_layers`` pre-norm blocks, final norm, unembedding.

    The unembedding ``W_U [d_model, d_vocab]`` (logits = Norm_final(x)·W_U) is, with
    ``cfg.tie_embeddings``, ``embed.W_Eᵀ`` (one tensor, not a copy), otherwise a view of its
    own ``unembed_weight [d_vocab, d_model]`` (stored as ``nn.Linear`` stores weights).
    ``forward`` returns the logits; ``run`` stops at the last residual stream (a capture
    derives logits from it only for the positions asked for).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = DecoderEmbed(cfg)
        self.blocks = nn.ModuleList(PreNormBlock(cfg) for _ in range(cfg.n_layers))
        self.ln_final = make_norm(cfg)
        self.unembed_weight = None if cfg.tie_embeddings else nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))

    @property
    def W_U(self) -> Float[torch.Tensor, "d_model d_vocab"]:
        """``[d_model, d_vocab]``, a view."""
        return self.unembed_rows.T

    @property
    def unembed_rows(self) -> Float[torch.Tensor, "d_vocab d_model"]:
        """``W_U`` as ``nn.Linear`` stores it, one row per vocabulary entry."""
        return self.embed.W_E if self.unembed_weight is None else self.unembed_weight

    def run(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """The last block's residual stream. ``attn_mask``: True where a query may attend
        (the causal lower triangle and any padding); None for the causal triangle alone."""
        cfg = self.cfg
        rope = rope_cos_sin(token_ids.shape[1], cfg.d_head, cfg.rope_theta, token_ids.device) if cfg.rotary else None
        resid = self.embed(token_ids)
        for block in self.blocks:
            resid = block(resid, attn_mask, rope)
        return resid

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_vocab"]:
        """The logits of every position: Norm_final(``run(...)``)·W_U."""
        return F.linear(self.ln_final(self.run(token_ids, attn_mask)), self.unembed_rows)
