"""Read another tool's CSV export and turn its rows into validated voices, or say why not."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import html
import re
import stat
from collections import Counter
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import NamedTuple, TypeVar, overload

from app.board.domain import (
    MAX_NAME_CHARS,
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
from app.board.exporting import EXPORT_FIELDS, spreadsheet_safe
from app.dates import date_parser
from app.errors import ImportFileError, ValidationError

# The csv module's own limit is 128 KiB; we read larger cells and judge them ourselves.
csv.field_size_limit(16 * 1024 * 1024)
# Limits that keep an import's memory bounded, whatever the file. A file is read as a stream,
# twice when it is big: once to check and count every row, once more while writing them.
MAX_FILE_BYTES = 512 * 1024 * 1024  # CSV or JSON; refused before a byte is read
MAX_ROWS = 10_000_000  # 100 boards of the size the app is built for; refused while counting
# Valid rows are kept in memory between the check and the write while they fit in this
# budget (a 100k-voice export does, so it is read once); past it they are read again.
ROWS_IN_MEMORY_BYTES = 64 * 1024 * 1024
ROW_BYTES = 480  # what one kept row costs besides its text: the tuple, its key, its count
# Invalid rows kept to list, of each sort (unreadable, invalid): at most ~8 MB each; all are
# counted in ImportPlan.problem_count.
KEPT_PROBLEMS = 50_000
SAMPLE_RECORDS = 5000  # records read up front: the mapping, the date order, the preview
_MEMO_CELLS = 50_000  # distinct cells a column's converter remembers
_SCAN_BYTES = 1024 * 1024

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
    unreadable: bool = False  # the file's own shape is broken here (an unclosed quote)


class FileStamp(NamedTuple):
    """What a file looked like when it was first read: the write pass checks it is the same."""

    size: int
    mtime_ns: int
    inode: int
    device: int


@dataclass(slots=True)
class CsvSource:
    path: Path
    encoding: str
    delimiter: str
    header: list[str]  # made unique: a second "text" column is "text (2)"
    sample: list[Record]  # the first SAMPLE_RECORDS records; the rest are read as a stream
    complete: bool  # the sample is every record in the file
    stamp: FileStamp
    # "surrogateescape" for a UTF-8 file with a few bytes that are not UTF-8: each such
    # byte is read as a lone surrogate, and the row holding it is an invalid row.
    errors: str = "strict"


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


class RowFilter(NamedTuple):
    """Keep only rows whose `column` holds `value` (or, with keep=False, does not).
    Cells compare stripped and in any case: `inbound=true` keeps "True"."""

    column: str
    value: str
    keep: bool = True

    def describe(self) -> str:
        return f"--{'where' if self.keep else 'where-not'} {self.column}={self.value}"


@dataclass(slots=True)
class ImportOptions:
    """Everything an import is told; the CLI's flags and the wizard's pages fill the same."""

    mapping: dict[str, str] = field(default_factory=dict)  # column name -> field
    kind: Kind | None = None
    customer: str | None = None
    channel: Channel | None = None
    skip_invalid: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    # column -> {cell value -> what the column's field gets}: a column with any value
    # mapping must map every non-empty cell it holds (an unmapped one is an invalid row).
    # Cells compare stripped and in any case; an empty cell keeps the field's default.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    filters: list[RowFilter] = field(default_factory=list)  # all must hold
    html: bool | None = None  # decode HTML entities; None: not decoded, proposed if seen


class PlannedRows(Sequence[ImportRow]):
    """A plan's valid rows: kept in memory when they fit the budget, else read again from
    the file (and checked to be the same file) as they are written."""

    __slots__ = ("_again", "_count", "_held")

    def __init__(self, held: list[ImportRow] | None, count: int,
                 again: Callable[[], Iterator[ImportRow]] | None = None) -> None:
        self._held, self._count, self._again = held, count, again

    @property
    def streamed(self) -> bool:
        return self._held is None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[ImportRow]:
        if self._held is not None:
            return iter(self._held)
        assert self._again is not None
        return self._again()

    @overload
    def __getitem__(self, index: int) -> ImportRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ImportRow]: ...

    def __getitem__(self, index: int | slice) -> ImportRow | list[ImportRow]:
        if self._held is not None:
            return self._held[index]
        if isinstance(index, int) and 0 <= index < self._count:
            return next(islice(iter(self), index, None))
        return list(self)[index]  # only tests index a streamed plan from the end


@dataclass(slots=True)
class ImportPlan:
    source: CsvSource
    mapping: dict[str, str]  # column name -> field, as used
    rows: PlannedRows
    problems: list[RowProblem]  # the first KEPT_PROBLEMS of each sort: unreadable ones first
    notes: list[str]
    problem_count: int = -1  # every invalid row, kept or not (-1: len(problems))
    # Each row filter and how many rows it left out (a row is counted by the first filter
    # it fails): these rows are neither imported nor invalid.
    filtered: list[tuple[RowFilter, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.problem_count < 0:
            self.problem_count = len(self.problems)

    @property
    def filtered_count(self) -> int:
        return sum(count for _f, count in self.filtered)

    @property
    def record_count(self) -> int:
        return len(self.rows) + self.problem_count + self.filtered_count


def file_stamp(path: Path) -> FileStamp:
    """A regular file's identity, refused with one line when it is too big to import."""
    try:
        info = path.stat()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    if not stat.S_ISREG(info.st_mode):
        raise ImportFileError(f"{path}: not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ImportFileError(f"{path}: {info.st_size / 2**20:,.0f} MiB is larger than the "
                              f"{MAX_FILE_BYTES // 2**20} MiB an import takes; split the file")
    return FileStamp(info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def check_unchanged(path: Path, stamp: FileStamp) -> None:
    """The file is the one that was checked: a file rewritten between the check and the write
    would write rows nobody checked."""
    try:
        now = path.stat()
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    if FileStamp(now.st_size, now.st_mtime_ns, now.st_ino, now.st_dev) != stamp:
        raise ImportFileError(f"{path}: changed while it was being imported; nothing was "
                              "imported (import it again)")


def looks_utf16(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for bytes that read as UTF-16 without a byte-order mark:
    Latin text then has a NUL in every other byte, which UTF-8 and cp1252 text never has."""
    pairs = len(head) // 2
    if pairs < 8:
        return None
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if odd >= 0.3 * pairs and even <= 0.02 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes, read a chunk at a time (4 ms for 15 MB of UTF-8)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(_SCAN_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    return True


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else the Windows spreadsheet encoding."""
    try:
        with path.open("rb") as fh:
            head = fh.read(64 * 1024)
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = looks_utf16(head)
    if utf16 is not None:
        raise ImportFileError(f"{path}: looks like UTF-16 without a byte-order mark; "
                              f"use --encoding {utf16}")
    if _decodes(path, "utf-8"):
        return "utf-8"
    # Spreadsheet exports on Windows; cp1252 leaves five bytes undefined, latin-1 none.
    return "cp1252" if _decodes(path, "cp1252") else "latin-1"


def detect_delimiter(first_line: str, path: Path) -> str:
    """The delimiter used most in the header line, outside quotes; tabs for .tsv."""
    first = first_line.split("\n", 1)[0]
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


def csv_records(path: Path, encoding: str, delimiter: str,
             problem: Callable[[RowProblem], None],
             errors: str = "strict") -> Generator[Record, None, None]:
    """Every non-blank record (the header first) with the file line it starts on, read as a
    stream; a record the csv parser cannot read goes to `problem`."""
    try:
        with path.open(encoding=encoding, errors=errors, newline="") as fh:
            if fh.read(1) != "\ufeff":  # a BOM the chosen encoding did not take off
                fh.seek(0)
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            previous_end = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    reason = str(exc)
                    if "unexpected end of data" in reason:
                        reason = "unclosed quote (the quoted cell runs to the end of the file)"
                    elif "field larger than field limit" in reason:
                        reason = "a cell is larger than 16 MiB"
                    problem(RowProblem(previous_end + 1, reason, unreadable=True))
                    previous_end = reader.line_num
                    continue
                start = previous_end + 1
                previous_end = reader.line_num
                if "".join(cells).strip():  # blank lines are not rows
                    yield Record(start, cells)
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path}: cannot be decoded as {encoding}") from exc
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc


def _ignore(_problem: RowProblem) -> None:
    pass


_SURROGATE = re.compile("[\udc80-\udcff]")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _utf8_damage(path: Path) -> tuple[int, int]:
    """(bytes that are not UTF-8, non-ASCII characters that are), read a chunk at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    bad = good = 0
    try:
        with path.open("rb") as fh:
            while True:
                chunk = fh.read(_SCAN_BYTES)
                text = decoder.decode(chunk, final=not chunk)
                bad += len(_SURROGATE.findall(text))
                good += len(_NON_ASCII.findall(text))
                if not chunk:
                    return bad, good
    except OSError as exc:
        raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc


def _encoding(path: Path, encoding: str | None) -> tuple[str, str]:
    """(encoding, errors) to read the file with. A UTF-8 file with a few bytes that are not
    UTF-8 (far fewer than its UTF-8 characters) stays UTF-8, each bad byte's row an invalid
    row: read as cp1252 whole, every emoji and accent of the other rows was mojibake."""
    if not encoding:
        encoding = detect_encoding(path)
        if encoding == "utf-8-sig" and not _decodes(path, encoding):
            return encoding, "surrogateescape"
        if encoding in ("cp1252", "latin-1"):
            bad, good = _utf8_damage(path)
            if good >= 2 * bad:
                return "utf-8", "surrogateescape"
        return encoding, "strict"
    try:
        name = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ImportFileError(f"{path}: {encoding!r} is not an encoding") from exc
    if _decodes(path, encoding):
        return encoding, "strict"
    if name in ("utf-8", "utf-8-sig"):
        return encoding, "surrogateescape"
    raise ImportFileError(f"{path}: cannot be decoded as {encoding}")


def read_csv(path: Path | str, encoding: str | None = None,
             delimiter: str | None = None) -> CsvSource:
    """Check a CSV file decodes, find its delimiter, and read its header and first records;
    the rest are read as a stream when the import is planned and written."""
    path = Path(path)
    if delimiter and len(delimiter) != 1:
        raise ValidationError("--delimiter", f"{delimiter!r} is not one character")
    stamp = file_stamp(path)
    encoding, errors = _encoding(path, encoding)
    if not delimiter:
        try:
            with path.open(encoding=encoding, errors=errors, newline="") as fh:
                first_line = fh.readline(1024 * 1024).removeprefix("\ufeff")
        except OSError as exc:
            raise ImportFileError(f"{path}: cannot be read ({exc.strerror})") from exc
        delimiter = detect_delimiter(first_line, path)
    with closing(csv_records(path, encoding, delimiter, _ignore, errors)) as records:
        first = next(records, None)
        sample = list(islice(records, SAMPLE_RECORDS + 1))
    complete = len(sample) <= SAMPLE_RECORDS
    header = _unique_header(first.cells) if first is not None else []
    return CsvSource(path, encoding, delimiter, header, sample[:SAMPLE_RECORDS], complete,
                     stamp, errors)


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


def parse_map_option(option: str, fields: Sequence[str] = FIELDS,
                     aliases: dict[str, str] | None = None,
                     what: str = "a field") -> tuple[str, str]:
    """'COLUMN=field' from the command line; the field must be one of `fields` (or
    'ignore'), written as itself or one of its `aliases`."""
    column, sep, target = option.rpartition("=")
    if not sep or not column.strip():
        raise ValidationError("--map", f"{option!r} is not COLUMN=field")
    target = target.strip().lower()
    target = (_ALIASES if aliases is None else aliases).get(target, target)
    if target not in fields and target != "ignore":
        raise ValidationError("--map", f"{target!r} is not {what}; use one of: "
                              + ", ".join(fields) + ", ignore")
    return column.strip(), target


def value_key(cell: str) -> str:
    """How a cell is compared with a value mapping or a row filter: stripped, in any case."""
    return cell.strip().casefold()


def parse_value_option(option: str) -> tuple[str, str, str]:
    """'COLUMN:VALUE=TARGET' from the command line: (column, value, target). The column
    ends at the first ':' and the target starts after the last '='."""
    left, sep, target = option.rpartition("=")
    column, colon, value = left.partition(":")
    if not sep or not colon or not column.strip():
        raise ValidationError("--value", f"{option!r} is not COLUMN:VALUE=TARGET")
    return column.strip(), value.strip(), target.strip()


def parse_where_option(option: str, *, keep: bool = True) -> RowFilter:
    """'COLUMN=VALUE' from --where (keep=True) or --where-not (keep=False)."""
    column, sep, value = option.partition("=")
    if not sep or not column.strip():
        flag = "--where" if keep else "--where-not"
        raise ValidationError(flag, f"{option!r} is not COLUMN=VALUE")
    return RowFilter(column.strip(), value.strip(), keep)


class ValueProposal(NamedTuple):
    """A value mapping proposed for a column that looks like sentiment or a star rating:
    shown (the CLI prints its arguments; the wizard pre-fills its value table), never
    applied by itself."""

    column: str
    target: str  # the field the column would be mapped to
    values: dict[str, str]  # each cell value, as the file spells it -> the field's value
    reason: str  # "looks like sentiment", ...

    def arguments(self) -> list[str]:
        """The exact command-line arguments that apply it."""
        args = ["--map", f"{self.column}={self.target}"]
        for value, target in self.values.items():
            args += ["--value", f"{self.column}:{value}={target}"]
        return args


class ThemeCandidate(NamedTuple):
    """A column with few distinct values: its labels could be themes (--map COLUMN=themes)."""

    column: str
    distinct: int  # distinct non-empty values among the sampled rows
    examples: tuple[str, ...]  # the commonest values, commonest first


class HtmlFinding(NamedTuple):
    """Text cells that hold HTML entities (&amp; &gt; &#39;): the source escaped its text."""

    cells: int  # sampled text cells holding at least one entity
    checked: int  # sampled non-empty text cells
    entities: tuple[str, ...]  # the entities seen, commonest first

    @property
    def share(self) -> float:
        return self.cells / self.checked if self.checked else 0.0


# An entity with its ';' (html.unescape alone also reads "&para" in "&parent" as a ¶).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
HTML_SHARE = 0.01  # entities in at least 1 % of the text cells (and 3 of them): escaped
_SENTIMENT = {"negative": "complaint", "mixed": "complaint", "neutral": "quote",
              "positive": "quote"}
_RATING_WORDS = {"rating", "ratings", "stars", "star", "score", "rate", "overall"}
_FLAGS = {"true", "false", "yes", "no", "y", "n", "0", "1", "n/a", "na", "none", "t", "f"}
THEME_MAX_VALUES = 100  # CFPB's Issue has 82 in 5,000 rows
_THEME_MAX_LENGTH = 80


def _one_entity(match: re.Match[str]) -> str:
    return html.unescape(match.group())


def decode_html(text: str) -> str:
    """HTML entities (with their ';') decoded: '&amp;' is '&', '&#39;' is "'"."""
    return _ENTITY.sub(_one_entity, text) if "&" in text else text


def column_values(source: CsvSource, column: str) -> Counter[str]:
    """A column's non-empty cells among the sampled records, stripped, counted (for the
    wizard's value table)."""
    col = _column_index(source, column)
    return Counter(r.cells[col].strip() for r in source.sample
                   if col < len(r.cells) and r.cells[col].strip())


def _column_index(source: CsvSource, column: str) -> int:
    by_lower = {h.lower(): i for i, h in enumerate(source.header)}
    index = by_lower.get(column.lower())
    if index is None:
        raise ImportFileError(f"{source.path}: there is no column {column!r} (the header "
                              f"has {', '.join(source.header)})")
    return index


def _distinct(values: Counter[str]) -> dict[str, str]:
    """value_key -> the commonest spelling of it in the file."""
    spelled: dict[str, str] = {}
    for value, _count in values.most_common():
        spelled.setdefault(value_key(value), value)
    return spelled


def _rating(spelled: dict[str, str]) -> dict[str, int] | None:
    """Each value as a whole number of stars, when every one is 1-5 (3 different at least)."""
    stars: dict[str, int] = {}
    for key, value in spelled.items():
        try:
            number = float(key)
        except ValueError:
            return None
        if number != int(number) or not 1 <= number <= 5:
            return None
        stars[value] = int(number)
    return stars if len(set(stars.values())) >= 3 else None


def propose_values(source: CsvSource,
                   options: ImportOptions | None = None) -> list[ValueProposal]:
    """Value mappings for columns that look like sentiment (negative/neutral/positive:
    negative is a complaint) or a 1-5 star rating (one or two stars is a complaint; a
    rating mapped to severity gives one star severity 5). Columns given values already, or
    mapped to another field, get none."""
    options = options or ImportOptions()
    if not source.header:
        return []
    mapping = _resolve_mapping(source, options)
    given = {c.lower() for c in options.values}
    found = []
    for name in source.header:
        target = mapping.get(name)
        if name.lower() in given or target not in (None, "kind", "severity"):
            continue
        values = column_values(source, name)
        spelled = _distinct(values)
        if not spelled or 2 * sum(values.values()) < len(source.sample):
            continue  # a label most rows lack (airline_sentiment_gold) is not the label
        strong, weak = _header_keys(name)
        if set(spelled) <= set(_SENTIMENT) and len(spelled) >= 2 and target != "severity":
            found.append(ValueProposal(name, "kind", {
                v: _SENTIMENT[k] for k, v in sorted(spelled.items(), key=lambda i: i[0])},
                "looks like sentiment"))
            continue
        # A column named like a rating; or one the user mapped to kind (a severity column
        # is already a severity, however its values run).
        named = bool((strong | weak) & _RATING_WORDS)
        stars = _rating(spelled) if named or target == "kind" else None
        if stars is None:
            continue
        ordered = sorted(stars.items(), key=lambda item: item[1])
        if target == "severity":
            found.append(ValueProposal(name, "severity", {v: str(6 - n) for v, n in ordered},
                                       "looks like a 1-5 star rating (one star: severity 5)"))
        else:
            found.append(ValueProposal(
                name, "kind", {v: "complaint" if n <= 2 else "quote" for v, n in ordered},
                "looks like a 1-5 star rating (one or two stars: a complaint)"))
    return found


def theme_candidates(source: CsvSource,
                     options: ImportOptions | None = None) -> list[ThemeCandidate]:
    """Columns whose cells are a few labels used again and again (CFPB Product and Issue,
    the airline negativereason): what could be themes. Columns mapped to another field,
    flags (yes/no, True/False), numbers, dates, ids, codes and long text are left out; so
    are columns that look like sentiment or ratings (those are value mappings)."""
    options = options or ImportOptions()
    if not source.header:
        return []
    mapping = _resolve_mapping(source, options)
    valued = {p.column for p in propose_values(source, options)} | set(options.values)
    found = []
    for name in source.header:
        if mapping.get(name, "themes") != "themes" or name in valued:
            continue
        values = column_values(source, name)
        spelled = _distinct(values)
        filled = sum(values.values())
        if not 2 <= len(spelled) <= THEME_MAX_VALUES or len(spelled) * 3 > filled \
                or filled < 0.2 * len(source.sample):
            continue
        if set(spelled) <= _FLAGS or sum(map(_code_like, spelled)) >= 0.8 * len(spelled):
            continue
        if sum(len(v) * n for v, n in values.items()) / filled > _THEME_MAX_LENGTH:
            continue
        found.append(ThemeCandidate(name, len(spelled),
                                    tuple(v for v, _n in values.most_common(5))))
    return found


def _code_like(value: str) -> bool:
    """A number, a date, an id or a short code (B00ZV9PXP2, 2017-03-03T16:56:05Z, FL): not
    a label a person would file feedback under."""
    return len(value) <= 3 or (" " not in value and any(ch.isdigit() for ch in value))


def detect_html(source: CsvSource, options: ImportOptions | None = None) -> HtmlFinding | None:
    """Whether the text columns look HTML-escaped (social exports write '&amp;' for '&'):
    entities in at least HTML_SHARE of the sampled text cells, and in three at least."""
    options = options or ImportOptions()
    if not source.header:
        return None
    mapping = _resolve_mapping(source, options)
    cols = [i for i, name in enumerate(source.header) if mapping.get(name) == "text"]
    cells = checked = 0
    entities: Counter[str] = Counter()
    for record in source.sample:
        for col in cols:
            cell = record.cells[col] if col < len(record.cells) else ""
            if not cell.strip():
                continue
            checked += 1
            if "&" in cell:
                seen = [m for m in _ENTITY.findall(cell) if html.unescape(m) != m]
                if seen:
                    cells += 1
                    entities.update(seen)
    if cells < 3 or cells < HTML_SHARE * checked:
        return None
    return HtmlFinding(cells, checked, tuple(e for e, _n in entities.most_common(5)))


def _resolve_mapping(source: CsvSource, options: ImportOptions) -> dict[str, str]:
    mapping = auto_mapping(source.header, source.sample)
    by_lower = {h.lower(): h for h in source.header}
    for column, target in options.mapping.items():
        real = by_lower.get(column.lower())
        if real is None:
            raise ImportFileError(f"{source.path}: --map names column {column!r}, "
                                  f"which the header does not have ({', '.join(source.header)})")
        # Several columns may feed text, and several mapped with --map feed themes (a
        # column taken as themes by its name gives way to them); other fields take one.
        explicit = {by_lower.get(c.lower()) for c, t in options.mapping.items() if t == target}
        if target != "text":
            for other, other_field in list(mapping.items()):
                if other_field == target and other != real and (
                        target != "themes" or other not in explicit):
                    del mapping[other]
        mapping[real] = target
    return {c: f for c, f in mapping.items() if f != "ignore"}


_BITMAP_BITS = 1 << 27  # 16 MiB: a few per cent of its bits are set by 5 million rows


class _Keys:
    """Each record's key: its digest, and how many identical records came before it in the
    file (so two identical rows are two voices, each recognised on a re-import).

    Counting every digest costs ~120 bytes a record. A plan past the memory budget only
    marks each digest in a fixed bitmap and notes those whose bit was already set (every
    repeated digest, plus a few that collide); the write pass then counts just those.
    """

    __slots__ = ("bits", "counts", "repeated", "seen")

    def __init__(self, repeated: set[int] | None = None) -> None:
        self.seen: dict[str, int] | None = {} if repeated is None else None
        self.bits: bytearray | None = None
        self.repeated: set[int] = set() if repeated is None else repeated
        self.counts: dict[str, int] = {}

    def key(self, digest: str) -> str:
        seen = self.seen
        if seen is not None:
            count = seen[digest] = seen.get(digest, 0) + 1
            return f"{digest}:{count}"
        prefix = int(digest[:15], 16)
        bits = self.bits
        if bits is not None:
            self._mark(bits, prefix)
            return ""  # a plan that streams keeps no rows, so no key is needed yet
        if prefix not in self.repeated:
            return f"{digest}:1"
        count = self.counts[digest] = self.counts.get(digest, 0) + 1
        return f"{digest}:{count}"

    def _mark(self, bits: bytearray, prefix: int) -> None:
        index = prefix & (_BITMAP_BITS - 1)
        byte, bit = index >> 3, 1 << (index & 7)
        if bits[byte] & bit:
            self.repeated.add(prefix)
        else:
            bits[byte] |= bit

    def stream(self) -> None:
        """From now on mark digests instead of counting them; the counts so far are folded
        into the bitmap."""
        assert self.seen is not None
        bits = self.bits = bytearray(_BITMAP_BITS // 8)
        for digest, count in self.seen.items():
            prefix = int(digest[:15], 16)
            self._mark(bits, prefix)
            if count > 1:
                self.repeated.add(prefix)
        self.seen = None

    def replay(self) -> _Keys:
        """Keys for the write pass, the same ones a counting plan would have given."""
        return _Keys(self.repeated)


class RowReader:
    """Reads a file's valid rows, reporting the others; `rows` runs again for the write when
    the plan could not keep them in memory."""

    path: Path

    def rows(self, problem: Callable[[RowProblem], None], *,
             again: bool) -> Iterator[ImportRow]:
        raise NotImplementedError

    def stream(self) -> None:
        """The plan will not keep rows: drop any per-row memory."""

    def filtered(self) -> list[tuple[RowFilter, int]]:
        """Each row filter and the rows it left out in the checking pass."""
        return []


class _Collected:
    """What the checking pass finds: the rows it could keep, counts, the first problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.problem_count = 0
        self.unreadable: list[RowProblem] = []
        self.invalid: list[RowProblem] = []

    def problem(self, problem: RowProblem) -> None:
        self.problem_count += 1
        kept = self.unreadable if problem.unreadable else self.invalid
        if len(kept) < KEPT_PROBLEMS:
            kept.append(problem)
        if self.problem_count > MAX_ROWS:
            raise ImportFileError(f"{self.path}: more than {MAX_ROWS:,} invalid rows")


PROGRESS_ROWS = 5000  # rows checked between two progress reports


def collect_plan(source: CsvSource, mapping: dict[str, str], notes: list[str],
                 reader: RowReader,
                 progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    """Check every row, keeping the valid ones while they fit in ROWS_IN_MEMORY_BYTES; the
    file's own breakage (an unclosed quote) is listed before the rows it left invalid.
    `progress(rows checked, 0)` is told every few thousand rows (the total is not known
    before the end of the file)."""
    found = _Collected(source.path)
    held: list[ImportRow] | None = []
    budget = ROWS_IN_MEMORY_BYTES
    count = 0
    for row in reader.rows(found.problem, again=False):
        count += 1
        if progress is not None and count % PROGRESS_ROWS == 0:
            progress(count, 0)
        if held is not None:
            held.append(row)
            budget -= ROW_BYTES + len(row.text)
            if budget < 0:
                held = None
                reader.stream()
        if count > MAX_ROWS:
            raise ImportFileError(f"{source.path}: more than {MAX_ROWS:,} rows; an import "
                                  "takes at most that many (split the file)")
    check_unchanged(source.path, source.stamp)
    problem_count = found.problem_count

    def again() -> Iterator[ImportRow]:
        check_unchanged(source.path, source.stamp)
        seen = _Collected(source.path)
        written = 0
        for row in reader.rows(seen.problem, again=True):
            written += 1
            yield row
        if (written, seen.problem_count) != (count, problem_count):
            raise ImportFileError(f"{source.path}: changed while it was being imported; "
                                  "nothing was imported (import it again)")
        check_unchanged(source.path, source.stamp)

    rows = PlannedRows(held, count, again)
    return ImportPlan(source, mapping, rows, found.unreadable + found.invalid, notes,
                      problem_count, reader.filtered())


class _CsvReader(RowReader):
    def __init__(self, source: CsvSource, builder: _RowBuilder | None,
                 filters: Sequence[tuple[RowFilter, int, str]] = (),
                 fixed: str = "", ours: int | None = None) -> None:
        self.path = source.path
        self.source, self.build = source, builder
        self.width = len(source.header)
        self.keys = _Keys()
        self.filters = list(filters)  # (filter, column index, value_key of its value)
        self.dropped = [0] * len(self.filters)
        self.fixed = fixed  # the values given for every row, part of each row's identity
        self.ours = ours  # the id column of our own CSV export

    def stream(self) -> None:
        self.keys.stream()

    def filtered(self) -> list[tuple[RowFilter, int]]:
        return [(f, n) for (f, _c, _v), n in zip(self.filters, self.dropped, strict=True)]

    def _left_out(self, cells: list[str], count: bool) -> bool:
        decode = self.build is not None and self.build.html
        for index, (_f, col, wanted) in enumerate(self.filters):
            cell = decode_html(cells[col]) if decode else cells[col]
            if (value_key(cell) == wanted) != _f.keep:
                if count:
                    self.dropped[index] += 1
                return True
        return False

    def _bad_byte(self, cells: list[str]) -> str:
        for name, cell in zip(self.source.header, cells, strict=True):
            found = _SURROGATE.search(cell)
            if found:
                return (f"byte 0x{ord(found.group()) - 0xDC00:02x} in {name} is not UTF-8 "
                        "(the rest of the file is); fix it, or give --encoding if the "
                        "whole file is in another encoding")
        return ""

    def rows(self, problem: Callable[[RowProblem], None], *,
             again: bool) -> Iterator[ImportRow]:
        source, build, width = self.source, self.build, self.width
        key_of = (self.keys.replay() if again else self.keys).key
        blake2b = hashlib.blake2b
        fixed, filters, ours = self.fixed, self.filters, self.ours
        damaged = source.errors != "strict"
        with closing(csv_records(source.path, source.encoding, source.delimiter,
                              problem, source.errors)) as records:
            next(records, None)  # the header
            if build is None:  # no header, so no rows: only unreadable records to report
                for _record in records:
                    pass
                return
            for line, cells in records:
                joined = "\x1f".join(cells)
                key = key_of(blake2b((joined + fixed if fixed else joined).encode(
                    "utf-8", "surrogatepass"), digest_size=16).hexdigest())
                if len(cells) != width:
                    problem(RowProblem(line, f"has {len(cells)} cells, the header has "
                                             f"{width} (a ragged row)"))
                    continue
                if filters and self._left_out(cells, not again):
                    continue
                if damaged and _SURROGATE.search(joined):
                    problem(RowProblem(line, self._bad_byte(cells)))
                    continue
                if ours is not None:
                    cells = [unguard(c) if c[:1] == "'" else c for c in cells]
                    voice_id = cells[ours].strip()
                    if voice_id:
                        key = f"voice:{voice_id}"
                try:
                    row = build(cells, line, key)
                except ValidationError as exc:
                    problem(RowProblem(line, str(exc)))
                    continue
                yield row


def unguard(cell: str) -> str:
    """A cell of our own CSV export without the apostrophe the exporter put before a cell
    a spreadsheet would run (app.board.exporting.spreadsheet_safe); any other cell as it is."""
    if cell.startswith("'") and spreadsheet_safe(cell[1:]) != cell[1:]:
        return cell[1:]
    return cell


def is_our_export(header: Sequence[str]) -> bool:
    """A header with every column our CSV export writes: its rows are our voices, known by
    their ids."""
    return set(EXPORT_FIELDS) <= set(header)


# Fields a column's cells may be mapped onto value by value (text and dates are read as
# they are written).
VALUE_FIELDS = ("customer", "cohort", "kind", "channel", "severity", "need_depth", "themes",
                "captured_by")


def _resolve_values(source: CsvSource, mapping: dict[str, str],
                    options: ImportOptions) -> dict[str, dict[str, str]]:
    """Column -> {value_key(cell) -> target}, each target checked against its field."""
    by_lower = {h.lower(): h for h in source.header}
    tables: dict[str, dict[str, str]] = {}
    for column, values in options.values.items():
        real = by_lower.get(column.lower())
        if real is None:
            raise ImportFileError(f"{source.path}: --value names column {column!r}, which "
                                  f"the header does not have ({', '.join(source.header)})")
        target = mapping.get(real)
        if target is None:
            raise ImportFileError(f"{source.path}: --value maps values of {real!r}, which is "
                                  f"not mapped to a field (add --map {real}=FIELD)")
        if target not in VALUE_FIELDS:
            raise ImportFileError(f"{source.path}: --value cannot map values of {real!r}: "
                                  f"its {target} is read as it is written")
        convert = _CONVERTERS[target]
        table = tables.setdefault(real, {})
        for value, to in values.items():
            try:
                convert(to)
            except ValidationError as exc:
                raise ValidationError(
                    "--value", f"{real}:{value}={to}: {exc.message}") from None
            table[value_key(value)] = to
    return tables


def _resolve_filters(source: CsvSource,
                     options: ImportOptions) -> list[tuple[RowFilter, int, str]]:
    found = []
    for row_filter in options.filters:
        try:
            col = _column_index(source, row_filter.column)
        except ImportFileError:
            raise ImportFileError(
                f"{source.path}: {row_filter.describe()} names a column the header does "
                f"not have ({', '.join(source.header)})") from None
        found.append((row_filter, col, value_key(row_filter.value)))
    return found


def _fixed_values(options: ImportOptions, customer: str | None) -> str:
    """What the command line gives every row (customer, kind, channel), as part of each
    row's identity: the same words from two files told to be two customers are two voices."""
    parts = []
    if customer is not None:
        parts.append(f"customer={name_key(customer)}")
    if options.kind is not None:
        parts.append(f"kind={options.kind.value}")
    if options.channel is not None:
        parts.append(f"channel={options.channel.value}")
    return "\x1e" + "\x1f".join(parts) if parts else ""


def plan_import(source: CsvSource, options: ImportOptions, today: dt.date | None = None,
                progress: Callable[[int, int], None] | None = None) -> ImportPlan:
    """Validate every record against the mapping; no board is touched here."""
    path = source.path
    if not source.header:
        return collect_plan(source, {}, ["0 rows"], _CsvReader(source, None))
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
    values = _resolve_values(source, mapping, options)
    filters = _resolve_filters(source, options)
    ours = column["id"] if is_our_export(source.header) else None
    today = today or dt.date.today()
    date_col = by_field.get("date", [None])[0]
    parse_date = date_parser(
        r.cells[date_col] for r in source.sample if date_col is not None
        and date_col < len(r.cells)) if date_col is not None else None
    build = _RowBuilder(by_field, fixed_customer, options, parse_date, today, path.name,
                        _Columns(source.header, values, ours is not None, column))
    return collect_plan(source, mapping, notes, _CsvReader(
        source, build, filters, _fixed_values(options, fixed_customer), ours), progress)


class Memo(dict[str, T]):
    """A column's converter, remembered per distinct cell: exports repeat the same customer,
    kind, channel, date and theme list thousands of times. A cell that fails to convert
    raises every time and is never remembered; a column of distinct cells (five million
    customer names) starts over now and then rather than remembering them all."""

    def __init__(self, convert: Callable[[str], T]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, raw: str) -> T:
        value = self.convert(raw)
        if len(self) >= _MEMO_CELLS:
            self.clear()
        self[raw] = value
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


def _theme_names(parts: list[str]) -> tuple[str, ...]:
    names = [normal_name(t)[:MAX_NAME_CHARS].rstrip() for t in parts]
    return tuple(dict.fromkeys(n for n in names if n))


def _themes(raw: str) -> tuple[str, ...]:
    """A list of themes ("Billing; Exports", "a, b", "a|b")."""
    return _theme_names(re.split(r"[;,|]", check_plain(raw, "themes")))


def _label(raw: str) -> tuple[str, ...]:
    """One label as one theme: CFPB's Product "Credit reporting, credit repair services, or
    other personal consumer reports" is one theme, not three."""
    return _theme_names([check_plain(raw, "themes")])


def _exported_themes(raw: str) -> tuple[str, ...]:
    """Our own export's themes, joined with '; ' (a theme may hold a comma)."""
    return _theme_names(check_plain(raw, "themes").split(";"))


def _customer(raw: str) -> str:
    if not raw.strip():
        raise ValidationError("customer", "is missing")
    return clean_name(raw, "customer")


def _cohort(raw: str) -> str | None:
    return clean_name(raw, "cohort") if raw.strip() else None


def _captured_by(raw: str) -> str:
    return check_plain(raw, "captured_by").strip()[:MAX_NAME_CHARS]


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "customer": _customer, "cohort": _cohort, "kind": _kind, "channel": _channel,
    "severity": _severity, "need_depth": _depth, "themes": _label,
    "captured_by": _captured_by}
_VOICE_ID = re.compile(r"[0-9A-Za-z-]{1,64}")


class _Columns(NamedTuple):
    """What the builder needs to know of the file's columns beyond the mapping."""

    header: list[str]
    values: dict[str, dict[str, str]]  # column -> {value_key -> target}
    ours: bool  # our own CSV export: ids, source file and line, themes joined with ';'
    positions: dict[str, int]  # column name -> its position


def _valued(convert: Callable[[str], T], column: str, field_name: str,
            table: dict[str, str] | None, decode: bool) -> Callable[[str], T]:
    """A column's converter, reading HTML-escaped cells decoded and mapping each cell
    through the column's value table first; a cell the table does not name is an
    invalid row (an empty cell keeps the field's default unless the table names it)."""
    if table is None:
        return (lambda raw: convert(decode_html(raw))) if decode else convert
    known = ", ".join(sorted(dict.fromkeys(table))) or "nothing"

    def read(raw: str) -> T:
        cell = decode_html(raw) if decode else raw
        key = value_key(cell)
        target = table.get(key)
        if target is None:
            if not key:
                return convert(cell)
            raise ValidationError(column, f"{cell.strip()!r} is not mapped to a {field_name} "
                                          f"(mapped: {known})")
        return convert(target)
    return read


class _RowBuilder:
    """Turns one record's cells into an ImportRow; column positions are looked up once."""

    def __init__(self, by_field: dict[str, list[int]], fixed_customer: str | None,
                 options: ImportOptions, parse_date: Callable[[str], dt.date] | None,
                 today: dt.date, file_name: str, columns: _Columns) -> None:
        def first(name: str) -> int | None:
            cols = by_field.get(name)
            return cols[0] if cols else None

        html = self.html = bool(options.html)

        def memo(name: str, convert: Callable[[str], T], col: int | None = None,
                 decode: bool = False) -> Memo[T]:
            col = first(name) if col is None else col
            column = columns.header[col] if col is not None else ""
            return Memo(_valued(convert, column, name, columns.values.get(column),
                                decode and html))

        self.text = by_field["text"]
        self.customer, self.kind, self.date = first("customer"), first("kind"), first("date")
        self.channel, self.severity = first("channel"), first("severity")
        self.depth = first("need_depth")
        self.cohort, self.captured_by = first("cohort"), first("captured_by")
        self.fixed_customer = fixed_customer
        self.fixed_kind = options.kind or Kind.QUOTE
        self.fixed_channel = options.channel or Channel.OTHER
        self.today = today
        self.file_name = file_name
        self.customers = memo("customer", _customer, decode=True)
        self.cohorts = memo("cohort", _cohort, decode=True)
        self.kinds, self.channels = memo("kind", _kind), memo("channel", _channel)
        self.severities, self.depths = memo("severity", _severity), memo("need_depth", _depth)
        self.capturers = memo("captured_by", _captured_by, decode=True)
        # Themes from every column mapped to them: a column named like a list of themes
        # (themes, tags) is split; any other (a label such as Issue) is one theme a cell.
        self.themes = [(col, memo("themes", _exported_themes if columns.ours else (
            _themes if _is_theme_list(columns.header[col]) else _label), col, decode=True))
            for col in by_field.get("themes", ())]
        self.dates = Memo(self._date_reader(parse_date)) if parse_date else None
        self.ours: tuple[int, int, int] | None = None
        if columns.ours:
            index = columns.positions
            self.ours = (index["id"], index["source_file"], index["source_line"])

    @staticmethod
    def _date_reader(parse_date: Callable[[str], dt.date]) -> Callable[[str], dt.date]:
        def read(raw: str) -> dt.date:
            try:
                return parse_date(raw)
            except ValueError as exc:
                raise ValidationError("date", str(exc)) from exc
        return read

    def _theme_list(self, cells: list[str]) -> tuple[str, ...]:
        themes = self.themes
        if not themes:
            return ()
        if len(themes) == 1:
            col, convert = themes[0]
            return convert[cells[col]]
        return tuple(dict.fromkeys(t for col, convert in themes for t in convert[cells[col]]))

    def _ours(self, cells: list[str], line: int) -> tuple[str | None, str, int]:
        """Our export's voice id, source file and line (the file and line first imported)."""
        assert self.ours is not None
        id_col, file_col, line_col = self.ours
        voice_id = cells[id_col].strip()
        if voice_id and not _VOICE_ID.fullmatch(voice_id):
            raise ValidationError("id", f"{voice_id[:80]!r} is not a voice id")
        source_file = check_plain(cells[file_col], "source_file").strip() or self.file_name
        raw_line = cells[line_col].strip()
        if not raw_line:
            return voice_id or None, source_file, line
        if not raw_line.isdigit() or len(raw_line) > 18:
            raise ValidationError("source_line", f"{raw_line[:80]!r} is not a line number")
        return voice_id or None, source_file, int(raw_line)

    def __call__(self, cells: list[str], line: int, key: str) -> ImportRow:
        if len(self.text) == 1:
            text = cells[self.text[0]]
        else:
            text = "\n\n".join(cells[i] for i in self.text if cells[i].strip())
        if self.html and "&" in text:
            text = decode_html(text)
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
        need_depth = self.depths[cells[self.depth]] if self.depth is not None else None
        if need_depth is not None:  # it was dropped without a word on another kind
            check_depth(need_depth, kind, "need_depth")
        themes = self._theme_list(cells)
        cohort = self.cohorts[cells[self.cohort]] if self.cohort is not None else None
        captured_by = self.capturers[cells[self.captured_by]] \
            if self.captured_by is not None else ""
        if self.ours is not None:
            voice_id, source_file, source_line = self._ours(cells, line)
            return ImportRow(text, kind, customer, heard_on, channel, severity, need_depth,
                             themes, captured_by, cohort, source_file, source_line, key,
                             voice_id)
        return ImportRow(text, kind, customer, heard_on, channel, severity, need_depth, themes,
                         captured_by, cohort, self.file_name, line, key)


def _is_theme_list(header: str) -> bool:
    strong, weak = _header_keys(header)
    return bool((strong | weak) & set(SYNONYMS["themes"]))
