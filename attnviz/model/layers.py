"""The building blocks every family shares: norms, attention with hook points, feed-forward nets.

Weights are stored as ``nn.Linear`` stores them (one row per output feature), the
orientation Hugging Face checkpoints use; the math's names (``W_Q``, ``W_in``, ...) are
views of them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from einops import rearrange
from jaxtyping import Bool, Float
from torch import nn

from attnviz.model.attention import apply_mask, apply_rope, attention_scores, causal_attn_mask, fused_attention, softmax_pattern, weighted_values
from attnviz.model.config import ModelConfig
from attnviz.model.hooks import HookPoint

ATTENTION_HOOKS = ("q", "k", "v", "attn_scores_raw", "attn_scores", "pattern", "z")
ROTARY_HOOKS = ("q_pre_rope", "k_pre_rope")
PATTERN_HOOKS = ("attn_scores_raw", "attn_scores", "pattern")


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

    Stored as ``nn.Linear`` stores weights (one row per output): the query, key and value
    weights of all heads side by side, ``qkv_weight [head + 2·kv_head, d_head, d_model]``
    and ``qkv_bias [head + 2·kv_head, d_head]``, so that the three projections are one
    matrix product; the output projection ``o_weight [d_model, head·d_head]``, ``o_bias
    [d_model]``. The math's names are views of them: ``W_Q [head, d_model, d_head]``,
    ``W_K``, ``W_V [kv_head, d_model, d_head]``, ``b_Q [head, d_head]``, ``b_K``, ``b_V``,
    ``W_O [head, d_head, d_model]``, ``b_O [d_model]`` (q = x·W_Q + b_Q). Llama has no
    biases: there the biases are ``None``.

    With grouped-query attention (``kv_head < head``) query head h uses key/value head
    ``h // (head / kv_head)``. With rotary positions, ``hook_q_pre_rope`` and
    ``hook_k_pre_rope`` see q and k before the rotation and ``hook_q``, ``hook_k`` after it
    (the values that are multiplied).

    The pattern is computed explicitly (``attn_scores_raw`` → mask → ``attn_scores`` →
    softmax → ``pattern``) only while a forward hook observes one of those points;
    otherwise the fused kernel (``attention.fused_attention``) gives z without ever
    holding the ``[head, query_pos, key_pos]`` pattern. Both compute softmax(QKᵀ/√d_head)V.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        h, kv, m, d = cfg.n_heads, cfg.n_kv_heads, cfg.d_model, cfg.d_head
        self.n_heads, self.n_kv_heads = h, kv
        biased = cfg.family != "llama"
        self.qkv_weight = nn.Parameter(torch.zeros(h + 2 * kv, d, m))
        self.qkv_bias = nn.Parameter(torch.zeros(h + 2 * kv, d)) if biased else None
        self.o_weight = nn.Parameter(torch.zeros(m, h * d))
        self.o_bias = nn.Parameter(torch.zeros(m)) if biased else None
        for name in (ROTARY_HOOKS if cfg.rotary else ()) + ATTENTION_HOOKS:
            setattr(self, f"hook_{name}", HookPoint())

    def _part(self, tensor: torch.Tensor | None, part: int) -> torch.Tensor | None:
        if tensor is None:
            return None
        h, kv = self.n_heads, self.n_kv_heads
        start, stop = ((0, h), (h, h + kv), (h + kv, h + 2 * kv))[part]
        return tensor[start:stop]

    W_Q = property(lambda self: self._part(self.qkv_weight, 0).transpose(1, 2), doc="[head, d_model, d_head], a view")
    W_K = property(lambda self: self._part(self.qkv_weight, 1).transpose(1, 2), doc="[kv_head, d_model, d_head], a view")
    W_V = property(lambda self: self._part(self.qkv_weight, 2).transpose(1, 2), doc="[kv_head, d_model, d_head], a view")
    b_Q = property(lambda self: self._part(self.qkv_bias, 0), doc="[head, d_head], a view (None without biases)")
    b_K = property(lambda self: self._part(self.qkv_bias, 1), doc="[kv_head, d_head], a view (None without biases)")
    b_V = property(lambda self: self._part(self.qkv_bias, 2), doc="[kv_head, d_head], a view (None without biases)")
    b_O = property(lambda self: self.o_bias, doc="[d_model] (None without biases)")

    @property
    def W_O(self) -> Float[torch.Tensor, "head d_head d_model"]:
        """``[head, d_head, d_model]``, a view of ``o_weight``."""
        return self.o_weight.T.unflatten(0, (self.n_heads, -1))

    def forward(
        self,
        x: Float[torch.Tensor, "batch pos d_model"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None,
        causal: bool,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask``: True where a query may attend; None for every key (``causal``: every earlier key).
        ``rope``: the ``(cos, sin)`` pair ``[pos, d_head]`` of ``attention.rope_cos_sin``, or None."""
        bias = None if self.qkv_bias is None else self.qkv_bias.flatten()
        qkv = rearrange(F.linear(x, self.qkv_weight.flatten(0, 1), bias), "b n (p d) -> b n p d", d=self.qkv_weight.shape[1])  # [batch, pos, head + 2·kv_head, d_head]
        q, k, v = qkv.split([self.n_heads, self.n_kv_heads, self.n_kv_heads], dim=2)
        if rope is not None:
            q = apply_rope(self.hook_q_pre_rope(q), *rope)
            k = apply_rope(self.hook_k_pre_rope(k), *rope)
        q, k, v = self.hook_q(q), self.hook_k(k), self.hook_v(v)  # [batch, pos, head or kv_head, d_head]
        if any(getattr(self, f"hook_{name}").observed for name in PATTERN_HOOKS):
            if attn_mask is None and causal:
                attn_mask = causal_attn_mask(x.shape[1], x.device)[None]
            scores = self.hook_attn_scores(apply_mask(self.hook_attn_scores_raw(attention_scores(q, k)), attn_mask))
            z = weighted_values(self.hook_pattern(softmax_pattern(scores)), v)
        else:  # nothing reads the pattern: the fused kernel, with memory linear in the length
            z = fused_attention(q, k, v, attn_mask, causal)
        z = self.hook_z(z)  # [batch, pos, head, d_head]
        return F.linear(z.flatten(2), self.o_weight, self.o_bias)  # [batch, pos, head·d_head] -> [batch, pos, d_model]


class MLP(nn.Module):
    """Position-wise feed-forward network: act(x·W_in + b_in)·W_out + b_out (Vaswani et al. 2017, Eq. 2).

    ``act`` is the exact GELU (BERT) or its tanh approximation (GPT-2, ``"gelu_new"``).
    Stored as ``nn.Linear`` stores weights: ``in_weight [d_mlp, d_model]``, ``in_bias
    [d_mlp]``, ``out_weight [d_model, d_mlp]``, ``out_bias [d_model]``; the math's
    ``W_in [d_model, d_mlp]``, ``b_in``, ``W_out [d_mlp, d_model]``, ``b_out`` are views.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.approximate = "tanh" if cfg.act_fn == "gelu_new" else "none"
        self.in_weight = nn.Parameter(torch.zeros(cfg.d_mlp, cfg.d_model))
        self.in_bias = nn.Parameter(torch.zeros(cfg.d_mlp))
        self.out_weight = nn.Parameter(torch.zeros(cfg.d_model, cfg.d_mlp))
        self.out_bias = nn.Parameter(torch.zeros(cfg.d_model))
        self.hook_post = HookPoint()

    W_in = property(lambda self: self.in_weight.T, doc="[d_model, d_mlp], a view")
    b_in = property(lambda self: self.in_bias, doc="[d_mlp]")
    W_out = property(lambda self: self.out_weight.T, doc="[d_mlp, d_model], a view")
    b_out = property(lambda self: self.out_bias, doc="[d_model]")

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        hidden = self.hook_post(F.gelu(F.linear(x, self.in_weight, self.in_bias), approximate=self.approximate))  # [batch, pos, d_mlp]
        return F.linear(hidden, self.out_weight, self.out_bias)


class GatedMLP(nn.Module):
    """SwiGLU feed-forward network (Shazeer 2020): (SiLU(x·W_gate) ⊙ x·W_in)·W_out, no biases.

    Stored as ``nn.Linear`` stores weights, the gate's and the input's rows side by side,
    ``gate_in_weight [2, d_mlp, d_model]`` (both are one matrix product), and
    ``out_weight [d_model, d_mlp]``; ``W_gate``, ``W_in`` (``[d_model, d_mlp]``) and
    ``W_out`` (``[d_mlp, d_model]``) are views.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate_in_weight = nn.Parameter(torch.zeros(2, cfg.d_mlp, cfg.d_model))
        self.out_weight = nn.Parameter(torch.zeros(cfg.d_model, cfg.d_mlp))
        self.hook_post = HookPoint()

    W_gate = property(lambda self: self.gate_in_weight[0].T, doc="[d_model, d_mlp], a view")
    W_in = property(lambda self: self.gate_in_weight[1].T, doc="[d_model, d_mlp], a view")
    W_out = property(lambda self: self.out_weight.T, doc="[d_mlp, d_model], a view")

    def forward(self, x: Float[torch.Tensor, "batch pos d_model"]) -> Float[torch.Tensor, "batch pos d_model"]:
        gate, up = F.linear(x, self.gate_in_weight.flatten(0, 1)).chunk(2, dim=-1)  # 2 × [batch, pos, d_mlp]
        hidden = self.hook_post(F.silu(gate) * up)  # [batch, pos, d_mlp]
        return F.linear(hidden, self.out_weight)
