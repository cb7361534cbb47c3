"""Turn what a person types, and a VoiceFilter, into safe FTS5 and SQL."""

from __future__ import annotations

import re
from typing import Any

from app.filters import VoiceFilter

_TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _literal(text: str) -> str:
    """An FTS5 string: double quotes doubled, so no character acts as syntax."""
    return '"' + text.replace('"', '""') + '"'


def _searchable(text: str) -> bool:
    # unicode61 keeps letters and digits; a term of only punctuation would match nothing.
    return any(ch.isalnum() for ch in text)


def fts_query(typed: str) -> str | None:
    """FTS5 MATCH text for what a person typed, or None for "no text filter".

    Words are ANDed; "quoted phrases" stay phrases (an unclosed quote runs to the end);
    a trailing * makes a prefix search. Every other FTS5 operator (AND, OR, NOT, NEAR,
    column filters, parentheses, ^, -) is taken as literal text.
    """
    # FTS5 reads a NUL as the end of the string; no control character is worth searching.
    typed = _CONTROL.sub(" ", typed)
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(typed):
        raw = phrase if phrase or word == "" else word
        prefix = False
        if word:
            stripped = word.rstrip("*")
            prefix = stripped != word
            raw = stripped.strip('"')
        if not _searchable(raw):
            continue
        terms.append(_literal(" ".join(raw.split())) + ("*" if prefix else ""))
    return " ".join(terms) if terms else None


def filter_sql(flt: VoiceFilter, alias: str = "v") -> tuple[list[str], list[Any]]:
    """WHERE conditions (ANDed) and their parameters for every non-text part of a filter."""
    where = [f"{alias}.deleted_at IS NULL"]
    params: list[Any] = []
    if flt.kinds:
        where.append(f"{alias}.kind IN ({', '.join('?' * len(flt.kinds))})")
        params.extend(k.value for k in flt.kinds)
    if flt.customer:
        where.append(f"{alias}.customer_id IN (SELECT id FROM customers WHERE name = ? "
                     "COLLATE NOCASE AND deleted_at IS NULL)")
        params.append(flt.customer)
    if flt.cohort:
        where.append(f"{alias}.customer_id IN (SELECT c.id FROM customers c JOIN cohorts h "
                     "ON h.id = c.cohort_id WHERE h.name = ? COLLATE NOCASE "
                     "AND c.deleted_at IS NULL)")
        params.append(flt.cohort)
    if flt.theme:
        where.append(f"{alias}.id IN (SELECT vt.voice_id FROM voice_themes vt JOIN themes t "
                     "ON t.id = vt.theme_id WHERE t.name = ? COLLATE NOCASE "
                     "AND vt.deleted_at IS NULL)")
        params.append(flt.theme)
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
