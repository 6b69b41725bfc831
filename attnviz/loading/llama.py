"""Convert a Hugging Face Llama checkpoint (``LlamaForCausalLM``) into attnviz's ``Decoder`` weights.

Pure: a dict of tensors in, a dict of tensors out, after a strict key and shape check.

attnviz stores weights as Hugging Face's ``nn.Linear`` does, ``[out, in]``, so nothing is
transposed: ``q_proj [h·d, m]``, ``k_proj`` and ``v_proj [kv·d, m]`` are concatenated into
``qkv_weight [h + 2·kv, d, m]`` (queries, then keys, then values); ``gate_proj`` and
``up_proj [d_mlp, m]`` stacked into ``gate_in_weight [2, d_mlp, m]``; ``o_proj`` and
``down_proj`` are taken as they are. The q and k rows are used as stored: Hugging Face's
checkpoints already use the rotate-half pair layout (i, i + d/2) that
``attnviz.model.attention.apply_rope`` implements.
"""

from __future__ import annotations

import re

import torch
from einops import rearrange

from attnviz.loading.checks import check_keys
from attnviz.model.config import ModelConfig

IGNORED = re.compile(r"^(layers\.\d+\.self_attn\.rotary_emb\.inv_freq|rotary_emb\.inv_freq)$")
PREFIX = "model."


def _strip_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key.removeprefix(PREFIX): value for key, value in state_dict.items()}


def is_used(name: str, cfg: ModelConfig) -> bool:
    """True unless the checkpoint tensor ``name`` is one the converter ignores (it is then not read)."""
    key = name.removeprefix(PREFIX)
    return not IGNORED.match(key) and not (cfg.tie_embeddings and key == "lm_head.weight")


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The keys (without ``model.``) a Llama checkpoint of ``cfg`` must hold, with their shapes."""
    m, h, kv, d, mlp = cfg.d_model, cfg.n_heads, cfg.n_kv_heads, cfg.d_head, cfg.d_mlp
    shapes = {"embed_tokens.weight": (cfg.d_vocab, m), "norm.weight": (m,)}
    if not cfg.tie_embeddings:
        shapes["lm_head.weight"] = (cfg.d_vocab, m)
    for layer in range(cfg.n_layers):
        p = f"layers.{layer}."
        shapes |= {
            p + "self_attn.q_proj.weight": (h * d, m),
            p + "self_attn.k_proj.weight": (kv * d, m),
            p + "self_attn.v_proj.weight": (kv * d, m),
            p + "self_attn.o_proj.weight": (m, h * d),
            p + "mlp.gate_proj.weight": (mlp, m),
            p + "mlp.up_proj.weight": (mlp, m),
            p + "mlp.down_proj.weight": (m, mlp),
            p + "input_layernorm.weight": (m,),
            p + "post_attention_layernorm.weight": (m,),
        }
    return shapes


def check_checkpoint(state_dict: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """The checkpoint's tensors under the converter's names, after the strict key and shape check.

    Reads only names and shapes, so it checks meta tensors (a safetensors header) as well.

    Raises:
        WeightsMismatchError: when keys are missing or unexpected, or a shape differs from ``cfg``.
    """
    sd = _strip_prefix(state_dict)
    if cfg.tie_embeddings:
        sd.pop("lm_head.weight", None)
    check_keys(sd, expected_shapes(cfg), IGNORED)
    return sd


def convert_llama(state_dict: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """Map a Hugging Face ``LlamaForCausalLM`` state dict (keys with or without ``model.``) to ours.

    With tied embeddings a ``lm_head.weight`` in the checkpoint is the embedding again and
    is not used.

    Raises:
        WeightsMismatchError: when keys are missing or unexpected, or a shape differs from ``cfg``.
    """
    sd = check_checkpoint(state_dict, cfg)
    out = {"embed.W_E": sd["embed_tokens.weight"], "ln_final.w": sd["norm.weight"]}
    if not cfg.tie_embeddings:
        out["unembed_weight"] = sd["lm_head.weight"]  # [d_vocab, d_model]
    for layer in range(cfg.n_layers):
        p, o = f"layers.{layer}.self_attn.", f"blocks.{layer}."
        qkv = torch.cat([sd[p + "q_proj.weight"], sd[p + "k_proj.weight"], sd[p + "v_proj.weight"]])  # [(h + 2·kv)·d, m]
        out[o + "attn.qkv_weight"] = rearrange(qkv, "(n d) m -> n d m", d=cfg.d_head)
        out[o + "attn.o_weight"] = sd[p + "o_proj.weight"]  # [d_model, head·d_head]
        p = f"layers.{layer}."
        out[o + "mlp.gate_in_weight"] = torch.stack([sd[p + "mlp.gate_proj.weight"], sd[p + "mlp.up_proj.weight"]])  # [2, d_mlp, d_model]
        out[o + "mlp.out_weight"] = sd[p + "mlp.down_proj.weight"]  # [d_model, d_mlp]
        out[o + "ln1.w"] = sd[p + "input_layernorm.weight"]
        out[o + "ln2.w"] = sd[p + "post_attention_layernorm.weight"]
    return {key: value.contiguous() for key, value in out.items()}
