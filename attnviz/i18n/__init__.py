"""The translation table: every user-facing string, in English and 中文.

The table is one dict, assembled from one module per area in ``attnviz.i18n``.

``t(key, lang, **params)`` looks a string up and fills ``{params}`` with ``str.format``.
"""

from __future__ import annotations

from attnviz.i18n import attribution, core, corpus, decoder, export, instruments, journey, lessons, loading, long_inputs, needle, present, seq2seq, serving, steps

LANGS = ("en", "zh")
PARTS = [core, steps, lessons, serving, decoder, loading, long_inputs, needle, instruments, present, journey, attribution, seq2seq, corpus, export]

TABLE: dict[str, dict[str, str]] = {}
for _part in PARTS:
    _clash = TABLE.keys() & _part.STRINGS.keys()
    if _clash:
        raise RuntimeError(f"translation keys defined twice: {sorted(_clash)}")
    TABLE |= _part.STRINGS


def t(key: str, lang: str = "en", **params) -> str:
    """The string ``key`` in ``lang`` ("en" or "zh"), with ``params`` filled in.

    Unknown languages fall back to English. Raises ``KeyError`` for an unknown key.
    """
    entry = TABLE[key]
    text = entry.get(lang, entry["en"])
    return text.format(**params) if params else text
