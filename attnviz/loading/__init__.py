"""Loading a model: a registry name or a local Hugging Face folder -> ``HookedTransformer``.

Weights are read only from safetensors files (never through pickle); the config and the
tokenizer are read with transformers, offline, without ``trust_remote_code``. A bundled
GGUF model is converted once into attnviz's own folder format (``loading.gguf_cache``,
``loading.native``), which loads without conversion.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer

from attnviz.config import ModelConfig
from attnviz.device import resolve_device
from attnviz.errors import ConfigError, UnknownModelError, UnsafeWeightsError, WeightsMismatchError
from attnviz.decoder import Decoder
from attnviz.loading.bert import convert_bert
from attnviz.loading.gpt2 import convert_gpt2
from attnviz.loading.llama import convert_llama
from attnviz.loading.native import NATIVE_CONFIG, read_native_config
from attnviz.model import BertEncoder, HookedTransformer
from attnviz.registry import REGISTRY, model_folder

NETWORKS = {"bert": (BertEncoder, convert_bert), "gpt2": (Decoder, convert_gpt2), "llama": (Decoder, convert_llama)}


def read_safetensors(folder: Path) -> dict[str, torch.Tensor]:
    """All tensors of the folder's ``model.safetensors`` (or its shards, by the index file).

    Raises:
        UnsafeWeightsError: when the folder has no safetensors weights (a pickled
            ``pytorch_model.bin`` is refused, never loaded).
    """
    single, index = folder / "model.safetensors", folder / "model.safetensors.index.json"
    if single.is_file():
        return load_file(single)
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return {key: value for shard in shards for key, value in load_file(folder / shard).items()}
    raise UnsafeWeightsError(path=str(folder))


def build_network(cfg: ModelConfig, hf_state_dict: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Our network for ``cfg`` with weights converted from a Hugging Face state dict (strict)."""
    convert = NETWORKS[cfg.family][1]
    return assemble_network(cfg, convert(hf_state_dict, cfg))


def assemble_network(cfg: ModelConfig, state: dict[str, torch.Tensor]) -> torch.nn.Module:
    """Our network for ``cfg`` holding ``state`` (attnviz's names and shapes, checked strictly).

    The network is built without memory (on the meta device) and takes the given tensors
    as its parameters, so no weight is allocated or copied twice.

    Raises:
        WeightsMismatchError: for missing, unexpected or mis-shaped tensors.
    """
    with torch.device("meta"):
        network = NETWORKS[cfg.family][0](cfg)
    try:
        network.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as exc:
        raise WeightsMismatchError(detail=str(exc).replace("\n", " ")[:500]) from None
    return network.eval().requires_grad_(False)


def load_model(name_or_path: str | Path, device: str | torch.device = "auto", progress=None) -> HookedTransformer:
    """Load a model by registry name (e.g. ``"minilm"``, ``"smollm2"``) or from a local folder.

    Args:
        name_or_path: a name in ``attnviz.registry.REGISTRY``, a Hugging Face folder holding
            ``config.json``, ``model.safetensors`` and tokenizer files (BERT, GPT-2 or
            Llama), or a folder in attnviz's own format (``attnviz.loading.native``).
        device: ``"auto"`` (``$ATTNVIZ_DEVICE``, else cuda, mps, cpu) or a torch device.
        progress: for a bundled GGUF model not yet converted, ``progress(fraction, stage)``
            is called during the one-time conversion (default: a terminal progress bar).

    Raises:
        UnknownModelError: neither a registry name nor a model folder (names the choices).
        ModelNotInstalledError: a registry model whose package is missing (gives the pip command).
        UnsafeWeightsError: the folder has no safetensors weights.
        ConfigError: the architecture is not one attnviz implements.
        WeightsMismatchError: the weights do not fit the config.
    """
    name = str(name_or_path)
    if name in REGISTRY:
        folder = model_folder(name, progress)
    else:
        folder = Path(name).expanduser()
        if not (folder / "config.json").is_file() and not (folder / NATIVE_CONFIG).is_file():
            raise UnknownModelError(name=name, choices=", ".join(REGISTRY))
        name = folder.name
    if (folder / NATIVE_CONFIG).is_file():
        cfg = read_native_config(folder, name)
        state = read_safetensors(folder)
    else:
        try:
            hf_config = AutoConfig.from_pretrained(folder, local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(field="config.json", value=str(exc)) from None
        cfg = ModelConfig.from_hf(hf_config, name=name)
        state = NETWORKS[cfg.family][1](read_safetensors(folder), cfg)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    target = resolve_device(device)
    network = assemble_network(cfg, state).to(target)
    return HookedTransformer(cfg, network, tokenizer, target)
