"""Strings of the lessons (keys start with ``lesson``): one module per lesson, merged here."""

from attnviz.i18n.lessons import common, lesson1, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7, lesson8, lesson9, lesson10, titles

STRINGS: dict[str, dict[str, str]] = {}
for _part in (common, titles, lesson1, lesson2, lesson3, lesson4, lesson5, lesson6, lesson7, lesson8, lesson9, lesson10):
    _clash = STRINGS.keys() & _part.STRINGS.keys()
    if _clash:
        raise RuntimeError(f"lesson strings defined twice: {sorted(_clash)}")
    STRINGS |= _part.STRINGS
