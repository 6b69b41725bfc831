"""The model configuration: one frozen, validated dataclass for every family."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from attnviz.errors import ConfigError

Family = Literal["bert", "gpt2", "llama"]
ACT_FNS = {"bert": ("gelu",), "gpt2": ("gelu_new",), "llama": ("silu",)}
# Sane upper bounds, checked before anything is allocated: above every published model of
# these families (Llama 3.1 405B: 126 layers, 128 heads, d_model 16384, 128k positions).
LIMITS = {
    "n_layers": 512,
    "n_heads": 1024,
    "n_kv_heads": 1024,
    "d_model": 65536,
    "d_head": 4096,
    "d_mlp": 262144,
    "d_vocab": 1 << 21,
    "max_positions": 1 << 21,
    "n_token_types": 1024,
}


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and choices of one Transformer, in attnviz's own names.

    Attributes:
        family: architecture family; it selects the converter and the block layout.
            ``"bert"``: post-LN encoder, learned positions, token types, GELU.
            ``"gpt2"``: pre-LN decoder, learned positions, tanh-GELU, tied unembedding.
            ``"llama"``: pre-RMSNorm decoder, rotary positions, grouped-query attention, SwiGLU.
        n_layers: number of Transformer blocks.
        n_heads: number of attention (query) heads per layer.
        d_model: width of the residual stream.
        d_head: width of one head's query, key and value vectors.
        d_mlp: hidden width of the position-wise feed-forward network.
        d_vocab: number of token ids.
        max_positions: longest sequence the model was built for, in tokens.
        n_token_types: number of token-type (segment) embeddings; 0 if none.
        layer_norm_eps: epsilon added to the variance in LayerNorm or RMSNorm.
        act_fn: activation of the feed-forward network ("gelu" is the exact erf form,
            "gelu_new" the tanh approximation of GPT-2, "silu" the gate of SwiGLU).
        name: a display name (registry name or folder name).
        n_kv_heads: key/value heads per layer (grouped-query attention, Ainslie et al. 2023);
            ``None`` means one per query head. ``n_heads`` must be a multiple of it.
        rope_theta: the base of the rotary position frequencies (Su et al. 2021); llama only.
        tie_embeddings: the unembedding is the transpose of the token embedding ``W_E``.

    Raises:
        ConfigError: (a ``ValueError``) when a size is not a positive whole number or
            exceeds ``LIMITS``, an epsilon or RoPE base is not positive, ``n_heads * d_head``
            differs from ``d_model`` (bert, gpt2), ``n_heads`` is not a multiple of
            ``n_kv_heads``, or the activation does not belong to the family.
    """

    family: Family
    n_layers: int
    n_heads: int
    d_model: int
    d_head: int
    d_mlp: int
    d_vocab: int
    max_positions: int
    n_token_types: int = 0
    layer_norm_eps: float = 1e-12
    act_fn: str = "gelu"
    name: str = ""
    n_kv_heads: int | None = None
    rope_theta: float = 10000.0
    tie_embeddings: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.family, str) or self.family not in ACT_FNS:
            raise ConfigError(field="family", value=self.family)
        if self.n_kv_heads is None:
            object.__setattr__(self, "n_kv_heads", self.n_heads)
        for field, limit in LIMITS.items():
            value = getattr(self, field)
            if not isinstance(value, int) or isinstance(value, bool) or not (field == "n_token_types" or value > 0):
                raise ConfigError(field=field, value=f"{value!r} (a positive whole number is needed)")
            if not 0 <= value <= limit:
                raise ConfigError(field=field, value=f"{value} (attnviz allows at most {limit})")
        for field in ("layer_norm_eps", "rope_theta"):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value < math.inf:
                raise ConfigError(field=field, value=f"{value!r} (a positive finite number is needed)")
        if not isinstance(self.tie_embeddings, bool):
            raise ConfigError(field="tie_embeddings", value=f"{self.tie_embeddings!r} (true or false)")
        if self.family == "bert" and self.n_token_types < 1:
            raise ConfigError(field="n_token_types", value=f"{self.n_token_types} (BERT needs at least one token type)")
        if self.family != "llama" and self.n_heads * self.d_head != self.d_model:
            raise ConfigError(field="n_heads * d_head", value=f"{self.n_heads * self.d_head} != d_model {self.d_model}")
        if self.n_heads % self.n_kv_heads:
            raise ConfigError(field="n_heads / n_kv_heads", value=f"{self.n_heads} / {self.n_kv_heads} is not a whole number")
        if self.family == "llama" and self.d_head % 2:
            raise ConfigError(field="d_head", value=f"{self.d_head} (rotary positions rotate pairs: it must be even)")
        if not isinstance(self.act_fn, str) or self.act_fn not in ACT_FNS[self.family]:
            raise ConfigError(field="act_fn", value=self.act_fn)

    @property
    def is_decoder(self) -> bool:
        """True for the causal families (gpt2, llama): token i sees tokens 0..i only."""
        return self.family != "bert"

    @property
    def is_encoder_decoder(self) -> bool:
        """False: one stack (the encoder–decoder models have ``Seq2SeqConfig``, where it is True)."""
        return False

    @property
    def rotary(self) -> bool:
        """True where positions enter as rotations of q and k (llama), not as embeddings."""
        return self.family == "llama"

    @classmethod
    def from_hf(cls, hf_config, name: str = "") -> "ModelConfig":
        """Read a Hugging Face ``BertConfig``, ``GPT2Config`` or ``LlamaConfig``.

        Raises:
            ConfigError: for a ``model_type`` attnviz does not implement, an option that
                changes the math attnviz implements (e.g. RoPE scaling, biases in Llama),
                or bad sizes.
        """
        model_type = getattr(hf_config, "model_type", "")
        readers = {"bert": _bert_fields, "gpt2": _gpt2_fields, "llama": _llama_fields}
        if model_type not in readers:
            raise ConfigError(field="model_type", value=f"{model_type} (attnviz implements bert, gpt2 and llama)")
        return cls(**readers[model_type](hf_config), name=name)


def _refuse(hf_config, field: str, allowed) -> None:
    value = getattr(hf_config, field, allowed[0])
    if value not in allowed:
        raise ConfigError(field=field, value=value)


def _per_head(width, n_heads) -> int:
    """``width // n_heads`` for valid sizes; ``ModelConfig`` then refuses the sizes themselves."""
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, n_heads)):
        raise ConfigError(field="hidden size / number of heads", value=f"{width!r} / {n_heads!r} (positive whole numbers are needed)")
    return width // n_heads


def _bert_fields(hf_config) -> dict:
    _refuse(hf_config, "position_embedding_type", ("absolute",))
    return dict(
        family="bert",
        n_layers=hf_config.num_hidden_layers,
        n_heads=hf_config.num_attention_heads,
        d_model=hf_config.hidden_size,
        d_head=_per_head(hf_config.hidden_size, hf_config.num_attention_heads),
        d_mlp=hf_config.intermediate_size,
        d_vocab=hf_config.vocab_size,
        max_positions=hf_config.max_position_embeddings,
        n_token_types=hf_config.type_vocab_size,
        layer_norm_eps=hf_config.layer_norm_eps,
        act_fn=hf_config.hidden_act,
    )


def _gpt2_fields(hf_config) -> dict:
    _refuse(hf_config, "scale_attn_weights", (True,))
    _refuse(hf_config, "scale_attn_by_inverse_layer_idx", (False,))
    _refuse(hf_config, "add_cross_attention", (False,))
    return dict(
        family="gpt2",
        n_layers=hf_config.n_layer,
        n_heads=hf_config.n_head,
        d_model=hf_config.n_embd,
        d_head=_per_head(hf_config.n_embd, hf_config.n_head),
        d_mlp=hf_config.n_inner or 4 * hf_config.n_embd,
        d_vocab=hf_config.vocab_size,
        max_positions=hf_config.n_positions,
        layer_norm_eps=hf_config.layer_norm_epsilon,
        act_fn=hf_config.activation_function,
        tie_embeddings=True,
    )


def _llama_fields(hf_config) -> dict:
    _refuse(hf_config, "attention_bias", (False,))
    _refuse(hf_config, "mlp_bias", (False,))
    _refuse(hf_config, "pretraining_tp", (1,))
    rope = getattr(hf_config, "rope_parameters", None) or {"rope_type": "default", "rope_theta": 10000.0}
    if rope.get("rope_type", "default") != "default":
        raise ConfigError(field="rope_type", value=f"{rope['rope_type']} (attnviz implements the default rotary positions)")
    return dict(
        family="llama",
        n_layers=hf_config.num_hidden_layers,
        n_heads=hf_config.num_attention_heads,
        d_model=hf_config.hidden_size,
        d_head=getattr(hf_config, "head_dim", None) or _per_head(hf_config.hidden_size, hf_config.num_attention_heads),
        d_mlp=hf_config.intermediate_size,
        d_vocab=hf_config.vocab_size,
        max_positions=hf_config.max_position_embeddings,
        layer_norm_eps=hf_config.rms_norm_eps,
        act_fn=hf_config.hidden_act,
        n_kv_heads=getattr(hf_config, "num_key_value_heads", None) or hf_config.num_attention_heads,
        rope_theta=float(rope["rope_theta"]),
        tie_embeddings=bool(getattr(hf_config, "tie_word_embeddings", False)),
    )
