"""The import use case: read a CSV or JSON export, validate it, add it in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.board.csv_import import (
    CsvSource,
    ImportOptions,
    ImportPlan,
    ImportRow,
    Memo,
    RowProblem,
    RowReader,
    _Keys,
    collect_plan,
    file_stamp,
    plan_import,
    read_csv,
)
from app.board.domain import (
    Channel,
    Kind,
    NeedDepth,
    check_depth,
    check_plain,
    check_severity,
    check_text,
    clean_name,
    name_key,
    normal_name,
    parse_enum,
)
from app.board.json_chunks import Chunks
from app.board.ports import BoardStore, Cancelled, ImportResult, MayCommit, Progress
from app.changes import Changes
from app.errors import EmptyChairError, ImportFileError, ValidationError

MAX_JSON_RECORD_CHARS = 16 * 1024 * 1024  # one voice's object, like the CSV cell limit
_BETWEEN = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")


@dataclass(frozen=True, slots=True)
class ImportReport:
    plan: ImportPlan
    result: ImportResult | None  # None when nothing was written because rows were invalid
    dry_run: bool
    changes: Changes


class InvalidRows(EmptyChairError):
    """Some rows are invalid and --skip-invalid was not given: nothing was imported."""

    def __init__(self, plan: ImportPlan) -> None:
        path = plan.source.path
        super().__init__(
            f"{path}: {plan.problem_count} invalid row(s); nothing imported "
            "(fix them, or use --skip-invalid to import the other rows)")
        self.plan = plan


def problem_lines(plan: ImportPlan, limit: int = 20) -> list[str]:
    """One line per invalid row, 'file:line: reason', capped with a count of the rest. The
    file's own breakage (an unclosed quote) comes first: it explains the rows after it."""
    name = plan.source.path
    lines = [f"{name}:{p.line}: {p.message}" for p in plan.problems[:limit]]
    if plan.problem_count > len(lines):
        lines.append(f"... and {plan.problem_count - len(lines):,} more invalid row(s)")
    return lines


class _JsonArray(Chunks):
    """The records of a JSON array, decoded one at a time from a file read in chunks, so an
    export of any size needs only one record's worth of memory (json.load held all of it,
    2 GB for a 1 GiB file)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.decoder = json.JSONDecoder()

    def _fail(self, reason: str) -> ImportFileError:
        return ImportFileError(f"{self.path}: not a readable JSON export ({reason})")

    def _value(self, index: int) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                left = len(self.buffer) - self.pos
                if left <= MAX_JSON_RECORD_CHARS and self.more():
                    continue  # the record may run on past what has been read
                if left > MAX_JSON_RECORD_CHARS:
                    raise self._fail(f"record {index} is broken or larger than "
                                     f"{MAX_JSON_RECORD_CHARS // 2**20} MiB: {exc.msg}") from exc
                raise self._fail(f"record {index}: {exc.msg}") from exc
            except RecursionError as exc:
                raise self._fail(f"record {index} is nested too deeply") from exc
            if end == len(self.buffer) and self.more():
                continue  # a number cut at the chunk's end: read on and decode it again
            self.pos = end
            return value

    def __iter__(self) -> Iterator[Any]:
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as fh:
                self.read = fh.read
                yield from self._records()
        except UnicodeDecodeError as exc:
            raise self._fail("not UTF-8") from exc
        except OSError as exc:
            raise ImportFileError(f"{self.path}: cannot be read ({exc.strerror})") from exc

    def _records(self) -> Iterator[Any]:
        first = self.peek()
        if first != "[":
            if first in ("{", '"') or first.isalnum():
                raise ImportFileError(f"{self.path}: a JSON export is a list of voices")
            raise self._fail("it does not start with '['" if first else "the file is empty")
        self.pos += 1
        char = self.peek()
        index = 0
        raw_decode, between = self.decoder.raw_decode, _BETWEEN.match
        while char != "]":
            if not char:
                raise self._fail(f"it ends inside the list, after record {index} "
                                 "(a truncated file?)")
            index += 1
            try:  # most records lie whole in the buffer, between two commas
                value, end = raw_decode(self.buffer, self.pos)
            except (json.JSONDecodeError, RecursionError):
                end = -1
            if 0 < end < len(self.buffer):
                self.pos = end
            else:
                value = self._value(index)
            yield value
            comma = between(self.buffer, self.pos)
            if comma is not None and comma.end() < len(self.buffer):
                self.pos = comma.end()
                char = self.buffer[self.pos]
                if char == "]":
                    raise self._fail(f"a ',' after record {index} is followed by ']'")
                continue
            char = self.peek()
            if char == ",":
                self.pos += 1
                char = self.peek()
                if char == "]":
                    raise self._fail(f"a ',' after record {index} is followed by ']'")
            elif char and char != "]":
                raise self._fail(f"after record {index}: expected ',' or ']'")
        self.pos += 1
        if self.peek():
            raise self._fail("there is more after the list's closing ']'")


def _text(record: dict[str, Any], name: str, default: str = "") -> str:
    """A field as text: missing or null is the default; a number is its digits; a list or
    an object is not text (str() made "{'name': 'Acme'}" a customer)."""
    value = record.get(name)
    if type(value) is str:
        return value
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        raise ValidationError(name, "is not text")
    return str(value)


def _number(record: dict[str, Any], name: str, default: int, reason: str) -> int:
    value = record.get(name)
    if type(value) is int:
        return value
    if value in (None, ""):
        return default
    # A whole number, or a string of one: 3.9 is not rounded to 3, nor "4 stars" read as 4
    # (a hand-edited file says what it means, or the record is refused with its number).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise ValidationError(name, f"{value!r} is not {reason}")


def _source_line(record: dict[str, Any], index: int) -> int:
    line = _number(record, "source_line", index, "a line number")
    if not 0 <= line < 2**63:  # SQLite's integers; 10**30 was an OverflowError on insert
        raise ValidationError("source_line", f"{line} is not a line number")
    return line


def _date(raw: str) -> dt.date:
    if not raw.strip():
        raise ValidationError("heard_on", "is missing")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError("heard_on", f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _theme_names(parts: list[str]) -> tuple[str, ...]:
    """Each theme is cleaned like any name, so 'Bil\u200bling' is Billing; one that cleans
    to nothing is skipped."""
    names = (clean_name(t, "theme") for t in parts if normal_name(check_plain(t, "theme")))
    return tuple(dict.fromkeys(names))


def _depth(raw: str) -> NeedDepth | None:
    return parse_enum(NeedDepth, raw, "need_depth") if raw.strip() else None


class _JsonRow:
    """One record of our JSON export, checked field by field as a CSV row is (the same
    name rules, a bad field an invalid record naming it, never an error from the table it
    would reach). Each distinct name, date or theme list is checked once, as in a CSV."""

    def __init__(self, path: Path) -> None:
        self.file_name = path.name
        self.customers = Memo(lambda raw: clean_name(raw, "customer"))
        self.cohorts = Memo(lambda raw: clean_name(raw, "cohort") if raw.strip() else None)
        self.theme_lists = Memo(lambda raw: _theme_names(raw.split(";")))
        self.kinds = Memo(lambda raw: parse_enum(Kind, raw or "quote", "kind"))
        self.channels = Memo(lambda raw: parse_enum(Channel, raw or "other", "channel"))
        self.depths, self.dates = Memo(_depth), Memo(_date)
        self.capturers = Memo(lambda raw: check_plain(raw, "captured_by"))
        self.source_files = Memo(lambda raw: check_plain(raw, "source_file"))

    def _themes(self, record: dict[str, Any]) -> tuple[str, ...]:
        value = record.get("themes")
        if isinstance(value, list):  # our export joins them with '; '; a list is read too
            if not all(isinstance(t, str) for t in value):
                raise ValidationError("themes", "is not a list of names")
            return _theme_names(value)
        return self.theme_lists[_text(record, "themes")]

    def __call__(self, record: Any, index: int) -> ImportRow:
        if not isinstance(record, dict):
            raise ValidationError("record", "is not an object")
        kind = self.kinds[_text(record, "kind")]
        depth = self.depths[_text(record, "need_depth")]
        if depth is not None:  # it reached the voices table's CHECK: an "internal error"
            check_depth(depth, kind, "need_depth")
        voice_id = check_plain(_text(record, "id"), "id")
        return ImportRow(
            text=check_text(_text(record, "text")),
            kind=kind,
            customer=self.customers[_text(record, "customer")],
            heard_on=self.dates[_text(record, "heard_on")],
            channel=self.channels[_text(record, "channel")],
            severity=check_severity(_number(record, "severity", 3, "a number from 1 to 5")),
            need_depth=depth,
            themes=self._themes(record),
            captured_by=self.capturers[_text(record, "captured_by")],
            cohort=self.cohorts[_text(record, "cohort")],
            source_file=self.source_files[_text(record, "source_file") or self.file_name],
            source_line=_source_line(record, index),
            source_key=f"voice:{voice_id}" if voice_id else "",  # keyed by content below
            voice_id=voice_id or None,
        )


def _content_digest(row: ImportRow) -> str:
    """What an id-less record says, not where it stands: its position keyed it, so a second
    JSON file's first records were taken for the first file's."""
    said = "\x1f".join((
        row.text, row.kind.value, name_key(row.customer), row.heard_on.isoformat(),
        row.channel.value, str(row.severity), row.need_depth.value if row.need_depth else "",
        "\x1e".join(name_key(t) for t in row.themes), row.captured_by,
        name_key(row.cohort) if row.cohort else ""))
    return hashlib.blake2b(said.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


class _JsonReader(RowReader):
    """Rows from our own JSON export: every field is already named. A record with an id is
    known by it; one without, by what it says and how many identical records came before
    it in the file (as a CSV row is)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.keys = _Keys()

    def stream(self) -> None:
        self.keys.stream()

    def rows(self, problem: Callable[[RowProblem], None], *,
             again: bool) -> Iterator[ImportRow]:
        row = _JsonRow(self.path)
        key_of = (self.keys.replay() if again else self.keys).key
        for index, record in enumerate(_JsonArray(self.path), 1):
            try:
                checked = row(record, index)
            except (ValidationError, ValueError, TypeError, OverflowError) as exc:
                problem(RowProblem(index, f"record {index}: {exc}"))
                continue
            if not checked.source_key:
                checked = checked._replace(
                    source_key=f"json:{key_of(_content_digest(checked))}")
            yield checked


def _json_rows(path: Path) -> ImportPlan:
    source = CsvSource(path, "utf-8", "", ["json"], [], True, file_stamp(path))
    return collect_plan(source, {}, [], _JsonReader(path))


def prepare_import(path: Path | str, options: ImportOptions) -> ImportPlan:
    """Check a file and every row in it, as a stream; nothing is written and no board is
    needed. A file too big to import is refused before it is read."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _json_rows(path)
    return plan_import(read_csv(path, options.encoding, options.delimiter), options)


def check_importable(plan: ImportPlan, *, skip_invalid: bool) -> None:
    """Raise InvalidRows when the plan would be refused, before any board is opened."""
    if plan.problem_count and not skip_invalid:
        raise InvalidRows(plan)


def run_import(store: BoardStore, plan: ImportPlan, *, skip_invalid: bool, dry_run: bool = False,
               progress: Progress | None = None,
               cancelled: Cancelled | None = None,
               may_commit: MayCommit | None = None) -> ImportReport:
    """All valid rows in one transaction; with invalid rows, nothing unless skip_invalid."""
    check_importable(plan, skip_invalid=skip_invalid)
    result = store.import_rows(plan.rows, len(plan.rows), dry_run=dry_run, progress=progress,
                               cancelled=cancelled, may_commit=may_commit)
    changed = result.added > 0 and not dry_run
    return ImportReport(plan, result, dry_run,
                        Changes(voices=changed, customers=changed, cohorts=changed,
                                themes=changed))
