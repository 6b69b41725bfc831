"""Loading a model: a registry name or a local Hugging Face folder -> ``HookedTransformer``.

A folder is never trusted. Weights are read only from safetensors files (never through
pickle); the config and the tokenizer are read with transformers, offline, with
``trust_remote_code=False`` (a folder's own code never runs, and nothing asks whether to
run it). Before any weight is read, the config's sizes are checked against sane limits
(``ModelConfig``) and against the safetensors headers (names, dtypes, shapes); then the
weights are read as float32 and refused when they hold NaN or ±inf. Every failure is one
``ModelLoadError`` naming the file and what is wrong with it. A bundled GGUF model is
converted once into attnviz's own folder format (``loading.gguf_cache``,
``loading.native``), which loads without conversion.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, NamedTuple

import torch
from transformers import AutoConfig, AutoTokenizer

from attnviz.errors import ConfigError, ModelLoadError, Text, UnknownModelError, WeightsMismatchError
from attnviz.loading import bert, gpt2, llama
from attnviz.loading.device import resolve_device
from attnviz.loading.native import NATIVE_CONFIG, check_layer_count, read_native_config
from attnviz.loading.registry import REGISTRY, SEQ2SEQ_REGISTRY, model_folder
from attnviz.loading.seq2seq import is_seq2seq_folder, load_seq2seq
from attnviz.loading.weights import check_dtypes, read_header, read_tensors, reading, weight_files
from attnviz.model.config import ModelConfig
from attnviz.model.decoder import Decoder
from attnviz.model.encoder import BertEncoder
from attnviz.model.runner import HookedTransformer
from attnviz.model.seq2seq_runner import HookedSeq2Seq


class Family(NamedTuple):
    """What attnviz has for one architecture family."""

    network: type[torch.nn.Module]  # built from a ModelConfig
    convert: Callable  # (Hugging Face state dict, cfg) -> attnviz's state dict
    check: Callable  # (state dict or header, cfg): the strict key and shape check alone
    is_used: Callable  # (checkpoint tensor name, cfg) -> whether the converter reads it


NETWORKS = {
    "bert": Family(BertEncoder, bert.convert_bert, bert.check_checkpoint, bert.is_used),
    "gpt2": Family(Decoder, gpt2.convert_gpt2, gpt2.check_checkpoint, gpt2.is_used),
    "llama": Family(Decoder, llama.convert_llama, llama.check_checkpoint, llama.is_used),
}
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "vocab.json", "tokenizer.model", "spiece.model", "sentencepiece.bpe.model")
PROBE_TEXT = "The animal didn't cross the street because it was too tired."


def build_network(cfg: ModelConfig, hf_state_dict: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Our network for ``cfg`` with weights converted from a Hugging Face state dict (strict)."""
    return assemble_network(cfg, NETWORKS[cfg.family].convert(hf_state_dict, cfg))


def assemble_network(cfg: ModelConfig, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Our network for ``cfg`` holding ``state`` (attnviz's names and shapes, checked strictly).

    The network is built without memory (on the meta device) and takes the given tensors
    as its parameters, so no weight is allocated or copied twice. Given meta tensors, it
    checks names and shapes without reading or allocating any weight.

    Raises:
        WeightsMismatchError: for missing, unexpected or mis-shaped tensors.
    """
    with torch.device("meta"):
        network = NETWORKS[cfg.family].network(cfg)
    try:
        network.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise WeightsMismatchError(detail=str(exc).replace("\n", " ")[:500]) from None
    return network.eval().requires_grad_(False)


def model_key(name_or_path: str | Path) -> str:
    """One name per model: a registry name as given, a folder as its absolute path without links.

    ``"/x"``, ``"/x/"``, ``"/x/."`` and ``"~/../x"``-style spellings of one folder give the
    same key, so a cache keyed by it holds one model per folder.
    """
    name = str(name_or_path)
    return name if name in REGISTRY or name in SEQ2SEQ_REGISTRY else str(Path(name).expanduser().resolve())


def load_model(name_or_path: str | Path, device: str | torch.device = "auto", progress=None) -> HookedTransformer | HookedSeq2Seq:
    """Load a model by registry name (e.g. ``"minilm"``, ``"smollm2"``, ``"toy-seq2seq"``) or from a local folder.

    Args:
        name_or_path: a name in ``attnviz.loading.registry.REGISTRY`` or ``SEQ2SEQ_REGISTRY``, a
            Hugging Face folder holding ``config.json``, ``model.safetensors`` (or shards with
            their index) and tokenizer files (BERT, GPT-2 or Llama; BART, Marian or T5 give an
            encoder–decoder ``HookedSeq2Seq``, ``attnviz.loading.seq2seq``), or a folder in
            attnviz's own format (``attnviz.loading.native``, ``attnviz.loading.seq2seq``).
            Spellings of one folder load the same model.
        device: ``"auto"`` (``$ATTNVIZ_DEVICE``, else cuda, mps, cpu) or a torch device.
        progress: for a bundled GGUF model not yet converted, ``progress(fraction, stage)``
            is called during the one-time conversion (default: a terminal progress bar).

    Returns:
        The model: float32 weights on ``device``, the folder's tokenizer.

    Raises:
        ConfigError: for a device torch does not know or this machine lacks.
        ModelLoadError: for every failure to load, naming the file and the problem; its
            subclasses ``UnknownModelError`` (neither a registry name nor a model folder;
            names the choices), ``ModelNotInstalledError`` (gives the pip command) and
            ``UnsafeWeightsError`` (no safetensors weights; pickles are never read).
    """
    target = resolve_device(device)
    key = model_key(name_or_path)
    if key in SEQ2SEQ_REGISTRY:
        return load_seq2seq(SEQ2SEQ_REGISTRY[key].folder, key, target)
    if key in REGISTRY:
        folder, name = model_folder(key, progress), key
    else:
        folder = Path(key)
        if is_seq2seq_folder(folder):
            return load_seq2seq(folder, folder.name, target)
        if not (folder / "config.json").is_file() and not (folder / NATIVE_CONFIG).is_file():
            raise UnknownModelError(name=str(name_or_path), choices=", ".join([*REGISTRY, *SEQ2SEQ_REGISTRY]))
        name = folder.name
    verified_cache = key in REGISTRY and bool(REGISTRY[key].gguf)  # its content hash was checked
    cfg = read_config(folder, name)
    state = read_state(folder, cfg, check_finite=not verified_cache)
    tokenizer = read_tokenizer(folder, cfg)
    with reading(folder):
        network = assemble_network(cfg, state).to(target)
    return HookedTransformer(cfg, network, tokenizer, target)


def read_config(folder: Path, name: str) -> ModelConfig:
    """The folder's ``ModelConfig``, from ``attnviz-config.json`` or Hugging Face's ``config.json``.

    ``config.json`` is parsed here first: only a JSON object whose ``model_type`` attnviz
    implements reaches transformers' ``AutoConfig`` (with ``trust_remote_code=False``).

    Raises:
        ModelLoadError: naming the config file: unreadable, not JSON, an architecture
            attnviz does not implement, or sizes that are invalid or beyond ``LIMITS``.
    """
    if (folder / NATIVE_CONFIG).is_file():
        with reading(folder / NATIVE_CONFIG):
            return read_native_config(folder, name)
    path = folder / "config.json"
    with reading(path):
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict) or not isinstance(raw.get("model_type"), str):
            raise ModelLoadError(path=str(path), problem=Text("load_not_a_config"))
        if raw["model_type"] not in NETWORKS:
            raise ConfigError(field="model_type", value=f"{raw['model_type']} (attnviz implements bert, gpt2, llama, bart, marian and t5)")
        hf_config = AutoConfig.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        return ModelConfig.from_hf(hf_config, name=name)


def read_state(folder: Path, cfg: ModelConfig, check_finite: bool = True) -> dict[str, torch.Tensor]:
    """The folder's weights in attnviz's layout, float32, checked before they are read.

    First the safetensors headers alone: every tensor the converter uses must be floating
    point, and the names and shapes must be exactly those ``cfg`` implies (the converter's
    strict check on the header's meta tensors; for attnviz's own format, the network's
    parameters on the meta device): nothing is read or allocated. Only then are the
    tensors read, as float32, refused when they hold NaN or ±inf, and converted.

    Raises:
        UnsafeWeightsError: no safetensors weights.
        ModelLoadError: a damaged file, a weight of another dtype, names or shapes that do
            not fit the config, NaN or ±inf values.
    """
    files = weight_files(folder)
    where = files[0] if len(files) == 1 else folder
    header = read_header(files)
    native, family = (folder / NATIVE_CONFIG).is_file(), NETWORKS[cfg.family]
    used = (lambda name: True) if native else (lambda name: family.is_used(name, cfg))
    check_dtypes(header, used, where)
    with reading(where):  # names and shapes only
        if native:
            check_layer_count(header, cfg)
            assemble_network(cfg, header)
        else:
            family.check(header, cfg)
    tensors = read_tensors(files, used, check_finite)
    with reading(where):
        return tensors if native else family.convert(tensors, cfg)


def read_tokenizer(folder: Path, cfg: ModelConfig):
    """The folder's Hugging Face tokenizer (``trust_remote_code=False``), checked against the model.

    Raises:
        ModelLoadError: no tokenizer files, an unreadable tokenizer, or one whose token ids
            go beyond the model's ``d_vocab`` embeddings (or that gives no token for text).
    """
    if not any((folder / file).is_file() for file in TOKENIZER_FILES):
        raise ModelLoadError(path=str(folder), problem=Text("load_no_tokenizer"))
    with reading(folder, "load_bad_tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        ids = tokenizer(PROBE_TEXT)["input_ids"]
    if not ids or len(tokenizer) > cfg.d_vocab or max(ids) >= cfg.d_vocab:
        raise ModelLoadError(path=str(folder), problem=Text("load_tokenizer_vocab", n_tokens=len(tokenizer), d_vocab=cfg.d_vocab))
    return tokenizer
