"""Choosing the device a model runs on."""

from __future__ import annotations

import os

import torch

from attnviz.errors import ConfigError


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """The ``torch.device`` for ``device``.

    ``"auto"`` takes ``$ATTNVIZ_DEVICE`` when set, else cuda, then mps, then cpu. Any other
    value is used as given.

    Raises:
        ConfigError: for a device string torch does not understand, or cuda/mps where absent.
    """
    if str(device) == "auto":
        device = os.environ.get("ATTNVIZ_DEVICE") or (
            "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
        )
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(field="device", value=f"{device!r} ({exc})") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(field="device", value="cuda (no CUDA GPU is available; use 'auto' or 'cpu')")
    if resolved.type == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(field="device", value="mps (not available on this machine; use 'auto' or 'cpu')")
    return resolved
