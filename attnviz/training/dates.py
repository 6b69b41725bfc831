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


def _zh(date: datetime.date, year: str, month: str, day: str, day_word: str = "日") -> str:
    return f"{year}年{month}月{day}{day_word}"


def _zh_num(d: datetime.date, zero: str = "〇", day_word: str = "日") -> str:
    return _zh(d, zh_year(d.year, zero), zh_number(d.month), zh_number(d.day), day_word)


# name -> how that format writes a date. Names say the order and the parts.
FORMATS: dict[str, Callable[[datetime.date], str]] = {
    "d_month_yyyy": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",  # 30 November 2026
    "d_mon_yyyy": lambda d: f"{d.day} {MONTHS_ABBR[d.month - 1]} {d.year}",  # 30 Nov 2026
    "dth_month_yyyy": lambda d: f"{ordinal(d.day)} {MONTHS[d.month - 1]} {d.year}",  # 30th November 2026
    "the_dth_of_month_yyyy": lambda d: f"the {ordinal(d.day)} of {MONTHS[d.month - 1]}, {d.year}",  # the 30th of November, 2026
    "month_d_yyyy": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",  # November 30, 2026
    "month_dth_yyyy": lambda d: f"{MONTHS[d.month - 1]} {ordinal(d.day)} {d.year}",  # November 30th 2026
    "mon_d_yy": lambda d: f"{MONTHS_ABBR[d.month - 1]} {d.day}, {d.year % 100:02d}",  # Nov 30, 26
    "mon_d_yyyy": lambda d: f"{MONTHS_ABBR[d.month - 1]} {d.day} {d.year}",  # Nov 30 2026
    "weekday_d_month_yyyy": lambda d: f"{WEEKDAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}",  # Monday, 30 November 2026
    "weekday_month_d_yyyy": lambda d: f"{WEEKDAYS[d.weekday()]}, {MONTHS[d.month - 1]} {d.day}, {d.year}",  # Monday, November 30, 2026
    "mm/dd/yyyy": lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",  # 11/30/2026
    "m/d/yyyy": lambda d: f"{d.month}/{d.day}/{d.year}",  # 7/4/2026
    "dd.mm.yyyy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",  # 30.11.2026
    "dd-mm-yyyy": lambda d: f"{d.day:02d}-{d.month:02d}-{d.year}",  # 30-11-2026
    "m/d/yy": lambda d: f"{d.month}/{d.day}/{d.year % 100:02d}",  # 11/30/26, 7/4/26
    "yyyy/mm/dd": lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",  # 2026/11/30
    "zh_num": lambda d: _zh_num(d),  # 二〇二六年十一月三十日
    "zh_num_ling": lambda d: _zh_num(d, zero="零"),  # 二零二六年十一月三十日
    "zh_num_hao": lambda d: _zh_num(d, day_word="号"),  # 二〇二六年十一月三十号
    "zh_digits": lambda d: _zh(d, str(d.year), str(d.month), str(d.day)),  # 2026年11月30日
    "zh_digits_padded": lambda d: _zh(d, str(d.year), f"{d.month:02d}", f"{d.day:02d}"),  # 2026年07月05日
    "zh_digits_hao": lambda d: _zh(d, str(d.year), str(d.month), str(d.day), "号"),  # 2026年11月30号
    "zh_digits_weekday": lambda d: _zh(d, str(d.year), str(d.month), str(d.day)) + f" 星期{WEEKDAYS_ZH[d.weekday()]}",  # 2026年11月30日 星期一
    # held out (HELD_OUT_FORMATS): each a new combination of parts the formats above use
    "mon_dth_yyyy": lambda d: f"{MONTHS_ABBR[d.month - 1]} {ordinal(d.day)}, {d.year}",  # Nov 30th, 2026
    "d-mon-yyyy": lambda d: f"{d.day}-{MONTHS_ABBR[d.month - 1]}-{d.year}",  # 30-Nov-2026
    "dd.mm.yy": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year % 100:02d}",  # 30.11.26
    "zh_num_ling_hao": lambda d: _zh_num(d, zero="零", day_word="号"),  # 二零二六年十一月三十号
}
HELD_OUT_FORMATS = ("mon_dth_yyyy", "d-mon-yyyy", "dd.mm.yy", "zh_num_ling_hao")
TRAIN_FORMATS = tuple(name for name in FORMATS if name not in HELD_OUT_FORMATS)


@dataclass(frozen=True)
class Example:
    """One (source, target) pair and where it comes from."""

    source: str
    target: str
    date: datetime.date
    format: str


def write(date: datetime.date, fmt: str) -> Example:
    """``date`` written in format ``fmt`` (a key of :data:`FORMATS`), with its ISO target.

    Raises KeyError for an unknown format name.
    """
    return Example(FORMATS[fmt](date), iso(date), date, fmt)


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
            if is_held_out_date(example.date) or all(FORMATS[f](example.date) != example.source for f in TRAIN_FORMATS):
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


MULTI_SOURCE_SEP = "; "
MULTI_TARGET_SEP = " "


def join_examples(parts: list[Example]) -> Example:
    """Several pairs as one: sources joined by ``"; "``, ISO targets by a space; format ``"multi"``.

    ``"30 Nov 2026; 2026年1月5日" -> "2026-11-30 2026-01-05"``: the task the GRU bottleneck page
    trains on, where the source and the output grow together, as in translation.
    """
    return Example(MULTI_SOURCE_SEP.join(p.source for p in parts), MULTI_TARGET_SEP.join(p.target for p in parts), parts[0].date, "multi")


def alphabet() -> str:
    """Every character the generator can write, sorted: the vocabulary's characters (beside the specials).

    Built from the parts the formats use (digits, month and weekday names, the separators, the
    Chinese numerals and 年月日号星期), plus every ASCII letter so that a typed lower-case or
    other word is not unknown; a test checks every format's output against it.
    """
    chars = set("0123456789 ,.;/-") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    chars |= set(ZH_DIGITS + "零十年月日号星期")
    return "".join(sorted(chars))
