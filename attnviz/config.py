"""The model configuration: one frozen, validated dataclass for every family."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from attnviz.errors import ConfigError

Family = Literal["bert"]


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and choices of one Transformer, in attnviz's own names.

    Attributes:
        family: architecture family; it selects the converter and the block layout.
        n_layers: number of Transformer blocks.
        n_heads: number of attention (query) heads per layer.
        d_model: width of the residual stream.
        d_head: width of one head's query, key and value vectors.
        d_mlp: hidden width of the position-wise feed-forward network.
        d_vocab: number of token ids.
        max_positions: longest sequence the position embeddings cover, in tokens.
        n_token_types: number of token-type (segment) embeddings; 0 if none.
        layer_norm_eps: epsilon added to the variance in LayerNorm.
        act_fn: activation of the feed-forward network ("gelu" is the exact erf form).
        name: a display name (registry name or folder name).

    Raises:
        ConfigError: (a ``ValueError``) when a size is not positive or
            ``n_heads * d_head`` differs from ``d_model``.
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

    def __post_init__(self) -> None:
        for field in ("n_layers", "n_heads", "d_model", "d_head", "d_mlp", "d_vocab", "max_positions"):
            if getattr(self, field) <= 0:
                raise ConfigError(field=field, value=getattr(self, field))
        if self.n_heads * self.d_head != self.d_model:
            raise ConfigError(field="n_heads * d_head", value=f"{self.n_heads * self.d_head} != d_model {self.d_model}")
        if self.act_fn not in ("gelu",):
            raise ConfigError(field="act_fn", value=self.act_fn)

    @classmethod
    def from_hf(cls, hf_config, name: str = "") -> "ModelConfig":
        """Read a Hugging Face ``BertConfig`` (or a config of the same fields).

        Raises:
            ConfigError: for a ``model_type`` attnviz does not implement, or bad sizes.
        """
        model_type = getattr(hf_config, "model_type", "")
        if model_type != "bert":
            raise ConfigError(field="model_type", value=model_type)
        if getattr(hf_config, "position_embedding_type", "absolute") != "absolute":
            raise ConfigError(field="position_embedding_type", value=hf_config.position_embedding_type)
        return cls(
            family="bert",
            n_layers=hf_config.num_hidden_layers,
            n_heads=hf_config.num_attention_heads,
            d_model=hf_config.hidden_size,
            d_head=hf_config.hidden_size // hf_config.num_attention_heads,
            d_mlp=hf_config.intermediate_size,
            d_vocab=hf_config.vocab_size,
            max_positions=hf_config.max_position_embeddings,
            n_token_types=hf_config.type_vocab_size,
            layer_norm_eps=hf_config.layer_norm_eps,
            act_fn=hf_config.hidden_act,
            name=name,
        )
