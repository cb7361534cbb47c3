"""Read another tool's CSV export and turn its rows into validated voices, or say why not."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TypeVar

from app.dates import date_parser
from app.domain import (
    MAX_NAME_CHARS,
    Channel,
    Kind,
    NeedDepth,
    check_plain,
    check_severity,
    check_text,
    clean_name,
    normal_name,
    parse_enum,
)
from app.errors import ImportFileError, ValidationError

# The csv module's own limit is 128 KiB; we read larger cells and judge them ourselves.
csv.field_size_limit(16 * 1024 * 1024)
MAX_FILE_BYTES = 512 * 1024 * 1024

FIELDS = ("text", "customer", "cohort", "date", "kind", "channel", "severity", "need_depth",
          "themes", "captured_by")
# Header names that map to each field, strongest first. A header matches a synonym when its
# whole name (or its last dotted part, "reviews.text") equals it, and more weakly when one
# of its words does ("Consumer complaint narrative").
SYNONYMS: dict[str, tuple[str, ...]] = {
    "text": ("text", "verbatim", "quote", "comment", "comments", "feedback", "content",
             "narrative", "review", "reviews", "verified_reviews", "body", "message",
             "description"),
    "customer": ("customer", "customer_name", "company", "account", "organisation",
                 "organization", "client", "username", "user", "author_id", "author", "name"),
    "cohort": ("cohort", "segment"),
    "date": ("heard_on", "date", "date_received", "received", "created_at", "created",
             "timestamp", "submitted", "time"),
    "kind": ("kind", "voice_kind", "type"),
    "channel": ("channel",),
    "severity": ("severity",),
    "need_depth": ("need_depth", "depth"),
    "themes": ("themes", "theme", "tags", "tag", "topics"),
    "captured_by": ("captured_by", "owner", "reporter"),
}
T = TypeVar("T")
_ALIASES = {"heard_on": "date", "depth": "need_depth", "need depth": "need_depth",
            "theme": "themes", "company": "customer", "ignore": "ignore"}


class Record(NamedTuple):
    """One CSV record (a tuple: a frozen dataclass costs 0.2 s more per 100k rows)."""

    line: int  # file line where the record starts (1-based; the header is line 1)
    cells: list[str]


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    message: str


@dataclass(slots=True)
class CsvSource:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]  # made unique: a second "text" column is "text (2)"
    records: list[Record]
    problems: list[RowProblem]  # records the csv parser itself could not read


class ImportRow(NamedTuple):
    """One validated voice to add (a tuple: 100k of them are built per large import)."""

    text: str
    kind: Kind
    customer: str
    heard_on: dt.date
    channel: Channel
    severity: int
    need_depth: NeedDepth | None
    themes: tuple[str, ...]
    captured_by: str
    cohort: str | None
    source_file: str
    source_line: int
    source_key: str
    voice_id: str | None = None  # kept from a JSON export, so a round trip is lossless


@dataclass(slots=True)
class ImportOptions:
    mapping: dict[str, str] = field(default_factory=dict)  # column name -> field
    kind: Kind | None = None
    customer: str | None = None
    channel: Channel | None = None
    skip_invalid: bool = False
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(slots=True)
class ImportPlan:
    source: CsvSource
    mapping: dict[str, str]  # column name -> field, as used
    rows: list[ImportRow]
    problems: list[RowProblem]
    notes: list[str]

    @property
    def record_count(self) -> int:
        return len(self.rows) + len(self.problems)


def detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        # Spreadsheet exports on Windows; cp1252 leaves five bytes undefined, latin-1 none.
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return "latin-1"
        return "cp1252"
    return "utf-8"


def detect_delimiter(text: str, path: Path) -> str:
    """The delimiter used most in the header line, outside quotes; tabs for .tsv."""
    first = text.split("\n", 1)[0]
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    if path.suffix.lower() == ".tsv" and counts["\t"]:
        return "\t"
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _unique_header(cells: list[str]) -> list[str]:
    seen: Counter[str] = Counter()
    header = []
    for index, raw in enumerate(cells):
        name = raw.strip() or f"column {index + 1}"
        seen[name.lower()] += 1
        header.append(name if seen[name.lower()] == 1 else f"{name} ({seen[name.lower()]})")
    return header


def read_csv(path: Path | str, encoding: str | None = None,
             delimiter: str | None = None) -> CsvSource:
    """Decode and split a CSV file into records with their file line numbers."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportFileError(f"{path}: larger than {MAX_FILE_BYTES // 2**20} MiB")
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    encoding = encoding or detect_encoding(data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(f"{path}: cannot be decoded as {encoding}") from exc
    text = text.removeprefix("\ufeff")
    delimiter = delimiter or detect_delimiter(text, path)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] = []
    records: list[Record] = []
    problems: list[RowProblem] = []
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            reason = str(exc)
            if "unexpected end of data" in reason:
                reason = "unclosed quote (the quoted cell runs to the end of the file)"
            elif "field larger than field limit" in reason:
                reason = "a cell is larger than 16 MiB"
            problems.append(RowProblem(previous_end + 1, reason))
            previous_end = reader.line_num
            continue
        start = previous_end + 1
        previous_end = reader.line_num
        if not "".join(cells).strip():
            continue  # blank lines are not rows
        if not header:
            header = _unique_header(cells)
        else:
            records.append(Record(start, cells))
    return CsvSource(path, encoding, delimiter, header, records, problems)


def _header_keys(name: str) -> tuple[set[str], set[str]]:
    """(strong, weak) keys of a header: its whole name and last dotted part; its words."""
    lowered = name.lower().strip()
    whole = re.sub(r"[^a-z0-9]+", "_", lowered).strip("_")
    last = re.sub(r"[^a-z0-9]+", "_", lowered.rsplit(".", 1)[-1]).strip("_")
    return {whole, last}, set(whole.split("_"))


def _mean_length(records: list[Record], col: int) -> float:
    sample = [len(r.cells[col]) for r in records[:200] if col < len(r.cells)]
    return sum(sample) / len(sample) if sample else 0.0


def auto_mapping(header: list[str], records: list[Record] | None = None) -> dict[str, str]:
    """Column name -> field, guessed from header names; each field from one column at most.

    For text, the column whose cells are longest wins among those whose names fit: a
    'feedback' column of 0/1 flags is not the customer's words.
    """
    mapping: dict[str, str] = {}
    keys = [_header_keys(h) for h in header]
    for field_name, synonyms in SYNONYMS.items():
        best: tuple[float, int, int, int] | None = None
        for col, (strong, weak) in enumerate(keys):
            if header[col] in mapping:
                continue
            for rank, synonym in enumerate(synonyms):
                if synonym in strong:
                    strength = 0
                elif "_" not in synonym and synonym in weak:
                    strength = 1
                else:
                    continue
                length = -_mean_length(records, col) if field_name == "text" and records else 0
                score = (length, strength, rank, col)
                if best is None or score < best:
                    best = score
        if best is not None:
            mapping[header[best[3]]] = field_name
    return mapping


def parse_map_option(option: str) -> tuple[str, str]:
    """'COLUMN=field' from the command line; the field must be one we know (or 'ignore')."""
    column, sep, target = option.rpartition("=")
    if not sep or not column.strip():
        raise ValidationError("--map", f"{option!r} is not COLUMN=field")
    target = target.strip().lower()
    target = _ALIASES.get(target, target)
    if target not in FIELDS and target != "ignore":
        raise ValidationError("--map", f"{target!r} is not a field; use one of: "
                              + ", ".join(FIELDS) + ", ignore")
    return column.strip(), target


def _resolve_mapping(source: CsvSource, options: ImportOptions) -> dict[str, str]:
    mapping = auto_mapping(source.header, source.records)
    by_lower = {h.lower(): h for h in source.header}
    for column, target in options.mapping.items():
        real = by_lower.get(column.lower())
        if real is None:
            raise ImportFileError(f"{source.path}: --map names column {column!r}, "
                                  f"which the header does not have ({', '.join(source.header)})")
        if target != "text":  # several columns may feed text; other fields take one column
            for other, other_field in list(mapping.items()):
                if other_field == target and other != real:
                    del mapping[other]
        mapping[real] = target
    return {c: f for c, f in mapping.items() if f != "ignore"}


def _row_keys(records: list[Record]) -> list[str]:
    """Each row is recognised by all of its cells and how often that exact row came before."""
    blake2b = hashlib.blake2b
    seen: dict[str, int] = {}
    keys = []
    for record in records:
        digest = blake2b("\x1f".join(record.cells).encode("utf-8", "surrogatepass"),
                         digest_size=16).hexdigest()
        count = seen[digest] = seen.get(digest, 0) + 1
        keys.append(f"{digest}:{count}")
    return keys


def plan_import(source: CsvSource, options: ImportOptions,
                today: dt.date | None = None) -> ImportPlan:
    """Validate every record against the mapping; no board is touched here."""
    path = source.path
    if not source.header:
        return ImportPlan(source, {}, [], list(source.problems), ["0 rows"])
    mapping = _resolve_mapping(source, options)
    column = {name: i for i, name in enumerate(source.header)}
    by_field: dict[str, list[int]] = {}
    for name, target in mapping.items():
        by_field.setdefault(target, []).append(column[name])
    for cols in by_field.values():
        cols.sort()  # joined text reads in the file's column order
    notes: list[str] = []
    if "text" not in by_field:
        raise ImportFileError(
            f"{path}: no text column found in ({', '.join(source.header)}); "
            "name one with --map COLUMN=text")
    if options.customer is not None:
        fixed_customer = clean_name(options.customer, "--customer")
        by_field.pop("customer", None)
        mapping = {c: f for c, f in mapping.items() if f != "customer"}
    elif "customer" not in by_field:
        raise ImportFileError(
            f"{path}: no customer column found in ({', '.join(source.header)}); "
            "use --customer NAME for one customer, or --map COLUMN=customer")
    else:
        fixed_customer = None
    if options.kind is not None:
        by_field.pop("kind", None)
        mapping = {c: f for c, f in mapping.items() if f != "kind"}
    elif "kind" not in by_field:
        notes.append("no kind column: every row is imported as a quote (use --kind to choose)")
    if "date" not in by_field:
        notes.append("no date column: every row is dated today")
    today = today or dt.date.today()
    date_col = by_field.get("date", [None])[0]
    parse_date = date_parser(
        r.cells[date_col] for r in source.records[:5000] if date_col is not None
        and date_col < len(r.cells)) if date_col is not None else None
    width = len(source.header)
    rows: list[ImportRow] = []
    problems = list(source.problems)
    build = _RowBuilder(by_field, fixed_customer, options, parse_date, today, path.name)
    for record, key in zip(source.records, _row_keys(source.records), strict=True):
        cells = record.cells
        if len(cells) != width:
            problems.append(RowProblem(record.line, f"has {len(cells)} cells, the header has "
                                                    f"{width} (a ragged row)"))
            continue
        try:
            rows.append(build(cells, record.line, key))
        except ValidationError as exc:
            problems.append(RowProblem(record.line, str(exc)))
    problems.sort(key=lambda p: p.line)
    return ImportPlan(source, mapping, rows, problems, notes)


class _Memo(dict[str, T]):
    """A column's converter, remembered per distinct cell: exports repeat the same customer,
    kind, channel, date and theme list thousands of times. A cell that fails to convert
    raises every time and is never remembered."""

    def __init__(self, convert: Callable[[str], T]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str) -> T:
        value = self[raw] = self.convert(raw)
        return value


def _kind(raw: str) -> Kind | None:
    return parse_enum(Kind, raw, "kind") if raw.strip() else None


def _channel(raw: str) -> Channel | None:
    return parse_enum(Channel, raw, "channel") if raw.strip() else None


def _severity(raw: str) -> int:
    if not raw.strip():
        return 3
    try:
        return check_severity(int(float(raw)))
    except ValueError as exc:
        raise ValidationError("severity", f"{raw!r} is not a number from 1 to 5") from exc


def _depth(raw: str) -> NeedDepth | None:
    return parse_enum(NeedDepth, raw, "need_depth") if raw.strip() else None


def _themes(raw: str) -> tuple[str, ...]:
    names = [normal_name(t)[:MAX_NAME_CHARS].rstrip()
             for t in re.split(r"[;,|]", check_plain(raw, "themes"))]
    return tuple(dict.fromkeys(n for n in names if n))


def _customer(raw: str) -> str:
    if not raw.strip():
        raise ValidationError("customer", "is missing")
    return clean_name(raw, "customer")


def _cohort(raw: str) -> str | None:
    return clean_name(raw, "cohort") if raw.strip() else None


def _captured_by(raw: str) -> str:
    return check_plain(raw, "captured_by").strip()[:MAX_NAME_CHARS]


class _RowBuilder:
    """Turns one record's cells into an ImportRow; column positions are looked up once."""

    def __init__(self, by_field: dict[str, list[int]], fixed_customer: str | None,
                 options: ImportOptions, parse_date: Callable[[str], dt.date] | None,
                 today: dt.date, file_name: str) -> None:
        def first(name: str) -> int | None:
            cols = by_field.get(name)
            return cols[0] if cols else None

        self.text = by_field["text"]
        self.customer, self.kind, self.date = first("customer"), first("kind"), first("date")
        self.channel, self.severity = first("channel"), first("severity")
        self.depth, self.themes = first("need_depth"), first("themes")
        self.cohort, self.captured_by = first("cohort"), first("captured_by")
        self.fixed_customer = fixed_customer
        self.fixed_kind = options.kind or Kind.QUOTE
        self.fixed_channel = options.channel or Channel.OTHER
        self.today = today
        self.file_name = file_name
        self.customers, self.cohorts = _Memo(_customer), _Memo(_cohort)
        self.kinds, self.channels = _Memo(_kind), _Memo(_channel)
        self.severities, self.depths = _Memo(_severity), _Memo(_depth)
        self.theme_lists, self.capturers = _Memo(_themes), _Memo(_captured_by)
        self.dates = _Memo(self._date_reader(parse_date)) if parse_date else None

    @staticmethod
    def _date_reader(parse_date: Callable[[str], dt.date]) -> Callable[[str], dt.date]:
        def read(raw: str) -> dt.date:
            try:
                return parse_date(raw)
            except ValueError as exc:
                raise ValidationError("date", str(exc)) from exc
        return read

    def __call__(self, cells: list[str], line: int, key: str) -> ImportRow:
        if len(self.text) == 1:
            text = cells[self.text[0]]
        else:
            text = "\n\n".join(cells[i] for i in self.text if cells[i].strip())
        if not text.strip():
            raise ValidationError("text", "is missing")
        check_text(text)
        customer = self.fixed_customer
        if customer is None:
            customer = self.customers[cells[self.customer]] if self.customer is not None \
                else _customer("")
        kind = self.fixed_kind
        if self.kind is not None:
            kind = self.kinds[cells[self.kind]] or kind
        heard_on = self.today
        if self.dates is not None and self.date is not None:
            heard_on = self.dates[cells[self.date]]
        channel = self.fixed_channel
        if self.channel is not None:
            channel = self.channels[cells[self.channel]] or channel
        severity = self.severities[cells[self.severity]] if self.severity is not None else 3
        need_depth = None
        if self.depth is not None and kind is Kind.NEED:
            need_depth = self.depths[cells[self.depth]]
        themes = self.theme_lists[cells[self.themes]] if self.themes is not None else ()
        cohort = self.cohorts[cells[self.cohort]] if self.cohort is not None else None
        captured_by = self.capturers[cells[self.captured_by]] \
            if self.captured_by is not None else ""
        return ImportRow(text, kind, customer, heard_on, channel, severity, need_depth, themes,
                         captured_by, cohort, self.file_name, line, key)
