"""The encoder–decoder folders ``attnviz.loading.load_model`` reads: the bundled translator, or a local BART, Marian or T5 folder.

Two folder formats:
- attnviz's own (``attnviz-seq2seq.json`` holding ``{"config": Seq2SeqConfig.to_json(),
  "format": 1}``, ``model.safetensors`` holding ``EncoderDecoder.state_dict()``,
  ``tokenizer.json`` a Hugging Face ``tokenizers`` file): the bundled ``toy-seq2seq``;
- a Hugging Face folder whose ``config.json`` has ``model_type`` bart, marian or t5,
  converted by ``attnviz.loading.bart`` or ``attnviz.loading.t5``.

This module reads their config and tokenizer and says how their weights are checked and
converted (``seq2seq_state_format``); ``attnviz.loading.read_state`` reads them in the
same order as every other family's. The checks are those of the other families: safetensors only, the
config's sizes checked before anything is allocated, names, dtypes and shapes checked
on the headers before any tensor is read, NaN and ±inf refused, ``trust_remote_code=False``
on every transformers call, every failure one ``ModelLoadError`` naming the file.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple

import torch
from transformers import AutoConfig, AutoTokenizer, PreTrainedTokenizerFast

from attnviz.errors import ConfigError, ModelLoadError, Text, WeightsMismatchError
from attnviz.loading import bart, t5
from attnviz.loading.checks import TOKENIZER_FILES, require_tokenizer_files
from attnviz.loading.weights import reading
from attnviz.model.seq2seq import EncoderDecoder
from attnviz.model.seq2seq_config import Seq2SeqConfig

NATIVE_CONFIG = "attnviz-seq2seq.json"
FORMAT = 1
PROBE_TEXT = "30 November 2026"


class Converter(NamedTuple):
    """What attnviz has for one Hugging Face encoder–decoder family."""

    config: Callable  # (Hugging Face config, name) -> Seq2SeqConfig
    convert: Callable  # (state dict, cfg) -> EncoderDecoder's state dict
    check: Callable  # (state dict or header, cfg): the strict key and shape check alone
    is_used: Callable  # (checkpoint tensor name, cfg) -> whether the converter reads it


CONVERTERS = {
    "bart": Converter(bart.config_from_hf, bart.convert_bart, bart.check_checkpoint, bart.is_used),
    "marian": Converter(bart.config_from_hf, bart.convert_bart, bart.check_checkpoint, bart.is_used),
    "t5": Converter(t5.config_from_hf, t5.convert_t5, t5.check_checkpoint, t5.is_used),
}


def hf_model_type(folder: Path) -> str | None:
    """The ``model_type`` of ``folder/config.json`` if it is a JSON object naming one, else None (never raises)."""
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return raw.get("model_type") if isinstance(raw, dict) and isinstance(raw.get("model_type"), str) else None


def is_seq2seq_folder(folder: Path) -> bool:
    """Whether ``folder`` holds an encoder–decoder model this module loads."""
    return (folder / NATIVE_CONFIG).is_file() or hf_model_type(folder) in CONVERTERS


def read_seq2seq_config(folder: Path, name: str) -> Seq2SeqConfig:
    """The folder's ``Seq2SeqConfig``, from ``attnviz-seq2seq.json`` or a Hugging Face ``config.json``.

    Raises:
        ModelLoadError: naming the config file.
    """
    native = folder / NATIVE_CONFIG
    if native.is_file():
        with reading(native):
            raw = json.loads(native.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("format") != FORMAT:
                raise ConfigError(field="format", value=f"{raw.get('format') if isinstance(raw, dict) else raw!r} (attnviz reads format {FORMAT})")
            return _renamed(raw.get("config"), name)
    path = folder / "config.json"
    with reading(path):
        model_type = hf_model_type(folder)
        if model_type not in CONVERTERS:
            raise ConfigError(field="model_type", value=f"{model_type} (attnviz's encoder–decoder loaders read bart, marian and t5)")
        hf_config = AutoConfig.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        return CONVERTERS[model_type].config(hf_config, name)


def _renamed(fields, name: str) -> Seq2SeqConfig:
    """The stored config, named ``name`` (the registry name or the folder's)."""
    if not isinstance(fields, dict):
        raise ConfigError(field="config", value="missing (a JSON object of Seq2SeqConfig fields is needed)")
    return Seq2SeqConfig.from_json(fields | {"name": name})


def seq2seq_state_format(folder: Path, cfg: Seq2SeqConfig) -> tuple[Callable, Callable, Callable]:
    """``attnviz.loading.read_state``'s ``(is_used, check, convert)`` for an encoder–decoder folder of ``cfg``.

    attnviz's own folder holds ``EncoderDecoder``'s state dict as it is: every tensor is
    used, every name and shape checked by building the network on the meta device
    (``assemble``), nothing converted. A Hugging Face folder uses its family's converter.
    """
    if (folder / NATIVE_CONFIG).is_file():
        return lambda name: True, partial(assemble, cfg), lambda tensors: tensors
    converter = CONVERTERS[hf_model_type(folder)]
    return partial(converter.is_used, cfg=cfg), partial(converter.check, cfg=cfg), partial(converter.convert, cfg=cfg)


def assemble(cfg: Seq2SeqConfig, state: dict[str, torch.Tensor]) -> EncoderDecoder:
    """An ``EncoderDecoder`` holding ``state`` (its own names and shapes, checked strictly), frozen, in eval mode.

    Built on the meta device and given the tensors as its parameters (nothing is
    allocated twice); given meta tensors it checks names and shapes alone.

    Raises:
        WeightsMismatchError: for missing, unexpected or mis-shaped tensors.
    """
    with torch.device("meta"):
        network = EncoderDecoder(cfg)
    try:
        network.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise WeightsMismatchError(detail=str(exc).replace("\n", " ")[:500]) from None
    return network.eval().requires_grad_(False)


def read_seq2seq_tokenizer(folder: Path, cfg: Seq2SeqConfig):
    """The folder's tokenizer, checked against the vocabulary.

    attnviz's own folder: ``tokenizer.json`` read by ``PreTrainedTokenizerFast`` with the
    config's pad, start and end tokens; a Hugging Face folder: ``AutoTokenizer``, given one of
    ``checks.TOKENIZER_FILES`` (without them it would build an empty tokenizer from the config's
    model type, reading every source as two tokens). Both offline, ``trust_remote_code=False``.

    Raises:
        ModelLoadError: no tokenizer, an unreadable one, or one whose ids go beyond ``d_vocab``.
    """
    native = (folder / NATIVE_CONFIG).is_file()
    require_tokenizer_files(folder, ("tokenizer.json",) if native else TOKENIZER_FILES)
    with reading(folder, "load_bad_tokenizer"):
        tokenizer = _native_tokenizer(folder, cfg) if native else AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        ids = tokenizer(PROBE_TEXT)["input_ids"]
    if not ids or len(tokenizer) > cfg.d_vocab or max(ids) >= cfg.d_vocab:
        raise ModelLoadError(path=str(folder), problem=Text("load_tokenizer_vocab", n_tokens=len(tokenizer), d_vocab=cfg.d_vocab))
    return tokenizer


def _native_tokenizer(folder: Path, cfg: Seq2SeqConfig) -> PreTrainedTokenizerFast:
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(folder / "tokenizer.json"), trust_remote_code=False)
    names = tokenizer.convert_ids_to_tokens([cfg.pad_token_id, cfg.decoder_start_token_id, cfg.eos_token_id])
    specials = dict(zip(("pad_token", "bos_token", "eos_token"), names))
    if "<unk>" in tokenizer.get_vocab():
        specials["unk_token"] = "<unk>"
    tokenizer.add_special_tokens(specials)
    return tokenizer
