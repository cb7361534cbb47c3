"""The whole board as one JSON document: its format, the streamed writer, and the loader
that checks every field of every record before the store writes it in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from app.board.domain import MAX_NAME_CHARS, MAX_TEXT_CHARS, Channel, Kind, NeedDepth
from app.board.exporting import write_whole
from app.board.json_chunks import Chunks
from app.board.ports import MayCommit, Progress
from app.changes import Changes
from app.errors import EmptyChairError, ImportFileError
from app.meeting.domain import Delivery, Effect, ImpactStatus, MeetingStatus, Outcome, Stance

FORMAT = "empty-chair-board"
VERSION = 1
MAX_FILE_BYTES = 4 * 1024 * 1024 * 1024  # a 100k-voice board is ~60 MB; 4 GiB is a mistake
MAX_RECORD_CHARS = 16 * 1024 * 1024  # one row's object (a frozen decision record is the biggest)
MAX_PROBLEMS_KEPT = 1000


# -- the format --------------------------------------------------------------------------
class _Bad(Exception):  # noqa: N818 - internal: one field's reason, named by its caller
    pass


class _NotANumber:
    """What NaN and Infinity decode to: JSON has no such numbers, so a field holding one is
    named as invalid rather than the file refused as unreadable."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


Check = Callable[[Any], Any]


def _type_name(value: Any) -> str:
    if value is True or value is False:
        return f"{str(value).lower()} (a true/false value)"
    if isinstance(value, _NotANumber):
        return f"{value.text} (not a number JSON allows)"
    if isinstance(value, dict):
        return "an object"
    kind = {list: "a list", str: "text", int: "a whole number",
            float: "a number"}.get(type(value), type(value).__name__)
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, (dict, list)) else ""
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return f"{shown} ({kind})" if shown else kind


def _plain(value: Any, what: str = "text") -> str:
    if type(value) is not str:
        raise _Bad(f"is {_type_name(value)}, not {what}")
    if "\x00" in value:
        raise _Bad("contains a NUL character")
    return value


def text(value: Any) -> str:
    return _plain(value)


def row_id(raw: Any) -> str:
    value = _plain(raw, "an id (text)")
    if not value.strip() or len(value) > 200 or not value.isprintable():
        raise _Bad(f"{json.dumps(value)[:60]} is not an id")
    return value


def a_name(raw: Any) -> str:
    value = _plain(raw, "a name (text)")
    if not value.strip():
        raise _Bad("is empty")
    if len(value) > MAX_NAME_CHARS:
        raise _Bad(f"is longer than {MAX_NAME_CHARS} characters")
    return value


def verbatim(raw: Any) -> str:
    value = _plain(raw)
    if not value.strip():
        raise _Bad("is empty")
    if len(value) > MAX_TEXT_CHARS:
        raise _Bad(f"is {len(value):,} characters; the limit is {MAX_TEXT_CHARS:,}")
    return value


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def day(raw: Any) -> str:
    value = _plain(raw, "a date (YYYY-MM-DD)")
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        dt.date.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{json.dumps(value)[:60]} is not a date (YYYY-MM-DD)") from None
    return value


def stamp(raw: Any) -> str:
    value = _plain(raw, "a time (ISO 8601 text)")
    try:
        if not _DAY.match(value):
            raise ValueError
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise _Bad(f"{json.dumps(value)[:60]} is not a time (ISO 8601, e.g. "
                   "2026-01-05T10:00:00.000Z)") from None
    return value


def whole(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Bad(f"is {_type_name(value)}, not a whole number")
    if not -2**63 <= value < 2**63:
        raise _Bad(f"{value} is too large")
    return value


def line_number(raw: Any) -> int:
    value = whole(raw)
    if value < 0:
        raise _Bad(f"{value} is not a line number")
    return value


def number(value: Any) -> float:
    if type(value) not in (int, float) or (type(value) is float and not math.isfinite(value)):
        raise _Bad(f"is {_type_name(value)}, not a number")
    return float(value)


def zero_one(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value not in (0, 1):
        raise _Bad(f"is {_type_name(value)}, not 0 or 1")
    return value


def severity(raw: Any) -> int:
    value = whole(raw)
    if not 1 <= value <= 5:
        raise _Bad(f"{value} is not between 1 and 5")
    return value


def one_of(*values: str) -> Check:
    allowed = frozenset(values)

    def check(value: Any) -> str:
        if not isinstance(value, str) or value not in allowed:
            raise _Bad(f"is {_type_name(value)}, not one of: {', '.join(values)}")
        return value
    return check


def json_record(raw: Any) -> str:
    """A frozen decision record: JSON text of an object, kept byte for byte as stored."""
    value = _plain(raw, "JSON text")
    try:
        if not isinstance(json.loads(value), dict):
            raise ValueError
    except (ValueError, RecursionError):
        raise _Bad("is not the JSON text of an object") from None
    return value


_MISSING = object()


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    check: Check
    nullable: bool = False
    # What a hand-written record that leaves the field out gets (nullable ones: null).
    default: Any = _MISSING
    refers: str | None = None  # the table whose row this field names


def _stamps() -> tuple[Column, ...]:
    return (Column("created_at", stamp), Column("updated_at", stamp),
            Column("deleted_at", stamp, nullable=True))


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ("id",)
    rule: Callable[[dict[str, Any]], None] | None = None  # a check across fields
    names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(c.name for c in self.columns))


def _voice_rule(row: dict[str, Any]) -> None:
    if row["need_depth"] is not None and row["kind"] != Kind.NEED.value:
        raise _Bad(f"need_depth: {row['need_depth']!r} is given for a {row['kind']}; "
                   "only needs have a depth")


def _impact_rule(row: dict[str, Any]) -> None:
    if (row["customer_id"] is None) == (row["cohort_id"] is None):
        raise _Bad("customer_id, cohort_id: an impact names a customer or a cohort, "
                   "exactly one of them")


def _values(enum: Any) -> Check:
    return one_of(*(m.value for m in enum))


# Every table of ours that holds data, parents before children, every column as stored.
# Not here: `board` (each board keeps its own id), `team_link` (its own sync state),
# `_sqlite_migrations` and the text
# indexes (the store fills them from the rows). A test holds this to the real schema.
TABLES: tuple[Table, ...] = (
    Table("cohorts", (Column("id", row_id), Column("name", a_name),
                      Column("description", text, nullable=True, default=""), *_stamps())),
    Table("customers", (
        Column("id", row_id), Column("name", a_name),
        Column("cohort_id", row_id, nullable=True, default=None, refers="cohorts"),
        Column("weight", number, default=1.0),
        Column("owner", text, nullable=True, default=""),
        Column("notes", text, nullable=True, default=""), *_stamps())),
    Table("themes", (Column("id", row_id), Column("name", a_name), *_stamps())),
    Table("voices", (
        Column("id", row_id), Column("customer_id", row_id, refers="customers"),
        Column("kind", _values(Kind)), Column("text", verbatim), Column("heard_on", day),
        Column("channel", _values(Channel), default=Channel.OTHER.value),
        Column("severity", severity, default=3),
        Column("need_depth", _values(NeedDepth), nullable=True, default=None),
        Column("captured_by", text, default=""),
        Column("source_file", text, nullable=True, default=None),
        Column("source_line", line_number, nullable=True, default=None),
        Column("source_key", text, nullable=True, default=None), *_stamps(),
        Column("merged_into", row_id, nullable=True, default=None, refers="voices")),
        rule=_voice_rule),
    Table("voice_themes", (Column("voice_id", row_id, refers="voices"),
                           Column("theme_id", row_id, refers="themes"), *_stamps()),
          key=("voice_id", "theme_id")),
    Table("meetings", (
        Column("id", row_id), Column("title", text), Column("held_on", day),
        Column("facilitator", text, default=""), Column("attendees", text, default=""),
        Column("notes", text, default=""),
        Column("status", _values(MeetingStatus), default=MeetingStatus.PLANNED.value),
        Column("anonymous", zero_one, default=0),
        Column("closed_at", stamp, nullable=True, default=None), *_stamps())),
    Table("decisions", (
        Column("id", row_id), Column("meeting_id", row_id, refers="meetings"),
        Column("position", whole), Column("title", text),
        Column("description", text, default=""), Column("owner", text, default=""),
        Column("outcome", _values(Outcome), default=Outcome.PENDING.value),
        Column("rationale", text, default=""),
        Column("decided_at", stamp, nullable=True, default=None),
        Column("deferred_from", row_id, nullable=True, default=None, refers="decisions"),
        Column("frozen", json_record, nullable=True, default=None), *_stamps(),
        Column("delivery", _values(Delivery), default=Delivery.NOT_STARTED.value),
        Column("delivery_on", day, nullable=True, default=None))),
    Table("action_items", (
        Column("id", row_id), Column("decision_id", row_id, refers="decisions"),
        Column("what", text), Column("owner", text, default=""),
        Column("due_on", day, nullable=True, default=None),
        Column("done_on", day, nullable=True, default=None), *_stamps())),
    Table("customers_told", (
        Column("decision_id", row_id, refers="decisions"),
        Column("customer_id", row_id, refers="customers"), Column("told_on", day),
        *_stamps()), key=("decision_id", "customer_id")),
    Table("meeting_events", (
        Column("id", row_id), Column("meeting_id", row_id, refers="meetings"),
        Column("action", one_of("closed", "reopened")), Column("reason", text, default=""),
        Column("frozen", json_record, nullable=True, default=None), *_stamps())),
    Table("decision_themes", (Column("decision_id", row_id, refers="decisions"),
                              Column("theme_id", row_id, refers="themes"), *_stamps()),
          key=("decision_id", "theme_id")),
    Table("impacts", (
        Column("id", row_id), Column("decision_id", row_id, refers="decisions"),
        Column("customer_id", row_id, nullable=True, default=None, refers="customers"),
        Column("cohort_id", row_id, nullable=True, default=None, refers="cohorts"),
        Column("routes", text, default=""),
        Column("status", _values(ImpactStatus), default=ImpactStatus.SUGGESTED.value),
        Column("effect", _values(Effect), default=Effect.UNKNOWN.value),
        Column("note", text, default=""), *_stamps()), rule=_impact_rule),
    Table("impact_evidence", (
        Column("impact_id", row_id, refers="impacts"),
        Column("voice_id", row_id, refers="voices"),
        # The store writes no stance as NULL; "" is read as none too.
        Column("stance", one_of("", *(s.value for s in Stance)), nullable=True,
               default=None), *_stamps()), key=("impact_id", "voice_id")),
)
BY_NAME = {t.name: t for t in TABLES}


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One checked record, every column of its table present, ready to be written."""

    table: str
    record: int  # 1-based, within its table's list in the file
    values: dict[str, Any]


@dataclass(frozen=True, slots=True)
class SnapshotProblem:
    table: str
    record: int
    message: str  # "field F: reason" or what the board refused

    def line(self, path: Path | str) -> str:
        return f"{path}: table {self.table}, record {self.record}: {self.message}"


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    added: dict[str, int]
    already_present: dict[str, int]  # the same id with the same content
    kept: dict[str, int]  # the same id, other content: the board's row kept (keep_existing)
    committed: bool


class InvalidSnapshot(EmptyChairError):
    """Records that are not what the format says: nothing was written."""

    def __init__(self, path: Path, problems: list[SnapshotProblem], count: int) -> None:
        super().__init__(f"{path}: {count:,} invalid record(s); nothing imported")
        self.path = path
        self.problems = problems
        self.count = count

    def lines(self, limit: int = 20) -> list[str]:
        lines = [p.line(self.path) for p in self.problems[:limit]]
        if self.count > len(lines):
            lines.append(f"... and {self.count - len(lines):,} more")
        return lines


# -- writing -----------------------------------------------------------------------------
def write_board(store: SnapshotStore, out: TextIO, *, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None) -> dict[str, int]:
    """The whole board as one JSON document, row by row from one read transaction, so a
    100k-voice board is never held in memory (not even once). Returns rows per table."""
    counts: dict[str, int] = {}
    dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    with store.board_snapshot() as snap:
        total = sum(snap.counts.values())
        out.write(f'{{"format": "{FORMAT}", "version": {VERSION}, '
                  f'"schema_version": {snap.schema_version},\n'
                  f' "exported_at": {dumps(_now())},\n "tables": {{')
        done = 0
        for t, table in enumerate(TABLES):
            out.write(f'{"," if t else ""}\n  {dumps(table.name)}: [')
            n = 0
            for row in snap.rows(table.name):
                out.write(",\n   " if n else "\n   ")
                out.write(dumps(row))
                n += 1
                if n % 1000 == 0:
                    if cancelled is not None and cancelled():
                        raise InterruptedError("export cancelled")
                    if progress is not None:
                        progress(done + n, total)
            out.write("\n  ]" if n else "]")
            counts[table.name] = n
            done += n
        out.write("\n }\n}\n")
    return counts


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def export_board(store: SnapshotStore, path: Path, *, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None) -> dict[str, int]:
    """Write the board to `path`; the file appears whole or not at all, with the user's
    usual permissions (as app.board.exporting.export_to does for voices)."""
    return write_whole(
        path, lambda out: write_board(store, out, progress=progress, cancelled=cancelled),
        ".json")


# -- reading -----------------------------------------------------------------------------
def is_board_file(path: Path) -> bool:
    """A .json file that holds one object (our voice export is a list): a whole board."""
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False  # the voice import says why it cannot be read
    return head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] == b"{"


class _Object(dict[str, Any]):
    """A decoded JSON object that remembers the keys it was given twice."""

    repeated: tuple[str, ...] = ()


def _pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        obj.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
    return obj




class _Stream(Chunks):
    """A JSON document read in chunks: the top-level object's fields, and the tables'
    records one at a time (json.load would hold the whole board, several times over)."""

    def __init__(self, path: Path, fh: TextIO) -> None:
        super().__init__()
        self.path = path
        self.read = fh.read
        self.decoder = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_NotANumber)
        self.where = "at the start"

    def fail(self, reason: str) -> ImportFileError:
        return ImportFileError(f"{self.path}: not a readable board file ({reason}, "
                               f"{self.where})")

    def take(self, char: str) -> None:
        found = self.peek()
        if found != char:
            raise self.fail(f"expected {char!r}, found "
                            + (repr(found) if found else "the end of the file"))
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                left = len(self.buffer) - self.pos
                if left <= MAX_RECORD_CHARS and self.more():
                    continue  # the value may run on past what has been read
                if left > MAX_RECORD_CHARS:
                    raise self.fail(f"a value larger than {MAX_RECORD_CHARS // 2**20} MiB "
                                    f"or broken: {exc.msg}") from exc
                raise self.fail(exc.msg) from exc
            except RecursionError as exc:
                raise self.fail("nested too deeply") from exc
            if end == len(self.buffer) and self.more():
                continue  # a number cut at the chunk's end: read on and decode it again
            self.pos = end
            return value

    def after_item(self, close: str) -> bool:
        """After a field or an element: True when another follows, False at `close`."""
        char = self.peek()
        if char == ",":
            self.pos += 1
            if self.peek() == close:
                raise self.fail(f"a ',' followed by {close!r}")
            return True
        if char == close:
            self.pos += 1
            return False
        raise self.fail(f"expected ',' or {close!r}, found "
                        + (repr(char) if char else "the end of the file"))


@dataclass
class _Header:
    fields: dict[str, Any] = field(default_factory=dict)
    tables_seen: list[str] = field(default_factory=list)


_HEADER_FIELDS = {"format", "version", "schema_version", "exported_at", "tables"}


def _check_header_field(path: Path, key: str, value: Any) -> None:
    if key == "format" and value != FORMAT:
        raise ImportFileError(f"{path}: not an Empty Chair board file (its \"format\" is "
                              f"{_type_name(value)}, not \"{FORMAT}\")")
    if key == "version":
        if type(value) is not int:
            raise ImportFileError(f"{path}: its \"version\" is {_type_name(value)}, "
                                  "not a whole number")
        if value > VERSION:
            raise ImportFileError(f"{path}: was written by a newer Empty Chair (board file "
                                  f"version {value}, this app reads {VERSION}); update the app")
        if value < 1:
            raise ImportFileError(f"{path}: its \"version\" {value} is not a version")


def _records(stream: _Stream, header: _Header) -> Iterator[tuple[Table, int, Any]]:
    """(table, record number, decoded record), in the file's order."""
    path = stream.path
    stream.take("{")
    if stream.peek() == "}":
        raise ImportFileError(f"{path}: an empty object, not a board file")
    while True:
        stream.where = "in the document's fields"
        key = stream.value()
        if type(key) is not str:
            raise stream.fail("a field name is not text")
        stream.take(":")
        if key in header.fields or (key == "tables" and header.tables_seen):
            raise ImportFileError(f"{path}: the field \"{key}\" is given twice")
        if key not in _HEADER_FIELDS:
            raise ImportFileError(f"{path}: not an Empty Chair board file (it has a field "
                                  f"{json.dumps(key)[:60]}; a board file has \"format\": "
                                  f"\"{FORMAT}\", \"version\" and \"tables\")")
        if key == "tables":
            header.tables_seen.append("")
            yield from _tables(stream, header)
        else:
            value = stream.value()
            _check_header_field(path, key, value)
            header.fields[key] = value
        if not stream.after_item("}"):
            break
    stream.where = "after the document"
    if stream.peek():
        raise stream.fail("there is more after the closing '}'")


def _tables(stream: _Stream, header: _Header) -> Iterator[tuple[Table, int, Any]]:
    path = stream.path
    stream.where = "in \"tables\""
    stream.take("{")
    if stream.peek() == "}":
        stream.pos += 1
        return
    while True:
        stream.where = "in \"tables\""
        name = stream.value()
        table = BY_NAME.get(name) if type(name) is str else None
        if table is None:
            raise ImportFileError(f"{path}: {_type_name(name)} is not a table of a board "
                                  f"(the tables are {', '.join(BY_NAME)})")
        if name in header.tables_seen:
            raise ImportFileError(f"{path}: the table {name} is given twice")
        header.tables_seen.append(name)
        stream.take(":")
        stream.where = f"in table {name}"
        stream.take("[")
        if stream.peek() == "]":
            stream.pos += 1
        else:
            n = 0
            while True:
                n += 1
                stream.where = f"in table {name}, record {n}"
                yield table, n, stream.value()
                if not stream.after_item("]"):
                    break
        if not stream.after_item("}"):
            return


def check_record(table: Table, record: Any) -> tuple[dict[str, Any], list[str]]:
    """The record's stored values, every column present (a left-out field takes the
    schema's default), and a reason per bad field: never a value made up from a wrong one."""
    if not isinstance(record, dict):
        return {}, [f"is {_type_name(record)}, not an object"]
    problems = [f"field {k}: is given twice" for k in getattr(record, "repeated", ())]
    problems += [f"field {json.dumps(k)[:60]}: is not a column of {table.name}"
                 for k in record if k not in table.names]
    values: dict[str, Any] = {}
    for column in table.columns:
        raw = record.get(column.name, _MISSING)
        try:
            if raw is _MISSING:
                if column.default is _MISSING and not column.nullable:
                    raise _Bad("is missing")
                values[column.name] = None if column.default is _MISSING else column.default
                continue
            if raw is None:
                if not column.nullable:
                    raise _Bad("is null; it is required")
                values[column.name] = None
            else:
                values[column.name] = column.check(raw)
        except _Bad as exc:
            problems.append(f"field {column.name}: {exc}")
    if not problems and table.rule is not None:
        try:
            table.rule(values)
        except _Bad as exc:
            problems.append(f"fields {exc}")
    return values, problems


@dataclass
class _Loader:
    """Checks records as they stream past and collects their problems; references are
    checked against the file's own rows and, at the end, the board's."""

    path: Path
    store: SnapshotStore
    problems: list[SnapshotProblem] = field(default_factory=list)
    count: int = 0
    keys: dict[str, set[Any]] = field(default_factory=dict)
    pending: list[tuple[str, int, str, str, str]] = field(default_factory=list)

    def problem(self, problem: SnapshotProblem) -> None:
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append(problem)

    def rows(self, header: _Header) -> Iterator[SnapshotRow]:
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as fh:
                for table, n, record in _records(_Stream(self.path, fh), header):
                    values, problems = check_record(table, record)
                    for message in problems:
                        self.problem(SnapshotProblem(table.name, n, message))
                    if not problems and self._own_key(table, n, values):
                        self._refs(table, n, values)
                        yield SnapshotRow(table.name, n, values)
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{self.path}: not a readable board file (not UTF-8)") from exc
        except OSError as exc:
            raise ImportFileError(f"{self.path}: cannot be read ({exc.strerror})") from exc
        if "format" not in header.fields or not header.tables_seen:
            missing = "\"format\"" if "format" not in header.fields else "\"tables\""
            raise ImportFileError(f"{self.path}: not an Empty Chair board file (no {missing})")
        self._check_pending()

    def _own_key(self, table: Table, n: int, values: dict[str, Any]) -> bool:
        """Ids are remembered for the references to them. A link row (voice_themes, ...)
        is named by nothing: a repeated one is refused by the table's own primary key, so
        118k theme links are not held in memory (30 MB)."""
        if len(table.key) > 1:
            return True
        key = values[table.key[0]]
        seen = self.keys.setdefault(table.name, set())
        if key in seen:
            self.problem(SnapshotProblem(table.name, n, f"id {key!r} is an earlier "
                                         "record's too"))
            return False
        seen.add(key)
        return True

    def _refs(self, table: Table, n: int, values: dict[str, Any]) -> None:
        for column in table.columns:
            if column.refers is None:
                continue
            value = values[column.name]
            if value is not None and value not in self.keys.get(column.refers, ()):
                self.pending.append((table.name, n, column.name, column.refers, value))

    def _check_pending(self) -> None:
        """References to rows later in the file, or on the board (when adding to one)."""
        unresolved = [p for p in self.pending if p[4] not in self.keys.get(p[3], ())]
        targets: dict[str, set[str]] = {}
        for _, _, _, target, value in unresolved:
            targets.setdefault(target, set()).add(value)
        on_board = {t: self.store.existing_ids(t, ids) for t, ids in targets.items()}
        for table, n, column, target, value in unresolved:
            if value not in on_board[target]:
                self.problem(SnapshotProblem(
                    table, n, f"field {column}: no row of {target} has the id {value!r} "
                    "(in the file or on the board)"))


@dataclass(frozen=True, slots=True)
class BoardImport:
    result: SnapshotResult
    dry_run: bool
    changes: Changes

    @property
    def added(self) -> int:
        return sum(self.result.added.values())


def import_board(store: SnapshotStore, path: Path | str, *, keep_existing: bool = False,
                 dry_run: bool = False) -> BoardImport:
    """Load a whole-board file in one transaction: every record checked field by field,
    every reference found, and then all of it written, or (any problem) none of it.

    Into an empty board the rows land as they are, ids and times included. Into a board
    that already holds some of them, a row with the same id and the same content is
    already there; the same id with other content is refused, naming the record, unless
    `keep_existing` says to keep the board's row and add the rest."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path}: is {size / 2**30:.1f} GiB; a board file over "
                              f"{MAX_FILE_BYTES // 2**30} GiB is refused")
    loader = _Loader(path, store)
    header = _Header()
    result = store.load_snapshot(loader.rows(header), keep_existing=keep_existing,
                                 dry_run=dry_run, problem=loader.problem,
                                 may_commit=lambda: loader.count == 0)
    if loader.count:
        raise InvalidSnapshot(path, sorted(loader.problems, key=_order), loader.count)
    changed = result.committed and any(result.added.values())
    return BoardImport(result, dry_run, Changes(voices=changed, customers=changed,
                                                cohorts=changed, themes=changed))


_TABLE_ORDER = {t.name: i for i, t in enumerate(TABLES)}


def _order(problem: SnapshotProblem) -> tuple[int, int]:
    return _TABLE_ORDER.get(problem.table, 99), problem.record


def summary(counts: dict[str, int]) -> str:
    """'1,500 voices, 75 customers, ...' for the tables that hold rows."""
    parts = [f"{counts[t.name]:,} {t.name.replace('_', ' ')}" for t in TABLES
             if counts.get(t.name)]
    return ", ".join(parts) or "nothing"


class BoardSnapshot(Protocol):
    """The board's data tables as they are in one read transaction (app.snapshot.TABLES)."""

    schema_version: int
    counts: dict[str, int]  # rows per table

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """Every row of `table`, every column as stored, in the order they were added."""


class SnapshotStore(Protocol):
    """What the whole-board JSON export and import need (app/snapshot.py)."""

    path: Path

    def board_snapshot(self) -> AbstractContextManager[BoardSnapshot]: ...

    def existing_ids(self, table: str, ids: Collection[str]) -> set[str]:
        """Which of `ids` are rows of `table` on the board (live or not)."""

    def load_snapshot(self, rows: Iterable[SnapshotRow], *, keep_existing: bool,
                      dry_run: bool, problem: Callable[[SnapshotProblem], None],
                      may_commit: MayCommit) -> SnapshotResult:
        """Write every row in one transaction, keeping its ids and times; a row the board
        refuses (a name already taken, an id there with other content) is told to
        `problem`. Commits only when `may_commit()` says so after the last row."""
