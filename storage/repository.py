"""The board store: customers, cohorts, themes and voices in one SQLite file."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import sqlite3
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path
from typing import Any

from app.board.domain import Channel, Cohort, Customer, CustomerSeed, Kind, NeedDepth, Theme, Voice
from app.board.filters import VoiceFilter
from storage.board import Connection, backup_to, now_utc, open_board
from storage.customers_import import CustomersImportMixin
from storage.editing import EditingMixin
from storage.errors import translated
from storage.history import HistoryMixin
from storage.ids import new_id
from storage.importing import ImportMixin
from storage.meetings import MeetingsMixin
from storage.search import filter_sql, fts_query
from storage.snapshot import SnapshotMixin

ORDERS = {
    # Equally relevant voices: the most recently added first. (Newest heard would need every
    # match's voice row read: 1.4x the bare text-index query instead of 1.0x.)
    "relevance": "rank, v.rowid DESC",
    "newest": "v.heard_on DESC, v.rowid DESC",
    "oldest": "v.heard_on ASC, v.rowid ASC",
    "severity": "v.severity DESC, v.heard_on DESC, v.rowid DESC",
    "customer": "(SELECT name FROM customers WHERE id = v.customer_id) COLLATE NOCASE ASC, "
                "v.heard_on DESC, v.rowid DESC",
}
_VOICE_COLUMNS = """v.rowid, v.id, v.kind, v.text, v.customer_id, cu.name, h.name, v.heard_on,
    v.channel, v.severity, v.need_depth, v.captured_by,
    (SELECT group_concat(t.name, char(31)) FROM voice_themes vt JOIN themes t
        ON t.id = vt.theme_id WHERE vt.voice_id = v.id AND vt.deleted_at IS NULL),
    v.source_file, v.source_line, v.created_at, v.updated_at"""


_TEXT_RANK = "bm25(voices_fts)"


def _words_only(flt: VoiceFilter) -> bool:
    return flt == VoiceFilter(text=flt.text)


# Enum members by stored value: a dict lookup is a fifth of calling the enum class.
_KINDS = {k.value: k for k in Kind}
_CHANNELS = {c.value: c for c in Channel}
_DEPTHS = {d.value: d for d in NeedDepth}


def _voice(row: Sequence[Any]) -> Voice:
    themes = row[12]
    return Voice(
        id=row[1], kind=_KINDS[row[2]], text=row[3], customer_id=row[4], customer_name=row[5],
        cohort_name=row[6], heard_on=dt.date.fromisoformat(row[7]), channel=_CHANNELS[row[8]],
        severity=row[9], need_depth=_DEPTHS[row[10]] if row[10] else None,
        captured_by=row[11],
        themes=tuple(sorted(themes.split("\x1f"), key=str.lower)) if themes else (),
        source_file=row[13], source_line=row[14], created_at=row[15], updated_at=row[16],
    )


class SqliteBoard(EditingMixin, ImportMixin, MeetingsMixin, HistoryMixin,
                  CustomersImportMixin, SnapshotMixin):
    """BoardStore over one connection; writes are BEGIN IMMEDIATE transactions."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.conn = connection.conn
        self.path = connection.path

    @classmethod
    def open(cls, path: Path | str, *, create: bool = False) -> SqliteBoard:
        return cls(open_board(path, create=create))

    def close(self) -> None:
        self.connection.close()

    def wait_for_lock(self, milliseconds: int) -> None:
        self.conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    @property
    def notices(self) -> list[str]:
        """What opening the board did that the user should hear (a stray -wal set aside)."""
        return list(self.connection.notices)

    def backup(self, out: Path) -> Path:
        return backup_to(self.connection, out)

    # -- names -------------------------------------------------------------------------
    def _ids_by_name(self, table: str) -> dict[str, str]:
        rows = self.conn.execute(f"SELECT name, id FROM {table} WHERE deleted_at IS NULL")
        return {name.casefold(): id_ for name, id_ in rows}

    def _ensure_named(self, table: str, known: dict[str, str], name: str, now: str,
                      **extra: Any) -> tuple[str, bool]:
        """The id of the live row called `name` (any case), creating it if needed."""
        found = known.get(name.casefold())
        if found:
            return found, False
        id_ = new_id()
        columns = {"id": id_, "name": name, "created_at": now, "updated_at": now, **extra}
        self.conn.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            list(columns.values()))
        known[name.casefold()] = id_
        return id_, True

    def ensure_customers(self, seeds: Iterable[CustomerSeed]) -> list[str]:
        """Create (or find, case-insensitively) customers with their cohorts, in one write."""
        with self.connection.write(), translated(self.path):
            now = now_utc()
            cohorts = self._ids_by_name("cohorts")
            customers = self._ids_by_name("customers")
            ids = []
            for seed in seeds:
                cohort_id = None
                if seed.cohort:
                    cohort_id, _ = self._ensure_named("cohorts", cohorts, seed.cohort, now)
                id_, _ = self._ensure_named("customers", customers, seed.name, now,
                                            cohort_id=cohort_id, weight=seed.weight,
                                            owner=seed.owner, notes=seed.notes)
                ids.append(id_)
            return ids

    # -- search ------------------------------------------------------------------------
    def _matching(self, flt: VoiceFilter) -> tuple[str, list[Any], str | None]:
        """FROM/WHERE for a filter, and the bm25 rank expression when there is text."""
        where, params = filter_sql(flt)
        query = fts_query(flt.text)
        if query is None:
            return " FROM voices v WHERE " + " AND ".join(where), params, None
        names = query  # customer names are not stemmed: the prefix as typed
        query = fts_query(flt.text, self._prefix_stems) or query
        # A customer whose name matches brings all of its voices (after the text matches).
        customer_ids = [r[0] for r in self.conn.execute(
            "SELECT c.id FROM customers_fts JOIN customers c ON c.rowid = customers_fts.rowid "
            "WHERE customers_fts MATCH ? AND c.deleted_at IS NULL", [names])]
        if not customer_ids:
            return (" FROM voices_fts JOIN voices v ON v.rowid = voices_fts.rowid "
                    "WHERE voices_fts MATCH ? AND " + " AND ".join(where),
                    [query, *params], _TEXT_RANK)
        marks = ", ".join("?" * len(customer_ids))
        return (" FROM voices v LEFT JOIN (SELECT rowid AS hit, bm25(voices_fts) AS score "
                "FROM voices_fts WHERE voices_fts MATCH ?) f ON f.hit = v.rowid "
                f"WHERE (f.hit IS NOT NULL OR v.customer_id IN ({marks})) AND "
                + " AND ".join(where), [query, *customer_ids, *params], "coalesce(f.score, 0)")

    def _prefix_stems(self, prefix: str) -> list[str]:
        """Stems in the voices' index that a typed prefix begins with, up to three letters
        shorter than it ("shipp" -> "ship", "happin" -> "happi"): the words that prefix
        starts are filed under them."""
        shorter = [prefix[:k] for k in range(max(3, len(prefix) - 3), len(prefix))]
        if not shorter:
            return []
        return [t for (t,) in self.conn.execute(
            f"SELECT term FROM voices_fts_vocab WHERE term IN ({', '.join('?' * len(shorter))})",
            shorter)]

    def search(self, flt: VoiceFilter, *, limit: int = 50, offset: int = 0,
               order: str = "relevance") -> list[Voice]:
        """One page of voices; ranked by bm25 when there is text and order is relevance."""
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}")
        body, params, rank = self._matching(flt)
        if order == "relevance" and rank is None:
            order = "newest"
        sql = f"SELECT v.rowid, {rank or 0} AS rank{body} ORDER BY {ORDERS[order]}"
        if rank == _TEXT_RANK and order == "relevance" and _words_only(flt):
            # Typed words alone: ranked inside the text index, which holds live voices only
            # (m008), so no voice row is read until the page is known. Same order.
            sql = ("SELECT rowid FROM voices_fts WHERE voices_fts MATCH ? "
                   "ORDER BY rank, rowid DESC")
        with translated(self.path):
            rowids = [r[0] for r in self.conn.execute(f"{sql} LIMIT ? OFFSET ?",
                                                      [*params, limit, offset])]
            return self._voices_by_rowid(rowids)

    def _voices_by_rowid(self, rowids: list[int]) -> list[Voice]:
        if not rowids:
            return []
        rows = self.conn.execute(
            f"SELECT {_VOICE_COLUMNS} FROM voices v JOIN customers cu ON cu.id = v.customer_id "
            f"LEFT JOIN cohorts h ON h.id = cu.cohort_id "
            f"WHERE v.rowid IN ({', '.join('?' * len(rowids))})", rowids).fetchall()
        position = {rowid: i for i, rowid in enumerate(rowids)}
        rows.sort(key=lambda r: position[r[0]])
        return [_voice(r) for r in rows]

    def count(self, flt: VoiceFilter) -> int:
        body, params, rank = self._matching(flt)
        if rank == _TEXT_RANK and _words_only(flt):
            body = " FROM voices_fts WHERE voices_fts MATCH ?"  # live voices only (m008)
        with translated(self.path):
            return int(self.conn.execute(f"SELECT count(*){body}", params).fetchone()[0])

    def count_by_kind(self, flt: VoiceFilter) -> dict[Kind, int]:
        """Matching voices per kind, in one pass (the lanes' counts)."""
        body, params, _ = self._matching(flt)
        with translated(self.path):
            rows = self.conn.execute(f"SELECT v.kind, count(*){body} GROUP BY v.kind", params)
            counts = {Kind(kind): int(n) for kind, n in rows}
        return {kind: counts.get(kind, 0) for kind in Kind}

    def export_rows(self, flt: VoiceFilter) -> Generator[dict[str, Any], None, None]:
        """Every matching voice as a flat record, oldest first: one snapshot of the board.

        One read transaction holds the snapshot for the whole export (an import committing
        meanwhile is not seen half), and the order is read once, so the time is linear in
        the board (pages by OFFSET re-read every earlier row: 282k voices took 64 s)."""
        body, params, _ = self._matching(flt)
        own = not self.conn.in_transaction
        with translated(self.path):
            if own:
                self.conn.execute("BEGIN")
            try:
                rowids = [r[0] for r in self.conn.execute(
                    f"SELECT v.rowid{body} ORDER BY {ORDERS['oldest']}", params)]
                for start in range(0, len(rowids), 1000):
                    for v in self._voices_by_rowid(rowids[start:start + 1000]):
                        yield {
                            "id": v.id, "kind": v.kind.value, "text": v.text,
                            "customer": v.customer_name, "cohort": v.cohort_name or "",
                            "heard_on": v.heard_on.isoformat(), "channel": v.channel.value,
                            "severity": v.severity,
                            "need_depth": v.need_depth.value if v.need_depth else "",
                            "themes": "; ".join(v.themes), "captured_by": v.captured_by,
                            "source_file": v.source_file or "",
                            "source_line": v.source_line or "",
                            "created_at": v.created_at, "updated_at": v.updated_at,
                        }
            finally:
                # A read: nothing to keep or undo. (Closed already when an abandoned export
                # is collected after its board was closed: then there is nothing to end.)
                with contextlib.suppress(sqlite3.ProgrammingError):
                    if own and self.conn.in_transaction:
                        self.conn.execute("COMMIT")

    # -- listings ----------------------------------------------------------------------
    def customers(self) -> list[Customer]:
        # One grouped pass over the voices is ~10x faster than a count per customer. Each
        # list comes back as one JSON value: a worker thread then takes Python's lock once,
        # not once per row while the GUI thread is busy building the window.
        counts = json.loads(self.conn.execute(
            "SELECT json_group_object(customer_id, n) FROM (SELECT customer_id, count(*) AS n "
            "FROM voices WHERE deleted_at IS NULL GROUP BY customer_id)").fetchone()[0])
        rows = json.loads(self.conn.execute("""
            SELECT json_group_array(json_array(c.id, c.name, c.cohort_id, h.name, c.weight,
                                               c.owner, c.notes))
            FROM customers c LEFT JOIN cohorts h ON h.id = c.cohort_id
            WHERE c.deleted_at IS NULL""").fetchone()[0])
        rows.sort(key=lambda r: r[1].casefold())  # an aggregate's input order is not promised
        return [Customer(r[0], r[1], r[2], r[3], float(r[4]), r[5], r[6], counts.get(r[0], 0))
                for r in rows]

    def cohorts(self) -> list[Cohort]:
        rows = self.conn.execute("SELECT id, name, description FROM cohorts "
                                 "WHERE deleted_at IS NULL ORDER BY name COLLATE NOCASE")
        return [Cohort(*r) for r in rows]

    def themes(self) -> list[Theme]:
        rows = self.conn.execute("SELECT id, name FROM themes WHERE deleted_at IS NULL "
                                 "ORDER BY name COLLATE NOCASE")
        return [Theme(*r) for r in rows]
