"""Convert a Hugging Face GPT-2 checkpoint (``GPT2Model`` or ``GPT2LMHeadModel``) into attnviz's ``Decoder`` weights.

Pure: a dict of tensors in, a dict of tensors out, after a strict key and shape check.

GPT-2 stores its projections as ``Conv1D`` weights ``[in, out]`` (x @ W + b); attnviz
stores them as ``nn.Linear`` does, ``[out, in]``, so each is transposed once, here: the
fused ``c_attn.weight [m, 3·h·d]`` becomes ``qkv_weight [3·h, d, m]`` (queries, then keys,
then values), ``c_proj``, ``c_fc`` and ``mlp.c_proj`` their transposes. The unembedding is
tied to ``wte``.
"""

from __future__ import annotations

import re

import torch
from einops import rearrange

from attnviz.loading.checks import check_keys
from attnviz.model.config import ModelConfig

# lm_head.weight is wte again; attn.bias / attn.masked_bias are causal-mask buffers of old checkpoints.
IGNORED = re.compile(r"^(lm_head\.weight|h\.\d+\.attn\.(bias|masked_bias))$")
PREFIX = "transformer."


def _strip_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key.removeprefix(PREFIX): value for key, value in state_dict.items()}


def is_used(name: str, cfg: ModelConfig) -> bool:
    """True unless the checkpoint tensor ``name`` is one the converter ignores (it is then not read)."""
    key = name.removeprefix(PREFIX)
    return not IGNORED.match(key)


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The keys (without ``transformer.``) a GPT-2 checkpoint of ``cfg`` must hold, with their shapes."""
    m, mlp = cfg.d_model, cfg.d_mlp
    shapes = {
        "wte.weight": (cfg.d_vocab, m),
        "wpe.weight": (cfg.max_positions, m),
        "ln_f.weight": (m,),
        "ln_f.bias": (m,),
    }
    for layer in range(cfg.n_layers):
        p = f"h.{layer}."
        shapes |= {
            p + "ln_1.weight": (m,),
            p + "ln_1.bias": (m,),
            p + "attn.c_attn.weight": (m, 3 * m),
            p + "attn.c_attn.bias": (3 * m,),
            p + "attn.c_proj.weight": (m, m),
            p + "attn.c_proj.bias": (m,),
            p + "ln_2.weight": (m,),
            p + "ln_2.bias": (m,),
            p + "mlp.c_fc.weight": (m, mlp),
            p + "mlp.c_fc.bias": (mlp,),
            p + "mlp.c_proj.weight": (mlp, m),
            p + "mlp.c_proj.bias": (m,),
        }
    return shapes


def check_checkpoint(state_dict: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """The checkpoint's tensors under the converter's names, after the strict key and shape check.

    Reads only names and shapes, so it checks meta tensors (a safetensors header) as well.

    Raises:
        WeightsMismatchError: when keys are missing or unexpected, or a shape differs from ``cfg``.
    """
    sd = _strip_prefix(state_dict)
    check_keys(sd, expected_shapes(cfg), IGNORED)
    return sd


def convert_gpt2(state_dict: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """Map a Hugging Face GPT-2 state dict (keys with or without ``transformer.``) to ours.

    Raises:
        WeightsMismatchError: when keys are missing or unexpected, or a shape differs from ``cfg``.
    """
    sd = check_checkpoint(state_dict, cfg)
    h = cfg.n_heads
    out = {
        "embed.W_E": sd["wte.weight"],
        "embed.W_pos": sd["wpe.weight"],
        "ln_final.w": sd["ln_f.weight"],
        "ln_final.b": sd["ln_f.bias"],
    }
    for layer in range(cfg.n_layers):
        p, o = f"h.{layer}.", f"blocks.{layer}."
        out[o + "ln1.w"] = sd[p + "ln_1.weight"]
        out[o + "ln1.b"] = sd[p + "ln_1.bias"]
        out[o + "attn.qkv_weight"] = rearrange(sd[p + "attn.c_attn.weight"], "m (three h d) -> (three h) d m", three=3, h=h)
        out[o + "attn.qkv_bias"] = rearrange(sd[p + "attn.c_attn.bias"], "(three h d) -> (three h) d", three=3, h=h)
        out[o + "attn.o_weight"] = sd[p + "attn.c_proj.weight"].T  # [d_model, head·d_head]
        out[o + "attn.o_bias"] = sd[p + "attn.c_proj.bias"]
        out[o + "ln2.w"] = sd[p + "ln_2.weight"]
        out[o + "ln2.b"] = sd[p + "ln_2.bias"]
        out[o + "mlp.in_weight"] = sd[p + "mlp.c_fc.weight"].T  # [d_mlp, d_model]
        out[o + "mlp.in_bias"] = sd[p + "mlp.c_fc.bias"]
        out[o + "mlp.out_weight"] = sd[p + "mlp.c_proj.weight"].T  # [d_model, d_mlp]
        out[o + "mlp.out_bias"] = sd[p + "mlp.c_proj.bias"]
    return {key: value.contiguous() for key, value in out.items()}
