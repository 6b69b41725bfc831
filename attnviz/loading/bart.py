"""Convert a Hugging Face BART or Marian checkpoint into attnviz's ``EncoderDecoder`` weights.

BART (Lewis et al. 2020) and Marian (Junczys-Dowmunt et al. 2018) share Hugging Face's
layout: post-norm blocks (``x = LN(x + f(x))``), q/k/v/out projections with biases,
fc1/fc2 feed-forward, a final logits bias. BART learns its positions (row ``pos + 2``:
the table has two extra rows, an artefact of fairseq) and normalises the summed
embeddings (``layernorm_embedding``); Marian adds fixed sinusoids and scales the token
embeddings by √d_model. Both tie the token embedding of encoder and decoder.

Pure: a dict of tensors in, a dict of tensors out, after a strict key and shape check.
Both store ``nn.Linear`` weights ``[out, in]``, as attnviz does: nothing is transposed.
"""

from __future__ import annotations

import re

import torch

from attnviz.errors import ConfigError, WeightsMismatchError
from attnviz.loading.checks import check_keys, token_embedding
from attnviz.model.seq2seq_config import Seq2SeqConfig

EMBEDDING_NAMES = ("model.shared.weight", "model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight")  # one tensor, saved under any of these
IGNORED = re.compile(r"^(model\.(encoder|decoder)\.embed_tokens\.weight|model\.shared\.weight|model\.(encoder|decoder)\.embed_positions\.weight|model\.(encoder|decoder)\.version|lm_head\.weight|final_logits_bias)$")
ACTS = {"gelu": "gelu", "relu": "relu", "gelu_new": "gelu_new", "silu": "silu", "swish": "silu"}
ATTENTION = {"q": "q_proj", "k": "k_proj", "v": "v_proj", "o": "out_proj"}


def config_from_hf(hf_config, name: str = "") -> Seq2SeqConfig:
    """A ``Seq2SeqConfig`` from a Hugging Face ``BartConfig`` or ``MarianConfig``.

    Raises:
        ConfigError: for an option attnviz does not implement (different encoder and
            decoder widths or head counts, an activation other than GELU/ReLU/SiLU, Marian
            with separate source and target vocabularies) or invalid sizes.
    """
    marian = hf_config.model_type == "marian"
    for a, b in (("encoder_attention_heads", "decoder_attention_heads"), ("encoder_ffn_dim", "decoder_ffn_dim")):
        if getattr(hf_config, a) != getattr(hf_config, b):
            raise ConfigError(field=f"{a} / {b}", value=f"{getattr(hf_config, a)} / {getattr(hf_config, b)} (attnviz needs them equal)")
    if marian and (not hf_config.share_encoder_decoder_embeddings or hf_config.decoder_vocab_size != hf_config.vocab_size):
        raise ConfigError(field="share_encoder_decoder_embeddings", value="false (attnviz needs one vocabulary for source and target)")
    if hf_config.activation_function not in ACTS:
        raise ConfigError(field="activation_function", value=hf_config.activation_function)
    heads = hf_config.encoder_attention_heads
    return Seq2SeqConfig(
        d_vocab=hf_config.vocab_size,
        d_model=hf_config.d_model,
        n_heads=heads,
        d_head=hf_config.d_model // heads if isinstance(heads, int) and heads > 0 else 0,
        d_mlp=hf_config.encoder_ffn_dim,
        n_encoder_layers=hf_config.encoder_layers,
        n_decoder_layers=hf_config.decoder_layers,
        max_positions=hf_config.max_position_embeddings,
        positions="sinusoidal" if marian else "learned",
        position_offset=0 if marian else 2,
        norm_eps=1e-5,  # torch.nn.LayerNorm's default, which both use
        pre_norm=False,
        final_norm=False,
        layernorm_embedding=not marian,
        scale_embedding=bool(hf_config.scale_embedding),
        act=ACTS[hf_config.activation_function],
        tie_embeddings=bool(getattr(hf_config, "tie_word_embeddings", True)),
        final_logits_bias=True,
        pad_token_id=hf_config.pad_token_id,
        decoder_start_token_id=hf_config.decoder_start_token_id,
        eos_token_id=hf_config.eos_token_id,
        name=name,
    )


def is_used(name: str, cfg: Seq2SeqConfig) -> bool:
    """True for every tensor the converter reads (all but BART's version counters and Marian's stored sinusoids)."""
    return not re.match(r"^model\.(encoder|decoder)\.version$", name) and not (cfg.positions == "sinusoidal" and "embed_positions" in name)


def _layer_shapes(prefix: str, attentions: tuple[str, ...], cfg: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    m, inner, mlp = cfg.d_model, cfg.n_heads * cfg.d_head, cfg.d_mlp
    shapes = {}
    for attn in attentions:
        for proj in ("q_proj", "k_proj", "v_proj"):
            shapes |= {f"{prefix}{attn}.{proj}.weight": (inner, m), f"{prefix}{attn}.{proj}.bias": (inner,)}
        shapes |= {f"{prefix}{attn}.out_proj.weight": (m, inner), f"{prefix}{attn}.out_proj.bias": (m,)}
        shapes |= {f"{prefix}{attn}_layer_norm.weight": (m,), f"{prefix}{attn}_layer_norm.bias": (m,)}
    shapes |= {f"{prefix}fc1.weight": (mlp, m), f"{prefix}fc1.bias": (mlp,), f"{prefix}fc2.weight": (m, mlp), f"{prefix}fc2.bias": (m,)}
    return shapes | {f"{prefix}final_layer_norm.weight": (m,), f"{prefix}final_layer_norm.bias": (m,)}


def expected_shapes(cfg: Seq2SeqConfig) -> dict[str, tuple[int, ...]]:
    """The keys a BART/Marian checkpoint of ``cfg`` must hold besides the token embedding, with their shapes."""
    m = cfg.d_model
    shapes: dict[str, tuple[int, ...]] = {}
    for stack, n, attentions in (("encoder", cfg.n_encoder_layers, ("self_attn",)), ("decoder", cfg.n_decoder_layers, ("self_attn", "encoder_attn"))):
        if cfg.positions == "learned":
            shapes[f"model.{stack}.embed_positions.weight"] = (cfg.max_positions + cfg.position_offset, m)
        if cfg.layernorm_embedding:
            shapes |= {f"model.{stack}.layernorm_embedding.weight": (m,), f"model.{stack}.layernorm_embedding.bias": (m,)}
        for layer in range(n):
            shapes |= _layer_shapes(f"model.{stack}.layers.{layer}.", attentions, cfg)
    if not cfg.tie_embeddings:
        shapes["lm_head.weight"] = (cfg.d_vocab, m)
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
    bias = state_dict.get("final_logits_bias")
    if bias is not None and tuple(bias.shape) != (1, cfg.d_vocab):
        raise WeightsMismatchError(detail=f"final_logits_bias {tuple(bias.shape)} != {(1, cfg.d_vocab)}")
    return state_dict


def convert_bart(state_dict: dict[str, torch.Tensor], cfg: Seq2SeqConfig) -> dict[str, torch.Tensor]:
    """Map a ``BartForConditionalGeneration`` or ``MarianMTModel`` state dict to ``EncoderDecoder``'s.

    Raises:
        WeightsMismatchError: as ``check_checkpoint``.
    """
    sd = check_checkpoint(state_dict, cfg)
    out = {"W_E": token_embedding(sd, EMBEDDING_NAMES)}
    if not cfg.tie_embeddings:
        out["lm_head.weight"] = sd["lm_head.weight"]
    out["final_logits_bias"] = sd["final_logits_bias"][0] if "final_logits_bias" in sd else torch.zeros(cfg.d_vocab)  # Hugging Face: zeros when absent
    blocks = {"encoder": (cfg.n_encoder_layers, {"self_attn": ("attn", "res_attn")}), "decoder": (cfg.n_decoder_layers, {"self_attn": ("self_attn", "res_self"), "encoder_attn": ("cross_attn", "res_cross")})}
    for stack, (n, attentions) in blocks.items():
        if cfg.positions == "learned":
            out[f"{stack}.embed.W_pos"] = sd[f"model.{stack}.embed_positions.weight"]
        if cfg.layernorm_embedding:
            out[f"{stack}.embed.ln.w"] = sd[f"model.{stack}.layernorm_embedding.weight"]
            out[f"{stack}.embed.ln.b"] = sd[f"model.{stack}.layernorm_embedding.bias"]
        for layer in range(n):
            p, o = f"model.{stack}.layers.{layer}.", f"{stack}.blocks.{layer}."
            for theirs, (attn, residual) in attentions.items():
                for ours, proj in ATTENTION.items():
                    out[f"{o}{attn}.{ours}.weight"] = sd[f"{p}{theirs}.{proj}.weight"]
                    out[f"{o}{attn}.{ours}.bias"] = sd[f"{p}{theirs}.{proj}.bias"]
                out[f"{o}{residual}.ln.w"] = sd[f"{p}{theirs}_layer_norm.weight"]
                out[f"{o}{residual}.ln.b"] = sd[f"{p}{theirs}_layer_norm.bias"]
            for ours, theirs in (("w_in", "fc1"), ("w_out", "fc2")):
                out[f"{o}mlp.{ours}.weight"] = sd[f"{p}{theirs}.weight"]
                out[f"{o}mlp.{ours}.bias"] = sd[f"{p}{theirs}.bias"]
            out[f"{o}res_mlp.ln.w"] = sd[f"{p}final_layer_norm.weight"]
            out[f"{o}res_mlp.ln.b"] = sd[f"{p}final_layer_norm.bias"]
    return {key: value.contiguous() for key, value in out.items()}
