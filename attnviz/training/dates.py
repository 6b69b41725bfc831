"""The translator's task: a date written in one of many English or Chinese ways -> ISO 8601.

``"30 November 2026"``, ``"Nov 30, 26"``, ``"the 30th of November, 2026"``, ``"11/30/2026"``,
``"二〇二六年十一月三十日"``, ``"2026年11月30日"`` ... all become ``"2026-11-30"``.

Dates run from 1950-01-01 to 2049-12-31, so a two-digit year is unambiguous (50-99 -> 19xx,
00-49 -> 20xx, the POSIX ``%y`` rule). The held-out split keeps out of training:

- whole formats (:data:`HELD_OUT_FORMATS`): new combinations of parts that training does see
  (e.g. ``"Nov 30th, 2026"``: the abbreviated month, the ordinal day and the four-digit year each
  appear in training formats, never together);
- whole dates: every date of the years in :data:`HELD_OUT_YEARS` and, in every year, the
  month-day pairs in :data:`HELD_OUT_MONTH_DAYS`.

A training pair has a training date *and* a training format; a held-out pair has a held-out
date or a held-out format (or both), so no held-out pair can occur in training.

The generator is pure Python with its own ``random.Random(seed)``: the same seed gives the same
pairs on every machine. The GRU bottleneck page uses :func:`sample_multi`: several dates in
one source, so the information the encoder must pass on grows with the source's length.
"""

from __future__ import annotations

import datetime
import random
import re
from dataclasses import dataclass
from typing import Callable

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")
MONTHS_ABBR = tuple(m[:3] for m in MONTHS)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_ZH = ("一", "二", "三", "四", "五", "六", "日")
ZH_DIGITS = "〇一二三四五六七八九"

FIRST_DATE = datetime.date(1950, 1, 1)
LAST_DATE = datetime.date(2049, 12, 31)
HELD_OUT_YEARS = (1957, 1968, 1979, 1986, 1993, 2004, 2011, 2026, 2038, 2045)
# 24 month-day pairs, two per month, spread over the month's days (29 February among them)
HELD_OUT_MONTH_DAYS = frozenset({
    (1, 7), (1, 23), (2, 11), (2, 29), (3, 3), (3, 19), (4, 14), (4, 30), (5, 9), (5, 25), (6, 2), (6, 17),
    (7, 12), (7, 28), (8, 5), (8, 21), (9, 15), (9, 26), (10, 8), (10, 31), (11, 4), (11, 20), (12, 13), (12, 24),
})


def ordinal(day: int) -> str:
    """``1 -> "1st"``, ``2 -> "2nd"``, ``3 -> "3rd"``, ``11 -> "11th"``, ``22 -> "22nd"``, ``31 -> "31st"``."""
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def zh_number(n: int) -> str:
    """A month or day number (1-31) in Chinese numerals: 1 -> 一, 10 -> 十, 11 -> 十一, 20 -> 二十, 21 -> 二十一, 30 -> 三十.

    Raises ValueError outside 1-99 (a month or a day never is).
    """
    if not 1 <= n <= 99:
        raise ValueError(f"zh_number takes 1-99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else ZH_DIGITS[tens] + "十")
    return head + (ZH_DIGITS[ones] if ones else "")


def zh_year(year: int, zero: str = "〇") -> str:
    """A year read digit by digit, as Chinese writes years: 2026 -> 二〇二六 (``zero="零"``: 二零二六)."""
    return "".join(zero if d == "0" else ZH_DIGITS[int(d)] for d in str(year))


def iso(date: datetime.date) -> str:
    """The target: ``"2026-11-30"``."""
    return date.isoformat()


# The pieces a format is made of: field -> (what it names, how it writes a date).
FIELDS: dict[str, tuple[str, Callable[[datetime.date], str]]] = {
    "d": ("day", lambda d: str(d.day)),
    "dd": ("day", lambda d: f"{d.day:02d}"),
    "dth": ("day", lambda d: ordinal(d.day)),
    "zh_d": ("day", lambda d: zh_number(d.day)),
    "m": ("month", lambda d: str(d.month)),
    "mm": ("month", lambda d: f"{d.month:02d}"),
    "month": ("month", lambda d: MONTHS[d.month - 1]),
    "mon": ("month", lambda d: MONTHS_ABBR[d.month - 1]),
    "zh_m": ("month", lambda d: zh_number(d.month)),
    "yyyy": ("year", lambda d: str(d.year)),
    "yy": ("year", lambda d: f"{d.year % 100:02d}"),
    "zh_year": ("year", lambda d: zh_year(d.year)),
    "zh_year_ling": ("year", lambda d: zh_year(d.year, zero="零")),
    "weekday": ("weekday", lambda d: WEEKDAYS[d.weekday()]),
    "zh_weekday": ("weekday", lambda d: WEEKDAYS_ZH[d.weekday()]),
}

# name -> template of FIELDS in braces. Names say the order and the parts.
FORMATS: dict[str, str] = {
    "d_month_yyyy": "{d} {month} {yyyy}",  # 30 November 2026
    "d_mon_yyyy": "{d} {mon} {yyyy}",  # 30 Nov 2026
    "dth_month_yyyy": "{dth} {month} {yyyy}",  # 30th November 2026
    "the_dth_of_month_yyyy": "the {dth} of {month}, {yyyy}",  # the 30th of November, 2026
    "month_d_yyyy": "{month} {d}, {yyyy}",  # November 30, 2026
    "month_dth_yyyy": "{month} {dth} {yyyy}",  # November 30th 2026
    "mon_d_yy": "{mon} {d}, {yy}",  # Nov 30, 26
    "mon_d_yyyy": "{mon} {d} {yyyy}",  # Nov 30 2026
    "weekday_d_month_yyyy": "{weekday}, {d} {month} {yyyy}",  # Monday, 30 November 2026
    "weekday_month_d_yyyy": "{weekday}, {month} {d}, {yyyy}",  # Monday, November 30, 2026
    "mm/dd/yyyy": "{mm}/{dd}/{yyyy}",  # 11/30/2026
    "m/d/yyyy": "{m}/{d}/{yyyy}",  # 7/4/2026
    "dd.mm.yyyy": "{dd}.{mm}.{yyyy}",  # 30.11.2026
    "dd-mm-yyyy": "{dd}-{mm}-{yyyy}",  # 30-11-2026
    "dd-mm-yy": "{dd}-{mm}-{yy}",  # 30-11-26
    "m/d/yy": "{m}/{d}/{yy}",  # 11/30/26, 7/4/26 (slashes with the year last are always month first)
    "yyyy/mm/dd": "{yyyy}/{mm}/{dd}",  # 2026/11/30
    "zh_num": "{zh_year}年{zh_m}月{zh_d}日",  # 二〇二六年十一月三十日
    "zh_num_ling": "{zh_year_ling}年{zh_m}月{zh_d}日",  # 二零二六年十一月三十日
    "zh_num_hao": "{zh_year}年{zh_m}月{zh_d}号",  # 二〇二六年十一月三十号
    "zh_digits": "{yyyy}年{m}月{d}日",  # 2026年11月30日
    "zh_digits_padded": "{yyyy}年{mm}月{dd}日",  # 2026年07月05日
    "zh_digits_hao": "{yyyy}年{m}月{d}号",  # 2026年11月30号
    "zh_digits_weekday": "{yyyy}年{m}月{d}日 星期{zh_weekday}",  # 2026年11月30日 星期一
    # held out (HELD_OUT_FORMATS): each a new combination of parts the formats above use
    "mon_dth_yyyy": "{mon} {dth}, {yyyy}",  # Nov 30th, 2026
    "d-mon-yyyy": "{d}-{mon}-{yyyy}",  # 30-Nov-2026
    "dd.mm.yy": "{dd}.{mm}.{yy}",  # 30.11.26
    "zh_num_ling_hao": "{zh_year_ling}年{zh_m}月{zh_d}号",  # 二零二六年十一月三十号
}
HELD_OUT_FORMATS = ("mon_dth_yyyy", "d-mon-yyyy", "dd.mm.yy", "zh_num_ling_hao")
TRAIN_FORMATS = tuple(name for name in FORMATS if name not in HELD_OUT_FORMATS)


@dataclass(frozen=True)
class Example:
    """One (source, target) pair, where it comes from, and where its parts are.

    ``spans``: (part, start, end) for each piece of the source that names the "year", "month",
    "day" or "weekday", as character offsets (``source[start:end]``); the alignment a reader
    expects, used by the tests of the translator's cross-attention.
    """

    source: str
    target: str
    date: datetime.date
    format: str
    spans: tuple[tuple[str, int, int], ...] = ()

    def span(self, part: str) -> list[int]:
        """The source character positions of ``part`` ("year", "month", "day", "weekday"); empty if absent."""
        return [i for name, start, end in self.spans if name == part for i in range(start, end)]


TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


def write(date: datetime.date, fmt: str) -> Example:
    """``date`` written in format ``fmt`` (a key of :data:`FORMATS`), with its ISO target and the parts' spans.

    Raises KeyError for an unknown format name.
    """
    pieces, spans, pos = [], [], 0
    for i, chunk in enumerate(TEMPLATE_FIELD.split(FORMATS[fmt])):
        if i % 2:  # a field name
            part, render = FIELDS[chunk]
            chunk = render(date)
            spans.append((part, pos, pos + len(chunk)))
        pieces.append(chunk)
        pos += len(chunk)
    return Example("".join(pieces), iso(date), date, fmt, tuple(spans))


def target_span(part: str) -> list[int]:
    """The target character positions of ``part`` in ``YYYY-MM-DD``: year 0-3, month 5-6, day 8-9."""
    return {"year": [0, 1, 2, 3], "month": [5, 6], "day": [8, 9]}[part]


def is_held_out_date(date: datetime.date) -> bool:
    """True for a date training never sees: a year in HELD_OUT_YEARS or a month-day in HELD_OUT_MONTH_DAYS."""
    return date.year in HELD_OUT_YEARS or (date.month, date.day) in HELD_OUT_MONTH_DAYS


def all_dates() -> list[datetime.date]:
    """Every date from FIRST_DATE to LAST_DATE (36,525 days)."""
    return [FIRST_DATE + datetime.timedelta(days=i) for i in range((LAST_DATE - FIRST_DATE).days + 1)]


def split_dates() -> tuple[list[datetime.date], list[datetime.date]]:
    """(training dates, held-out dates): a partition of :func:`all_dates`."""
    dates = all_dates()
    return [d for d in dates if not is_held_out_date(d)], [d for d in dates if is_held_out_date(d)]


class DateGenerator:
    """Seeded pairs: ``DateGenerator(seed).train(n)`` and ``.held_out(n)``.

    Training pairs draw a training date and a training format uniformly; held-out pairs draw a
    format uniformly from all formats, and a held-out date for a training format (any date for
    a held-out format, unless a training format writes that date the same way), so every
    held-out source is unseen by construction.
    """

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.train_dates, self.held_out_dates = split_dates()
        self.every_date = self.train_dates + self.held_out_dates

    def train_example(self) -> Example:
        return write(self.rng.choice(self.train_dates), self.rng.choice(TRAIN_FORMATS))

    def held_out_example(self) -> Example:
        fmt = self.rng.choice(tuple(FORMATS))
        if fmt not in HELD_OUT_FORMATS:
            return write(self.rng.choice(self.held_out_dates), fmt)
        while True:  # a held-out format can write a training date as a training format does (zh_num_ling_hao: 1972 has no zero)
            example = write(self.rng.choice(self.every_date), fmt)
            if is_held_out_date(example.date) or all(write(example.date, f).source != example.source for f in TRAIN_FORMATS):
                return example

    def train(self, n: int) -> list[Example]:
        """``n`` training pairs."""
        return [self.train_example() for _ in range(n)]

    def held_out(self, n: int) -> list[Example]:
        """``n`` held-out pairs."""
        return [self.held_out_example() for _ in range(n)]

    def multi(self, n_dates: int, held_out: bool = False) -> Example:
        """Several dates in one source (see :func:`join_examples`), each a training (or held-out) pair."""
        parts = [self.held_out_example() if held_out else self.train_example() for _ in range(n_dates)]
        return join_examples(parts)


EVAL_SEED = 1234
EVAL_SIZE = 2000


def evaluation_set() -> list[Example]:
    """The held-out pairs the bundled translator's accuracy is measured on (its manifest and its test)."""
    return DateGenerator(EVAL_SEED).held_out(EVAL_SIZE)


MULTI_SOURCE_SEP = "; "
MULTI_TARGET_SEP = " "


def join_examples(parts: list[Example]) -> Example:
    """Several pairs as one: sources joined by ``"; "``, ISO targets by a space; format ``"multi"``.

    ``"30 Nov 2026; 2026年1月5日" -> "2026-11-30 2026-01-05"``: the task the GRU bottleneck page
    trains on, where the source and the output grow together, as in translation.
    """
    spans, offset = [], 0
    for p in parts:
        spans += [(name, start + offset, end + offset) for name, start, end in p.spans]
        offset += len(p.source) + len(MULTI_SOURCE_SEP)
    source = MULTI_SOURCE_SEP.join(p.source for p in parts)
    return Example(source, MULTI_TARGET_SEP.join(p.target for p in parts), parts[0].date, "multi", tuple(spans))


def alphabet() -> str:
    """Every character the generator can write, sorted: the vocabulary's characters (beside the specials).

    Built from the parts the formats use (digits, month and weekday names, the separators, the
    Chinese numerals and 年月日号星期), plus every ASCII letter so that a typed lower-case or
    other word is not unknown; a test checks every format's output against it.
    """
    chars = set("0123456789 ,.;/-") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    chars |= set(ZH_DIGITS + "零十年月日号星期")
    return "".join(sorted(chars))
