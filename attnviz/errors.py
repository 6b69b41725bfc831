"""attnviz's exceptions: every one is a ``ValueError`` whose message says how to fix the problem.

Each error carries a translation ``key`` and its ``params`` so the app can show the
same message in the user's language (``attnviz.i18n.t(err.key, lang, **err.params)``);
``str(err)`` is the English text.
"""

from __future__ import annotations

from typing import Any


class AttnvizError(ValueError):
    """Base class: a user-fixable problem, with a translatable message."""

    key = "err_generic"

    def __init__(self, **params: Any) -> None:
        from attnviz.i18n import t

        self.params = params
        super().__init__(t(self.key, "en", **params))

    def message(self, lang: str) -> str:
        """The message in ``lang`` ("en" or "zh")."""
        from attnviz.i18n import t

        return t(self.key, lang, **self.params)


class EmptyTextError(AttnvizError):
    """The text is empty or only whitespace."""

    key = "err_empty_text"


class InvalidTextError(AttnvizError):
    """The text is not valid Unicode (a lone surrogate code point). Params: ``position``."""

    key = "err_invalid_text"


class UnknownModelError(AttnvizError):
    """The name is neither a registry name nor a model folder. Params: ``name``, ``choices``."""

    key = "err_unknown_model"


class ModelNotInstalledError(AttnvizError):
    """A registry model's package is missing. Params: ``name``, ``pip``."""

    key = "err_model_not_installed"


class UnsafeWeightsError(AttnvizError):
    """A model folder has no safetensors file (pickled weights are refused). Params: ``path``."""

    key = "err_unsafe_weights"


class ConfigError(AttnvizError):
    """A configuration value attnviz cannot use. Params: ``field``, ``value``."""

    key = "err_config"


class WeightsMismatchError(AttnvizError):
    """Checkpoint keys or shapes differ from what the converter expects. Params: ``detail``."""

    key = "err_weights_mismatch"


class InvalidMaskError(AttnvizError):
    """A custom attention mask has the wrong shape or dtype, or masks a whole row. Params: ``detail``."""

    key = "err_invalid_mask"
