"""After the meeting: what was done (action items, delivery), whether a shipped decision
helped the customers it was meant to help, and which of them were told."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.board.domain import Customer, Kind
from app.errors import ValidationError
from app.meeting.domain import (
    ActionItem,
    Decision,
    Delivery,
    ImpactRecord,
    ImpactStatus,
    Meeting,
    Outcome,
)
from app.meeting.frozen import FrozenDecision
from app.meeting.matching import MatchStore, speaking_voices

HELP_DAYS = 90  # the window either side of shipping, unless the leader picks another
MIN_VOICES = 6  # fewer complaints and needs than this, both windows together: too little
SAME = 0.2  # a weighted change within ±20% is "about the same"
VERBATIMS = 20


@dataclass(frozen=True, slots=True)
class VoiceRow:
    """A voice of a customer, as the follow-through reads it."""

    key: int  # the store's voice key, as matching knows it
    voice_id: str
    customer_id: str
    kind: Kind
    text: str
    heard_on: dt.date
    themes: tuple[str, ...]


class FollowStore(MatchStore, Protocol):
    def meetings(self) -> list[Meeting]: ...
    def decisions(self, meeting_id: str) -> list[Decision]: ...
    def get_decision(self, decision_id: str) -> Decision: ...
    def frozen_records(self, meeting_id: str) -> dict[str, str]: ...
    def impact_records(self, decision_id: str) -> dict[str, ImpactRecord]: ...
    def action_items(self, decision_ids: Iterable[str]) -> dict[str, list[ActionItem]]: ...
    def told(self, decision_ids: Iterable[str]) -> dict[str, dict[str, dt.date]]: ...
    def customers(self) -> list[Customer]: ...
    def customer_voices(self, customer_ids: Iterable[str], kinds: Iterable[Kind],
                        start: dt.date | None = None, end: dt.date | None = None,
                        ) -> list[VoiceRow]:
        """The customers' live voices of these kinds heard in [start, end), oldest first."""


# -- which customers a decision was about ------------------------------------------------
def confirmed_customers(store: FollowStore, decision: Decision,
                        frozen: dict[str, str] | None = None,
                        live: set[str] | None = None) -> list[str]:
    """The customers the room confirmed (as frozen at the close, or as recorded so far)
    that are still on the board: one merged away since is not someone to tell.
    `frozen` and `live` may be handed in when many decisions are read at once."""
    text = (store.frozen_records(decision.meeting_id) if frozen is None else frozen).get(
        decision.id)
    if text:
        ids = [c.id for _, c in FrozenDecision.from_json(text).confirmed]
    else:
        ids = [c for c, r in store.impact_records(decision.id).items()
               if r.status is ImpactStatus.CONFIRMED]
    live = {c.id for c in store.customers()} if live is None else live
    return [c for c in ids if c in live]


def _relevant(store: FollowStore, decision: Decision, voices: list[VoiceRow]) -> list[VoiceRow]:
    """Voices on one of the decision's themes, or whose words speak to it as matching
    judges them (a word found in a third of the board ties nobody to anything)."""
    speaking = speaking_voices(store, f"{decision.title} {decision.description}")
    themes = {t.casefold() for t in decision.themes}
    return [v for v in voices if v.key in speaking
            or themes & {t.casefold() for t in v.themes}]


# -- did it help? ------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CohortChange:
    cohort: str
    before: int
    after: int
    before_weight: float
    after_weight: float


@dataclass(frozen=True, slots=True)
class HelpReport:
    decision: Decision
    shipped_on: dt.date
    days: int
    customers: int  # the confirmed customers compared
    cohorts: list[CohortChange]
    after: list[tuple[Customer, VoiceRow]]  # what arrived after it shipped, newest first
    days_after: int  # how many of the `days` after shipping have passed

    @property
    def before_count(self) -> int:
        return sum(c.before for c in self.cohorts)

    @property
    def after_count(self) -> int:
        return sum(c.after for c in self.cohorts)

    @property
    def before_weight(self) -> float:
        return sum(c.before_weight for c in self.cohorts)

    @property
    def after_weight(self) -> float:
        return sum(c.after_weight for c in self.cohorts)

    @property
    def enough(self) -> bool:
        return self.customers > 0 and self.before_count + self.after_count >= MIN_VOICES

    def verdict(self) -> str:
        """One plain sentence; it says when there is too little data to tell."""
        days = f"the {self.days} days"
        partial = (f" Only {self.days_after} of {self.days} days have passed since it shipped."
                   if self.days_after < self.days else "")
        if not self.customers:
            return ("Too little data to tell: the room confirmed no customer on this "
                    "decision." + partial)
        if not self.enough:
            return (f"Too little data to tell: {self.before_count + self.after_count} "
                    f"complaints and needs from its {self.customers:,} customers in {days} "
                    f"either side of shipping (at least {MIN_VOICES} are needed)." + partial)
        counts = (f"{self.before_count:,} → {self.after_count:,} complaints and needs "
                  f"(weighted {self.before_weight:,.0f} → {self.after_weight:,.0f})")
        if not self.before_count:
            return f"New complaints and needs after it shipped: {counts}." + partial
        weighted = bool(self.before_weight or self.after_weight)  # weights of 0: count
        before, after = (self.before_weight, self.after_weight) if weighted else \
            (float(self.before_count), float(self.after_count))
        if not before:
            return f"New complaints and needs after it shipped: {counts}." + partial
        change = (after - before) / before
        if abs(change) < SAME:
            said = "About the same after it shipped"
        elif change < 0:
            said = "Fewer complaints and needs after it shipped"
        else:
            said = "More complaints and needs after it shipped"
        return (f"{said}: {counts}, {change:+.0%} {'weighted' if weighted else 'counted'}, "
                f"in {days} either side." + partial)


def did_it_help(store: FollowStore, decision_id: str, days: int = HELP_DAYS,
                today: dt.date | None = None) -> HelpReport:
    """The decision's confirmed customers' complaints and needs on its themes and words, in
    the `days` before it shipped and the `days` from then on, by cohort, counted and
    weighted by customer weight."""
    if days < 1:
        raise ValidationError("days", "must be at least 1")
    decision = store.get_decision(decision_id)
    if decision.delivery is not Delivery.SHIPPED or decision.delivery_on is None:
        raise ValidationError("decision", f"“{decision.title}” has not shipped "
                              f"({decision.delivery.label}): nothing to compare yet")
    shipped = decision.delivery_on
    today = today or dt.date.today()
    window = dt.timedelta(days=days)
    ids = confirmed_customers(store, decision)
    customers = {c.id: c for c in store.customers() if c.id in set(ids)}
    voices = _relevant(store, decision, store.customer_voices(
        customers, (Kind.COMPLAINT, Kind.NEED), shipped - window, shipped + window))
    rows: dict[str, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for v in voices:
        customer = customers[v.customer_id]
        row = rows[customer.cohort_name or "No cohort"]
        later = v.heard_on >= shipped
        row[1 if later else 0] += 1
        row[3 if later else 2] += customer.weight
    cohorts = sorted((CohortChange(name, int(r[0]), int(r[1]), r[2], r[3])
                      for name, r in rows.items()),
                     key=lambda c: (-(c.before_weight + c.after_weight), c.cohort.casefold()))
    after = sorted(((customers[v.customer_id], v) for v in voices if v.heard_on >= shipped),
                   key=lambda p: p[1].heard_on, reverse=True)[:VERBATIMS]
    passed = max(0, min(days, (today - shipped).days))
    return HelpReport(decision, shipped, days, len(customers), cohorts, after, passed)


# -- closing the loop --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LoopRow:
    customer: Customer
    voice: VoiceRow | None  # what ties them to the decision (None: named, nothing said)
    told_on: dt.date | None


LOOP_FIELDS = ("customer", "cohort", "owner", "weight", "told_on", "said_on", "kind", "said",
               "decision", "outcome", "delivery")


def loop(store: FollowStore, decision_id: str) -> tuple[Decision, list[LoopRow]]:
    """Who to tell how a shipped (or rejected, or dropped) decision ended: its confirmed
    customers, each with the complaint or need that ties them to it (evidence the room
    marked first, whatever its kind, else their newest complaint or need speaking to it,
    else their newest quote that does) and whether they were told."""
    decision = store.get_decision(decision_id)
    if not decision.closes_the_loop:
        raise ValidationError("decision", f"“{decision.title}” is {decision.outcome.value}, "
                              f"{decision.delivery.label}: the loop closes once it shipped, "
                              "was dropped or was rejected")
    ids = confirmed_customers(store, decision)
    customers = {c.id: c for c in store.customers() if c.id in set(ids)}
    voices = store.customer_voices(customers, (Kind.COMPLAINT, Kind.NEED, Kind.QUOTE))
    marked = {v for r in store.impact_records(decision.id).values()
              for v in (*r.attached, *r.stances)}
    relevant = _relevant(store, decision, voices)

    def rank(v: VoiceRow) -> tuple[bool, bool, dt.date]:
        # What the room marked, then a complaint or need, then (an export of nothing but
        # quotes, as the airline tweets once landed) a quote; the newest of each.
        return (v.voice_id in marked, v.kind is not Kind.QUOTE, v.heard_on)

    best: dict[str, VoiceRow] = {}
    for v in sorted([v for v in voices if v.voice_id in marked] + relevant, key=rank):
        best[v.customer_id] = v  # the last wins
    told = store.told([decision.id]).get(decision.id, {})
    rows = [LoopRow(customers[c], best.get(c), told.get(c)) for c in ids if c in customers]
    rows.sort(key=lambda r: (r.told_on is not None, -r.customer.weight,
                             r.customer.name.casefold()))
    return decision, rows


def loop_records(decision: Decision, rows: list[LoopRow]) -> list[dict[str, object]]:
    """Flat records for a mail merge or a CRM (CSV is made formula-safe on the way out)."""
    return [{"customer": r.customer.name, "cohort": r.customer.cohort_name or "",
             "owner": r.customer.owner, "weight": r.customer.weight,
             "told_on": r.told_on.isoformat() if r.told_on else "",
             "said_on": r.voice.heard_on.isoformat() if r.voice else "",
             "kind": r.voice.kind.value if r.voice else "",
             "said": r.voice.text if r.voice else "", "decision": decision.title,
             "outcome": decision.outcome.value, "delivery": decision.delivery.label}
            for r in rows]


# -- follow-through across meetings ------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Followed:
    decision: Decision
    meeting: Meeting
    items: list[ActionItem]
    not_told: int  # confirmed customers not yet told how it ended (0 while pending)


@dataclass(slots=True)
class OwnerLine:
    owner: str
    open: int = 0
    overdue: int = 0
    done: int = 0
    shipped: int = 0


@dataclass(slots=True)
class FollowThrough:
    decisions: list[Followed]
    overdue: list[tuple[ActionItem, Followed]] = field(default_factory=list)
    shipped: list[Followed] = field(default_factory=list)
    owners: list[OwnerLine] = field(default_factory=list)


def follow_through(store: FollowStore, today: dt.date | None = None,
                   date_from: dt.date | None = None,
                   date_to: dt.date | None = None) -> FollowThrough:
    """Every decided decision of the period with its action items and delivery: what is
    overdue, what shipped, and per owner what is open, overdue, done and shipped."""
    today = today or dt.date.today()
    followed: list[Followed] = []
    live = {c.id for c in store.customers()}
    for meeting in store.meetings():
        if (date_from and meeting.held_on < date_from) or (date_to and
                                                           meeting.held_on > date_to):
            continue
        decisions = [d for d in store.decisions(meeting.id) if d.outcome is not Outcome.PENDING]
        items = store.action_items(d.id for d in decisions)
        told = store.told(d.id for d in decisions)
        closing = any(d.closes_the_loop for d in decisions)
        frozen = store.frozen_records(meeting.id) if closing else {}
        for d in decisions:
            waiting = 0
            if d.closes_the_loop:
                waiting = len([c for c in confirmed_customers(store, d, frozen, live)
                               if c not in told.get(d.id, {})])
            followed.append(Followed(d, meeting, items.get(d.id, []), waiting))
    result = FollowThrough(followed)
    owners: dict[str, OwnerLine] = {}
    for f in followed:
        for item in f.items:
            line = owners.setdefault(item.owner or "(no owner)", OwnerLine(
                item.owner or "(no owner)"))
            if item.done_on:
                line.done += 1
            else:
                line.open += 1
            if item.overdue(today):
                line.overdue += 1
                result.overdue.append((item, f))
        if f.decision.delivery is Delivery.SHIPPED:
            result.shipped.append(f)
            # Shipped counts for whoever carried it: its action items' owners, else the
            # decision's own owner.
            for owner in sorted({i.owner for i in f.items if i.owner}
                                or {f.decision.owner or "(no owner)"}):
                owners.setdefault(owner, OwnerLine(owner)).shipped += 1
    result.overdue.sort(key=lambda p: (p[0].due_on or today, p[0].owner.casefold()))
    result.shipped.sort(key=lambda f: f.decision.delivery_on or today, reverse=True)
    result.owners = sorted(owners.values(), key=lambda o: (-o.overdue, -o.open,
                                                           o.owner.casefold()))
    return result
