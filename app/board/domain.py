"""The board's vocabulary: voices, customers, cohorts, themes, with their rules."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import NamedTuple, TypeVar

from app.errors import ValidationError

# A long complaint letter is ~25k characters; past 100k it is a paste error.
MAX_TEXT_CHARS = 100_000
MAX_NAME_CHARS = 200


E = TypeVar("E", bound=StrEnum)


class Kind(StrEnum):
    QUOTE = "quote"
    COMPLAINT = "complaint"
    NEED = "need"

    @property
    def label(self) -> str:
        return {"quote": "Quotes", "complaint": "Complaints", "need": "Needs"}[self.value]


class Channel(StrEnum):
    INTERVIEW = "interview"
    SUPPORT = "support"
    SURVEY = "survey"
    SALES_CALL = "sales call"
    EMAIL = "email"
    SOCIAL = "social"
    OTHER = "other"


class NeedDepth(StrEnum):
    STATED = "stated"
    REAL = "real"
    DELIGHT = "delight"
    SECRET = "secret"


@cache
def _members(enum: type[StrEnum]) -> dict[str, StrEnum]:
    return {m.value: m for m in enum}


def parse_enum(enum: type[E], value: str, field_name: str) -> E:
    """The enum member for `value` (case and surrounding space ignored), or a ValidationError."""
    members = _members(enum)
    found = members.get(value) or members.get(value.strip().lower().replace("_", " "))
    if found is None:
        raise ValidationError(field_name, f"{value!r} is not one of: {', '.join(members)}")
    return found  # type: ignore[return-value]


# Characters a name may hold that change how it looks or compares, not what it says: bidi
# embeddings, overrides and isolates (an RTL override makes a name on the projected chair
# read as another), bidi marks, and zero-width characters (they make "Ac\u200bme" a second
# Acme). Names lose them; verbatim text keeps every character.
_INVISIBLE = dict.fromkeys(map(ord, "\u061c\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
                                     "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def check_plain(value: str, field_name: str) -> str:
    """Any text field: a NUL ends a string in C, so SQLite tools, FTS5 and the CSV writers
    would each see a different value. It is refused, naming the field."""
    if "\x00" in value:
        raise ValidationError(field_name, "contains a NUL character")
    return value


def normal_name(value: str) -> str:
    """A name's one spelling: NFC, no invisible characters, runs of white space as one
    space, trimmed (possibly empty; clean_name says what is wrong with it)."""
    if value.isprintable() and value.strip() == value and "  " not in value and (
            value.isascii() or unicodedata.is_normalized("NFC", value)):
        return value  # the usual name: nothing to do (imports clean each distinct cell)
    return " ".join(unicodedata.normalize("NFC", value.translate(_INVISIBLE)).split())


def clean_name(value: str, field_name: str) -> str:
    """A trimmed, non-empty, single-line name of sensible length, in NFC and without
    invisible characters, so one name has one spelling."""
    name = normal_name(check_plain(value, field_name))
    if not name:
        raise ValidationError(field_name, "is empty")
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(field_name, f"is longer than {MAX_NAME_CHARS} characters")
    return name


def name_key(value: str) -> str:
    """What two names are compared by: clean_name's spelling, in any case ("Émile Zola" is
    "émile zola", "Straße" is "STRASSE"). The import's merging, the filters and the checks
    that keep names unique all use it."""
    return normal_name(value).casefold()


def check_text(text: str) -> str:
    """Verbatim text is kept exactly as given, but must say something and fit."""
    if not text.strip():
        raise ValidationError("text", "is empty")
    check_plain(text, "text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationError(
            "text", f"is {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,}"
        )
    return text


def check_severity(value: int) -> int:
    if not 1 <= value <= 5:
        raise ValidationError("severity", f"{value} is not between 1 and 5")
    return value


def check_depth(depth: NeedDepth, kind: Kind, field_name: str = "need depth") -> NeedDepth:
    """Only needs have a depth (the voices table's CHECK says so too: reaching it from an
    import was an 'internal error')."""
    if kind is not Kind.NEED:
        raise ValidationError(field_name, f"{depth.value!r} is given for a {kind.value}; "
                                          "only needs have a depth")
    return depth


@dataclass(frozen=True, slots=True)
class Cohort:
    id: str
    name: str
    description: str = ""


class Customer(NamedTuple):
    """A customer and their count of live voices. Immutable like the dataclasses here, but a
    named tuple: the board window makes 5,000 of these as it opens, and a frozen dataclass
    takes four times as long to make (3 us each)."""

    id: str
    name: str
    cohort_id: str | None = None
    cohort_name: str | None = None
    weight: float = 1.0
    owner: str = ""
    notes: str = ""
    voice_count: int = 0


@dataclass(frozen=True, slots=True)
class CustomerSeed:
    """A customer to create if no live customer has that name (any case); its names are
    cleaned (clean_name) as it is made."""

    name: str
    cohort: str | None = None
    weight: float = 1.0
    owner: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name, "customer"))
        object.__setattr__(self, "cohort", clean_name(self.cohort, "cohort")
                           if self.cohort and self.cohort.strip() else None)
        check_plain(self.owner, "owner")
        check_plain(self.notes, "notes")


@dataclass(frozen=True, slots=True)
class Theme:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class VoiceDraft:
    """What a person (or an import row) supplies for a new voice, validated on creation."""

    text: str
    kind: Kind
    customer_name: str
    heard_on: dt.date
    channel: Channel = Channel.OTHER
    severity: int = 3
    need_depth: NeedDepth | None = None
    themes: tuple[str, ...] = ()
    captured_by: str = ""
    cohort_name: str | None = None

    def __post_init__(self) -> None:
        check_text(self.text)
        clean_name(self.customer_name, "customer")
        if self.cohort_name:
            clean_name(self.cohort_name, "cohort")
        for theme in self.themes:
            clean_name(theme, "theme")
        check_plain(self.captured_by, "captured by")
        check_severity(self.severity)
        if self.need_depth is not None:
            check_depth(self.need_depth, self.kind)


@dataclass(frozen=True, slots=True)
class Voice:
    id: str
    kind: Kind
    text: str
    customer_id: str
    customer_name: str
    cohort_name: str | None
    heard_on: dt.date
    channel: Channel
    severity: int
    need_depth: NeedDepth | None
    captured_by: str
    themes: tuple[str, ...] = field(default=())
    source_file: str | None = None
    source_line: int | None = None
    created_at: str = ""
    updated_at: str = ""
