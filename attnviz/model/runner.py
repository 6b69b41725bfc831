"""``HookedTransformer``: a loaded network, its tokenizer and device, and the capture of a run.

A capture registers forward hooks on the network's hook points (``attnviz.model.hooks``)
that store q, k, v, z and the residual streams as they pass; nothing observes the
pattern, so every layer runs PyTorch's fused attention, and the ``Capture`` derives each
head's pattern from q and k when it is read. The networks themselves are in
``attnviz.model.encoder`` (BERT) and ``attnviz.model.decoder`` (GPT-2, Llama).
"""

from __future__ import annotations

import functools
import threading

import torch
from jaxtyping import Bool, Int
from torch import nn

from attnviz.errors import AblationError, ConfigError, EmptyTextError, InvalidTextError, PositionError
from attnviz.model.attention import causal_attn_mask, check_attn_mask, kv_head_of, padding_attn_mask
from attnviz.model.capture import Capture, Unembed
from attnviz.model.config import ModelConfig
from attnviz.model.hooks import ablating, recording
from attnviz.model.token_labels import TokenSpeller

STORED_PER_LAYER = {  # Capture field -> hook point inside each block
    "q": "attn.hook_q",
    "k": "attn.hook_k",
    "v": "attn.hook_v",
    "z": "attn.hook_z",
    "attn_out": "hook_attn_out",
    "resid_post": "hook_resid_post",
}


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
        max_tokens: the longest text a capture takes, the model's ``max_positions`` (512
            for MiniLM, 8,192 for SmolLM2); longer texts are cut.
    """

    def __init__(self, config: ModelConfig, network: nn.Module, tokenizer, device: torch.device):
        self.config = config
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.max_tokens = config.max_positions
        self._lock = threading.Lock()

    def tokenize(self, text: str, text_pair: str | None = None, max_tokens: int | None = None) -> tuple[dict[str, torch.Tensor], int]:
        """Token ids ``[1, pos]`` and token-type ids for a text (or pair), cut to ``max_tokens``
        (default and upper limit: the model's ``max_tokens``).

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
        n_full, most = enc["input_ids"].shape[1], self._limit(max_tokens)
        if n_full <= most:
            return enc, 0
        enc = self.tokenizer(text, text_pair, truncation=True, max_length=most, return_tensors="pt")
        return enc, n_full - enc["input_ids"].shape[1]

    def _limit(self, max_tokens: int | None) -> int:
        if max_tokens is not None and max_tokens < 1:
            raise ConfigError(field="max_tokens", value=f"{max_tokens}: a capture needs at least one token")
        return self.max_tokens if max_tokens is None else min(max_tokens, self.max_tokens)

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
        max_tokens: int | None = None,
        ablate: list[tuple[int, int]] | None = None,
        ablation: str = "zero",
    ) -> Capture:
        """Run the model on ``text`` (and ``text_pair``) and capture every layer's attention.

        Args:
            text: the first (or only) sentence.
            text_pair: an optional second sentence, joined with [SEP] and token type 1
                (encoders only).
            attn_mask: optional bool ``[query_pos, key_pos]`` applied in every layer
                (True where a query may attend), e.g. to hide keys. A decoder combines it
                with its causal mask: no query ever sees a later token.
            max_tokens: cut the text to this many tokens (default and upper limit: the
                model's ``max_tokens``), e.g. to fit a memory budget (``Capture.nbytes``
                grows linearly with the tokens).
            ablate: (layer, head) pairs whose output z is replaced before W_O
                (``hooks.ablating``); the capture's ``z`` holds the replaced values, so for
                these heads it is no longer pattern·v. None or [] is the plain run, exactly.
            ablation: ``"zero"`` or ``"mean"`` (the head's mean z over the positions).

        Returns:
            A ``Capture`` with float32 CPU tensors (see its docstring for shapes).

        Raises:
            EmptyTextError: for empty or blank text.
            ConfigError: for a ``text_pair`` given to a decoder.
            InvalidMaskError: for a mask of the wrong dtype or shape or with an empty row.
            PositionError: for an ablated layer or head outside the model.
            AblationError: for an unknown ``ablation``.
        """
        enc, n_truncated = self.tokenize(text, text_pair, max_tokens)
        mask = self._run_mask(enc["input_ids"].shape[1], attn_mask)
        token_types = enc.get("token_type_ids", torch.zeros_like(enc["input_ids"]))
        return self._capture(enc["input_ids"], token_types, mask, [n_truncated], [(text, text_pair)], self._checked_heads(ablate or [], ablation), ablation)[0]

    def _checked_heads(self, heads: list[tuple[int, int]], how: str) -> list[tuple[int, int]]:
        cfg = self.config
        if how not in ("zero", "mean"):
            raise AblationError(value=repr(how))
        for layer, head in heads:
            for name, value, n in (("layer", layer, cfg.n_layers), ("head", head, cfg.n_heads)):
                if not 0 <= value < n:
                    raise PositionError(name=name, value=value, n=n)
        return [(int(layer), int(head)) for layer, head in heads]

    @torch.inference_mode()
    def run_tokens_with_capture(
        self,
        token_ids: list[int] | Int[torch.Tensor, "pos"],
        attn_mask: Bool[torch.Tensor, "query_pos key_pos"] | None = None,
        max_tokens: int | None = None,
    ) -> Capture:
        """Like ``run_with_capture``, for token ids instead of text (e.g. a prompt plus generated tokens).

        Decoding ids to text and tokenizing again need not give the same ids back, so a
        generated continuation is run as ids. The capture's ``text`` is the decoded ids.
        Ids beyond ``max_tokens`` (default and upper limit: the model's) are cut and counted in ``n_truncated``.

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
        kept = ids[: self._limit(max_tokens)]
        mask = self._run_mask(len(kept), attn_mask)
        text = self.tokenizer.decode(kept.tolist())
        return self._capture(kept[None], torch.zeros_like(kept)[None], mask, [len(ids) - len(kept)], [(text, None)])[0]

    @torch.inference_mode()
    def run_batch_with_capture(self, texts: list[str], max_tokens: int | None = None) -> list[Capture]:
        """Run several texts as one batch, padded at the end to the longest, and capture each.

        Every capture has the batch's length n: a shorter text's capture ends in padding
        tokens, and its ``attn_mask`` hides those padded keys from every query (the padding
        mask, as in Devlin et al. 2019; for decoders combined with the causal mask). Its
        real tokens' numbers equal a run of that text alone.

        Each text is cut to ``max_tokens`` (default and upper limit: the model's), the cut
        counted in its capture's ``n_truncated``.

        Raises:
            EmptyTextError: if ``texts`` is empty or any text is blank.
            ConfigError: for ``max_tokens`` < 1.
        """
        if not texts:
            raise EmptyTextError()
        encodings = [self.tokenize(text, max_tokens=max_tokens) for text in texts]
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

    @functools.cached_property
    def _unembed(self) -> Unembed | None:
        """The decoder's final norm and unembedding as CPU tensors (the weights themselves on a CPU device)."""
        if not self.config.is_decoder:
            return None
        norm = self.network.ln_final
        own = lambda t: None if t is None else t.detach().float().cpu()  # noqa: E731
        return Unembed(own(self.network.unembed_rows), own(norm.w), own(getattr(norm, "b", None)), norm.eps, rms=self.config.family == "llama")

    def _capture(
        self,
        token_ids: Int[torch.Tensor, "batch pos"],
        token_type_ids: Int[torch.Tensor, "batch pos"],
        masks: Bool[torch.Tensor, "batch query_pos key_pos"],
        n_truncated: list[int],
        texts: list[tuple[str, str | None]],
        ablate: list[tuple[int, int]] = (),
        ablation: str = "zero",
    ) -> list[Capture]:
        cfg = self.config
        batch, n = token_ids.shape
        per_layer = dict(STORED_PER_LAYER) | ({} if cfg.is_decoder else {"resid_mid": "hook_resid_mid"})  # post-LN: not derivable
        hooks = {field: [f"blocks.{layer}.{name}" for layer in range(cfg.n_layers)] for field, name in per_layer.items()}
        hooks["embed"] = ["embed.hook_embed"]
        plain = bool((masks == self.base_mask(n)).all())  # no padding, no user mask: the network's own (causal or none)
        mask = None if plain else masks.to(self.device)
        with self._lock, ablating(self.network, list(ablate), ablation), recording(self.network, hooks) as stored:
            if cfg.is_decoder:
                self.network.run(token_ids.to(self.device), mask)
            else:
                self.network(token_ids.to(self.device), token_type_ids.to(self.device), mask)
        stored = {field: tensor.float().cpu() for field, tensor in stored.items()}  # [layer, batch, ...]

        def own(tensor: torch.Tensor) -> torch.Tensor:  # one text's part, contiguous (no copy for a batch of one)
            return tensor.contiguous()

        return [
            Capture(
                tokens=self.token_strings(token_ids[i].tolist()),
                token_ids=token_ids[i],
                token_type_ids=token_type_ids[i],
                attn_mask=masks[i],
                embed=own(stored["embed"][0, i]),
                **{field: own(stored[field][:, i]) for field in STORED_PER_LAYER},
                stored_resid_mid=None if cfg.is_decoder else own(stored["resid_mid"][:, i]),
                unembed=self._unembed,
                kv_head_of=kv_head_of(cfg.n_heads, cfg.n_kv_heads),
                causal=cfg.is_decoder,
                rope_theta=cfg.rope_theta if cfg.rotary else None,
                n_truncated=n_truncated[i],
                model_name=cfg.name,
                text=texts[i][0],
                text_pair=texts[i][1],
                meta={"ablate": list(ablate), "ablation": ablation} if ablate else {},
            )
            for i in range(batch)
        ]
