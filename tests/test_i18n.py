"""Every string exists in both languages, and every key the code asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from attnviz.i18n import LANGS, TABLE, t

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("key", sorted(TABLE))
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    entry = TABLE[key]
    assert set(entry) == set(LANGS)
    fields = [{f for _, f, _, _ in string.Formatter().parse(entry[lang]) if f} for lang in LANGS]
    assert fields[0] == fields[1], f"{key}: placeholders differ between languages"
    assert all(entry[lang].strip() for lang in LANGS)


def test_keys_used_in_code_exist():
    pattern = re.compile(r"""\b(?:tr|t)\(\s*["']([a-z0-9_]+)["']""")
    files = [ROOT / "app.py", *ROOT.glob("pages/**/*.py"), *ROOT.glob("attnviz/**/*.py")]
    used = {key for f in files for key in pattern.findall(f.read_text(encoding="utf-8"))}
    assert used, "the scan found no translation calls"
    assert used - TABLE.keys() == set()


def test_lookup_fills_parameters_and_falls_back_to_english():
    assert t("tokens_summary", "zh", n=3) == "3 个 token"
    assert t("tokens_summary", "fr", n=3) == "3 tokens"
    with pytest.raises(KeyError):
        t("no_such_key")
