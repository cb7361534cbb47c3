"""Edits of voices, customers, cohorts and themes: each one BEGIN IMMEDIATE transaction."""

from __future__ import annotations

from collections.abc import Iterator

from app.board.domain import Customer, Voice, VoiceDraft, check_plain, clean_name
from app.errors import ConflictError, NotFoundError, ValidationError
from storage.board import now_utc
from storage.errors import translated
from storage.ids import new_id
from storage.parts import BoardParts
from storage.search import name_is, name_params

_NAMED = {"cohorts", "themes"}


def _after(stamp: str) -> str:
    """The UTC ISO stamp one millisecond after `stamp` (as now_utc writes them)."""
    import datetime as dt

    moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")) + dt.timedelta(
        milliseconds=1)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_named(table: str) -> None:
    if table not in _NAMED:
        raise ValueError(f"not a named table: {table}")


class EditingMixin(BoardParts):
    """Mixed into SqliteBoard; relies on its connection and name helpers."""

    # -- voices ------------------------------------------------------------------------
    def get_voice(self, voice_id: str) -> Voice:
        row = self.conn.execute("SELECT rowid FROM voices WHERE id = ?", [voice_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no voice {voice_id}")
        return self._voices_by_rowid([row[0]])[0]

    def _set_themes(self, voice_id: str, themes: tuple[str, ...], now: str) -> None:
        known = self._ids_by_name("themes")
        wanted = {self._ensure_named("themes", known, clean_name(t, "theme"), now)[0]
                  for t in themes}
        current = {r[0]: r[1] for r in self.conn.execute(
            "SELECT theme_id, deleted_at FROM voice_themes WHERE voice_id = ?", [voice_id])}
        for theme_id in wanted:
            if theme_id not in current:
                self.conn.execute("INSERT INTO voice_themes (voice_id, theme_id, created_at, "
                                  "updated_at) VALUES (?, ?, ?, ?)",
                                  [voice_id, theme_id, now, now])
            elif current[theme_id] is not None:
                self.conn.execute("UPDATE voice_themes SET deleted_at = NULL, updated_at = ? "
                                  "WHERE voice_id = ? AND theme_id = ?",
                                  [now, voice_id, theme_id])
        for theme_id, deleted in current.items():
            if theme_id not in wanted and deleted is None:
                self.conn.execute("UPDATE voice_themes SET deleted_at = ?, updated_at = ? "
                                  "WHERE voice_id = ? AND theme_id = ?",
                                  [now, now, voice_id, theme_id])

    def _customer_for(self, draft: VoiceDraft, now: str) -> str:
        cohort_id = None
        if draft.cohort_name:
            cohort_id, _ = self._ensure_named("cohorts", self._ids_by_name("cohorts"),
                                              clean_name(draft.cohort_name, "cohort"), now)
        customer_id, _ = self._ensure_named("customers", self._ids_by_name("customers"),
                                            clean_name(draft.customer_name, "customer"), now,
                                            cohort_id=cohort_id)
        return customer_id

    def insert_voice(self, draft: VoiceDraft, voice_id: str | None = None) -> str:
        voice_id = voice_id or new_id()
        with self.connection.write(), translated(self.path):
            now = now_utc()
            customer_id = self._customer_for(draft, now)
            self.conn.execute(
                "INSERT INTO voices (id, customer_id, kind, text, heard_on, channel, severity, "
                "need_depth, captured_by, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [voice_id, customer_id, draft.kind.value, draft.text,
                 draft.heard_on.isoformat(), draft.channel.value, draft.severity,
                 draft.need_depth.value if draft.need_depth else None, draft.captured_by,
                 now, now])
            self._set_themes(voice_id, draft.themes, now)
        return voice_id

    def update_voice(self, voice_id: str, draft: VoiceDraft,
                     expect: str | None = None) -> str:
        """Write the voice; with `expect`, only if its updated_at is still that (else a
        ConflictError, nothing written). Returns the updated_at written."""
        with self.connection.write(), translated(self.path):
            row = self.conn.execute("SELECT updated_at FROM voices WHERE id = ?",
                                    [voice_id]).fetchone()
            if row is None:
                raise NotFoundError(f"no voice {voice_id}")
            if expect is not None and row[0] != expect:
                raise ConflictError(
                    "This voice was changed in another window or program since it was read; "
                    "nothing was saved. Reload it to see that change, or save again to "
                    "overwrite it.")
            now = now_utc()
            if now <= row[0]:  # two writes in one millisecond still get different stamps
                now = _after(row[0])
            customer_id = self._customer_for(draft, now)
            cursor = self.conn.execute(
                "UPDATE voices SET customer_id = ?, kind = ?, text = ?, heard_on = ?, "
                "channel = ?, severity = ?, need_depth = ?, captured_by = ?, updated_at = ? "
                "WHERE id = ?",
                [customer_id, draft.kind.value, draft.text, draft.heard_on.isoformat(),
                 draft.channel.value, draft.severity,
                 draft.need_depth.value if draft.need_depth else None, draft.captured_by, now,
                 voice_id])
            if cursor.rowcount != 1:
                raise NotFoundError(f"no voice {voice_id}")
            self._set_themes(voice_id, draft.themes, now)
            return now

    def set_voices_deleted(self, voice_ids: list[str], deleted: bool) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.executemany(
                "UPDATE voices SET deleted_at = ?, updated_at = ? WHERE id = ?",
                [(now if deleted else None, now, v) for v in voice_ids])

    # -- duplicates --------------------------------------------------------------------
    def voice_wordings(self) -> Iterator[tuple[int, str, str, str]]:
        """(key, customer id, kind, text) of every live voice, by customer, oldest first
        (app.board.duplicates compares them)."""
        yield from self.conn.execute(
            "SELECT rowid, customer_id, kind, text FROM voices WHERE deleted_at IS NULL "
            "ORDER BY customer_id, heard_on, rowid")

    def voices_by_key(self, keys: list[int]) -> list[Voice]:
        return self._voices_by_rowid(keys)

    def merge_voices(self, keep_id: str, other_ids: list[str]) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            theme_ids = [r[0] for r in self.conn.execute(
                f"SELECT DISTINCT theme_id FROM voice_themes WHERE deleted_at IS NULL AND "
                f"voice_id IN ({', '.join('?' * len(other_ids))})", other_ids)]
            for theme_id in theme_ids:  # the kept voice carries every theme
                self.conn.execute(
                    "INSERT INTO voice_themes (voice_id, theme_id, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET deleted_at = NULL",
                    [keep_id, theme_id, now, now])
            self.conn.executemany(
                "UPDATE voices SET merged_into = ?, deleted_at = ?, updated_at = ? WHERE id = ?",
                [(keep_id, now, now, v) for v in other_ids])

    def unmerge_voices(self, other_ids: list[str]) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.executemany(
                "UPDATE voices SET merged_into = NULL, deleted_at = NULL, updated_at = ? "
                "WHERE id = ?", [(now, v) for v in other_ids])

    def merged_sources(self, voice_id: str) -> list[Voice]:
        """The voices folded into this one: their text, source and date are all kept."""
        rowids = [r[0] for r in self.conn.execute(
            "SELECT rowid FROM voices WHERE merged_into = ? ORDER BY heard_on", [voice_id])]
        return self._voices_by_rowid(rowids)

    # -- customers ---------------------------------------------------------------------
    def update_customer(self, customer: Customer) -> None:
        name = clean_name(customer.name, "name")
        if customer.weight < 0:
            raise ValidationError("weight", "cannot be negative")
        check_plain(customer.owner, "owner")
        check_plain(customer.notes, "notes")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            # Unique in any case as the import compares names (name_key), which is stricter
            # than the customers_name index's COLLATE NOCASE, so the index always holds.
            clash = self.conn.execute(
                f"SELECT 1 FROM customers WHERE {name_is('name')} AND id != ? "
                "AND deleted_at IS NULL", [*name_params(name), customer.id]).fetchone()
            if clash:
                raise ValidationError("name", f"another customer is called {name!r}")
            cohort_id = None
            if customer.cohort_name:
                cohort_id, _ = self._ensure_named("cohorts", self._ids_by_name("cohorts"),
                                                  clean_name(customer.cohort_name, "cohort"),
                                                  now)
            self.conn.execute(
                "UPDATE customers SET name = ?, cohort_id = ?, weight = ?, owner = ?, "
                "notes = ?, deleted_at = NULL, updated_at = ? WHERE id = ?",
                [name, cohort_id, customer.weight, customer.owner, customer.notes, now,
                 customer.id])

    def merge_customers(self, source_id: str, target_id: str) -> list[str]:
        if source_id == target_id:
            raise ValidationError("customer", "cannot be merged into itself")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            moved = [r[0] for r in self.conn.execute(
                "SELECT id FROM voices WHERE customer_id = ?", [source_id])]
            self.conn.execute("UPDATE voices SET customer_id = ?, updated_at = ? "
                              "WHERE customer_id = ?", [target_id, now, source_id])
            self.conn.execute("UPDATE customers SET deleted_at = ?, updated_at = ? WHERE id = ?",
                              [now, now, source_id])
            return moved

    def unmerge_customers(self, source_id: str, target_id: str, voice_ids: list[str]) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute("UPDATE customers SET deleted_at = NULL, updated_at = ? "
                              "WHERE id = ?", [now, source_id])
            self.conn.executemany(
                "UPDATE voices SET customer_id = ?, updated_at = ? WHERE id = ? "
                "AND customer_id = ?", [(source_id, now, v, target_id) for v in voice_ids])

    # -- cohorts and themes ------------------------------------------------------------
    def named_usage(self, table: str) -> list[tuple[str, str, int]]:
        """(id, name, how many live customers / voices use it) for cohorts or themes."""
        _check_named(table)
        if table == "cohorts":
            sql = ("SELECT h.id, h.name, (SELECT count(*) FROM customers c WHERE c.cohort_id = "
                   "h.id AND c.deleted_at IS NULL) FROM cohorts h WHERE h.deleted_at IS NULL "
                   "ORDER BY h.name COLLATE NOCASE")
        else:
            sql = ("SELECT t.id, t.name, (SELECT count(*) FROM voice_themes vt JOIN voices v ON "
                   "v.id = vt.voice_id WHERE vt.theme_id = t.id AND vt.deleted_at IS NULL AND "
                   "v.deleted_at IS NULL) FROM themes t WHERE t.deleted_at IS NULL "
                   "ORDER BY t.name COLLATE NOCASE")
        return [tuple(r) for r in self.conn.execute(sql)]

    def create_named(self, table: str, name: str) -> str:
        """A new cohort or theme (or the live one already called that, any case)."""
        _check_named(table)
        name = clean_name(name, "name")
        with self.connection.write(), translated(self.path):
            row_id, _ = self._ensure_named(table, self._ids_by_name(table), name, now_utc())
            return row_id

    def rename_named(self, table: str, row_id: str, name: str) -> None:
        _check_named(table)
        name = clean_name(name, "name")
        with self.connection.write(), translated(self.path):
            clash = self.conn.execute(
                f"SELECT 1 FROM {table} WHERE {name_is('name')} AND id != ? "
                "AND deleted_at IS NULL", [*name_params(name), row_id]).fetchone()
            if clash:
                raise ValidationError("name", f"{name!r} already exists; merge instead")
            self.conn.execute(f"UPDATE {table} SET name = ?, updated_at = ? WHERE id = ?",
                              [name, now_utc(), row_id])

    def set_named_deleted(self, table: str, row_id: str, deleted: bool) -> None:
        _check_named(table)
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute(f"UPDATE {table} SET deleted_at = ?, updated_at = ? WHERE id = ?",
                              [now if deleted else None, now, row_id])

    def merge_named(self, table: str, source_id: str, target_id: str) -> list[str]:
        _check_named(table)
        if source_id == target_id:
            raise ValidationError(table[:-1], "cannot be merged into itself")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            if table == "cohorts":
                moved = [r[0] for r in self.conn.execute(
                    "SELECT id FROM customers WHERE cohort_id = ?", [source_id])]
                self.conn.execute("UPDATE customers SET cohort_id = ?, updated_at = ? "
                                  "WHERE cohort_id = ?", [target_id, now, source_id])
            else:
                voices = [r[0] for r in self.conn.execute(
                    "SELECT voice_id FROM voice_themes WHERE theme_id = ? AND deleted_at IS NULL",
                    [source_id])]
                had_target = {r[0] for r in self.conn.execute(
                    "SELECT voice_id FROM voice_themes WHERE theme_id = ? AND deleted_at IS NULL",
                    [target_id])}
                # "+" marks a link to the target that this merge added, so undo removes it.
                moved = [v if v in had_target else f"{v}+" for v in voices]
                for voice_id in voices:
                    self.conn.execute(
                        "INSERT INTO voice_themes (voice_id, theme_id, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET deleted_at = NULL",
                        [voice_id, target_id, now, now])
                self.conn.execute("UPDATE voice_themes SET deleted_at = ?, updated_at = ? "
                                  "WHERE theme_id = ?", [now, now, source_id])
            self.conn.execute(f"UPDATE {table} SET deleted_at = ?, updated_at = ? WHERE id = ?",
                              [now, now, source_id])
            return moved

    def unmerge_named(self, table: str, source_id: str, target_id: str,
                      moved: list[str]) -> None:
        _check_named(table)
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute(f"UPDATE {table} SET deleted_at = NULL, updated_at = ? "
                              "WHERE id = ?", [now, source_id])
            if table == "cohorts":
                self.conn.executemany("UPDATE customers SET cohort_id = ?, updated_at = ? "
                                      "WHERE id = ?", [(source_id, now, c) for c in moved])
            else:
                self.conn.executemany(
                    "UPDATE voice_themes SET deleted_at = NULL, updated_at = ? "
                    "WHERE voice_id = ? AND theme_id = ?",
                    [(now, v.rstrip("+"), source_id) for v in moved])
                self.conn.executemany(
                    "UPDATE voice_themes SET deleted_at = ?, updated_at = ? "
                    "WHERE voice_id = ? AND theme_id = ?",
                    [(now, now, v[:-1], target_id) for v in moved if v.endswith("+")])
