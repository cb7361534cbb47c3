"""Full-text search on the team server, with the laptop's own stems.

A laptop's voices index (m009) is FTS5 with `porter unicode61 remove_diacritics 2`.
PostgreSQL has no such tokenizer: its parser splits differently (URLs, hyphenated words,
versions), its unaccent folds differently, and its snowball `porter` is not FTS5's Porter
(measured on the shared exports: 74 to 147 of 29,936 words, and some 22,000 of 53,634 texts,
come out differently). So the server does not stem at all. Each pushed voice carries its
stems as the laptop's own FTS5 tokenizer gives them (a scratch in-memory FTS5 table with the
same tokenizer, read back through fts5vocab), stored as a tsvector with positions; a search
on the server reads what was typed exactly as the laptop's search does (storage/search.py)
and stems it the same way. The same tokenizer on both sides, by construction; a test holds
the answers together.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from storage.search import typed_terms

TOKENIZER = "porter unicode61 remove_diacritics 2"  # the voices' index, storage/schema.py m009
_MAX_LEXEME_BYTES = 2047  # tsvector's limit: a longer "word" is left out on the server
_MAX_POSITION = 16383  # tsvector's last position


class Stemmer:
    """SQLite's own tokenizer and stemmer, the voices index's, on any texts."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(f"CREATE VIRTUAL TABLE scratch USING fts5(text, tokenize='{TOKENIZER}')")
        self.conn.execute("CREATE VIRTUAL TABLE scratch_terms USING fts5vocab(scratch, "
                          "'instance')")

    def stems(self, texts: Iterable[str]) -> list[list[str]]:
        """Each text's stems, in order."""
        texts = list(texts)
        with self.conn:
            self.conn.execute("DELETE FROM scratch")
            self.conn.executemany("INSERT INTO scratch (rowid, text) VALUES (?, ?)",
                                  ((i, t) for i, t in enumerate(texts, 1)))
        found: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for doc, offset, term in self.conn.execute(
                "SELECT doc, \"offset\", term FROM scratch_terms"):
            found[doc].append((offset, term))
        return [[term for _o, term in sorted(found.get(i, []))] for i in range(1, len(texts) + 1)]

    def close(self) -> None:
        self.conn.close()


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_text(stems: list[str]) -> str:
    """A tsvector literal of stems at their positions (phrases need them)."""
    return " ".join(f"{_lexeme(t)}:{min(i, _MAX_POSITION)}" for i, t in enumerate(stems, 1)
                    if len(t.encode()) <= _MAX_LEXEME_BYTES)


def search_vectors(texts: list[str]) -> list[str]:
    stemmer = Stemmer()
    try:
        return [tsvector_text(s) for s in stemmer.stems(texts)]
    finally:
        stemmer.close()


def tsquery_text(typed: str) -> str | None:
    """What a person typed as a tsquery literal that finds what fts_query finds on a
    laptop (None: no text filter; "": a word no index holds, so nothing). Words are ANDed,
    "phrases" stay phrases, a trailing * is a prefix of the stem or, as the laptop's
    _prefix_stems, one of the stems up to three letters shorter that the prefix begins
    with."""
    parts = typed_terms(typed)
    if not parts:
        return None
    stemmer = Stemmer()
    try:
        stems = stemmer.stems(text for text, _p, _f in parts)
    finally:
        stemmer.close()
    terms = []
    for (_text, prefix, key), words in zip(parts, stems, strict=True):
        if not words:
            return ""  # nothing FTS5 would index: the laptop finds nothing either
        lexemes = [_lexeme(w) for w in words]
        if prefix:
            lexemes[-1] += ":*"
        term = " <-> ".join(lexemes)
        if prefix and key:
            shorter = [key[:k] for k in range(max(3, len(key) - 3), len(key))]
            term = " | ".join([f"({term})", *(_lexeme(s) for s in shorter)])
        terms.append(f"({term})")
    return " & ".join(terms)
