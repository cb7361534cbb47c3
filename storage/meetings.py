"""Meetings, agenda decisions and impacts; the queries the matching engine needs."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from app.board.domain import Kind, VoiceDraft, check_plain, clean_name
from app.errors import NotFoundError, ValidationError
from app.meeting.domain import (
    ActionItem,
    Decision,
    Delivery,
    Effect,
    ImpactRecord,
    ImpactStatus,
    Meeting,
    MeetingAction,
    MeetingEvent,
    MeetingStatus,
    Outcome,
    Stance,
)
from app.meeting.facts import CustomerFacts, VoiceHit, VoiceOwner
from storage.board import now_utc
from storage.errors import translated
from storage.ids import new_id
from storage.parts import BoardParts
from storage.search import names_in, names_params

_HIT = """SELECT v.id, v.customer_id, v.kind, v.text, v.heard_on, v.severity"""


def _marks(items: list[Any]) -> str:
    return ", ".join("?" * len(items))


_KINDS = {k.value: k for k in Kind}
_TOKENIZER = "porter unicode61 remove_diacritics 2"  # the text index's (migration m009)


_stemmers = threading.local()


def _stems(words: Iterable[str]) -> dict[str, str]:
    words = list(dict.fromkeys(words))
    if not words:
        return {}
    conn = getattr(_stemmers, "conn", None)
    if conn is None:  # one per thread: sqlite3 connections are not shared across threads
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(f"CREATE VIRTUAL TABLE stemmer USING fts5(word, tokenize={_TOKENIZER!r})")
        conn.execute("CREATE VIRTUAL TABLE stemmer_terms USING fts5vocab(stemmer, 'instance')")
        _stemmers.conn = conn
    conn.executemany("INSERT INTO stemmer (rowid, word) VALUES (?, ?)",
                     list(enumerate(words, 1)))
    found: dict[int, list[str]] = {}
    for doc, term in conn.execute("SELECT doc, term FROM stemmer_terms"):
        found.setdefault(doc, []).append(term)
    conn.execute("DELETE FROM stemmer")
    return {words[doc - 1]: terms[0] for doc, terms in found.items() if len(terms) == 1}


def _hit(row: Any, key: int = 0) -> VoiceHit:
    return VoiceHit(row[0], row[1], Kind(row[2]), row[3], dt.date.fromisoformat(row[4]),
                    row[5], key=key)


class MeetingsMixin(BoardParts):
    """Meetings, agenda and impacts; mixed into SqliteBoard."""

    # -- what the matching engine reads -----------------------------------------------------
    def voice_total(self) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM voices WHERE deleted_at IS NULL").fetchone()[0])

    def stems(self, words: Iterable[str]) -> dict[str, str]:
        """Each word as the text index keeps it (porter stem, no accents), told by SQLite's
        own tokenizer in a private in-memory database (never the board's connection or
        file). Words the index splits in two or drops are left out."""
        return _stems(words)

    def doc_counts(self, stems: Iterable[str]) -> dict[str, int]:
        """How many live voices hold each stem."""
        stems = list(dict.fromkeys(stems))
        if not stems:
            return {}
        return {term: int(doc) for term, doc in self.conn.execute(
            f"SELECT term, doc FROM voices_fts_vocab WHERE term IN ({_marks(stems)})", stems)}

    def postings(self, word: str) -> dict[int, float]:
        """Every live voice holding the word in any form of its stem: voice key (rowid) ->
        the word's bm25 weight in that voice (positive; the sum over a query's words is
        FTS5's own bm25 of the query)."""
        rows = self.conn.execute(
            "SELECT rowid, -bm25(voices_fts) FROM voices_fts WHERE voices_fts MATCH ?",
            ['"' + word.replace('"', '""') + '"'])
        return dict(rows)

    def voice_hits(self, keys: Iterable[int]) -> dict[int, VoiceHit]:
        """Live voices by key (rowid), in one query however many."""
        keys = list(keys)
        if not keys:
            return {}
        rows = self.conn.execute(
            f"{_HIT}, v.rowid FROM voices v WHERE v.rowid IN (SELECT value FROM json_each(?)) "
            "AND v.deleted_at IS NULL", [json.dumps(keys)]).fetchall()
        return {r[6]: _hit(r, key=r[6]) for r in rows}

    def voice_owners(self, keys: Iterable[int]) -> dict[int, VoiceOwner]:
        """Whose each live voice is, with its kind and date, by key (rowid): no text read."""
        keys = list(keys)
        if not keys:
            return {}
        rows = self.conn.execute(
            "SELECT v.rowid, v.customer_id, v.kind, v.heard_on FROM voices v WHERE v.rowid IN "
            "(SELECT value FROM json_each(?)) AND v.deleted_at IS NULL", [json.dumps(keys)])
        return {key: VoiceOwner(customer, _KINDS[kind], heard_on)
                for key, customer, kind, heard_on in rows}

    def theme_voice_owners(self, themes: Iterable[str]) -> dict[int, VoiceOwner]:
        """Every live voice on any of the themes (a theme counts fully: no cap)."""
        names = list(themes)
        if not names:
            return {}
        rows = self.conn.execute(
            # INDEXED BY: the covering index answers without reading the wide voice rows. A
            # voice on two of the themes comes twice: the dict keeps it once.
            "SELECT v.rowid, v.customer_id, v.kind, v.heard_on FROM voice_themes vt "
            "JOIN voices v INDEXED BY voices_live_owner ON v.id = vt.voice_id WHERE "
            "v.deleted_at IS NULL AND vt.deleted_at IS NULL AND vt.theme_id IN (SELECT id FROM "
            f"themes WHERE deleted_at IS NULL AND {names_in('name', len(names))})",
            names_params(names))
        return {key: VoiceOwner(customer, _KINDS[kind], heard_on)
                for key, customer, kind, heard_on in rows}

    def _facts(self, where: str, params: list[Any]) -> list[CustomerFacts]:
        rows = self.conn.execute(
            "SELECT c.id, c.name, h.name, c.weight FROM customers c LEFT JOIN cohorts h ON "
            f"h.id = c.cohort_id WHERE c.deleted_at IS NULL AND {where}", params).fetchall()
        return [CustomerFacts(*r) for r in rows]

    # Names in any case by name_key (SQLite's lower() leaves "É" and "ß" as they are).
    def customers_named(self, names: Iterable[str]) -> list[CustomerFacts]:
        names = list(names)
        return self._facts(names_in("c.name", len(names)), names_params(names)) \
            if names else []

    def cohort_customers(self, cohorts: Iterable[str]) -> list[CustomerFacts]:
        cohorts = list(cohorts)
        return self._facts(names_in("h.name", len(cohorts)), names_params(cohorts)) \
            if cohorts else []

    def customer_facts(self, ids: Iterable[str]) -> dict[str, CustomerFacts]:
        ids = list(ids)
        facts: dict[str, CustomerFacts] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start: start + 500]
            for fact in self._facts(f"c.id IN ({_marks(chunk)})", chunk):
                facts[fact.id] = fact
        return facts

    def search_voice_id(self, text: str) -> str:
        """The id of the live voice with exactly this text (tests and demo wiring)."""
        row = self.conn.execute("SELECT id FROM voices WHERE text = ? AND deleted_at IS NULL",
                                [text]).fetchone()
        if row is None:
            raise NotFoundError(f"no voice says {text!r}")
        return str(row[0])

    def voices_by_id(self, ids: Iterable[str]) -> list[VoiceHit]:
        ids = list(ids)
        if not ids:
            return []
        rows = self.conn.execute(f"{_HIT}, v.rowid FROM voices v WHERE v.id IN "
                                 f"({_marks(ids)}) AND v.deleted_at IS NULL", ids).fetchall()
        return [_hit(r, key=r[6]) for r in rows]

    # -- meetings -----------------------------------------------------------------------
    def create_meeting(self, title: str, held_on: dt.date, facilitator: str = "",
                       attendees: str = "", notes: str = "") -> str:
        title = clean_name(title, "title")
        for value, field in ((facilitator, "facilitator"), (attendees, "attendees"),
                             (notes, "notes")):
            check_plain(value, field)
        meeting_id = new_id()
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute(
                "INSERT INTO meetings (id, title, held_on, facilitator, attendees, notes, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [meeting_id, title, held_on.isoformat(), facilitator, attendees, notes, now,
                 now])
        return meeting_id

    def meetings(self) -> list[Meeting]:
        rows = self.conn.execute(
            "SELECT id, title, held_on, facilitator, attendees, notes, status, anonymous "
            "FROM meetings WHERE deleted_at IS NULL ORDER BY held_on DESC, created_at DESC")
        return [Meeting(r[0], r[1], dt.date.fromisoformat(r[2]), r[3], r[4], r[5],
                        MeetingStatus(r[6]), bool(r[7])) for r in rows]

    def get_meeting(self, meeting_id: str) -> Meeting:
        """A meeting by id, by its short id (#1a2b3c4d, its last digits), or by the start
        of its id when only one meeting's id starts so (ids are time-ordered UUIDv7s:
        meetings made together share their first digits)."""
        meetings = self.meetings()
        for meeting in meetings:
            if meeting.id == meeting_id:
                return meeting
        wanted = meeting_id.strip().lstrip("#").lower()
        # The start of an id, or its short id (its last 8 digits, shown in the picker).
        found = [m for m in meetings if wanted and (
            m.id.startswith(wanted) or (len(wanted) >= 6 and
                                        m.id.replace("-", "").endswith(wanted)))]
        if len(found) == 1:
            return found[0]
        if found:
            raise ValidationError("meeting", f"{meeting_id!r} starts {len(found)} meeting ids; "
                                  "give more characters")
        raise NotFoundError(f"no meeting {meeting_id}")

    def set_meeting(self, meeting_id: str, **fields: Any) -> None:
        allowed = {"title", "held_on", "facilitator", "attendees", "notes", "status",
                   "anonymous"}
        if not set(fields) <= allowed:
            raise ValueError(f"unknown meeting fields {set(fields) - allowed}")
        values = {k: (v.isoformat() if isinstance(v, dt.date) else
                      int(v) if isinstance(v, bool) else str(v)) for k, v in fields.items()}
        for field, value in values.items():
            if field == "title":
                values[field] = clean_name(str(value), "title")
            elif isinstance(value, str):
                check_plain(value, field)
        with self.connection.write(), translated(self.path):
            sets = ", ".join(f"{k} = ?" for k in values)
            self.conn.execute(f"UPDATE meetings SET {sets}, updated_at = ? WHERE id = ?",
                              [*values.values(), now_utc(), meeting_id])

    def update_meeting(self, meeting: Meeting) -> None:
        """Write a meeting's details, anonymity and planned/running status (closing and
        reopening go through freeze_meeting and reopen_meeting, which log them)."""
        if meeting.status is MeetingStatus.CLOSED:
            raise ValidationError("status", "a meeting is closed by closing it")
        self.set_meeting(meeting.id, title=meeting.title, held_on=meeting.held_on,
                         facilitator=meeting.facilitator, attendees=meeting.attendees,
                         notes=meeting.notes, anonymous=meeting.anonymous,
                         status=meeting.status.value)

    # -- decisions ----------------------------------------------------------------------
    def decisions(self, meeting_id: str) -> list[Decision]:
        """The meeting's live agenda, in order: three queries however long it is."""
        rows = self.conn.execute(
            "SELECT id, meeting_id, position, title, description, owner, outcome, rationale, "
            "decided_at, delivery, delivery_on FROM decisions WHERE meeting_id = ? AND "
            "deleted_at IS NULL ORDER BY position", [meeting_id]).fetchall()
        themes: dict[str, list[str]] = {}
        for decision_id, name in self.conn.execute(
                "SELECT dt.decision_id, t.name FROM decision_themes dt JOIN themes t ON t.id = "
                "dt.theme_id JOIN decisions d ON d.id = dt.decision_id WHERE d.meeting_id = ? "
                "AND dt.deleted_at IS NULL ORDER BY t.name", [meeting_id]):
            themes.setdefault(decision_id, []).append(name)
        customers: dict[str, list[str]] = {}
        cohorts: dict[str, list[str]] = {}
        for decision_id, customer, cohort in self.conn.execute(
                "SELECT i.decision_id, c.name, h.name FROM impacts i JOIN decisions d ON d.id = "
                "i.decision_id LEFT JOIN customers c ON c.id = i.customer_id LEFT JOIN cohorts h"
                " ON h.id = i.cohort_id WHERE d.meeting_id = ? AND i.routes = 'named' AND "
                "i.deleted_at IS NULL", [meeting_id]):
            if customer:
                customers.setdefault(decision_id, []).append(customer)
            if cohort:
                cohorts.setdefault(decision_id, []).append(cohort)
        return [Decision(
            id=r[0], meeting_id=r[1], position=r[2], title=r[3], description=r[4], owner=r[5],
            themes=tuple(themes.get(r[0], ())),
            named_customers=tuple(sorted(customers.get(r[0], ()))),
            named_cohorts=tuple(sorted(cohorts.get(r[0], ()))),
            outcome=Outcome(r[6]), rationale=r[7], decided_at=r[8], delivery=Delivery(r[9]),
            delivery_on=dt.date.fromisoformat(r[10]) if r[10] else None) for r in rows]

    def frozen_records(self, meeting_id: str) -> dict[str, str]:
        """Each frozen decision record of a closed meeting as stored (JSON text, read by
        app.meeting.frozen): decision id -> text. A reopened meeting has none until it closes
        again: the records it had are in its reopen event."""
        return dict(self.conn.execute(
            "SELECT d.id, d.frozen FROM decisions d JOIN meetings m ON m.id = d.meeting_id "
            "WHERE d.meeting_id = ? AND d.deleted_at IS NULL AND d.frozen IS NOT NULL AND "
            "m.status = 'closed'", [meeting_id]).fetchall())

    def get_decision(self, decision_id: str) -> Decision:
        row = self.conn.execute("SELECT meeting_id FROM decisions WHERE id = ?",
                                [decision_id]).fetchone()
        if row is None:
            raise NotFoundError(f"no decision {decision_id}")
        return next(d for d in self.decisions(row[0]) if d.id == decision_id)

    def _write_decision_links(self, decision_id: str, themes: Iterable[str],
                              customers: Iterable[str], cohorts: Iterable[str],
                              now: str) -> None:
        self.conn.execute("UPDATE decision_themes SET deleted_at = ?, updated_at = ? WHERE "
                          "decision_id = ?", [now, now, decision_id])
        known = self._ids_by_name("themes")
        for theme in themes:
            theme_id, _ = self._ensure_named("themes", known, clean_name(theme, "theme"), now)
            self.conn.execute(
                "INSERT INTO decision_themes (decision_id, theme_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET deleted_at = NULL",
                [decision_id, theme_id, now, now])
        self.conn.execute("UPDATE impacts SET deleted_at = ?, updated_at = ? WHERE "
                          "decision_id = ? AND routes = 'named' AND cohort_id IS NOT NULL",
                          [now, now, decision_id])
        customer_ids = self._ids_by_name("customers")
        wanted = []
        for name in customers:
            customer_id = customer_ids.get(name.casefold())
            if customer_id is None:
                raise ValidationError("customer", f"no customer called {name!r}")
            wanted.append(customer_id)
        # A customer taken off the named list is no longer named: its impact goes (an
        # undo that restores what the room had recorded before writes that back itself).
        self.conn.execute(
            "UPDATE impacts SET routes = '', deleted_at = ?, updated_at = ? WHERE decision_id = ?"
            " AND routes = 'named' AND customer_id IS NOT NULL AND customer_id NOT IN (SELECT "
            "value FROM json_each(?))", [now, now, decision_id, json.dumps(wanted)])
        for customer_id in wanted:
            self.conn.execute(
                # Newly named: confirmed. Already named: what the room recorded stays (a
                # named customer the room dismissed stays dismissed when the outcome is set).
                "INSERT INTO impacts (id, decision_id, customer_id, routes, status, created_at,"
                " updated_at) VALUES (?, ?, ?, 'named', 'confirmed', ?, ?) ON CONFLICT DO "
                "UPDATE SET status = CASE WHEN routes = 'named' AND deleted_at IS NULL THEN "
                "status ELSE 'confirmed' END, routes = 'named', deleted_at = NULL",
                [new_id(), decision_id, customer_id, now, now])
        cohort_ids = self._ids_by_name("cohorts")
        for name in cohorts:
            cohort_id = cohort_ids.get(name.casefold())
            if cohort_id is None:
                raise ValidationError("cohort", f"no cohort called {name!r}")
            self.conn.execute(
                "INSERT INTO impacts (id, decision_id, cohort_id, routes, status, created_at, "
                "updated_at) VALUES (?, ?, ?, 'named', 'confirmed', ?, ?) ON CONFLICT DO "
                "UPDATE SET deleted_at = NULL", [new_id(), decision_id, cohort_id, now, now])

    def add_decision(self, meeting_id: str, title: str, description: str = "",
                     owner: str = "", themes: Iterable[str] = (),
                     customers: Iterable[str] = (), cohorts: Iterable[str] = (),
                     deferred_from: str | None = None) -> str:
        title = clean_name(title, "title")
        check_plain(description, "description")
        check_plain(owner, "owner")
        decision_id = new_id()
        with self.connection.write(), translated(self.path):
            now = now_utc()
            position = self.conn.execute(
                "SELECT coalesce(max(position), 0) + 1 FROM decisions WHERE meeting_id = ? AND "
                "deleted_at IS NULL", [meeting_id]).fetchone()[0]
            self.conn.execute(
                "INSERT INTO decisions (id, meeting_id, position, title, description, owner, "
                "deferred_from, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [decision_id, meeting_id, position, title, description, owner, deferred_from,
                 now, now])
            self._write_decision_links(decision_id, themes, customers, cohorts, now)
        return decision_id

    def update_decision(self, decision: Decision,
                        records: Mapping[str, ImpactRecord | None] | None = None) -> None:
        """Write a decision (text, themes, named ones, outcome) and, in the same
        transaction, what the room recorded for the customers in `records`."""
        title = clean_name(decision.title, "title")
        for value, field in ((decision.description, "description"),
                             (decision.owner, "owner"), (decision.rationale, "rationale")):
            check_plain(value, field)
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute(
                "UPDATE decisions SET title = ?, description = ?, owner = ?, outcome = ?, "
                "rationale = ?, decided_at = ?, updated_at = ? WHERE id = ?",
                [title, decision.description, decision.owner, decision.outcome.value,
                 decision.rationale, decision.decided_at, now, decision.id])
            self._write_decision_links(decision.id, decision.themes, decision.named_customers,
                                       decision.named_cohorts, now)
            for customer_id, record in (records or {}).items():
                self.put_impact(decision.id, customer_id, record)

    def set_decision_deleted(self, decision_id: str, deleted: bool) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute("UPDATE decisions SET deleted_at = ?, updated_at = ? WHERE id = ?",
                              [now if deleted else None, now, decision_id])

    def set_agenda_order(self, meeting_id: str, decision_ids: list[str]) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.executemany(
                "UPDATE decisions SET position = ?, updated_at = ? WHERE id = ? AND "
                "meeting_id = ?", [(i + 1, now, d, meeting_id) for i, d in
                                   enumerate(decision_ids)])

    def duplicate_meeting(self, meeting_id: str, title: str, held_on: dt.date) -> str:
        """A recurring meeting: same agenda (pending again), a new date."""
        source = self.get_meeting(meeting_id)
        with self.connection.write():  # one transaction: all of the agenda, or nothing
            new_meeting = self.create_meeting(title, held_on, source.facilitator,
                                              source.attendees)
            for d in self.decisions(meeting_id):
                self.add_decision(new_meeting, d.title, d.description, d.owner, d.themes,
                                  d.named_customers, d.named_cohorts)
        return new_meeting

    def deferred_decisions(self, meeting_id: str) -> list[Decision]:
        """Deferred decisions of earlier meetings not yet carried onto any agenda."""
        meeting = self.get_meeting(meeting_id)
        rows = self.conn.execute(
            "SELECT d.id, d.meeting_id FROM decisions d JOIN meetings m ON m.id = d.meeting_id "
            "WHERE d.outcome = 'deferred' AND d.deleted_at IS NULL AND m.id != ? AND "
            "m.held_on <= ? AND NOT EXISTS (SELECT 1 FROM decisions n WHERE n.deferred_from = "
            "d.id AND n.deleted_at IS NULL) ORDER BY m.held_on, d.position",
            [meeting_id, meeting.held_on.isoformat()]).fetchall()
        return [next(x for x in self.decisions(m) if x.id == d) for d, m in rows]

    # -- impacts ------------------------------------------------------------------------
    def impact_records(self, decision_id: str) -> dict[str, ImpactRecord]:
        return self.impact_records_of([decision_id]).get(decision_id, {})

    def impact_records_of(self, decision_ids: Iterable[str],
                          ) -> dict[str, dict[str, ImpactRecord]]:
        """What the room recorded per customer, for many decisions in two queries."""
        ids = json.dumps(list(decision_ids))
        evidence: dict[str, list[tuple[str, str | None]]] = {}
        for impact_id, voice_id, stance in self.conn.execute(
                "SELECT e.impact_id, e.voice_id, e.stance FROM impact_evidence e JOIN impacts i "
                "ON i.id = e.impact_id WHERE i.decision_id IN (SELECT value FROM json_each(?)) "
                "AND e.deleted_at IS NULL AND i.deleted_at IS NULL", [ids]):
            evidence.setdefault(impact_id, []).append((voice_id, stance))
        records: dict[str, dict[str, ImpactRecord]] = {}
        for impact_id, decision_id, customer_id, status, effect, note in self.conn.execute(
                "SELECT id, decision_id, customer_id, status, effect, note FROM impacts WHERE "
                "decision_id IN (SELECT value FROM json_each(?)) AND customer_id IS NOT NULL "
                "AND deleted_at IS NULL", [ids]):
            shown = evidence.get(impact_id, [])
            records.setdefault(decision_id, {})[customer_id] = ImpactRecord(
                customer_id, ImpactStatus(status), Effect(effect), note,
                {v: Stance(st) for v, st in shown if st}, tuple(v for v, _ in shown))
        return records

    def _impact_id(self, decision_id: str, customer_id: str, now: str) -> str:
        row = self.conn.execute("SELECT id FROM impacts WHERE decision_id = ? AND "
                                "customer_id = ?", [decision_id, customer_id]).fetchone()
        if row:
            return str(row[0])
        impact_id = new_id()
        self.conn.execute(
            "INSERT INTO impacts (id, decision_id, customer_id, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)", [impact_id, decision_id, customer_id, now, now])
        return impact_id

    def record_impact(self, decision_id: str, customer_id: str, *,
                      status: ImpactStatus | None = None, effect: Effect | None = None,
                      note: str | None = None, routes: str | None = None) -> None:
        with self.connection.write(), translated(self.path):
            now = now_utc()
            impact_id = self._impact_id(decision_id, customer_id, now)
            values: dict[str, Any] = {"deleted_at": None}
            if status is not None:
                values["status"] = status.value
            if effect is not None:
                values["effect"] = effect.value
            if note is not None:
                values["note"] = check_plain(note, "note")
            if routes is not None:
                values["routes"] = routes
            sets = ", ".join(f"{k} = ?" for k in values)
            self.conn.execute(f"UPDATE impacts SET {sets}, updated_at = ? WHERE id = ?",
                              [*values.values(), now, impact_id])

    def put_impact(self, decision_id: str, customer_id: str,
                   record: ImpactRecord | None) -> None:
        """Make what the room recorded for this customer exactly `record` (status, effect,
        note and the evidence with its stances), in one transaction; None: no record (the
        customer is only what matching suggests). Its route is left as it is."""
        if record is not None:
            check_plain(record.note, "note")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            if record is None:
                self.conn.execute(
                    "UPDATE impact_evidence SET deleted_at = ?, updated_at = ? WHERE impact_id "
                    "IN (SELECT id FROM impacts WHERE decision_id = ? AND customer_id = ?) AND "
                    "deleted_at IS NULL", [now, now, decision_id, customer_id])
                self.conn.execute(
                    "UPDATE impacts SET deleted_at = ?, updated_at = ? WHERE decision_id = ? "
                    "AND customer_id = ? AND deleted_at IS NULL",
                    [now, now, decision_id, customer_id])
                return
            impact_id = self._impact_id(decision_id, customer_id, now)
            self.conn.execute(
                "UPDATE impacts SET status = ?, effect = ?, note = ?, deleted_at = NULL, "
                "updated_at = ? WHERE id = ?", [record.status.value, record.effect.value,
                                                record.note, now, impact_id])
            self.conn.execute(
                "UPDATE impact_evidence SET deleted_at = ?, updated_at = ? WHERE impact_id = ? "
                "AND deleted_at IS NULL AND voice_id NOT IN (SELECT value FROM json_each(?))",
                [now, now, impact_id, json.dumps(list(record.attached))])
            self.conn.executemany(
                "INSERT INTO impact_evidence (impact_id, voice_id, stance, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET stance = "
                "excluded.stance, deleted_at = NULL, updated_at = excluded.updated_at",
                [(impact_id, voice_id, record.stances[voice_id].value
                  if voice_id in record.stances else None, now, now)
                 for voice_id in record.attached])

    def set_evidence(self, decision_id: str, customer_id: str, voice_id: str,
                     stance: Stance | None, attached: bool = True) -> None:
        """Attach a voice as evidence (with a stance), or with attached=False, detach it."""
        with self.connection.write(), translated(self.path):
            now = now_utc()
            impact_id = self._impact_id(decision_id, customer_id, now)
            self.conn.execute(
                "INSERT INTO impact_evidence (impact_id, voice_id, stance, created_at, "
                "updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "stance = excluded.stance, deleted_at = excluded.deleted_at, updated_at = ?",
                [impact_id, voice_id, stance.value if stance else None, now, now,
                 None if attached else now, now])

    def capture_evidence(self, draft: VoiceDraft, decision_id: str,
                         ) -> tuple[str, str, ImpactRecord | None]:
        """Log a voice heard in the meeting and attach it to the decision, its customer
        confirmed, in one transaction. Returns (voice id, customer id, what the room had
        recorded for that customer before)."""
        with self.connection.write(), translated(self.path):
            voice_id = self.insert_voice(draft)
            customer_id = str(self.conn.execute(
                "SELECT customer_id FROM voices WHERE id = ?", [voice_id]).fetchone()[0])
            before = self.impact_records(decision_id).get(customer_id)
            after = (before or ImpactRecord(customer_id, ImpactStatus.CONFIRMED)).but(
                status=ImpactStatus.CONFIRMED).with_stance(voice_id, None)
            self.put_impact(decision_id, customer_id, after)
        return voice_id, customer_id, before

    # -- closing ------------------------------------------------------------------------
    def freeze_meeting(self, meeting_id: str, frozen: dict[str, str]) -> None:
        """Close a meeting: keep what the room saw with each decision (JSON text made by
        app.meeting.frozen), and log the close."""
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.executemany(
                "UPDATE decisions SET frozen = ?, updated_at = ? WHERE id = ? AND meeting_id = ?",
                [(record, now, decision_id, meeting_id) for decision_id, record in
                 frozen.items()])
            self.conn.execute("UPDATE meetings SET status = 'closed', closed_at = ?, "
                              "updated_at = ? WHERE id = ?", [now, now, meeting_id])
            self._log_event(meeting_id, MeetingAction.CLOSED, "", None, now)

    def reopen_meeting(self, meeting_id: str, reason: str) -> None:
        """Reopen a closed meeting on purpose: the reason is logged with a copy of every
        record frozen at the close (which no reader uses while the meeting is open)."""
        check_plain(reason, "reason")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            kept = json.dumps(self.frozen_records(meeting_id), ensure_ascii=False)
            self.conn.execute("UPDATE meetings SET status = 'running', closed_at = NULL, "
                              "updated_at = ? WHERE id = ? AND status = 'closed'",
                              [now, meeting_id])
            self._log_event(meeting_id, MeetingAction.REOPENED, reason, kept, now)

    def _log_event(self, meeting_id: str, action: MeetingAction, reason: str,
                   frozen: str | None, now: str) -> None:
        self.conn.execute(
            "INSERT INTO meeting_events (id, meeting_id, action, reason, frozen, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [new_id(), meeting_id, action.value, reason, frozen, now, now])

    def meeting_events(self, meeting_id: str) -> list[MeetingEvent]:
        return [MeetingEvent(MeetingAction(a), at, reason) for a, at, reason in self.conn.execute(
            "SELECT action, created_at, reason FROM meeting_events WHERE meeting_id = ? AND "
            "deleted_at IS NULL ORDER BY created_at, rowid", [meeting_id])]

    # -- follow-through (after the meeting; a closed meeting's decisions still ship) --------
    def set_delivery(self, decision_id: str, delivery: Delivery, on: dt.date | None) -> None:
        with self.connection.write(), translated(self.path):
            self.conn.execute(
                "UPDATE decisions SET delivery = ?, delivery_on = ?, updated_at = ? WHERE id = ?",
                [delivery.value, on.isoformat() if on else None, now_utc(), decision_id])

    def action_items(self, decision_ids: Iterable[str]) -> dict[str, list[ActionItem]]:
        """Live action items per decision, oldest first."""
        items: dict[str, list[ActionItem]] = {}
        for row in self.conn.execute(
                "SELECT id, decision_id, what, owner, due_on, done_on FROM action_items WHERE "
                "decision_id IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL "
                "ORDER BY created_at, rowid", [json.dumps(list(decision_ids))]):
            items.setdefault(row[1], []).append(_item(row))
        return items

    def put_action_item(self, item: ActionItem, deleted: bool = False) -> None:
        """Write an action item as it is (a new one by its id), or with deleted, soft-delete
        it."""
        clean_name(item.what, "action")
        check_plain(item.owner, "owner")
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.execute(
                "INSERT INTO action_items (id, decision_id, what, owner, due_on, done_on, "
                "created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON "
                "CONFLICT (id) DO UPDATE SET what = excluded.what, owner = excluded.owner, "
                "due_on = excluded.due_on, done_on = excluded.done_on, updated_at = "
                "excluded.updated_at, deleted_at = excluded.deleted_at",
                [item.id, item.decision_id, item.what.strip(), item.owner.strip(),
                 item.due_on.isoformat() if item.due_on else None,
                 item.done_on.isoformat() if item.done_on else None, now, now,
                 now if deleted else None])

    def new_action_id(self) -> str:
        return new_id()

    def told(self, decision_ids: Iterable[str]) -> dict[str, dict[str, dt.date]]:
        """Per decision: the customers told how it ended, and when."""
        told: dict[str, dict[str, dt.date]] = {}
        for decision_id, customer_id, on in self.conn.execute(
                "SELECT decision_id, customer_id, told_on FROM customers_told WHERE decision_id "
                "IN (SELECT value FROM json_each(?)) AND deleted_at IS NULL",
                [json.dumps(list(decision_ids))]):
            told.setdefault(decision_id, {})[customer_id] = dt.date.fromisoformat(on)
        return told

    def set_told(self, decision_id: str, told: Mapping[str, dt.date | None]) -> None:
        """Mark customers told (on a day) or, with None, not told, in one transaction."""
        with self.connection.write(), translated(self.path):
            now = now_utc()
            self.conn.executemany(
                "INSERT INTO customers_told (decision_id, customer_id, told_on, created_at, "
                "updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                "told_on = excluded.told_on, updated_at = excluded.updated_at, deleted_at = "
                "excluded.deleted_at",
                [(decision_id, customer_id, (on or dt.date.today()).isoformat(), now, now,
                  None if on else now) for customer_id, on in told.items()])


def _item(row: Any) -> ActionItem:
    return ActionItem(row[0], row[1], row[2], row[3],
                      dt.date.fromisoformat(row[4]) if row[4] else None,
                      dt.date.fromisoformat(row[5]) if row[5] else None)
