"""The building blocks every family shares: norms, attention with hook points, feed-forward nets.

Attention is the explicit Q·Kᵀ/√d_head of ``attnviz.attention``, the one path for every
family; nothing is fused, so every intermediate can be captured.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from jaxtyping import Bool, Float
from torch import nn

from attnviz.attention import apply_mask, apply_rope, attention_scores, softmax_pattern, weighted_values
from attnviz.config import ModelConfig
from attnviz.hooks import HookPoint

ATTENTION_HOOKS = ("q", "k", "v", "attn_scores_raw", "attn_scores", "pattern", "z")
ROTARY_HOOKS = ("q_pre_rope", "k_pre_rope")


def affine(
    x: Float[torch.Tensor, "... d_in"],
    W: Float[torch.Tensor, "d_in d_out"],
    b: Float[torch.Tensor, "d_out"] | None,
    out: torch.Tensor | None = None,
) -> Float[torch.Tensor, "... d_out"]:
    """x·W + b as one fused matrix product (``F.linear`` takes the weight as ``[d_out, d_in]``).

    Args:
        out: optional contiguous tensor of the result's shape to write into.
    """
    if out is None:
        return F.linear(x, W.T, b)
    torch.matmul(x, W, out=out)
    return out if b is None else out.add_(b)


class LayerNorm(nn.Module):
    """LayerNorm over d_model (Ba et al. 2016) with weight ``w`` and bias ``b``: [d_model]."""

    def __init__(self, d_model: int, eps: float):
        super().__init__()
        self.eps = eps
        self.w = nn.Parameter(torch.ones(d_model))
        self.b = nn.Parameter(torch.zeros(d_model))

    def forward(self, x: Float[torch.Tensor, "... d_model"]) -> Float[torch.Tensor, "... d_model"]:
        return F.layer_norm(x, (x.shape[-1],), self.w, self.b, self.eps)


class RMSNorm(nn.Module):
    """x / √(mean(x²) + eps) · w, with weight ``w [d_model]`` and no centring or bias (Zhang & Sennrich 2019)."""

    def __init__(self, d_model: int, eps: float):
        super().__init__()
        self.eps = eps
        self.w = nn.Parameter(torch.ones(d_model))

    def forward(self, x: Float[torch.Tensor, "... d_model"]) -> Float[torch.Tensor, "... d_model"]:
        return F.rms_norm(x, (x.shape[-1],), self.w, self.eps)


class Attention(nn.Module):
    """Multi-head self-attention with explicit scores (Vaswani et al. 2017, Eq. 1 and section 3.2.2).

    The query, key and value weights of all heads are stored side by side in one matrix,
    ``W_QKV [d_model, head + 2·kv_head, d_head]`` (and ``b_QKV [head + 2·kv_head, d_head]``),
    so the three projections are one matrix product. ``W_Q`` (``[head, d_model, d_head]``),
    ``W_K``, ``W_V`` (``[kv_head, d_model, d_head]``) and ``b_Q``, ``b_K``, ``b_V`` are views
    of it. The output projection is ``W_O [head, d_head, d_model]``, ``b_O [d_model]``.
    Llama has no biases: there ``b_QKV``, ``b_Q``.. and ``b_O`` are ``None``.

    With grouped-query attention (``kv_head < head``) query head h uses key/value head
    ``h // (head / kv_head)``. With rotary positions, ``hook_q_pre_rope`` and
    ``hook_k_pre_rope`` see q and k before the rotation and ``hook_q``, ``hook_k`` after it
    (the values that are multiplied).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h, kv, m, d = cfg.n_heads, cfg.n_kv_heads, cfg.d_model, cfg.d_head
        self.n_heads, self.n_kv_heads = h, kv
        biased = cfg.family != "llama"
        self.W_QKV = nn.Parameter(torch.zeros(m, h + 2 * kv, d))
        self.b_QKV = nn.Parameter(torch.zeros(h + 2 * kv, d)) if biased else None
        self.W_O = nn.Parameter(torch.zeros(h, d, m))
        self.b_O = nn.Parameter(torch.zeros(m)) if biased else None
        for name in (ROTARY_HOOKS if cfg.rotary else ()) + ATTENTION_HOOKS:
            setattr(self, f"hook_{name}", HookPoint())

    def _part(self, tensor: torch.Tensor | None, part: int) -> torch.Tensor | None:
        if tensor is None:
            return None
        h, kv = self.n_heads, self.n_kv_heads
        start, stop = ((0, h), (h, h + kv), (h + kv, h + 2 * kv))[part]
        return tensor[..., start:stop, :]

    W_Q = property(lambda self: self._part(self.W_QKV, 0).transpose(0, 1), doc="[head, d_model, d_head], a view")
    W_K = property(lambda self: self._part(self.W_QKV, 1).transpose(0, 1), doc="[kv_head, d_model, d_head], a view")
    W_V = property(lambda self: self._part(self.W_QKV, 2).transpose(0, 1), doc="[kv_head, d_model, d_head], a view")
    b_Q = property(lambda self: self._part(self.b_QKV, 0), doc="[head, d_head], a view (None without biases)")
    b_K = property(lambda self: self._part(self.b_QKV, 1), doc="[kv_head, d_head], a view (None without biases)")
    b_V = property(lambda self: self._part(self.b_QKV, 2), doc="[kv_head, d_head], a view (None without biases)")

    def forward(
        self,
        x: Float[torch.Tensor, "batch pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
        out: torch.Tensor | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``rope``: the ``(cos, sin)`` pair ``[pos, d_head]`` of ``attention.rope_cos_sin``, or None.
        ``out``: optional contiguous ``[batch, pos, d_model]`` tensor to write the output into."""
        b_QKV = None if self.b_QKV is None else self.b_QKV.flatten()
        qkv = affine(x, self.W_QKV.flatten(1), b_QKV)  # [batch, pos, (head + 2·kv_head)·d_head]
        qkv = qkv.unflatten(-1, self.W_QKV.shape[1:])  # [batch, pos, head + 2·kv_head, d_head]
        q, k, v = qkv.split([self.n_heads, self.n_kv_heads, self.n_kv_heads], dim=2)
        if rope is not None:
            q = apply_rope(self.hook_q_pre_rope(q), *rope, out=self.hook_q.out)
            k = apply_rope(self.hook_k_pre_rope(k), *rope, out=self.hook_k.out)
        q = self.hook_q(q)  # [batch, pos, head, d_head]
        k = self.hook_k(k)  # [batch, pos, kv_head, d_head]
        v = self.hook_v(v)
        scores_raw = self.hook_attn_scores_raw(attention_scores(q, k, out=self.hook_attn_scores_raw.out))  # [batch, head, query_pos, key_pos]
        scores = self.hook_attn_scores(apply_mask(scores_raw, attn_mask))
        pattern = self.hook_pattern(softmax_pattern(scores, out=self.hook_pattern.out))
        z = self.hook_z(weighted_values(pattern, v))  # [batch, pos, head, d_head]
        return affine(z.flatten(2), self.W_O.flatten(0, 1), self.b_O, out=out)  # [batch, pos, head·d_head] -> [batch, pos, d_model]


class MLP(nn.Module):
    """Position-wise feed-forward network: W_out·act(W_in·x + b_in) + b_out (Vaswani et al. 2017, Eq. 2).

    ``act`` is the exact GELU (BERT) or its tanh approximation (GPT-2, ``"gelu_new"``).
    Weights: ``W_in [d_model, d_mlp]``, ``b_in [d_mlp]``, ``W_out [d_mlp, d_model]``, ``b_out [d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.approximate = "tanh" if cfg.act_fn == "gelu_new" else "none"
        self.W_in = nn.Parameter(torch.zeros(cfg.d_model, cfg.d_mlp))
        self.b_in = nn.Parameter(torch.zeros(cfg.d_mlp))
        self.W_out = nn.Parameter(torch.zeros(cfg.d_mlp, cfg.d_model))
        self.b_out = nn.Parameter(torch.zeros(cfg.d_model))
        self.hook_post = HookPoint()

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        hidden = self.hook_post(F.gelu(affine(x, self.W_in, self.b_in), approximate=self.approximate))  # [batch, pos, d_mlp]
        return affine(hidden, self.W_out, self.b_out)


class GatedMLP(nn.Module):
    """SwiGLU feed-forward network (Shazeer 2020): W_out·(SiLU(x·W_gate) ⊙ x·W_in), no biases.

    The gate and input weights are stored side by side, ``W_gate_in [d_model, 2, d_mlp]``,
    so both are one matrix product; ``W_gate``, ``W_in`` (``[d_model, d_mlp]``) are views.
    ``W_out`` is ``[d_mlp, d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_gate_in = nn.Parameter(torch.zeros(cfg.d_model, 2, cfg.d_mlp))
        self.W_out = nn.Parameter(torch.zeros(cfg.d_mlp, cfg.d_model))
        self.hook_post = HookPoint()

    W_gate = property(lambda self: self.W_gate_in[:, 0], doc="[d_model, d_mlp], a view")
    W_in = property(lambda self: self.W_gate_in[:, 1], doc="[d_model, d_mlp], a view")

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        both = affine(x, self.W_gate_in.flatten(1), None).unflatten(-1, (2, -1))  # [batch, pos, 2, d_mlp]
        hidden = self.hook_post(F.silu(both[..., 0, :]) * both[..., 1, :])  # [batch, pos, d_mlp]
        return affine(hidden, self.W_out, None)
