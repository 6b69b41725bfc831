"""Tiny encoder–decoder folders for fast tests: a character tokenizer and random weights in attnviz's own format."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors

from attnviz.model.seq2seq import EncoderDecoder, Seq2SeqConfig

CHARS = " ,-/0123456789ADFJMNOSabcdeghilmnoprstuvy年月日〇一二三四五六七八九十"
SPECIALS = ["<pad>", "<s>", "</s>", "<unk>"]  # ids 0 1 2 3, as the seq2seq contract says


def char_tokenizer(chars: str = CHARS) -> Tokenizer:
    """One token per character after the four special tokens; encoding appends </s>."""
    vocab = {token: i for i, token in enumerate(SPECIALS)} | {c: i + len(SPECIALS) for i, c in enumerate(chars)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 2)])
    tok.add_special_tokens(SPECIALS)
    return tok


def toy_config(**changes) -> Seq2SeqConfig:
    fields = dict(d_vocab=len(SPECIALS) + len(CHARS), d_model=32, n_heads=4, d_head=8, d_mlp=64, n_encoder_layers=2, n_decoder_layers=2, max_positions=24, name="toy")
    return Seq2SeqConfig(**(fields | changes))


def write_toy_folder(folder: Path, cfg: Seq2SeqConfig | None = None, seed: int = 0) -> Path:
    """A folder in attnviz's seq2seq format with random weights: what the training script writes."""
    cfg = cfg or toy_config()
    torch.manual_seed(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attnviz-seq2seq.json").write_text(json.dumps({"config": cfg.to_json(), "format": 1}))
    save_file({k: v.contiguous() for k, v in EncoderDecoder(cfg).state_dict().items()}, folder / "model.safetensors")
    char_tokenizer().save(str(folder / "tokenizer.json"))
    return folder
