"""Strings of the needle-in-a-haystack page: retrieval heads (Wu et al. 2024)."""

STRINGS: dict[str, dict[str, str]] = {
    "needle_nav": {"en": "Needle in a haystack", "zh": "大海捞针"},
    "needle_title": {"en": "Needle in a haystack: which heads retrieve?", "zh": "大海捞针：哪些头负责检索？"},
}
