"""attnviz's own Transformers, with hook points everywhere, and ``HookedTransformer``, which runs one.

The BERT encoder family lives here; the decoders (GPT-2, Llama) in ``attnviz.model.decoder``;
the shared blocks (norms, attention, feed-forward) in ``attnviz.model.layers``.

Architecture of BERT (Devlin et al. 2019) = the Transformer encoder of Vaswani et al.
2017 (post-LN: residual, then LayerNorm) with learned position and token-type embeddings
and a GELU feed-forward network. Attention is the explicit Q·Kᵀ/√d_head of
``attnviz.model.attention``; nothing is fused, so every intermediate can be captured.
"""

from __future__ import annotations

import functools
import math
import threading

import torch
from jaxtyping import Bool, Float, Int
from torch import nn

from attnviz.errors import ConfigError, EmptyTextError, InvalidTextError
from attnviz.model.attention import causal_attn_mask, check_attn_mask, kv_head_of, mask_bias, padding_attn_mask
from attnviz.model.capture import Capture
from attnviz.model.config import ModelConfig
from attnviz.model.hooks import HookPoint, capturing
from attnviz.model.layers import MLP, Attention, LayerNorm
from attnviz.model.token_labels import TokenSpeller

MAX_CAPTURE_TOKENS = 512


class BertEmbed(nn.Module):
    """Word + position + token-type embeddings, then LayerNorm (Devlin et al. 2019, Fig. 2).

    Weights: ``W_E [d_vocab, d_model]``, ``W_pos [max_positions, d_model]``,
    ``W_token_type [n_token_types, d_model]``.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.W_E = nn.Parameter(torch.zeros(cfg.d_vocab, cfg.d_model))
        self.W_pos = nn.Parameter(torch.zeros(cfg.max_positions, cfg.d_model))
        self.W_token_type = nn.Parameter(torch.zeros(cfg.n_token_types, cfg.d_model))
        self.ln = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_embed = HookPoint()

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        n = token_ids.shape[1]
        summed = self.W_E[token_ids] + self.W_pos[:n] + self.W_token_type[token_type_ids]
        return self.hook_embed(self.ln(summed))


class BertBlock(nn.Module):
    """One post-LN encoder block: LN1(x + Attn(x)), then LN2(· + MLP(·))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.attn = Attention(cfg)
        self.ln1 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.mlp = MLP(cfg)
        self.ln2 = LayerNorm(cfg.d_model, cfg.layer_norm_eps)
        self.hook_attn_out = HookPoint()
        self.hook_resid_mid = HookPoint()
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(
        self,
        resid_pre: Float[torch.Tensor, "batch pos d_model"],
        attn_bias: Float[torch.Tensor, "batch query_pos key_pos"] | None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_bias``: the mask in additive form (``attention.mask_bias``), None for no mask."""
        attn_out = self.hook_attn_out(self.attn(resid_pre, attn_bias, out=self.hook_attn_out.out))
        resid_mid = self.hook_resid_mid(self.ln1(resid_pre + attn_out))
        mlp_out = self.hook_mlp_out(self.mlp(resid_mid))
        return self.hook_resid_post(self.ln2(resid_mid + mlp_out))


class BertEncoder(nn.Module):
    """The BERT encoder: embeddings and ``n_layers`` blocks. Returns the last residual stream."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = BertEmbed(cfg)
        self.blocks = nn.ModuleList(BertBlock(cfg) for _ in range(cfg.n_layers))

    def forward(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
        attn_mask: Bool[torch.Tensor, "batch query_pos key_pos"] | None = None,
    ) -> Float[torch.Tensor, "batch pos d_model"]:
        """``attn_mask=None``: every query may attend to every key."""
        resid = self.embed(token_ids, token_type_ids)
        attn_bias = None if attn_mask is None else mask_bias(attn_mask, resid.dtype)  # once for every layer
        for block in self.blocks:
            resid = block(resid, attn_bias)
        return resid


CAPTURED_PER_LAYER = {
    "qkv": "attn.hook_qkv",
    "q_pre_rope": "attn.hook_q_pre_rope",
    "k_pre_rope": "attn.hook_k_pre_rope",
    "q": "attn.hook_q",
    "k": "attn.hook_k",
    "v": "attn.hook_v",
    "pattern": "attn.hook_pattern",
    "z": "attn.hook_z",
    "attn_out": "hook_attn_out",
    "resid_mid": "hook_resid_mid",
    "resid_post": "hook_resid_post",
}


STORED_AS = {"q": "stored_q", "k": "stored_k", "resid_mid": "stored_resid_mid"}  # Capture fields of what may be derived
SPLIT = {"q_pre_rope", "k_pre_rope", "q", "k", "v"}  # views of the QKV product, kept as such (not contiguous)


class HookedTransformer:
    """A loaded model: our network, its tokenizer and the device it runs on.

    Build one with ``attnviz.load_model``. The network is shared read-only (the app keeps
    one per process for every session); a run never changes its weights, and runs are
    serialised by a lock so that concurrent captures cannot see each other's tensors.

    Attributes:
        config: the ``ModelConfig``.
        network: the ``nn.Module`` (``BertEncoder`` or ``attnviz.model.decoder.Decoder``) in eval mode on ``device``.
        tokenizer: the checkpoint's Hugging Face tokenizer.
        device: the ``torch.device`` the network runs on.
        max_tokens: the longest text a capture takes, ``min(max_positions, 512)``; longer
            texts are cut (a capture's pattern grows with n², 283 MB for SmolLM2 at 512).
    """

    def __init__(self, config: ModelConfig, network: nn.Module, tokenizer, device: torch.device):
        self.config = config
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.max_tokens = min(config.max_positions, MAX_CAPTURE_TOKENS)
        self._lock = threading.Lock()

    def tokenize(self, text: str, text_pair: str | None = None) -> tuple[dict[str, torch.Tensor], int]:
        """Token ids ``[1, pos]`` and token-type ids for a text (or pair), cut to ``max_tokens``.

        Returns the encoding and how many tokens truncation dropped.

        Raises:
            EmptyTextError: when ``text`` is empty or blank (or ``text_pair`` is given but blank).
            InvalidTextError: when a text is not valid Unicode (e.g. holds a lone surrogate).
            ConfigError: when a decoder is given a ``text_pair``.
        """
        if not text or not text.strip() or (text_pair is not None and not text_pair.strip()):
            raise EmptyTextError()
        for part in (text, text_pair or ""):
            try:
                part.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise InvalidTextError(position=exc.start) from None
        if text_pair is not None and self.config.is_decoder:
            raise ConfigError(field="text_pair", value="a decoder reads one text; leave the second sentence empty")
        enc = self.tokenizer(text, text_pair, truncation=False, verbose=False, return_tensors="pt")
        n_full = enc["input_ids"].shape[1]
        if n_full <= self.max_tokens:
            return enc, 0
        enc = self.tokenizer(text, text_pair, truncation=True, max_length=self.max_tokens, return_tensors="pt")
        return enc, n_full - enc["input_ids"].shape[1]

    def base_mask(self, n: int) -> Bool[torch.Tensor, "query_pos key_pos"]:
        """What every query may see in a plain run: the causal lower triangle for decoders, everything for encoders."""
        return causal_attn_mask(n) if self.config.is_decoder else torch.ones(n, n, dtype=torch.bool)

    def _run_mask(self, n: int, attn_mask: torch.Tensor | None) -> Bool[torch.Tensor, "1 query_pos key_pos"]:
        base = self.base_mask(n)
        if attn_mask is None:
            return base[None]
        return check_attn_mask(check_attn_mask(attn_mask, n).cpu() & base, n)[None]

    @torch.inference_mode()
    def run_with_capture(
        self,
        text: str,
        text_pair: str | None = None,
        attn_mask: Bool[torch.Tensor, "query_pos key_pos"] | None = None,
    ) -> Capture:
        """Run the model on ``text`` (and ``text_pair``) and capture every layer's attention.

        Args:
            text: the first (or only) sentence.
            text_pair: an optional second sentence, joined with [SEP] and token type 1
                (encoders only).
            attn_mask: optional bool ``[query_pos, key_pos]`` applied in every layer
                (True where a query may attend), e.g. to hide keys. A decoder combines it
                with its causal mask: no query ever sees a later token.

        Returns:
            A ``Capture`` with float32 CPU tensors (see its docstring for shapes).

        Raises:
            EmptyTextError: for empty or blank text.
            ConfigError: for a ``text_pair`` given to a decoder.
            InvalidMaskError: for a mask of the wrong dtype or shape or with an empty row.
        """
        enc, n_truncated = self.tokenize(text, text_pair)
        mask = self._run_mask(enc["input_ids"].shape[1], attn_mask)
        token_types = enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))
        return self._capture(enc["input_ids"], token_types, mask, [n_truncated], [(text, text_pair)])[0]

    @torch.inference_mode()
    def run_tokens_with_capture(
        self,
        token_ids: list[int] | Int[torch.Tensor, "pos"],
        attn_mask: Bool[torch.Tensor, "query_pos key_pos"] | None = None,
    ) -> Capture:
        """Like ``run_with_capture``, for token ids instead of text (e.g. a prompt plus generated tokens).

        Decoding ids to text and tokenizing again need not give the same ids back, so a
        generated continuation is run as ids. The capture's ``text`` is the decoded ids.
        Ids beyond ``max_tokens`` are cut and counted in ``n_truncated``.

        Raises:
            EmptyTextError: for no ids.
            ConfigError: for an id outside ``[0, d_vocab)``.
            InvalidMaskError: as in ``run_with_capture``.
        """
        ids = torch.as_tensor(token_ids, dtype=torch.int64).flatten()
        if ids.numel() == 0:
            raise EmptyTextError()
        if ids.min() < 0 or ids.max() >= self.config.d_vocab:
            raise ConfigError(field="token_ids", value=f"ids must lie in [0, {self.config.d_vocab})")
        kept = ids[: self.max_tokens]
        mask = self._run_mask(len(kept), attn_mask)
        text = self.tokenizer.decode(kept.tolist())
        return self._capture(kept[None], torch.zeros_like(kept)[None], mask, [len(ids) - len(kept)], [(text, None)])[0]

    @torch.inference_mode()
    def run_batch_with_capture(self, texts: list[str]) -> list[Capture]:
        """Run several texts as one batch, padded at the end to the longest, and capture each.

        Every capture has the batch's length n: a shorter text's capture ends in padding
        tokens, and its ``attn_mask`` hides those padded keys from every query (the padding
        mask, as in Devlin et al. 2019; for decoders combined with the causal mask). Its
        real tokens' numbers equal a run of that text alone.

        Raises:
            EmptyTextError: if ``texts`` is empty or any text is blank.
        """
        if not texts:
            raise EmptyTextError()
        encodings = [self.tokenize(text) for text in texts]
        n = max(enc["input_ids"].shape[1] for enc, _ in encodings)
        pad_id = self.tokenizer.pad_token_id
        pad_id = self.tokenizer.eos_token_id if pad_id is None else pad_id
        token_ids = torch.full((len(texts), n), 0 if pad_id is None else pad_id, dtype=torch.int64)
        token_types = torch.zeros_like(token_ids)
        padding_mask = torch.zeros_like(token_ids)
        for i, (enc, _) in enumerate(encodings):
            m = enc["input_ids"].shape[1]
            token_ids[i, :m] = enc["input_ids"][0]
            token_types[i, :m] = enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))[0]
            padding_mask[i, :m] = 1
        masks = padding_attn_mask(padding_mask) & self.base_mask(n)
        return self._capture(token_ids, token_types, masks, [k for _, k in encodings], [(t, None) for t in texts])

    @functools.cached_property
    def speller(self) -> TokenSpeller:
        """Spells this tokenizer's ids as characters (``attnviz.model.token_labels``)."""
        return TokenSpeller(self.tokenizer)

    def token_strings(self, token_ids: list[int]) -> list[str]:
        """What to show for each token: the word piece for encoders; for decoders the
        characters the token spells (its leading space kept, a newline shown as ↵, a
        character split over several tokens shown on each with its part number, 奖¹ 奖²;
        see ``attnviz.model.token_labels``)."""
        if not self.config.is_decoder:
            return self.tokenizer.convert_ids_to_tokens(token_ids)
        return self.speller.labels(token_ids)

    def next_token_strings(self, context_ids: list[int], candidate_ids: list[int]) -> list[str]:
        """``token_strings`` of each candidate as the token after ``context_ids`` (it may finish a character begun there)."""
        if not self.config.is_decoder:
            return self.tokenizer.convert_ids_to_tokens(candidate_ids)
        return self.speller.label_after(context_ids, candidate_ids)

    def unknown_count(self, token_ids: list[int]) -> int:
        """How many of ``token_ids`` are the unknown token ([UNK]), i.e. text this model cannot read."""
        return self.speller.unknown_count(token_ids)

    def _capture(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
        masks: Bool[torch.Tensor, "batch query_pos key_pos"],
        n_truncated: list[int],
        texts: list[tuple[str, str | None]],
    ) -> list[Capture]:
        cfg = self.config
        batch, n = token_ids.shape
        # Every captured tensor is written into one preallocated arena while the model runs:
        # the QKV product, the pattern, attn_out, resid_post and the logits by the operation
        # that computes them, the rest by a copy at its hook point. q, k and v are views of
        # the QKV product (k and v keep their own, grouped, head count). The scores are not
        # stored: the capture recomputes them from q and k on access. On the CPU a rotary
        # model's q and k are not stored but derived from q and k before the rotation, and a
        # pre-norm block's resid_mid from resid_pre + attn_out (exactly: the same
        # elementwise functions on the same inputs).
        L, h, kv, d, m = cfg.n_layers, cfg.n_heads, cfg.n_kv_heads, cfg.d_head, cfg.d_model
        derive = self.device.type == "cpu"
        shapes = {"qkv": (n, h + 2 * kv, d)}
        shapes |= {"q": (n, h, d), "k": (n, kv, d)} if cfg.rotary and not derive else {}
        shapes |= {"pattern": (h, n, n), "z": (n, h, d), "attn_out": (n, m)}
        shapes |= {} if cfg.is_decoder and derive else {"resid_mid": (n, m)}
        shapes |= {"resid_post": (n, m)}
        dtype = next(self.network.parameters()).dtype
        fields = carve(shapes, L, batch, dtype, self.device)  # field -> [layer, batch, ...]
        q, k, v = fields["qkv"].split([h, kv, kv], dim=3)  # views: the hook points see their own values there and copy nothing
        fields |= {"q_pre_rope": q, "k_pre_rope": k, "v": v} if cfg.rotary else {"q": q, "k": k, "v": v}
        embed = torch.empty(batch, n, m, dtype=dtype, device=self.device)
        sinks = {"embed.hook_embed": embed} | {
            f"blocks.{layer}.{CAPTURED_PER_LAYER[field]}": tensor[layer] for field, tensor in fields.items() for layer in range(L)
        }
        # the logits as the unembedding writes them: a [batch, pos, d_vocab] view of [d_vocab, batch·pos]
        logits = torch.empty(cfg.d_vocab, batch * n, dtype=dtype, device=self.device).T.unflatten(0, (batch, n)) if cfg.is_decoder else None
        if logits is not None:
            sinks["hook_logits"] = logits
        with self._lock, capturing(self.network, sinks):
            if cfg.is_decoder:
                self.network(token_ids.to(self.device), masks.to(self.device))
            else:
                self.network(token_ids.to(self.device), token_type_ids.to(self.device), None if masks.all() else masks.to(self.device))

        def own(tensor: torch.Tensor, layout_kept: bool = False) -> torch.Tensor:  # float32 on the CPU; no copy when it already is
            tensor = tensor.float().cpu()
            return tensor if layout_kept else tensor.contiguous()

        return [
            Capture(
                tokens=self.token_strings(token_ids[i].tolist()),
                token_ids=token_ids[i],
                token_type_ids=token_type_ids[i],
                attn_mask=masks[i],
                embed=own(embed[i]),
                **{STORED_AS.get(field, field): own(tensor[:, i], layout_kept=field in SPLIT) for field, tensor in fields.items() if field != "qkv"},
                rope_theta=cfg.rope_theta if cfg.rotary else None,
                logits=None if logits is None else own(logits[i], layout_kept=True),
                kv_head_of=kv_head_of(h, kv),
                causal=cfg.is_decoder,
                n_truncated=n_truncated[i],
                model_name=cfg.name,
                text=texts[i][0],
                text_pair=texts[i][1],
            )
            for i in range(batch)
        ]


def carve(
    shapes: dict[str, tuple[int, ...]], n_layers: int, batch: int, dtype: torch.dtype, device: torch.device
) -> dict[str, torch.Tensor]:
    """Contiguous ``[layer, batch, *shape]`` tensors for each field, all views of one allocation."""
    sizes = [n_layers * batch * math.prod(shape) for shape in shapes.values()]
    arena = torch.empty(sum(sizes), dtype=dtype, device=device)
    return {
        field: chunk.view(n_layers, batch, *shape)
        for (field, shape), chunk in zip(shapes.items(), arena.split(sizes), strict=True)
    }
