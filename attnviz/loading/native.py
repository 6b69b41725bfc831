"""attnviz's own folder format: weights already in attnviz's layout, and its ``ModelConfig`` as JSON.

The GGUF cache (``attnviz.loading.gguf_cache``) writes this format, so that loading needs
no conversion (no weight is copied or transposed) and no Hugging Face config class: a
converted SmolLM2 loads in about a second. ``model.safetensors`` holds the tensors under
attnviz's names (``blocks.0.attn.qkv_weight``, ...); ``attnviz-config.json`` the config fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import save_file

from attnviz.errors import ConfigError, WeightsMismatchError
from attnviz.model.config import ModelConfig

NATIVE_CONFIG = "attnviz-config.json"
BLOCK = re.compile(r"^blocks\.(\d+)\.")


def write_native(folder: Path, cfg: ModelConfig, state: dict[str, torch.Tensor]) -> None:
    """Write ``cfg`` (without its display name) and the attnviz-layout ``state`` into ``folder``."""
    fields = {key: value for key, value in asdict(cfg).items() if key != "name"}
    (folder / NATIVE_CONFIG).write_text(json.dumps(fields, indent=1))
    save_file(state, folder / "model.safetensors", metadata={"format": "attnviz"})


def read_native_config(folder: Path, name: str) -> ModelConfig:
    """The ``ModelConfig`` stored in ``folder``, named ``name``.

    Raises:
        ConfigError: when the file is unreadable or its fields are not a valid config.
    """
    try:
        fields = json.loads((folder / NATIVE_CONFIG).read_text())
        return ModelConfig(**fields, name=name)
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(field=NATIVE_CONFIG, value=str(exc)) from None


def check_layer_count(names, cfg: ModelConfig) -> None:
    """Refuse weights whose blocks are not exactly ``blocks.0`` … ``blocks.{n_layers - 1}``.

    A cheap first check on the header's names, before the network is built (on the meta
    device) to compare every name and shape.

    Raises:
        WeightsMismatchError: naming the config's layer count and the blocks found.
    """
    found = {int(match.group(1)) for name in names if (match := BLOCK.match(name))}
    if found != set(range(cfg.n_layers)):
        raise WeightsMismatchError(detail=f"the config has n_layers {cfg.n_layers}, the weights hold {len(found)} blocks")
