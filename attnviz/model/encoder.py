"""The BERT encoder (Devlin et al. 2019), with hook points everywhere.

BERT is the Transformer encoder of Vaswani et al. 2017 (post-LN: residual, then
LayerNorm) with learned position and token-type embeddings and a GELU feed-forward
network:

    resid_mid  = LayerNorm1(resid_pre + Attn(resid_pre))
    resid_post = LayerNorm2(resid_mid + MLP(resid_mid))
"""

from __future__ import annotations

import torch
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.model.config import ModelConfig
from attnviz.model.hooks import HookPoint
from attnviz.model.layers import MLP, Attention, LayerNorm


class BertEmbed(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm (Devlin et al. 2019, Fig. 2).

    Weights: ``W_E [d_vocab, d_model]``, ``W_pos [max_positions, d_model]``,
    ``W_token_type [n_token_types, d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))
        self.W_pos = nn.Parameter(torch.zeros(cfg.max_positions, cfg.d_model))
        self.W_token_type = nn.Parameter(torch.zeros(cfg.n_token_types, cfg.d_model))
        self.ln = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_embed = HookPoint()

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        n = token_ids.shape[1]
        summed = self.W_E[token_ids] + self.W_pos[:n] + self.W_token_type[token_type_ids]
        return self.hook_embed(self.ln(summed))


class BertBlock(nn.Module):
    """One post-LN encoder block: LN1(x + Attn(x)), then LN2(· + MLP(·))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.ln1 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.mlp = MLP(cfg)
        self.ln2 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_attn_out = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        resid_pre: Float[torch.Tensor, "batch pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask``: True where a query may attend, None for every key."""
        attn_out = self.hook_attn_out(self.attn(resid_pre, attn_mask, causal=False))
        resid_mid = self.hook_resid_mid(self.ln1(resid_pre + attn_out))
        mlp_out = self.hook_mlp_out(self.mlp(resid_mid))
        return self.hook_resid_post(self.ln2(resid_mid + mlp_out))


class BertEncoder(nn.Module):
    """The BERT encoder: embeddings and ``n_layers`` blocks. Returns the last residual stream."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = BertEmbed(cfg)
        self.blocks = nn.ModuleList(BertBlock(cfg) for _ in range(cfg.n_layers))

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask=None``: every query may attend to every key."""
        resid = self.embed(token_ids, token_type_ids)
        for block in self.blocks:
            resid = block(resid, attn_mask)
        return resid
