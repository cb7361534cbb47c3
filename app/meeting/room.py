"""Meeting-room use cases: who a decision affects, the room indicator, closing a meeting."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.meeting.domain import Decision, ImpactStatus, Outcome
from app.meeting.frozen import FrozenDecision
from app.meeting.matching import DecisionSpec, MatchResult, match_agenda, match_decision
from app.meeting.ports import ImpactStore, MeetingStore


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
    records = store.impact_records_of(d.id for d in decisions)
    results = match_agenda(store, [(spec_of(d), records.get(d.id, {}))
                                   for d in decisions], detail=0)
    return {d.id: AgendaCount.of(r) for d, r in zip(decisions, results, strict=True)}


def room_indicator(decisions: list[Decision], confirmed: dict[str, int]) -> tuple[int, int]:
    """(decisions discussed with at least one confirmed customer, decisions discussed
    without one). A decision counts as discussed once it has an outcome; `confirmed` is
    how many customers the room confirmed on each."""
    with_customer = without = 0
    for decision in decisions:
        if decision.outcome is Outcome.PENDING:
            continue
        if confirmed.get(decision.id, 0) or decision.named_customers or \
                decision.named_cohorts:
            with_customer += 1
        else:
            without += 1
    return with_customer, without


def confirmed_counts(store: ImpactStore, decisions: list[Decision]) -> dict[str, int]:
    records = store.impact_records_of(d.id for d in decisions)
    return {d: sum(1 for r in rs.values() if r.status is ImpactStatus.CONFIRMED)
            for d, rs in records.items()}


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


def close_meeting(store: MeetingStore, meeting_id: str) -> None:
    """Freeze every decision's record: later board edits never rewrite what was decided."""
    frozen = {d.id: FrozenDecision.of(d, affected(store, d)).to_json()
              for d in store.decisions(meeting_id)}
    store.freeze_meeting(meeting_id, frozen)
