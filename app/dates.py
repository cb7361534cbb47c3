"""Read the many date spellings real exports use, deciding day/month order per column."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_YMD = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:$|[\sT])")
_XXY = re.compile(r"^\s*(\d{1,2})([-/.])(\d{1,2})\2(\d{4}|\d{2})(?:$|[\sT,])")
_D_MON_Y = re.compile(r"^\s*(\d{1,2})[-\s]([A-Za-z]{3})[A-Za-z]*\.?[-\s,]+(\d{4}|\d{2})\b")
_MON_D_Y = re.compile(r"^\s*([A-Za-z]{3})[A-Za-z]*\.? (\d{1,2}),? (\d{4})\b")
# Twitter's created_at: "Tue Oct 31 22:10:47 +0000 2017"
_TWITTER = re.compile(
    r"^\s*[A-Za-z]{3} ([A-Za-z]{3}) (\d{1,2}) \d\d:\d\d:\d\d [+-]\d{4} (\d{4})\s*$")


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # spreadsheet short years: 00-68 are this century
        year += 2000 if year <= 68 else 1900
    return year


def _month(name: str) -> int | None:
    return _MONTHS.get(name[:3].lower())


def _ambiguous_order(values: Iterable[str]) -> str:
    """'dmy' or 'mdy' for a column of n/n/yyyy dates: decided by any part above 12."""
    first_big = second_big = False
    separator = "/"
    for value in values:
        m = _XXY.match(value)
        if m:
            separator = m.group(2)
            first_big |= int(m.group(1)) > 12
            second_big |= int(m.group(3)) > 12
    if first_big and not second_big:
        return "dmy"
    if second_big and not first_big:
        return "mdy"
    # No evidence either way: slashes are US exports, dashes and dots European ones.
    return "mdy" if separator == "/" else "dmy"


def date_parser(sample: Iterable[str]) -> Callable[[str], dt.date]:
    """A parser for one column, its day/month order decided from the column's values.

    The returned function raises ValueError with a short reason for a value it cannot read.
    """
    order = _ambiguous_order(sample)
    cache: dict[str, dt.date] = {}

    def parse(value: str) -> dt.date:
        hit = cache.get(value)
        if hit is not None:
            return hit
        result = _parse(value, order)
        if len(cache) < 100_000:
            cache[value] = result
        return result

    return parse


def _parse(value: str, order: str) -> dt.date:
    text = value.strip()
    if not text:
        raise ValueError("missing date")
    try:
        if m := _YMD.match(text):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _XXY.match(text):
            a, b, year = int(m.group(1)), int(m.group(3)), _year(m.group(4))
            return dt.date(year, b, a) if order == "dmy" else dt.date(year, a, b)
        if m := _D_MON_Y.match(text):
            month = _month(m.group(2))
            if month:
                return dt.date(_year(m.group(3)), month, int(m.group(1)))
        if m := _MON_D_Y.match(text):
            month = _month(m.group(1))
            if month:
                return dt.date(int(m.group(3)), month, int(m.group(2)))
        if m := _TWITTER.match(text):
            month = _month(m.group(1))
            if month:
                return dt.date(int(m.group(3)), month, int(m.group(2)))
    except ValueError:
        pass
    shown = text if len(text) <= 40 else text[:37] + "..."
    raise ValueError(f"bad date {shown!r}")
