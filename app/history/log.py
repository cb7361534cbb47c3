"""Impact history: the decision log, timelines, unanswered voices and chart series."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.meeting.domain import Effect, Outcome
from app.meeting.frozen import FrozenDecision

EFFECTS = tuple(Effect)


class HistoryStore(Protocol):
    def decision_log_rows(self) -> list[dict[str, Any]]: ...
    def voice_month_counts(self) -> list[tuple[str, str, int]]: ...
    def theme_voice_counts(self) -> dict[str, int]: ...
    def unanswered_voices(self, limit: int = 500) -> list[dict[str, Any]]: ...
    def answer_delays(self) -> list[tuple[str, int]]: ...
    def timeline_voices(self, customer: str | None = None,
                        cohort: str | None = None) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: str
    date: dt.date
    meeting_id: str
    meeting: str
    title: str
    outcome: Outcome
    rationale: str
    themes: tuple[str, ...]
    customers: tuple[str, ...]
    cohorts: tuple[str, ...]
    effects: dict[Effect, int] = field(default_factory=dict)
    weighted: dict[Effect, float] = field(default_factory=dict)
    evidence: int = 0
    effect_by_customer: dict[str, Effect] = field(default_factory=dict)
    affected: int | None = None  # every customer the room was shown, confirmed or suggested

    @property
    def represented(self) -> bool:
        return bool(self.customers)


@dataclass(frozen=True, slots=True)
class LogFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    outcome: Outcome | None = None
    cohort: str | None = None
    customer: str | None = None
    theme: str | None = None
    effect: Effect | None = None

    def keeps(self, e: LogEntry) -> bool:
        def has(values: tuple[str, ...], wanted: str | None) -> bool:
            return wanted is None or wanted.casefold() in {v.casefold() for v in values}

        return ((self.date_from is None or e.date >= self.date_from)
                and (self.date_to is None or e.date <= self.date_to)
                and (self.outcome is None or e.outcome is self.outcome)
                and has(e.cohorts, self.cohort) and has(e.customers, self.customer)
                and has(e.themes, self.theme)
                and (self.effect is None or e.effects.get(self.effect, 0) > 0))


def decision_log(store: HistoryStore, flt: LogFilter | None = None) -> list[LogEntry]:
    entries = []
    for row in store.decision_log_rows():
        affected = None  # not matched here: the console and minutes match open meetings
        if row["frozen"]:  # a closed meeting reports what was frozen at the close
            record = FrozenDecision.from_json(row["frozen"])
            affected = record.totals.customers
            row = {**row, "customers": [
                {"id": c.id, "name": c.name, "cohort": cohort.name, "weight": c.weight,
                 "effect": c.effect.value, "evidence": len(c.evidence)}
                for cohort, c in record.confirmed]}
        effects: Counter[Effect] = Counter()
        weighted: dict[Effect, float] = defaultdict(float)
        for c in row["customers"]:
            effect = Effect(c["effect"])
            effects[effect] += 1
            weighted[effect] += float(c["weight"])
        entries.append(LogEntry(
            id=row["id"], date=dt.date.fromisoformat(row["date"]), meeting_id=row["meeting_id"],
            meeting=row["meeting"], title=row["title"], outcome=Outcome(row["outcome"]),
            rationale=row["rationale"], themes=tuple(row["themes"]),
            customers=tuple(c["name"] for c in row["customers"]),
            cohorts=tuple(dict.fromkeys(c["cohort"] or "No cohort" for c in row["customers"])),
            effects={e: effects.get(e, 0) for e in EFFECTS},
            weighted={e: weighted.get(e, 0.0) for e in EFFECTS},
            evidence=sum(int(c["evidence"]) for c in row["customers"]),
            effect_by_customer={c["name"]: Effect(c["effect"]) for c in row["customers"]},
            affected=affected))
    flt = flt or LogFilter()
    return [e for e in entries if flt.keeps(e)]


def _month(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def decisions_by_effect(entries: list[LogEntry], weighted: bool = False,
                        ) -> tuple[list[str], dict[Effect, list[float]]]:
    """Per month: decisions that help vs hurt customers (a decision counts once per effect
    it has; weighted sums customer weight instead)."""
    months = sorted({_month(e.date) for e in entries})
    series: dict[Effect, list[float]] = {e: [0.0] * len(months) for e in (Effect.HELPS,
                                                                          Effect.HURTS)}
    index = {m: i for i, m in enumerate(months)}
    for e in entries:
        for effect in series:
            if weighted:
                series[effect][index[_month(e.date)]] += e.weighted.get(effect, 0.0)
            elif e.effects.get(effect, 0):
                series[effect][index[_month(e.date)]] += 1
    return months, series


def voices_by_kind(store: HistoryStore) -> tuple[list[str], dict[str, list[int]]]:
    rows = store.voice_month_counts()
    months = sorted({m for m, _, _ in rows})
    index = {m: i for i, m in enumerate(months)}
    series: dict[str, list[int]] = {k: [0] * len(months) for k in ("quote", "complaint", "need")}
    for month, kind, count in rows:
        series[kind][index[month]] = count
    return months, series


def theme_gaps(store: HistoryStore, entries: list[LogEntry]
               ) -> list[tuple[str, int, int]]:
    """(theme, complaints and needs heard, decisions taken), biggest gap first."""
    heard = store.theme_voice_counts()
    decided: Counter[str] = Counter(t for e in entries for t in e.themes)
    themes = set(heard) | set(decided)
    rows = [(t, heard.get(t, 0), decided.get(t, 0)) for t in themes]
    return sorted(rows, key=lambda r: (-(r[1] - r[2] * 10), r[0].casefold()))


def representation(entries: list[LogEntry]) -> list[tuple[str, dt.date, float, int]]:
    """Per meeting: (title, date, share of decisions with a confirmed customer, decisions)."""
    meetings: dict[str, list[LogEntry]] = defaultdict(list)
    for e in entries:
        if e.outcome is not Outcome.PENDING:  # only decisions the room has taken count
            meetings[e.meeting_id].append(e)
    rows = []
    for items in meetings.values():
        share = sum(1 for e in items if e.represented) / len(items)
        rows.append((items[0].meeting, items[0].date, share, len(items)))
    return sorted(rows, key=lambda r: r[1])


def _quarter(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def answer_time(store: HistoryStore) -> list[tuple[str, float, int]]:
    """Per quarter a voice was heard: (quarter, median days to the first decision that
    addressed it, how many voices were addressed)."""
    delays: dict[str, list[int]] = defaultdict(list)
    for heard_on, days in store.answer_delays():
        delays[_quarter(dt.date.fromisoformat(heard_on))].append(int(days))
    return [(q, float(statistics.median(d)), len(d)) for q, d in sorted(delays.items())]


def unanswered(store: HistoryStore, limit: int = 500) -> list[dict[str, Any]]:
    return store.unanswered_voices(limit)


def timeline(store: HistoryStore, entries: list[LogEntry], customer: str | None = None,
             cohort: str | None = None) -> list[dict[str, Any]]:
    """One customer's (or cohort's) voices and the decisions that affected it, by date."""
    items: list[dict[str, Any]] = [{**v, "type": "voice"} for v in store.timeline_voices(
        customer, cohort)]
    for e in entries:
        if customer and customer.casefold() in {c.casefold() for c in e.customers}:
            name = next(c for c in e.customers if c.casefold() == customer.casefold())
            items.append({"type": "decision", "date": e.date.isoformat(), "text": e.title,
                          "effect": e.effect_by_customer[name].value,
                          "outcome": e.outcome.value})
        elif cohort and cohort.casefold() in {c.casefold() for c in e.cohorts}:
            effects = ", ".join(f"{n} {k.value}" for k, n in e.effects.items() if n)
            items.append({"type": "decision", "date": e.date.isoformat(), "text": e.title,
                          "effect": effects, "outcome": e.outcome.value})
    return sorted(items, key=lambda i: (i["date"], i["type"]))


LOG_FIELDS = ("date", "meeting", "decision", "outcome", "cohorts", "customers", "affected",
              "helps", "hurts", "neutral", "unknown", "weighted_helps", "weighted_hurts",
              "evidence", "rationale", "themes")


def log_records(entries: list[LogEntry]) -> list[dict[str, Any]]:
    """Flat records for the decision log export (CSV is made formula-safe on the way out)."""
    return [{"date": e.date.isoformat(), "meeting": e.meeting, "decision": e.title,
             "outcome": e.outcome.value, "cohorts": "; ".join(e.cohorts),
             "customers": "; ".join(e.customers),
             "affected": "" if e.affected is None else e.affected,
             "helps": e.effects[Effect.HELPS],
             "hurts": e.effects[Effect.HURTS], "neutral": e.effects[Effect.NEUTRAL],
             "unknown": e.effects[Effect.UNKNOWN],
             "weighted_helps": e.weighted[Effect.HELPS],
             "weighted_hurts": e.weighted[Effect.HURTS], "evidence": e.evidence,
             "rationale": e.rationale, "themes": "; ".join(e.themes)} for e in entries]
