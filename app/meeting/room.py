"""Meeting-room use cases: who a decision affects, the room indicator, closing a meeting."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Protocol

from app.board.domain import Kind
from app.meeting.domain import Decision, ImpactRecord, ImpactStatus, Outcome
from app.meeting.matching import (
    AffectedCustomer,
    DecisionSpec,
    MatchResult,
    MatchStore,
    match_agenda,
    match_decision,
)

FROZEN_SUGGESTED = 40  # the strongest suggested customers kept by name in a frozen record


class MeetingStore(MatchStore, Protocol):
    def decisions(self, meeting_id: str) -> list[Decision]: ...
    def impact_records(self, decision_id: str) -> dict[str, ImpactRecord]: ...
    def freeze_meeting(self, meeting_id: str, frozen: dict[str, dict[str, Any]]) -> None: ...


def spec_of(decision: Decision) -> DecisionSpec:
    return DecisionSpec(decision.title, decision.description, decision.themes,
                        decision.named_customers, decision.named_cohorts)


def affected(store: MeetingStore, decision: Decision, total: int | None = None) -> MatchResult:
    return match_decision(store, spec_of(decision), store.impact_records(decision.id), total)


@dataclass(frozen=True, slots=True)
class AgendaCount:
    """How many customers a decision affects, and how many of them the room confirmed."""

    customers: int
    confirmed: int

    @classmethod
    def of(cls, result: MatchResult) -> AgendaCount:
        return cls(len(result.customers), len(result.confirmed))

    def label(self) -> str:
        if not self.customers:
            return "no customer yet"
        return (f"{self.customers:,} customer{'s' if self.customers != 1 else ''} · "
                f"{self.confirmed:,} confirmed")


def agenda_counts(store: MeetingStore, decisions: list[Decision]) -> dict[str, AgendaCount]:
    """How many customers each decision affects (the agenda's right-hand numbers): the
    whole population, no verbatim read."""
    results = match_agenda(store, [(spec_of(d), store.impact_records(d.id))
                                   for d in decisions], detail=0)
    return {d.id: AgendaCount.of(r) for d, r in zip(decisions, results, strict=True)}


def room_indicator(store: MeetingStore, meeting_id: str) -> tuple[int, int]:
    """(decisions discussed with at least one confirmed customer, decisions discussed
    without one). A decision counts as discussed once it has an outcome."""
    with_customer = without = 0
    for decision in store.decisions(meeting_id):
        if decision.outcome is Outcome.PENDING:
            continue
        confirmed = any(r.status is ImpactStatus.CONFIRMED
                        for r in store.impact_records(decision.id).values())
        if confirmed or decision.named_customers or decision.named_cohorts:
            with_customer += 1
        else:
            without += 1
    return with_customer, without


def pseudonyms(customers: list[tuple[str, str | None]], salt: str) -> dict[str, str]:
    """Stable stand-ins ("Mid-market retail customer 3") for (customer id, cohort) pairs.

    Numbers come from a hash of the meeting and customer ids, so the same customer keeps
    its pseudonym in every decision of a meeting and names never leak through ordering.
    """
    by_cohort: dict[str, list[str]] = {}
    for customer_id, cohort in customers:
        by_cohort.setdefault(cohort or "Customer", []).append(customer_id)
    names = {}
    for cohort, ids in by_cohort.items():
        ordered = sorted(set(ids), key=lambda i: hashlib.sha256(f"{salt}:{i}".encode())
                         .hexdigest())
        for number, customer_id in enumerate(ordered, 1):
            label = f"{cohort} customer {number}" if cohort != "Customer" else \
                f"Customer {number}"
            names[customer_id] = label
    return names


def _kinds(customers: list[AffectedCustomer]) -> dict[str, int]:
    return {f"{kind.value}s": sum(c.kinds.get(kind, 0) for c in customers) for kind in
            (Kind.COMPLAINT, Kind.NEED, Kind.QUOTE)}


def _frozen_customer(c: AffectedCustomer) -> dict[str, Any]:
    return {
        "id": c.customer.id, "name": c.customer.name, "weight": c.customer.weight,
        "status": c.status.value, "effect": c.effect.value, "note": c.note,
        "routes": [r.value for r in c.routes], "why": c.why, "words": list(c.words),
        "related": list(c.related),
        "evidence": [{"voice_id": e.voice.voice_id, "kind": e.voice.kind.value,
                      "text": e.voice.text, "heard_on": e.voice.heard_on.isoformat(),
                      "stance": e.stance.value if e.stance else None,
                      "matched": list(e.matched)} for e in c.evidence],
    }


def frozen_record(decision: Decision, result: MatchResult) -> dict[str, Any]:
    """What the room saw for a decision, kept verbatim when the meeting closes: the true
    totals (every affected customer, confirmed and suggested), each confirmed customer and
    the strongest suggested ones by name, with their matching verbatims."""
    named = {c.customer.id for c in
             (*result.confirmed, *result.strongest_suggested(FROZEN_SUGGESTED))}
    everyone = result.customers
    return {
        "title": decision.title, "outcome": decision.outcome.value,
        "rationale": decision.rationale, "decided_at": decision.decided_at,
        "frozen_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "words": result.words, "related": result.related,
        "totals": {"customers": len(everyone), "weight": result.total_weight,
                   "confirmed": len(result.confirmed),
                   "confirmed_weight": sum(c.customer.weight for c in result.confirmed),
                   "suggested": len(result.suggested), **_kinds(everyone)},
        "cohorts": [{
            "cohort": cohort.name, "total_weight": cohort.total_weight,
            "customers_total": len(cohort.customers), "confirmed": len(cohort.confirmed),
            "confirmed_weight": cohort.confirmed_weight, **_kinds(cohort.customers),
            "customers": [_frozen_customer(c) for c in cohort.customers
                          if c.customer.id in named],
        } for cohort in result.cohorts],
    }


def close_meeting(store: MeetingStore, meeting_id: str) -> None:
    """Freeze every decision's record: later board edits never rewrite what was decided."""
    frozen = {d.id: frozen_record(d, affected(store, d)) for d in store.decisions(meeting_id)}
    store.freeze_meeting(meeting_id, frozen)
