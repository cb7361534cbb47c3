"""Every data table read in one transaction, and a whole-board file written in one."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby, islice
from typing import TYPE_CHECKING, Any

from app.board.ports import MayCommit
from storage.errors import translated
from storage.importing import IMPORT_CACHE_KIB
from storage.parts import BoardParts

if TYPE_CHECKING:  # the format loads with the first board file: a window start never pays
    from app.snapshot import SnapshotProblem, SnapshotResult, SnapshotRow

BATCH = 500


@functools.cache
def _names() -> frozenset[str]:
    from app.snapshot import TABLES

    return frozenset(t.name for t in TABLES)


def _table(name: str) -> str:
    if name not in _names():  # names reach SQL text: only ours
        raise ValueError(f"not a data table: {name!r}")
    return f'"{name}"'


@dataclass
class _Snapshot:
    conn: sqlite3.Connection
    schema_version: int
    counts: dict[str, int] = field(default_factory=dict)

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        cursor = self.conn.execute(f"SELECT * FROM {_table(table)} ORDER BY rowid")
        columns = [d[0] for d in cursor.description]
        for row in cursor:
            yield dict(zip(columns, row, strict=True))


def _key_of(table: str) -> tuple[str, ...]:
    from app.snapshot import TABLES
    return next(t.key for t in TABLES if t.name == table)


def _reason(exc: sqlite3.IntegrityError, values: dict[str, Any]) -> str:
    """What the board's own rules said about a row, in words."""
    message = str(exc)
    if message.startswith("UNIQUE constraint failed: "):
        columns = [c.split(".", 1)[-1] for c in message.removeprefix(
            "UNIQUE constraint failed: ").split(", ")]
        if columns == ["name"]:
            return (f"field name: {values['name']!r} is already the name of another live row "
                    "on the board (names are unique in any case)")
        if columns == ["source_key"]:
            return (f"field source_key: {values['source_key']!r} is already another voice's "
                    "on the board (it was imported from the same source row)")
        shown = ", ".join(f"{c} {values.get(c)!r}" for c in columns)
        return f"fields {', '.join(columns)}: another row already has {shown}"
    return f"refused by the board ({message})"


class SnapshotMixin(BoardParts):
    """Mixed into SqliteBoard."""

    @contextlib.contextmanager
    def board_snapshot(self) -> Iterator[_Snapshot]:
        """One read transaction for the whole export: an edit committed meanwhile is not
        seen half (the pattern of export_rows)."""
        from app.snapshot import TABLES
        own = not self.conn.in_transaction
        with translated(self.path):
            if own:
                self.conn.execute("BEGIN")
            try:
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                snap = _Snapshot(self.conn, int(version))
                for t in TABLES:
                    snap.counts[t.name] = int(self.conn.execute(
                        f"SELECT count(*) FROM {_table(t.name)}").fetchone()[0])
                yield snap
            finally:
                with contextlib.suppress(sqlite3.ProgrammingError):
                    if own and self.conn.in_transaction:
                        self.conn.execute("COMMIT")  # a read: nothing to keep or undo

    def existing_ids(self, table: str, ids: Collection[str]) -> set[str]:
        found: set[str] = set()
        wanted = list(ids)
        with translated(self.path):
            for start in range(0, len(wanted), BATCH):
                part = wanted[start:start + BATCH]
                found.update(r[0] for r in self.conn.execute(
                    f"SELECT id FROM {_table(table)} WHERE id IN "
                    f"({', '.join('?' * len(part))})", part))
        return found

    def load_snapshot(self, rows: Iterable[SnapshotRow], *, keep_existing: bool,
                      dry_run: bool, problem: Callable[[SnapshotProblem], None],
                      may_commit: MayCommit) -> SnapshotResult:
        """All rows in one BEGIN IMMEDIATE transaction, or none. Foreign keys are checked
        at the COMMIT (a voice may name the voice it was merged into before that voice's
        row); the text indexes fill through the tables' own triggers."""
        from app.snapshot import SnapshotResult
        result = SnapshotResult({}, {}, {}, committed=False)
        with translated(self.path):
            cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
            self.conn.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    self.conn.execute("PRAGMA defer_foreign_keys = ON")  # until COMMIT
                    put_back = self._snapshot_take_down()
                    for table, group in groupby(rows, key=lambda r: r.table):
                        self._snap_table(table, group, keep_existing, problem, result)
                    if may_commit():  # not worth rebuilding for a load that is refused
                        self._snapshot_put_back(put_back)
                    if dry_run or not may_commit():
                        self.conn.execute("ROLLBACK")
                        return result
                    if not self._snap_commit(problem):
                        return result
                except BaseException:
                    if self.conn.in_transaction:
                        self.conn.execute("ROLLBACK")
                    raise
            finally:
                self.conn.execute(f"PRAGMA cache_size = {cache}")
        return SnapshotResult(result.added, result.already_present, result.kept,
                              committed=True)

    def _snapshot_take_down(self) -> list[str]:
        """Into an empty voices table, the text index is filled once at the end and the
        plain indexes built once from the loaded rows (8.4 s -> 4 s for 100k voices), as a
        bulk import does. Unique indexes stay: they name the record that breaks them. DDL
        is transactional, so a rollback puts everything back; the statements are kept as
        stored, so the schema stays byte for byte ours."""
        if self.conn.execute("SELECT 1 FROM voices LIMIT 1").fetchone() is not None:
            return []
        found = self.conn.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
            "(type = 'index' AND tbl_name IN ('voices', 'voice_themes') "
            "AND sql NOT LIKE 'CREATE UNIQUE%') OR (type = 'trigger' AND name = 'voices_ai'))"
        ).fetchall()
        for kind, name, _ in found:
            self.conn.execute(f'DROP {kind.upper()} "{name}"')
        return [sql for _, _, sql in found]

    def _snapshot_put_back(self, statements: list[str]) -> None:
        if not statements:
            return
        self.conn.execute("INSERT INTO voices_fts (rowid, text) SELECT rowid, text FROM voices "
                          "WHERE deleted_at IS NULL")
        for sql in statements:
            self.conn.execute(sql)

    def _snap_commit(self, problem: Callable[[SnapshotProblem], None]) -> bool:
        from app.snapshot import SnapshotProblem
        try:
            self.conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            # A reference the loader did not see broken: say which, and keep nothing.
            broken = self.conn.execute("PRAGMA foreign_key_check").fetchall()[:20]
            for table, _rowid, parent, _fk in broken or [("?", 0, "another table", 0)]:
                problem(SnapshotProblem(table, 0, f"names a row of {parent} that is not "
                                        "in the file or on the board"))
            self.conn.execute("ROLLBACK")
            return False
        return True

    def _snap_table(self, table: str, rows: Iterable[SnapshotRow], keep_existing: bool,
                    problem: Callable[[SnapshotProblem], None],
                    result: SnapshotResult) -> None:
        name = _table(table)
        key = _key_of(table)
        # Only a table that held rows before the load can hold one of the file's ids: the
        # file's own repeats were refused by the loader.
        had_rows = self.conn.execute(f"SELECT 1 FROM {name} LIMIT 1").fetchone() is not None
        added = already = kept = 0
        it = iter(rows)
        while batch := list(islice(it, BATCH)):
            columns = list(batch[0].values)
            if had_rows:
                batch, same, other = self._snap_new_rows(table, key, columns, batch,
                                                    keep_existing, problem)
                already += same
                kept += other
            added += self._snap_insert(name, columns, batch, problem)
        result.added[table] = result.added.get(table, 0) + added
        result.already_present[table] = result.already_present.get(table, 0) + already
        result.kept[table] = result.kept.get(table, 0) + kept

    def _snap_new_rows(self, table: str, key: tuple[str, ...], columns: list[str],
                  batch: list[SnapshotRow], keep_existing: bool,
                  problem: Callable[[SnapshotProblem], None],
                  ) -> tuple[list[SnapshotRow], int, int]:
        """The rows of `batch` the board does not hold; rows it holds are counted as the
        same, kept (the board's content wins) or told as problems."""
        from app.snapshot import SnapshotProblem
        keys = [tuple(r.values[k] for k in key) for r in batch]
        marks = ", ".join(f"({', '.join('?' * len(key))})" for _ in keys)
        found = {tuple(row[:len(key)]): row[len(key):] for row in self.conn.execute(
            f"SELECT {', '.join(key)}, {', '.join(columns)} FROM {_table(table)} "
            f"WHERE ({', '.join(key)}) IN (VALUES {marks})",
            [v for k in keys for v in k])}
        new: list[SnapshotRow] = []
        same = other = 0
        for row, k in zip(batch, keys, strict=True):
            stored = found.get(k)
            if stored is None:
                new.append(row)
                continue
            differ = [c for c, v in zip(columns, stored, strict=True) if row.values[c] != v]
            if not differ:
                same += 1
            elif keep_existing:
                other += 1
            else:
                what = "id " + repr(k[0]) if len(k) == 1 else " and ".join(key)
                problem(SnapshotProblem(table, row.record, (
                    f"{what} is already on the board with other content (fields "
                    f"{', '.join(differ[:6])}{', ...' if len(differ) > 6 else ''}); "
                    "nothing imported (--keep-existing keeps the board's rows and adds the "
                    "rest)")))
        return new, same, other

    def _snap_insert(self, name: str, columns: list[str], batch: list[SnapshotRow],
                problem: Callable[[SnapshotProblem], None]) -> int:
        from app.snapshot import SnapshotProblem
        if not batch:
            return 0
        sql = (f"INSERT INTO {name} ({', '.join(columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        self.conn.execute("SAVEPOINT snapshot_batch")
        try:
            self.conn.executemany(sql, [list(r.values.values()) for r in batch])
        except sqlite3.IntegrityError:
            # Row by row, to name each record the board refuses (a name already taken).
            self.conn.execute("ROLLBACK TO snapshot_batch")
            added = 0
            for row in batch:
                try:
                    self.conn.execute(sql, list(row.values.values()))
                    added += 1
                except sqlite3.IntegrityError as exc:
                    problem(SnapshotProblem(name.strip('"'), row.record,
                                            _reason(exc, row.values)))
            return added
        finally:
            self.conn.execute("RELEASE snapshot_batch")
        return len(batch)
