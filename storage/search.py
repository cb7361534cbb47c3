"""Turn what a person types, and a VoiceFilter, into safe FTS5 and SQL."""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Callable
from typing import Any

from app.board.domain import name_key
from app.board.filters import VoiceFilter

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _literal(text: str) -> str:
    """An FTS5 string: double quotes doubled, so no character acts as syntax."""
    return '"' + text.replace('"', '""') + '"'


def _searchable(text: str) -> bool:
    # unicode61 keeps letters and digits; a term of only punctuation would match nothing.
    return any(ch.isalnum() for ch in text)


def folded(text: str) -> str:
    """Letters as the index's unicode61 tokenizer (remove_diacritics 2) keeps them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typed_terms(typed: str) -> list[tuple[str, bool, str]]:
    """What a person typed, read as every search reads it: (the term's text, whether it
    ends in * (a prefix), the folded word for prefix stems or "" when the term is not one
    word). Words are ANDed; "quoted phrases" stay phrases (an unclosed quote runs to the
    end); control characters and terms with no letter or digit are left out."""
    # FTS5 reads a NUL as the end of the string; no control character is worth searching.
    typed = _CONTROL.sub(" ", typed)
    terms: list[tuple[str, bool, str]] = []
    for phrase, word in _TOKEN.findall(typed):
        raw = phrase if phrase or word == "" else word
        prefix = False
        if word:
            stripped = word.rstrip("*")
            prefix = stripped != word
            raw = stripped.strip('"')
        if not _searchable(raw):
            continue
        terms.append((" ".join(raw.split()), prefix, folded(raw) if raw.isalnum() else ""))
    return terms


def fts_query(typed: str, prefix_stems: Callable[[str], list[str]] | None = None,
              ) -> str | None:
    """FTS5 MATCH text for what a person typed, or None for "no text filter".

    Words are ANDed; "quoted phrases" stay phrases (an unclosed quote runs to the end);
    a trailing * makes a prefix search. Every other FTS5 operator (AND, OR, NOT, NEAR,
    column filters, parentheses, ^, -) is taken as literal text.

    The voices' index keeps stems, and FTS5 stems a prefix too: "shipp*" would look for
    stems starting "shipp" and miss "shipping" (stem "ship"). `prefix_stems(prefix)` names
    the index's stems that the typed prefix begins with; they are searched beside it.
    """
    terms: list[str] = []
    for text, prefix, key in typed_terms(typed):
        term = _literal(text) + ("*" if prefix else "")
        if prefix and prefix_stems is not None and key:
            stems = prefix_stems(key)
            if stems:
                term = "(" + " OR ".join([term, *(_literal(st) for st in stems)]) + ")"
        terms.append(term)
    return " ".join(terms) if terms else None


def _sql_name_key(value: str | None) -> str | None:
    return name_key(value) if isinstance(value, str) else None


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the store's queries use (never the schema: a board stays readable by
    any SQLite tool). name_key(name) is app.board.domain.name_key: names in any case, the way the
    import merges them, which SQLite's COLLATE NOCASE (ASCII only) cannot say."""
    conn.create_function("name_key", 1, _sql_name_key, deterministic=True)


def name_is(column: str) -> str:
    """SQL true when `column` is the name whose name_key is the parameter, which it takes
    twice (name_params). An ASCII name is compared by the index's COLLATE NOCASE, which
    agrees with name_key for it; only the others call into Python (0.7 ms for 5,000
    customers, against 2 ms for calling name_key on every name)."""
    return (f"({column} = ? COLLATE NOCASE OR (length(CAST({column} AS BLOB)) > "
            f"length({column}) AND name_key({column}) = ?))")


def name_params(name: str) -> list[str]:
    key = name_key(name)
    return [key, key]


def names_in(column: str, count: int) -> str:
    """name_is for any of `count` names; its parameters are names_params."""
    marks = ", ".join("?" * count)
    return (f"({column} COLLATE NOCASE IN ({marks}) OR (length(CAST({column} AS BLOB)) > "
            f"length({column}) AND name_key({column}) IN ({marks})))")


def names_params(names: list[str]) -> list[str]:
    keys = [name_key(n) for n in names]
    return [*keys, *keys]


def filter_sql(flt: VoiceFilter, alias: str = "v") -> tuple[list[str], list[Any]]:
    """WHERE conditions (ANDed) and their parameters for every non-text part of a filter."""
    where = [f"{alias}.deleted_at IS NULL"]
    params: list[Any] = []
    if flt.kinds:
        where.append(f"{alias}.kind IN ({', '.join('?' * len(flt.kinds))})")
        params.extend(k.value for k in flt.kinds)
    # Names in any case, by name_key: the same rule as the import's merging.
    if flt.customer:
        where.append(f"{alias}.customer_id IN (SELECT id FROM customers WHERE "
                     f"{name_is('name')} AND deleted_at IS NULL)")
        params.extend(name_params(flt.customer))
    if flt.cohort:
        where.append(f"{alias}.customer_id IN (SELECT c.id FROM customers c JOIN cohorts h "
                     f"ON h.id = c.cohort_id WHERE {name_is('h.name')} "
                     "AND c.deleted_at IS NULL)")
        params.extend(name_params(flt.cohort))
    if flt.theme:
        where.append(f"{alias}.id IN (SELECT vt.voice_id FROM voice_themes vt JOIN themes t "
                     f"ON t.id = vt.theme_id WHERE {name_is('t.name')} "
                     "AND vt.deleted_at IS NULL)")
        params.extend(name_params(flt.theme))
    if flt.channel:
        where.append(f"{alias}.channel = ?")
        params.append(flt.channel.value)
    if flt.date_from:
        where.append(f"{alias}.heard_on >= ?")
        params.append(flt.date_from.isoformat())
    if flt.date_to:
        where.append(f"{alias}.heard_on <= ?")
        params.append(flt.date_to.isoformat())
    if flt.min_severity is not None:
        where.append(f"{alias}.severity >= ?")
        params.append(flt.min_severity)
    if flt.max_severity is not None:
        where.append(f"{alias}.severity <= ?")
        params.append(flt.max_severity)
    return where, params
