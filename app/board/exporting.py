"""Write voices to CSV (safe to open in a spreadsheet) and JSON (lossless, re-importable)."""

from __future__ import annotations

import csv
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

from app.errors import EmptyChairError

T = TypeVar("T")

EXPORT_FIELDS = ("id", "kind", "text", "customer", "cohort", "heard_on", "channel", "severity",
                 "need_depth", "themes", "captured_by", "source_file", "source_line",
                 "created_at", "updated_at")
# A spreadsheet runs a cell as a formula when it starts with = + - @, also after leading
# spaces, tabs, line breaks or invisible characters (which spreadsheets skip), and in the
# full-width forms ＝ ＋ － ＠ (which CJK input methods type, and spreadsheets read as ASCII).
_FORMULA = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]")


def _runs(value: str) -> bool:
    return _FORMULA.match(value) is not None or value.startswith(("\t", "\r"))


def _guarded(value: str) -> bool:
    # A cell whose apostrophes stand before a formula is guarded again, so the guard can be
    # told from the text on re-import ("'=1" is written "''=1", which a spreadsheet shows
    # as "'=1"): app.board.csv_import.unguard takes off exactly one.
    return _runs(value) or (value.startswith("'") and _runs(value.lstrip("'")))


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe; so does
    one that starts with a tab or a carriage return (a formula's usual disguise)."""
    if isinstance(value, str) and _guarded(value):
        return "'" + value
    return value


def write_csv(records: Iterable[dict[str, Any]], out: TextIO,
              fields: tuple[str, ...] = EXPORT_FIELDS) -> int:
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({k: spreadsheet_safe(v) for k, v in record.items()})
        count += 1
    return count


def write_json(records: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array written record by record, so a 100k export never sits in memory twice."""
    count = 0
    out.write("[")
    for record in records:
        out.write(",\n " if count else "\n ")
        json.dump(record, out, ensure_ascii=False)
        count += 1
    out.write("\n]\n")
    return count


def write_whole(path: Path, write: Callable[[TextIO], T], suffix: str) -> T:
    """Write a file through `write(out)` so that it appears whole or not at all (a
    temporary name beside it, then a rename), created like any file the user makes
    (0o666 less their umask: tempfile.mkstemp would leave it readable by its owner alone)."""
    folder = path.expanduser().resolve().parent
    tmp = folder / f".export-{uuid.uuid4().hex}{suffix}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise EmptyChairError(f"{path}: cannot write here ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            result = write(out)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return result


def export_to(path: Path, records: Iterator[dict[str, Any]],
              fields: tuple[str, ...] = EXPORT_FIELDS) -> int:
    """Write CSV or JSON by the file's ending; the file appears whole or not at all."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise EmptyChairError(f"{path}: export to a .csv or .json file")
    if suffix == ".csv":
        return write_whole(path, lambda out: write_csv(records, out, fields), suffix)
    return write_whole(path, lambda out: write_json(records, out), suffix)
