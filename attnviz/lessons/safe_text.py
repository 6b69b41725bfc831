"""User text inside Markdown: escaped so that it shows as typed and never becomes a link, an image or a formula."""

from __future__ import annotations

import re

# CommonMark's backslash-escapable punctuation, plus $ (Streamlit renders $…$ as LaTeX).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&:\"'])")


def escape_markdown(value) -> str:
    """``str(value)`` with every Markdown-significant character backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", str(value))


def escape_params(params: dict) -> dict:
    """The same placeholders with every value escaped (for ``t(key, lang, **params)`` shown as Markdown)."""
    return {name: escape_markdown(value) for name, value in params.items()}
