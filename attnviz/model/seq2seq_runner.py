"""``HookedSeq2Seq``: a loaded encoder–decoder model, greedy translation and the capture of a run.

Greedy decoding (the most likely token at every step) starts the decoder with its start
token and feeds each chosen token back, until </s> or the longest target the model
takes; the encoder runs once. A capture runs the whole target at once, teacher-forced
(the decoder input is the target shifted right: the start token, then every target
token but the last), with forward hooks (``attnviz.model.hooks.recording``) storing what
passes the attention hook points. The network is ``attnviz.model.seq2seq.EncoderDecoder``.
"""

from __future__ import annotations

import threading

import torch
from jaxtyping import Float

from attnviz.errors import ConfigError, EmptyTextError, InvalidTextError, SourceTooLongError, TargetTooLongError
from attnviz.model.hooks import recording
from attnviz.model.seq2seq import EncoderDecoder
from attnviz.model.seq2seq_capture import KINDS, Seq2SeqCapture
from attnviz.model.seq2seq_config import Seq2SeqConfig

HOOK_PREFIX = {"encoder": "encoder.blocks.{layer}.attn", "decoder": "decoder.blocks.{layer}.self_attn", "cross": "decoder.blocks.{layer}.cross_attn"}
STORED = ("pattern", "q", "k", "v")


class HookedSeq2Seq:
    """A loaded encoder–decoder model: the network, its tokenizer and device.

    Build one with ``attnviz.load_model`` (``"toy-seq2seq"`` or a BART, Marian or T5
    folder). The network is shared read-only; runs are serialised by a lock.

    Attributes:
        config: the ``Seq2SeqConfig`` (``config.is_encoder_decoder`` is True).
        network: the ``EncoderDecoder`` in eval mode on ``device``.
        tokenizer: the Hugging Face tokenizer (source and target share it).
        device: the ``torch.device`` the network runs on.
        max_tokens: the longest source, and the longest target, in tokens (``max_positions``).
    """

    def __init__(self, config: Seq2SeqConfig, network: EncoderDecoder, tokenizer, device: torch.device):
        self.config = config
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.max_tokens = config.max_positions
        self._lock = threading.Lock()

    def source_ids(self, text: str) -> list[int]:
        """The encoder's input ids for ``text`` (the tokenizer's own special tokens included, e.g. a final </s>).

        Raises:
            EmptyTextError: for empty or blank text.
            InvalidTextError: for text that is not valid Unicode.
            SourceTooLongError: for more tokens than ``max_tokens``.
        """
        ids = self._ids(text)
        if len(ids) > self.max_tokens:
            raise SourceTooLongError(n=len(ids), most=self.max_tokens)
        return ids

    def target_ids(self, text: str) -> list[int]:
        """What the decoder is to produce for ``text`` (the labels; for the toy: the characters, then </s>).

        Raises:
            EmptyTextError, InvalidTextError: as ``source_ids``.
            TargetTooLongError: for more tokens than ``max_tokens``.
        """
        ids = self._ids(text)
        if len(ids) > self.max_tokens:
            raise TargetTooLongError(n=len(ids), most=self.max_tokens)
        return ids

    def _ids(self, text: str) -> list[int]:
        if not isinstance(text, str) or not text.strip():
            raise EmptyTextError()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidTextError(position=exc.start) from None
        return list(self.tokenizer(text)["input_ids"])

    @torch.inference_mode()
    def generate_ids(self, source_ids: list[int], max_new_tokens: int | None = None) -> list[int]:
        """Greedy decoding: the ids the model writes for ``source_ids``, ending with </s> unless cut.

        Each step runs the decoder on the start token and the tokens chosen so far and
        appends the argmax of the last position's logits (as Hugging Face's
        ``generate(do_sample=False, num_beams=1)``; the logits processors a checkpoint's
        generation config may add, such as a forced first or last token or n-gram bans,
        are not applied: this is the model's own choice at every step). At most
        ``max_new_tokens`` (default and upper limit: ``max_tokens``) are written.

        Raises:
            ConfigError: for ``max_new_tokens`` < 1.
        """
        if max_new_tokens is not None and max_new_tokens < 1:
            raise ConfigError(field="max_new_tokens", value=f"{max_new_tokens} (at least one token is written)")
        cfg, limit = self.config, self.max_tokens if max_new_tokens is None else min(max_new_tokens, self.max_tokens)
        src = torch.tensor([source_ids], dtype=torch.int64, device=self.device)
        with self._lock:
            memory = self.network.encode(src)
            written: list[int] = []
            decoder_input = [cfg.decoder_start_token_id]
            while len(written) < limit:
                logits = self.network.decode(torch.tensor([decoder_input], device=self.device), memory)  # [1, tgt_pos, d_vocab]
                token = int(logits[0, -1].argmax())
                written.append(token)
                if token == cfg.eos_token_id:
                    break
                decoder_input.append(token)
        return written

    def translate(self, source: str, max_new_tokens: int | None = None) -> str:
        """The model's greedy output for ``source``, as text (special tokens left out).

        Raises:
            EmptyTextError, InvalidTextError, SourceTooLongError: as ``source_ids``.
        """
        return self.tokenizer.decode(self.generate_ids(self.source_ids(source), max_new_tokens), skip_special_tokens=True)

    def token_strings(self, token_ids: list[int]) -> list[str]:
        """Each token as the text it stands for (special tokens by their names, e.g. ``</s>``)."""
        return [self.tokenizer.decode([token]) for token in token_ids]

    def unknown_count(self, token_ids: list[int]) -> int:
        """How many of ``token_ids`` are the unknown token: characters this model cannot read."""
        unk = self.tokenizer.unk_token_id
        return 0 if unk is None else sum(token == unk for token in token_ids)

    @torch.inference_mode()
    def run_with_capture(self, source: str, target: str | None = None) -> Seq2SeqCapture:
        """Run ``source`` and a target teacher-forced, and capture every attention.

        Args:
            source: the text to translate.
            target: the target text; None for the model's own greedy output (``translate``).

        Returns:
            A ``Seq2SeqCapture``; its decoder input is the start token and the target
            shifted right, so position i's logits predict ``output_token_ids[i]``.

        Raises:
            EmptyTextError: for a blank source or a blank target given.
            InvalidTextError: for text that is not valid Unicode.
            SourceTooLongError, TargetTooLongError: for more tokens than ``max_tokens``.
        """
        src = self.source_ids(source)
        outputs = self.generate_ids(src) if target is None else self.target_ids(target)
        decoder_input = [self.config.decoder_start_token_id, *outputs[:-1]]
        stored, logits = self._run(src, decoder_input)
        return Seq2SeqCapture(
            tokens=self.token_strings(src),
            target_tokens=self.token_strings(decoder_input),
            output_tokens=self.token_strings(outputs),
            token_ids=torch.tensor(src, dtype=torch.int64),
            target_token_ids=torch.tensor(decoder_input, dtype=torch.int64),
            output_token_ids=torch.tensor(outputs, dtype=torch.int64),
            pattern=stored["encoder_pattern"],
            decoder_pattern=stored["decoder_pattern"],
            cross_pattern=stored["cross_pattern"],
            logits=logits,
            q={kind: stored[f"{kind}_q"] for kind in KINDS},
            k={kind: stored[f"{kind}_k"] for kind in KINDS},
            v={kind: stored[f"{kind}_v"] for kind in KINDS},
            position_bias={kind: stored.get(f"{kind}_position_bias") for kind in KINDS},
            scale=self.config.d_head**-0.5 if self.config.scale_scores else 1.0,
            source=source,
            target=self.tokenizer.decode(outputs, skip_special_tokens=True) if target is None else target,
            generated=target is None,
            model_name=self.config.name,
        )

    def _run(self, src: list[int], decoder_input: list[int]) -> tuple[dict[str, torch.Tensor], Float[torch.Tensor, "tgt_pos d_vocab"]]:
        cfg = self.config
        layers = {"encoder": cfg.n_encoder_layers, "decoder": cfg.n_decoder_layers, "cross": cfg.n_decoder_layers}
        hooks = {
            f"{kind}_{name}": [f"{HOOK_PREFIX[kind].format(layer=layer)}.hook_{name}" for layer in range(layers[kind])]
            for kind in KINDS
            for name in STORED
        }
        if cfg.positions == "relative":  # one bias per stack, the same in every layer: read at layer 0
            hooks |= {f"{kind}_position_bias": [f"{HOOK_PREFIX[kind].format(layer=0)}.hook_position_bias"] for kind in ("encoder", "decoder")}
        src_ids = torch.tensor([src], dtype=torch.int64, device=self.device)
        tgt_ids = torch.tensor([decoder_input], dtype=torch.int64, device=self.device)
        with self._lock, recording(self.network, hooks) as stored:
            logits = self.network(src_ids, tgt_ids)  # [1, tgt_pos, d_vocab]
        own = {name: tensor[:, 0].float().cpu() for name, tensor in stored.items()}  # [layer, batch=1, ...] -> [layer, ...]
        own |= {name: own[name][0] for name in own if name.endswith("position_bias")}  # [1, head, q, k] -> [head, q, k]
        return own, logits[0].float().cpu()
