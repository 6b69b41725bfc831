"""Convert a Hugging Face T5 checkpoint into attnviz's ``EncoderDecoder`` weights.

T5 (Raffel et al. 2020): pre-norm blocks with RMSNorm and no biases anywhere, no
position embeddings but a learned relative position bias added to the self-attention
scores (held by block 0 of each stack and shared by all its layers), scores not divided
by √d_head, a final norm per stack, ReLU (T5) or gated GELU (T5 v1.1, Flan-T5)
feed-forward networks, the token embedding shared by encoder, decoder and unembedding
(as Hugging Face's ``T5ForConditionalGeneration`` ties them), and the decoder output
scaled by d_model^-0.5 before the unembedding when the config says so.

Pure: a dict of tensors in, a dict of tensors out, after a strict key and shape check.
"""

from __future__ import annotations

import re

import torch

from attnviz.errors import ConfigError, WeightsMismatchError
from attnviz.loading.checks import check_keys, token_embedding
from attnviz.model.seq2seq_config import Seq2SeqConfig

EMBEDDING_NAMES = ("shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight")  # tied: one tensor under any of these
IGNORED = re.compile(r"^(shared\.weight|(encoder|decoder)\.embed_tokens\.weight|lm_head\.weight|decoder\.block\.0\.layer\.1\.EncDecAttention\.relative_attention_bias\.weight)$")
DEFAULT_MAX_POSITIONS = 512  # T5 has no position table; the length it was trained on


def config_from_hf(hf_config, name: str = "") -> Seq2SeqConfig:
    """A ``Seq2SeqConfig`` from a Hugging Face ``T5Config``.

    ``feed_forward_proj`` "gated-gelu" uses the tanh GELU, as Hugging Face does.

    Raises:
        ConfigError: for an activation attnviz does not implement or invalid sizes.
    """
    proj = hf_config.feed_forward_proj
    act = "gated-gelu_new" if proj == "gated-gelu" else proj
    if act.removeprefix("gated-") not in ("relu", "gelu", "gelu_new", "silu"):
        raise ConfigError(field="feed_forward_proj", value=proj)
    return Seq2SeqConfig(
        d_vocab=hf_config.vocab_size,
        d_model=hf_config.d_model,
        n_heads=hf_config.num_heads,
        d_head=hf_config.d_kv,
        d_mlp=hf_config.d_ff,
        n_encoder_layers=hf_config.num_layers,
        n_decoder_layers=hf_config.num_decoder_layers,
        max_positions=getattr(hf_config, "n_positions", None) or DEFAULT_MAX_POSITIONS,
        positions="relative",
        relative_buckets=hf_config.relative_attention_num_buckets,
        relative_max_distance=hf_config.relative_attention_max_distance,
        norm="rmsnorm",
        norm_eps=hf_config.layer_norm_epsilon,
        pre_norm=True,
        final_norm=True,
        act=act,
        bias=False,
        scale_scores=False,
        tie_embeddings=True,
        scale_decoder_output=bool(getattr(hf_config, "scale_decoder_outputs", True)),
        pad_token_id=hf_config.pad_token_id,
        decoder_start_token_id=hf_config.decoder_start_token_id,
        eos_token_id=hf_config.eos_token_id,
        name=name,
    )


def is_used(name: str, cfg: Seq2SeqConfig) -> bool:
    """True for every tensor the converter reads (not the cross-attention's unused bias table)."""
    return "EncDecAttention.relative_attention_bias" not in name


def _mlp_shapes(prefix: str, cfg: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    m, mlp = cfg.d_model, cfg.d_mlp
    ins = ("wi_0", "wi_1") if cfg.gated else ("wi",)
    return {f"{prefix}DenseReluDense.{w}.weight": (mlp, m) for w in ins} | {f"{prefix}DenseReluDense.wo.weight": (m, mlp), f"{prefix}layer_norm.weight": (m,)}


def _attention_shapes(prefix: str, cfg: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    m, inner = cfg.d_model, cfg.n_heads * cfg.d_head
    return {f"{prefix}{w}.weight": (inner, m) for w in "qkv"} | {f"{prefix}o.weight": (m, inner)}


def expected_shapes(cfg: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    """The keys a T5 checkpoint of ``cfg`` must hold besides the token embedding, with their shapes."""
    m = cfg.d_model
    shapes: dict[str, tuple[int, ...]] = {}
    for stack, n in (("encoder", cfg.n_encoder_layers), ("decoder", cfg.n_decoder_layers)):
        shapes[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] = (cfg.relative_buckets, cfg.n_heads)
        shapes[f"{stack}.final_layer_norm.weight"] = (m,)
        for layer in range(n):
            p = f"{stack}.block.{layer}.layer."
            shapes |= _attention_shapes(f"{p}0.SelfAttention.", cfg) | {f"{p}0.layer_norm.weight": (m,)}
            if stack == "decoder":
                shapes |= _attention_shapes(f"{p}1.EncDecAttention.", cfg) | {f"{p}1.layer_norm.weight": (m,)}
            shapes |= _mlp_shapes(f"{p}{2 if stack == 'decoder' else 1}.", cfg)
    return shapes


def check_checkpoint(state_dict: dict[str, torch.Tensor], cfg: Seq2SeqConfig) -> dict[str, torch.Tensor]:
    """The strict key and shape check (also on meta tensors of a safetensors header).

    Raises:
        WeightsMismatchError: for missing, unexpected or mis-shaped keys, or no token embedding.
    """
    check_keys(state_dict, expected_shapes(cfg), IGNORED)
    embedding = token_embedding(state_dict, EMBEDDING_NAMES)
    if tuple(embedding.shape) != (cfg.d_vocab, cfg.d_model):
        raise WeightsMismatchError(detail=f"token embedding {tuple(embedding.shape)} != {(cfg.d_vocab, cfg.d_model)}")
    return state_dict


def convert_t5(state_dict: dict[str, torch.Tensor], cfg: Seq2SeqConfig) -> dict[str, torch.Tensor]:
    """Map a ``T5ForConditionalGeneration`` state dict to ``EncoderDecoder``'s.

    Raises:
        WeightsMismatchError: as ``check_checkpoint``.
    """
    sd = check_checkpoint(state_dict, cfg)
    out = {"W_E": token_embedding(sd, EMBEDDING_NAMES)}
    for stack, n in (("encoder", cfg.n_encoder_layers), ("decoder", cfg.n_decoder_layers)):
        out[f"{stack}.position_bias.weight"] = sd[f"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight"]
        out[f"{stack}.ln_final.w"] = sd[f"{stack}.final_layer_norm.weight"]
        sublayers = [("0.SelfAttention", "attn" if stack == "encoder" else "self_attn", "res_attn" if stack == "encoder" else "res_self")]
        if stack == "decoder":
            sublayers.append(("1.EncDecAttention", "cross_attn", "res_cross"))
        for layer in range(n):
            p, o = f"{stack}.block.{layer}.layer.", f"{stack}.blocks.{layer}."
            for theirs, attn, residual in sublayers:
                for w in "qkvo":
                    out[f"{o}{attn}.{w}.weight"] = sd[f"{p}{theirs}.{w}.weight"]
                out[f"{o}{residual}.ln.w"] = sd[f"{p}{theirs[0]}.layer_norm.weight"]
            ff = f"{p}{len(sublayers)}."
            mlp = {"w_gate": "wi_0", "w_in": "wi_1", "w_out": "wo"} if cfg.gated else {"w_in": "wi", "w_out": "wo"}
            for ours, theirs in mlp.items():
                out[f"{o}mlp.{ours}.weight"] = sd[f"{ff}DenseReluDense.{theirs}.weight"]
            out[f"{o}res_mlp.ln.w"] = sd[f"{ff}layer_norm.weight"]
    return {key: value.contiguous() for key, value in out.items()}
