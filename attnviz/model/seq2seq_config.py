"""The configuration of attnviz's encoder–decoder Transformer: one frozen, validated dataclass.

Its fields with their defaults describe the Transformer of Vaswani et al. 2017; the
other values select what BART (Lewis et al. 2020), Marian (Junczys-Dowmunt et al. 2018)
and T5 (Raffel et al. 2020) do differently. Kept apart from the network
(``attnviz.model.seq2seq``) so that loaders and the app read a config without torch modules.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from attnviz.errors import ConfigError

CHOICES = {
    "positions": ("sinusoidal", "learned", "relative"),
    "norm": ("layernorm", "rmsnorm"),
    "act": ("relu", "gelu", "gelu_new", "silu", "gated-gelu", "gated-gelu_new", "gated-relu", "gated-silu"),
}
SIZE_LIMITS = {
    "d_vocab": 1 << 21, "d_model": 65536, "n_heads": 1024, "d_head": 4096, "d_mlp": 262144,
    "n_encoder_layers": 512, "n_decoder_layers": 512, "max_positions": 1 << 20,
    "relative_buckets": 4096, "relative_max_distance": 1 << 20,
}  # fmt: skip


@dataclass(frozen=True)
class Seq2SeqConfig:
    """Sizes and choices of one encoder–decoder Transformer, in attnviz's names.

    Attributes:
        d_vocab: token ids, shared by source and target (one embedding ``W_E``).
        d_model: width of the residual stream; n_heads, d_head: heads per attention and
            their width (``n_heads * d_head`` need not equal d_model: T5 allows it).
        d_mlp: hidden width of the feed-forward network.
        n_encoder_layers, n_decoder_layers: blocks in each stack.
        max_positions: longest source or target, in tokens.
        positions: ``"sinusoidal"`` (fixed, added to the embeddings; Marian's layout),
            ``"learned"`` (a table per stack, BART), ``"relative"`` (T5's bucketed bias
            added to the self-attention scores, one table per stack shared by its layers).
        position_offset: learned positions start at this row (BART: 2).
        relative_buckets, relative_max_distance: T5's bucketing of distances.
        norm: ``"layernorm"`` (with bias) or ``"rmsnorm"`` (T5: no centring, no bias).
        norm_eps: the norm's epsilon.
        pre_norm: the norm inside each residual branch (T5, the toy) or after the sum (BART, Marian: post-norm).
        final_norm: a norm after each stack's last block (pre-norm models need it).
        layernorm_embedding: a norm on the summed embeddings (BART).
        scale_embedding: multiply token embeddings by √d_model (Vaswani et al. 2017, section 3.4; Marian).
        act: the feed-forward activation; ``"gated-X"`` is X(x·W_gate) ⊙ x·W_in (T5 v1.1;
            ``"gated-gelu"`` uses the tanh GELU, as Hugging Face does).
        bias: linear layers have biases (False for T5).
        scale_scores: divide the scores by √d_head (False for T5).
        tie_embeddings: the unembedding is ``W_Eᵀ``; otherwise its own ``lm_head``.
        final_logits_bias: a bias added to the logits (BART, Marian).
        scale_decoder_output: multiply the decoder output by d_model^-0.5 before a tied unembedding (T5).
        dropout: residual and embedding dropout while training (0 at inference).
        pad_token_id, decoder_start_token_id, eos_token_id: special ids.
        name: a display name.

    Raises:
        ConfigError: (a ``ValueError``) for a size that is not a positive whole number or
            exceeds ``SIZE_LIMITS``, a choice not in ``CHOICES``, an odd d_model with
            sinusoidal positions, a non-positive epsilon, a dropout outside [0, 1), or a
            special id outside the vocabulary.
    """

    d_vocab: int
    d_model: int
    n_heads: int
    d_head: int
    d_mlp: int
    n_encoder_layers: int
    n_decoder_layers: int
    max_positions: int
    positions: str = "sinusoidal"
    position_offset: int = 0
    relative_buckets: int = 32
    relative_max_distance: int = 128
    norm: str = "layernorm"
    norm_eps: float = 1e-5
    pre_norm: bool = True
    final_norm: bool = True
    layernorm_embedding: bool = False
    scale_embedding: bool = False
    act: str = "relu"
    bias: bool = True
    scale_scores: bool = True
    tie_embeddings: bool = True
    final_logits_bias: bool = False
    scale_decoder_output: bool = False
    dropout: float = 0.0
    pad_token_id: int = 0
    decoder_start_token_id: int = 1
    eos_token_id: int = 2
    name: str = ""

    def __post_init__(self) -> None:
        for field, limit in SIZE_LIMITS.items():
            value = getattr(self, field)
            if not _whole(value) or not 0 < value <= limit:
                raise ConfigError(field=field, value=f"{value!r} (a whole number from 1 to {limit} is needed)")
        for field, allowed in CHOICES.items():
            if getattr(self, field) not in allowed:
                raise ConfigError(field=field, value=f"{getattr(self, field)!r} (one of {', '.join(allowed)})")
        for field in ("pre_norm", "final_norm", "layernorm_embedding", "scale_embedding", "bias", "scale_scores", "tie_embeddings", "final_logits_bias", "scale_decoder_output"):
            if not isinstance(getattr(self, field), bool):
                raise ConfigError(field=field, value=f"{getattr(self, field)!r} (true or false)")
        if not _whole(self.position_offset) or not 0 <= self.position_offset <= 16:
            raise ConfigError(field="position_offset", value=f"{self.position_offset!r} (a whole number from 0 to 16)")
        if self.positions == "sinusoidal" and self.d_model % 2:
            raise ConfigError(field="d_model", value=f"{self.d_model} (sinusoidal positions pair a sine and a cosine: it must be even)")
        if not isinstance(self.norm_eps, (int, float)) or isinstance(self.norm_eps, bool) or not 0 < self.norm_eps < math.inf:
            raise ConfigError(field="norm_eps", value=f"{self.norm_eps!r} (a positive finite number is needed)")
        if not isinstance(self.dropout, (int, float)) or isinstance(self.dropout, bool) or not 0 <= self.dropout < 1:
            raise ConfigError(field="dropout", value=f"{self.dropout!r} (a number from 0 up to 1, 1 excluded)")
        for field in ("pad_token_id", "decoder_start_token_id", "eos_token_id"):
            value = getattr(self, field)
            if not _whole(value) or not 0 <= value < self.d_vocab:
                raise ConfigError(field=field, value=f"{value!r} (an id in [0, {self.d_vocab}))")

    @property
    def is_encoder_decoder(self) -> bool:
        """Always True: the app tells these models from the encoders and decoders by it."""
        return True

    @property
    def is_decoder(self) -> bool:
        """False: this is no causal language model (the decoder-only pages do not offer it)."""
        return False

    @property
    def gated(self) -> bool:
        """The feed-forward network is gated (``act`` starts with ``"gated-"``)."""
        return self.act.startswith("gated-")

    def to_json(self) -> dict:
        """Every field as plain JSON values (``from_json`` reads it back)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Seq2SeqConfig":
        """The config stored by ``to_json``.

        Raises:
            ConfigError: for something other than a JSON object, an unknown or missing field, or an invalid value.
        """
        if not isinstance(data, dict):
            raise ConfigError(field="config", value=f"{type(data).__name__} (a JSON object is needed)")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(field="config", value=f"unknown fields {unknown[:5]}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ConfigError(field="config", value=str(exc)) from None


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
