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


ASCII_NEXT_TO_CHINESE = re.compile(r"[\u4e00-\u9fff] ?[,:;()!?]|[,:;()!?] ?[\u4e00-\u9fff]")
WRONG_TERMS = {"注意力浏览器": "注意力探查器", "句子类型嵌入": "片段嵌入", "词片段": "子词"}


@pytest.mark.parametrize("key", sorted(TABLE))
def test_chinese_uses_full_width_punctuation_and_the_agreed_terms(key):
    """Inside Chinese text: ，：；（）！？ — never ASCII , : ; ( ) ! ? beside a Chinese character (even across a space)."""
    zh = TABLE[key]["zh"]
    assert not ASCII_NEXT_TO_CHINESE.search(zh), f"{key}: ASCII punctuation beside Chinese text: {zh!r}"
    for wrong, right in WRONG_TERMS.items():
        assert wrong not in zh, f"{key}: {wrong} should be {right}"


def test_the_punctuation_check_catches_ascii_beside_chinese():
    assert ASCII_NEXT_TO_CHINESE.search("先预测,再揭晓") and ASCII_NEXT_TO_CHINESE.search("模型 (MiniLM)")
    assert not ASCII_NEXT_TO_CHINESE.search("先预测，再揭晓（MiniLM）：q·k/√d_k (scaled)")
