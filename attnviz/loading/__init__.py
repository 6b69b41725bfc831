"""Loading a model: a registry name or a local Hugging Face folder -> ``HookedTransformer``.

Weights are read only from safetensors files (never through pickle); the config and the
tokenizer are read with transformers, offline, without ``trust_remote_code``.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoConfig, AutoTokenizer

from attnviz.config import ModelConfig
from attnviz.device import resolve_device
from attnviz.errors import ConfigError, UnknownModelError, UnsafeWeightsError
from attnviz.loading.bert import convert_bert
from attnviz.model import BertEncoder, HookedTransformer
from attnviz.registry import REGISTRY, model_folder

NETWORKS = {"bert": (BertEncoder, convert_bert)}


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
    network_cls, convert = NETWORKS[cfg.family]
    network = network_cls(cfg)
    network.load_state_dict(convert(hf_state_dict, cfg), strict=True)
    return network.eval().requires_grad_(False)


def load_model(name_or_path: str | Path, device: str | torch.device = "auto") -> HookedTransformer:
    """Load a model by registry name (e.g. ``"minilm"``) or from a local Hugging Face folder.

    Args:
        name_or_path: a name in ``attnviz.registry.REGISTRY`` or a folder holding
            ``config.json``, ``model.safetensors`` and tokenizer files.
        device: ``"auto"`` (``$ATTNVIZ_DEVICE``, else cuda, mps, cpu) or a torch device.

    Raises:
        UnknownModelError: neither a registry name nor a model folder (names the choices).
        ModelNotInstalledError: a registry model whose package is missing (gives the pip command).
        UnsafeWeightsError: the folder has no safetensors weights.
        ConfigError: the architecture is not one attnviz implements.
    """
    name = str(name_or_path)
    if name in REGISTRY:
        folder = model_folder(name)
    else:
        folder = Path(name).expanduser()
        if not (folder / "config.json").is_file():
            raise UnknownModelError(name=name, choices=", ".join(REGISTRY))
        name = folder.name
    try:
        hf_config = AutoConfig.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(field="config.json", value=str(exc)) from None
    cfg = ModelConfig.from_hf(hf_config, name=name)
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    target = resolve_device(device)
    network = build_network(cfg, read_safetensors(folder)).to(target)
    return HookedTransformer(cfg, network, tokenizer, target)
