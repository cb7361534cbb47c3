"""Impact history: the decision log, timelines, unanswered voices and chart series."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.errors import ValidationError
from app.meeting.domain import Delivery, Effect, Outcome
from app.meeting.frozen import FrozenDecision

EFFECTS = tuple(Effect)


class HistoryStore(Protocol):
    def decision_log_rows(self) -> list[dict[str, Any]]: ...
    def voice_month_counts(self, start: dt.date | None = None,
                           end: dt.date | None = None) -> list[tuple[str, str, int]]: ...
    def theme_voice_counts(self, start: dt.date | None = None,
                           end: dt.date | None = None) -> dict[str, int]: ...
    def unanswered_voices(self, limit: int = 500, start: dt.date | None = None,
                          end: dt.date | None = None) -> list[dict[str, Any]]: ...
    def answer_delays(self, start: dt.date | None = None,
                      end: dt.date | None = None) -> list[tuple[str, int]]:
        """(heard on, days to the first decision answering it), for voices heard in
        [start, end] (both days counted)."""
    def timeline_voices(self, customer: str | None = None,
                        cohort: str | None = None) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Period:
    """The days a review covers, both ends counted; None: open on that side."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValidationError("period", f"--from {self.date_from} is after --to "
                                  f"{self.date_to}: give the earlier day first")

    def keeps(self, day: dt.date) -> bool:
        return (self.date_from is None or day >= self.date_from) and \
            (self.date_to is None or day <= self.date_to)

    def label(self) -> str:
        return f"{self.date_from or 'the start'} to {self.date_to or 'today'}"


EVERYTHING = Period()


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s to `last`'s, none left out."""
    months, day = [], first.replace(day=1)
    while day <= last:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def _month_of(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[5:7]), 1)


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
    delivery: Delivery = Delivery.NOT_STARTED
    delivery_on: dt.date | None = None

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
    delivery: Delivery | None = None

    def keeps(self, e: LogEntry) -> bool:
        def has(values: tuple[str, ...], wanted: str | None) -> bool:
            return wanted is None or wanted.casefold() in {v.casefold() for v in values}

        return ((self.date_from is None or e.date >= self.date_from)
                and (self.date_to is None or e.date <= self.date_to)
                and (self.outcome is None or e.outcome is self.outcome)
                and has(e.cohorts, self.cohort) and has(e.customers, self.customer)
                and has(e.themes, self.theme)
                and (self.effect is None or e.effects.get(self.effect, 0) > 0)
                and (self.delivery is None or e.delivery is self.delivery))


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
            affected=affected, delivery=Delivery(row["delivery"]),
            delivery_on=dt.date.fromisoformat(row["delivery_on"]) if row["delivery_on"]
            else None))
    flt = flt or LogFilter()
    return [e for e in entries if flt.keeps(e)]


def decisions_by_effect(entries: list[LogEntry], weighted: bool = False,
                        ) -> tuple[list[dt.date], dict[Effect, list[float]]]:
    """Per month, every month from the first decision's to the last's: decisions that help
    vs hurt customers (a decision counts once per effect it has; weighted sums customer
    weight instead). A month with no decision is a zero."""
    if not entries:
        return [], {Effect.HELPS: [], Effect.HURTS: []}
    months = months_between(min(e.date for e in entries), max(e.date for e in entries))
    series: dict[Effect, list[float]] = {e: [0.0] * len(months) for e in (Effect.HELPS,
                                                                          Effect.HURTS)}
    index = {m: i for i, m in enumerate(months)}
    for e in entries:
        at = index[e.date.replace(day=1)]
        for effect in series:
            if weighted:
                series[effect][at] += e.weighted.get(effect, 0.0)
            elif e.effects.get(effect, 0):
                series[effect][at] += 1
    return months, series


GAP = float("nan")  # a month with no voice at all: drawn as a gap, never as a zero


def voices_by_kind(store: HistoryStore, period: Period = EVERYTHING,
                   ) -> tuple[list[dt.date], dict[str, list[float]]]:
    """Voices heard per month by kind in the period, every month from the first to the
    last; a month with no voice at all is a gap (NaN), not a zero."""
    rows = store.voice_month_counts(period.date_from, period.date_to)
    if not rows:
        return [], {k: [] for k in ("quote", "complaint", "need")}
    heard = {_month_of(m) for m, _, _ in rows}
    months = months_between(min(heard), max(heard))
    index = {m: i for i, m in enumerate(months)}
    series: dict[str, list[float]] = {k: [0.0 if m in heard else GAP for m in months]
                                      for k in ("quote", "complaint", "need")}
    for month, kind, count in rows:
        series[kind][index[_month_of(month)]] = float(count)
    return months, series


def theme_gaps(store: HistoryStore, entries: list[LogEntry], period: Period = EVERYTHING,
               ) -> list[tuple[str, int, int]]:
    """(theme, complaints and needs heard in the period, decisions taken), biggest gap
    first."""
    heard = store.theme_voice_counts(period.date_from, period.date_to)
    decided: Counter[str] = Counter(t for e in entries if period.keeps(e.date)
                                    for t in e.themes)
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


def _quarter(day: dt.date) -> dt.date:
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def quarter_label(day: dt.date) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


def answer_time(store: HistoryStore, period: Period = EVERYTHING,
                ) -> list[tuple[dt.date, float, int]]:
    """Per quarter a voice was heard in the period: (the quarter's first day, median days to
    the first decision that addressed it, how many voices were addressed). Never negative:
    only decisions on or after the day a voice was heard answer it."""
    delays: dict[dt.date, list[int]] = defaultdict(list)
    for heard_on, days in store.answer_delays(period.date_from, period.date_to):
        delays[_quarter(dt.date.fromisoformat(heard_on))].append(max(0, int(days)))
    return [(q, float(statistics.median(d)), len(d)) for q, d in sorted(delays.items())]


def unanswered(store: HistoryStore, limit: int = 500,
               period: Period = EVERYTHING) -> list[dict[str, Any]]:
    return store.unanswered_voices(limit, period.date_from, period.date_to)


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
              "evidence", "rationale", "themes", "delivery", "delivery_on", "id")


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
             "rationale": e.rationale, "themes": "; ".join(e.themes),
             "delivery": e.delivery.label,
             "delivery_on": e.delivery_on.isoformat() if e.delivery_on else "",
             "id": e.id} for e in entries]
