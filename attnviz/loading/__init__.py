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
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple

import torch
from transformers import AutoConfig, AutoTokenizer

from attnviz.errors import ConfigError, ModelLoadError, Text, UnknownModelError, WeightsMismatchError
from attnviz.loading import bert, gpt2, llama
from attnviz.loading.checks import require_tokenizer_files
from attnviz.loading.device import resolve_device
from attnviz.loading.native import NATIVE_CONFIG, check_layer_count, read_native_config
from attnviz.loading.registry import REGISTRY, SEQ2SEQ_REGISTRY, model_folder
from attnviz.loading.seq2seq import NATIVE_CONFIG as SEQ2SEQ_CONFIG
from attnviz.loading.seq2seq import assemble, is_seq2seq_folder, read_seq2seq_config, read_seq2seq_tokenizer, seq2seq_state_format
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


def is_model_folder(folder: Path) -> bool:
    """Whether ``folder`` holds a config the loaders read: ``config.json`` (Hugging Face), ``attnviz-config.json`` or ``attnviz-seq2seq.json`` (attnviz's own formats)."""
    return any((folder / name).is_file() for name in ("config.json", NATIVE_CONFIG, SEQ2SEQ_CONFIG))


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
        if not is_model_folder(folder):
            raise UnknownModelError(name=str(name_or_path), choices=", ".join([*REGISTRY, *SEQ2SEQ_REGISTRY]))
        name = folder.name
    verified_cache = key in REGISTRY and bool(REGISTRY[key].gguf)  # its content hash was checked
    cfg = read_config(folder, name)
    state = read_state(folder, *state_format(folder, cfg), check_finite=not verified_cache)
    tokenizer = read_tokenizer(folder, cfg)
    with reading(folder):
        network = assemble_network(cfg, state).to(target)
    return HookedTransformer(cfg, network, tokenizer, target)


def load_seq2seq(folder: Path, name: str, device: torch.device) -> HookedSeq2Seq:
    """The encoder–decoder model in ``folder`` (``attnviz.loading.seq2seq``'s formats), float32 on ``device``.

    Raises:
        ModelLoadError: for every failure, naming the file: an unreadable or invalid
            config, missing safetensors weights (``UnsafeWeightsError``), weights that do
            not fit the config or hold NaN/±inf, a tokenizer that is missing, unreadable
            or larger than the vocabulary.
    """
    if not is_seq2seq_folder(folder):
        raise ModelLoadError(path=str(folder / SEQ2SEQ_CONFIG), problem=Text("load_unreadable", detail="no such file; scripts/train_seq2seq.py writes it"))
    cfg = read_seq2seq_config(folder, name)
    state = read_state(folder, *seq2seq_state_format(folder, cfg))
    tokenizer = read_seq2seq_tokenizer(folder, cfg)
    with reading(folder):
        network = assemble(cfg, state).to(device)
    return HookedSeq2Seq(cfg, network, tokenizer, device)


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


def read_state(folder: Path, is_used: Callable, check: Callable, convert: Callable, check_finite: bool = True) -> dict[str, torch.Tensor]:
    """The folder's weights in attnviz's layout, float32, checked before they are read: every format's loading order.

    1. The safetensors headers alone: names, dtypes and shapes, no tensor data.
    2. Every tensor the format uses must be floating point.
    3. ``check``: the used tensors' names and shapes against the config, on the header's
       meta tensors (nothing is read or allocated).
    4. Only then the used tensors are read, as float32, refused when they hold NaN or ±inf
       (``check_finite=False`` only for a cache whose content hash was verified).
    5. ``convert``: into the network's names and shapes.

    Args:
        folder: holds ``model.safetensors`` or shards with their index.
        is_used, check, convert: what differs between formats, bound to the config
            (``state_format`` for BERT, GPT-2, Llama and attnviz's own format,
            ``seq2seq.seq2seq_state_format`` for the encoder–decoders): ``is_used(name) -> bool``,
            ``check(header)`` raising ``WeightsMismatchError``, ``convert(tensors) -> state``.

    Raises:
        UnsafeWeightsError: no safetensors weights.
        ModelLoadError: a damaged file, a weight of another dtype, names or shapes that do
            not fit the config, NaN or ±inf values.
    """
    files = weight_files(folder)
    where = files[0] if len(files) == 1 else folder  # the file an error names
    header = read_header(files)
    check_dtypes(header, is_used, where)
    with reading(where):
        check({name: tensor for name, tensor in header.items() if is_used(name)})
    tensors = read_tensors(files, is_used, check_finite)
    with reading(where):
        return convert(tensors)


def state_format(folder: Path, cfg: ModelConfig) -> tuple[Callable, Callable, Callable]:
    """``read_state``'s ``(is_used, check, convert)`` for an encoder or decoder folder of ``cfg``.

    attnviz's own format (``attnviz.loading.native``) holds the network's state dict as it
    is: every tensor is used, the block count and then every name and shape are checked by
    building the network on the meta device, nothing is converted. A Hugging Face folder
    uses its family's converter.
    """
    if (folder / NATIVE_CONFIG).is_file():

        def check_native(header: dict[str, torch.Tensor]) -> None:
            check_layer_count(header, cfg)
            assemble_network(cfg, header)

        return lambda name: True, check_native, lambda tensors: tensors
    family = NETWORKS[cfg.family]
    return partial(family.is_used, cfg=cfg), partial(family.check, cfg=cfg), partial(family.convert, cfg=cfg)


def read_tokenizer(folder: Path, cfg: ModelConfig):
    """The folder's Hugging Face tokenizer (``trust_remote_code=False``), checked against the model.

    Raises:
        ModelLoadError: no tokenizer files, an unreadable tokenizer, or one whose token ids
            go beyond the model's ``d_vocab`` embeddings (or that gives no token for text).
    """
    require_tokenizer_files(folder)
    with reading(folder, "load_bad_tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True, trust_remote_code=False)
        ids = tokenizer(PROBE_TEXT)["input_ids"]
    if not ids or len(tokenizer) > cfg.d_vocab or max(ids) >= cfg.d_vocab:
        raise ModelLoadError(path=str(folder), problem=Text("load_tokenizer_vocab", n_tokens=len(tokenizer), d_vocab=cfg.d_vocab))
    return tokenizer
