"""Write voices to CSV (safe to open in a spreadsheet) and JSON (lossless, re-importable)."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from app.errors import EmptyChairError

EXPORT_FIELDS = ("id", "kind", "text", "customer", "cohort", "heard_on", "channel", "severity",
                 "need_depth", "themes", "captured_by", "source_file", "source_line",
                 "created_at", "updated_at")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
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


def export_to(path: Path, records: Iterator[dict[str, Any]],
              fields: tuple[str, ...] = EXPORT_FIELDS) -> int:
    """Write CSV or JSON by the file's ending; the file appears whole or not at all."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise EmptyChairError(f"{path}: export to a .csv or .json file")
    folder = path.expanduser().resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=suffix, dir=folder)
    except OSError as exc:
        raise EmptyChairError(f"{path}: cannot write here ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            if suffix == ".csv":
                count = write_csv(records, out, fields)
            else:
                count = write_json(records, out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
