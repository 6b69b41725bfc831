"""Convert a Hugging Face BERT checkpoint into attnviz's ``BertEncoder`` weights.

Pure: a dict of tensors in, a dict of tensors out. Every expected key must be present
with its exact shape; a key that is neither used nor on the short ignore list is an error.

attnviz stores weights as Hugging Face's ``nn.Linear`` does, ``[out, in]``, so nothing is
transposed: ``query``, ``key`` and ``value.weight [h·d, m]`` are stacked into
``qkv_weight [3·h, d, m]`` (queries, then keys, then values, one slot per head); the
output and feed-forward weights are taken as they are.
"""

from __future__ import annotations

import re

import torch
from einops import rearrange

from attnviz.loading.checks import check_keys
from attnviz.model.config import ModelConfig

IGNORED = re.compile(r"^(embeddings\.position_ids|pooler\..*|cls\..*)$")
PREFIX = "bert."


def _strip_prefix(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {key.removeprefix(PREFIX): value for key, value in state_dict.items()}


def is_used(name: str, cfg: ModelConfig) -> bool:
    """True unless the checkpoint tensor ``name`` is one the converter ignores (it is then not read)."""
    key = name.removeprefix(PREFIX)
    return not IGNORED.match(key)


def expected_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The Hugging Face keys a BERT checkpoint of ``cfg`` must hold, with their shapes."""
    m, mlp = cfg.d_model, cfg.d_mlp
    shapes = {
        "embeddings.word_embeddings.weight": (cfg.d_vocab, m),
        "embeddings.position_embeddings.weight": (cfg.max_positions, m),
        "embeddings.token_type_embeddings.weight": (cfg.n_token_types, m),
        "embeddings.LayerNorm.weight": (m,),
        "embeddings.LayerNorm.bias": (m,),
    }
    for layer in range(cfg.n_layers):
        p = f"encoder.layer.{layer}."
        for name in ("query", "key", "value"):
            shapes[p + f"attention.self.{name}.weight"] = (m, m)
            shapes[p + f"attention.self.{name}.bias"] = (m,)
        shapes |= {
            p + "attention.output.dense.weight": (m, m),
            p + "attention.output.dense.bias": (m,),
            p + "attention.output.LayerNorm.weight": (m,),
            p + "attention.output.LayerNorm.bias": (m,),
            p + "intermediate.dense.weight": (mlp, m),
            p + "intermediate.dense.bias": (mlp,),
            p + "output.dense.weight": (m, mlp),
            p + "output.dense.bias": (m,),
            p + "output.LayerNorm.weight": (m,),
            p + "output.LayerNorm.bias": (m,),
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


def convert_bert(state_dict: dict[str, torch.Tensor], cfg: ModelConfig) -> dict[str, torch.Tensor]:
    """Map a Hugging Face ``BertModel`` state dict (keys with or without ``bert.``) to ours.

    Raises:
        WeightsMismatchError: when keys are missing or unexpected, or a shape differs from ``cfg``.
    """
    sd = check_checkpoint(state_dict, cfg)
    h = cfg.n_heads
    out = {
        "embed.W_E": sd["embeddings.word_embeddings.weight"],
        "embed.W_pos": sd["embeddings.position_embeddings.weight"],
        "embed.W_token_type": sd["embeddings.token_type_embeddings.weight"],
        "embed.ln.w": sd["embeddings.LayerNorm.weight"],
        "embed.ln.b": sd["embeddings.LayerNorm.bias"],
    }
    for layer in range(cfg.n_layers):
        p, o = f"encoder.layer.{layer}.", f"blocks.{layer}."
        names = ("query", "key", "value")
        weights = [sd[p + f"attention.self.{name}.weight"] for name in names]  # 3 × [head·d_head, d_model]
        out[o + "attn.qkv_weight"] = rearrange(torch.stack(weights), "three (h d) m -> (three h) d m", h=h)
        biases = [sd[p + f"attention.self.{name}.bias"] for name in names]  # 3 × [head·d_head]
        out[o + "attn.qkv_bias"] = rearrange(torch.stack(biases), "three (h d) -> (three h) d", h=h)
        out[o + "attn.o_weight"] = sd[p + "attention.output.dense.weight"]  # [d_model, head·d_head]
        out[o + "attn.o_bias"] = sd[p + "attention.output.dense.bias"]
        out[o + "ln1.w"] = sd[p + "attention.output.LayerNorm.weight"]
        out[o + "ln1.b"] = sd[p + "attention.output.LayerNorm.bias"]
        out[o + "mlp.in_weight"] = sd[p + "intermediate.dense.weight"]  # [d_mlp, d_model]
        out[o + "mlp.in_bias"] = sd[p + "intermediate.dense.bias"]
        out[o + "mlp.out_weight"] = sd[p + "output.dense.weight"]  # [d_model, d_mlp]
        out[o + "mlp.out_bias"] = sd[p + "output.dense.bias"]
        out[o + "ln2.w"] = sd[p + "output.LayerNorm.weight"]
        out[o + "ln2.b"] = sd[p + "output.LayerNorm.bias"]
    return {key: value.contiguous() for key, value in out.items()}
