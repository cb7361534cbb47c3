"""Read-only queries for the impact history: the decision log, series and gaps."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.board.domain import Kind
from storage.search import name_is, name_params

if TYPE_CHECKING:  # loaded with the follow-through, not when a board opens
    from app.history.follow import VoiceRow

# Voices a decision answered: the customer was confirmed on a decision sharing a theme with
# the voice, or the voice itself was attached as evidence. Driven from the (few) confirmed
# impacts, not from the (many) voices: 30 s -> well under a second on 100k voices.
_ANSWERED_PAIRS = """
    SELECT vt.voice_id AS voice_id, m.held_on AS held_on
    FROM impacts i
    JOIN decisions d ON d.id = i.decision_id AND d.deleted_at IS NULL
    JOIN meetings m ON m.id = d.meeting_id AND m.deleted_at IS NULL
    JOIN decision_themes dt ON dt.decision_id = d.id AND dt.deleted_at IS NULL
    JOIN voices v ON v.customer_id = i.customer_id AND v.deleted_at IS NULL
    JOIN voice_themes vt ON vt.voice_id = v.id AND vt.theme_id = dt.theme_id
        AND vt.deleted_at IS NULL
    WHERE i.status = 'confirmed' AND i.deleted_at IS NULL
    UNION ALL
    SELECT e.voice_id, m.held_on
    FROM impact_evidence e
    JOIN impacts i ON i.id = e.impact_id AND i.status = 'confirmed' AND i.deleted_at IS NULL
    JOIN decisions d ON d.id = i.decision_id AND d.deleted_at IS NULL
    JOIN meetings m ON m.id = d.meeting_id AND m.deleted_at IS NULL
    WHERE e.deleted_at IS NULL"""


def _bounds(start: dt.date | None, end: dt.date | None) -> tuple[str, str]:
    return (start or dt.date.min).isoformat(), (end or dt.date.max).isoformat()


class HistoryMixin:
    conn: Any

    def decision_log_rows(self) -> list[dict[str, Any]]:
        """Every live decision with its meeting, themes and confirmed customers.

        `frozen` is the decision's frozen record as stored (JSON text, or None while its
        meeting is open): app.history.log reads it, this module does not.
        """
        decisions = self.conn.execute(
            "SELECT d.id, m.id, m.title, m.held_on, d.title, d.outcome, d.decided_at, "
            "d.rationale, CASE WHEN m.status = 'closed' THEN d.frozen END, d.delivery, "
            "d.delivery_on FROM decisions d JOIN meetings m "
            "ON m.id = d.meeting_id "
            "WHERE d.deleted_at IS NULL AND m.deleted_at IS NULL "
            "ORDER BY m.held_on, d.position").fetchall()
        themes: dict[str, list[str]] = {}
        for decision_id, name in self.conn.execute(
                "SELECT dt.decision_id, t.name FROM decision_themes dt JOIN themes t ON t.id = "
                "dt.theme_id WHERE dt.deleted_at IS NULL ORDER BY t.name"):
            themes.setdefault(decision_id, []).append(name)
        live: dict[str, list[dict[str, Any]]] = {}
        for decision_id, customer_id, name, cohort, weight, effect, evidence in self.conn.execute(
                "SELECT i.decision_id, c.id, c.name, h.name, c.weight, i.effect, "
                "(SELECT count(*) FROM impact_evidence e WHERE e.impact_id = i.id AND "
                "e.deleted_at IS NULL) FROM impacts i JOIN customers c ON c.id = i.customer_id "
                "LEFT JOIN cohorts h ON h.id = c.cohort_id WHERE i.status = 'confirmed' AND "
                "i.deleted_at IS NULL"):
            live.setdefault(decision_id, []).append(
                {"id": customer_id, "name": name, "cohort": cohort, "weight": weight,
                 "effect": effect, "evidence": evidence})
        return [{"id": did, "meeting_id": mid, "meeting": mtitle, "date": held_on,
                 "title": title, "outcome": outcome, "decided_at": decided_at,
                 "rationale": rationale, "themes": themes.get(did, []),
                 "customers": live.get(did, []), "frozen": frozen, "delivery": delivery,
                 "delivery_on": delivery_on}
                for did, mid, mtitle, held_on, title, outcome, decided_at, rationale, frozen,
                delivery, delivery_on in decisions]

    def voice_month_counts(self, start: dt.date | None = None,
                           end: dt.date | None = None) -> list[tuple[str, str, int]]:
        lo, hi = _bounds(start, end)
        return [tuple(r) for r in self.conn.execute(
            "SELECT substr(heard_on, 1, 7), kind, count(*) FROM voices WHERE deleted_at IS "
            "NULL AND heard_on >= ? AND heard_on <= ? GROUP BY 1, 2 ORDER BY 1", [lo, hi])]

    def theme_voice_counts(self, start: dt.date | None = None,
                           end: dt.date | None = None) -> dict[str, int]:
        """Complaints and needs heard per theme, in [start, end]."""
        lo, hi = _bounds(start, end)
        return dict(self.conn.execute(
            "SELECT t.name, count(*) FROM voice_themes vt JOIN themes t ON t.id = vt.theme_id "
            "JOIN voices v ON v.id = vt.voice_id WHERE vt.deleted_at IS NULL AND "
            "v.deleted_at IS NULL AND v.kind != 'quote' AND t.deleted_at IS NULL AND "
            "v.heard_on >= ? AND v.heard_on <= ? GROUP BY t.name", [lo, hi]).fetchall())

    def unanswered_voices(self, limit: int = 500, start: dt.date | None = None,
                          end: dt.date | None = None) -> list[dict[str, Any]]:
        """Complaints and needs heard in [start, end] that no decision with their customer
        confirmed has touched."""
        lo, hi = _bounds(start, end)
        rows = self.conn.execute(
            f"""SELECT v.id, v.kind, v.text, v.heard_on, v.severity, c.name, h.name, c.weight,
                (SELECT group_concat(t.name, '; ') FROM voice_themes vt JOIN themes t
                 ON t.id = vt.theme_id WHERE vt.voice_id = v.id AND vt.deleted_at IS NULL)
            FROM voices v JOIN customers c ON c.id = v.customer_id
            LEFT JOIN cohorts h ON h.id = c.cohort_id
            WHERE v.deleted_at IS NULL AND v.kind IN ('complaint', 'need')
              AND v.heard_on >= ? AND v.heard_on <= ?
              AND v.id NOT IN (SELECT voice_id FROM ({_ANSWERED_PAIRS}))
            ORDER BY v.heard_on ASC, c.weight DESC, v.id LIMIT ?""",
            [lo, hi, limit]).fetchall()
        keys = ("id", "kind", "text", "heard_on", "severity", "customer", "cohort", "weight",
                "themes")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def answer_delays(self, start: dt.date | None = None,
                      end: dt.date | None = None) -> list[tuple[str, int]]:
        """(heard_on, days until the first decision that addressed it) per answered voice
        heard in [start, end].

        CROSS JOIN keeps SQLite walking the few answered pairs and looking voices up by id,
        instead of scanning every voice (0.8 s -> well under 0.1 s on 100k voices)."""
        lo, hi = _bounds(start, end)
        return [tuple(r) for r in self.conn.execute(
            f"""SELECT v.heard_on, min(julianday(a.held_on) - julianday(v.heard_on))
            FROM ({_ANSWERED_PAIRS}) a CROSS JOIN voices v ON v.id = a.voice_id
            WHERE a.held_on >= v.heard_on AND v.kind IN ('complaint', 'need')
              AND v.heard_on >= ? AND v.heard_on <= ?
            GROUP BY v.id""", [lo, hi])]

    def timeline_voices(self, customer: str | None = None,
                        cohort: str | None = None) -> list[dict[str, Any]]:
        where, params = (name_is("c.name"), name_params(customer)) if customer else \
            (name_is("h.name"), name_params(cohort or ""))
        rows = self.conn.execute(
            "SELECT v.heard_on, v.kind, v.text, c.name FROM voices v JOIN customers c ON c.id ="
            " v.customer_id LEFT JOIN cohorts h ON h.id = c.cohort_id WHERE v.deleted_at IS "
            f"NULL AND {where} ORDER BY v.heard_on", params).fetchall()
        return [{"date": r[0], "kind": r[1], "text": r[2], "customer": r[3]} for r in rows]

    # -- follow-through --------------------------------------------------------------------
    def customer_voices(self, customer_ids: Iterable[str], kinds: Iterable[Kind],
                        start: dt.date | None = None, end: dt.date | None = None,
                        ) -> list[VoiceRow]:
        """The customers' live voices of these kinds heard in [start, end), oldest first,
        each with its themes."""
        from app.history.follow import VoiceRow

        rows = self.conn.execute(
            "SELECT v.rowid, v.id, v.customer_id, v.kind, v.text, v.heard_on, (SELECT "
            "group_concat("
            "t.name, char(31)) FROM voice_themes vt JOIN themes t ON t.id = vt.theme_id WHERE "
            "vt.voice_id = v.id AND vt.deleted_at IS NULL AND t.deleted_at IS NULL) FROM "
            "voices v WHERE v.deleted_at IS NULL AND v.customer_id IN (SELECT value FROM "
            "json_each(?)) AND v.kind IN (SELECT value FROM json_each(?)) AND v.heard_on >= ? "
            "AND v.heard_on < ? ORDER BY v.heard_on, v.rowid",
            [json.dumps(list(customer_ids)), json.dumps([k.value for k in kinds]),
             (start or dt.date.min).isoformat(), (end or dt.date.max).isoformat()])
        return [VoiceRow(r[0], r[1], r[2], Kind(r[3]), r[4], dt.date.fromisoformat(r[5]),
                         tuple(r[6].split("\x1f")) if r[6] else ()) for r in rows]

