"""Adding many voices at once (CSV/JSON import): one transaction, all rows or none."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from app.board.ports import Cancelled, ImportCancelled, ImportResult, MayCommit, Progress
from storage.board import now_utc
from storage.errors import translated
from storage.ids import new_ids
from storage.parts import BoardParts

if TYPE_CHECKING:  # a type only: the CSV reader loads when an import runs
    from app.board.csv_import import ImportRow

BATCH = 2000
# Past this many rows an import fills the text index in one pass instead of row by row
# through the insert trigger (0.4 s instead of 9 s for 100k voices).
BULK_ROWS = 5000
# Dirty pages past SQLite's default 2 MB cache spill to the WAL mid-transaction; an import
# keeps them in memory instead (it only takes what it uses).
IMPORT_CACHE_KIB = 256 * 1024
_INSERT_VOICE = (
    "INSERT INTO voices (id, customer_id, kind, text, heard_on, channel, severity, "
    "need_depth, captured_by, source_file, source_line, source_key, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_LINK = ("INSERT OR IGNORE INTO voice_themes (voice_id, theme_id, created_at, "
                "updated_at) VALUES (?, ?, ?, ?)")


class _TakenDown(NamedTuple):
    """What a bulk import removes inside its transaction and puts back before committing.

    DDL is transactional in SQLite, so a rollback (cancel, error, dry run) restores all of
    it too. Statements are kept exactly as stored, so the schema stays byte-for-byte ours.
    """

    first_voice: int  # rowids from here on are this import's
    first_customer: int
    trigger_sql: list[str]  # the text-index insert triggers of voices and customers
    index_sql: list[str]  # empty when the board was too big to be worth re-indexing


def _check(cancelled: Cancelled | None) -> None:
    if cancelled is not None and cancelled():
        raise ImportCancelled


def _batched(items: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class ImportMixin(BoardParts):
    """Mixed into SqliteBoard."""

    def import_rows(self, rows: Iterable[ImportRow], total: int, *, dry_run: bool = False,
                    progress: Progress | None = None,
                    cancelled: Cancelled | None = None,
                    may_commit: MayCommit | None = None) -> ImportResult:
        """All rows in one transaction: every new row lands, or (on cancel/error) none.

        A cancel is honoured up to the COMMIT, the rebuild of a bulk import's indexes
        included; `may_commit` is asked last, so a cancel is either honoured or refused."""
        with translated(self.path):
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
            try:
                self.connection.begin()  # as every write of the board begins
                result = self._add_rows(rows, total, progress, cancelled)
                if dry_run:
                    self.conn.execute("ROLLBACK")
                else:
                    _check(cancelled)
                    if may_commit is not None and not may_commit():
                        raise ImportCancelled
                    self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            finally:
                self.conn.execute(f"PRAGMA cache_size = {cache}")
        return result

    def _add_rows(self, rows: Iterable[ImportRow], total: int, progress: Progress | None,
                  cancelled: Cancelled | None) -> ImportResult:
        added = already = created = done = 0
        now = now_utc()
        taken = self._take_down(total) if total >= BULK_ROWS else None
        # Without its index, a source key is looked up in a set of the board's keys.
        known_keys: set[str] | None = None
        if taken is not None and taken.index_sql:
            known_keys = {k for (k,) in self.conn.execute(
                "SELECT source_key FROM voices WHERE source_key IS NOT NULL")}
        customers, cohorts = self._ids_by_name("customers"), self._ids_by_name("cohorts")
        themes = self._ids_by_name("themes")
        # Names as written in the file -> ids: each distinct spelling is resolved once.
        customer_of: dict[str, str] = {}
        theme_of: dict[str, str] = {}
        for batch in _batched(rows, BATCH):
            _check(cancelled)
            present = self._present(batch, known_keys)
            ids = iter(new_ids(len(batch)))
            voice_rows = []
            links = []
            for r in batch:
                voice_id = r.voice_id
                if r.source_key in present or (voice_id is not None and voice_id in present):
                    already += 1
                    continue
                present.add(r.source_key)
                if voice_id is not None:
                    present.add(voice_id)
                customer_id = customer_of.get(r.customer)
                if customer_id is None:
                    cohort_id = None
                    if r.cohort:
                        cohort_id, _ = self._ensure_named("cohorts", cohorts, r.cohort, now)
                    customer_id, was_new = self._ensure_named(
                        "customers", customers, r.customer, now, cohort_id=cohort_id)
                    created += was_new
                    customer_of[r.customer] = customer_id
                if voice_id is None:
                    voice_id = next(ids)
                voice_rows.append((
                    voice_id, customer_id, r.kind.value, r.text, r.heard_on.isoformat(),
                    r.channel.value, r.severity, r.need_depth.value if r.need_depth else None,
                    r.captured_by, r.source_file, r.source_line, r.source_key, now, now))
                for theme in r.themes:
                    theme_id = theme_of.get(theme)
                    if theme_id is None:
                        theme_id = theme_of[theme] = self._ensure_named(
                            "themes", themes, theme, now)[0]
                    links.append((voice_id, theme_id, now, now))
            self.conn.executemany(_INSERT_VOICE, voice_rows)
            self.conn.executemany(_INSERT_LINK, links)
            if known_keys is not None:
                # A CSV row's key carries its count, so it cannot come twice in one import
                # (remembering all of them took 100 bytes a row); a JSON file can name an id
                # twice, and its id-less records are keyed by position.
                known_keys.update(row[11] for row in voice_rows
                                  if row[11].startswith("voice:"))
            added += len(voice_rows)
            done += len(batch)
            if progress is not None:
                progress(done, total)
        if taken is not None:
            self._put_back(taken, cancelled)
        return ImportResult(added, already, created)

    def _present(self, batch: list[ImportRow], known_keys: set[str] | None) -> set[str]:
        """Source keys and kept voice ids of this batch that the board already holds."""
        if known_keys is not None:
            present = {r.source_key for r in batch if r.source_key in known_keys}
        else:
            keys = [r.source_key for r in batch]
            present = {k for (k,) in self.conn.execute(
                f"SELECT source_key FROM voices WHERE source_key IN "
                f"({', '.join('?' * len(keys))})", keys)}
        ids = [r.voice_id for r in batch if r.voice_id]
        if ids:
            present |= {i for (i,) in self.conn.execute(
                f"SELECT id FROM voices WHERE id IN ({', '.join('?' * len(ids))})", ids)}
        return present

    def _take_down(self, total: int) -> _TakenDown:
        """Drop the text-index insert triggers and, when the import is at least as big as
        the board, the secondary indexes on voices and their theme links: building an index
        once from sorted rows costs half of keeping it up to date row by row."""
        first_voice, first_customer = self.conn.execute(
            "SELECT (SELECT coalesce(max(rowid), 0) + 1 FROM voices), "
            "(SELECT coalesce(max(rowid), 0) + 1 FROM customers)").fetchone()
        trigger_sql = []
        for name in ("voices_ai", "customers_ai"):
            trigger_sql.append(self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name]
            ).fetchone()[0])
            self.conn.execute(f"DROP TRIGGER {name}")
        index_sql: list[str] = []
        if first_voice - 1 <= total:
            found = self.conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('voices', 'voice_themes')").fetchall()
            for name, sql in found:
                self.conn.execute(f'DROP INDEX "{name}"')
                index_sql.append(sql)
        return _TakenDown(first_voice, first_customer, trigger_sql, index_sql)

    def _put_back(self, taken: _TakenDown, cancelled: Cancelled | None = None) -> None:
        """Fill the text index and rebuild what _take_down dropped. It takes a second or
        more on a big import, so a cancel is looked at before each step: Cancel pressed
        while the indexes were rebuilt was heard only after the COMMIT."""
        _check(cancelled)
        self.conn.execute("INSERT INTO voices_fts (rowid, text) SELECT rowid, text FROM voices "
                          "WHERE rowid >= ? AND deleted_at IS NULL", [taken.first_voice])
        _check(cancelled)
        self.conn.execute("INSERT INTO customers_fts (rowid, name) SELECT rowid, name "
                          "FROM customers WHERE rowid >= ?", [taken.first_customer])
        for sql in taken.index_sql + taken.trigger_sql:
            _check(cancelled)
            self.conn.execute(sql)
