"""What the room saw for a decision, kept verbatim when its meeting closes (FrozenDecision).

One typed record, read and written here only: the writer (closing a meeting), the decision
log, the history's decision record and the minutes all use it, and storage keeps its JSON
text without looking inside. The JSON keys are the ones boards have held since m005, so
records frozen by earlier versions (before m009 they had no totals) read back whole.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from app.board.domain import Kind
from app.errors import EmptyChairError
from app.meeting.domain import Decision, Effect, ImpactStatus, Outcome, Stance
from app.meeting.matching import AffectedCustomer, MatchResult

FROZEN_SUGGESTED = 40  # the strongest suggested customers kept by name in a frozen record


@dataclass(frozen=True, slots=True)
class FrozenVoice:
    voice_id: str
    kind: Kind
    text: str
    heard_on: str  # YYYY-MM-DD
    stance: Stance | None = None
    matched: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FrozenCustomer:
    id: str
    name: str
    weight: float
    status: ImpactStatus
    effect: Effect = Effect.UNKNOWN
    note: str = ""
    routes: tuple[str, ...] = ()
    why: str = ""
    words: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    evidence: tuple[FrozenVoice, ...] = ()


@dataclass(frozen=True, slots=True)
class KindCounts:
    complaints: int = 0
    needs: int = 0
    quotes: int = 0


@dataclass(frozen=True, slots=True)
class FrozenCohort:
    name: str
    total_weight: float
    customers_total: int  # every affected customer of the cohort, listed or not
    confirmed: int
    confirmed_weight: float
    kinds: KindCounts
    customers: tuple[FrozenCustomer, ...]  # the confirmed and the strongest suggested


@dataclass(frozen=True, slots=True)
class FrozenTotals:
    customers: int
    weight: float
    confirmed: int
    confirmed_weight: float
    suggested: int
    kinds: KindCounts


@dataclass(frozen=True, slots=True)
class FrozenDecision:
    title: str
    outcome: Outcome
    rationale: str
    decided_at: str | None
    frozen_at: str
    words: tuple[str, ...]
    related: tuple[str, ...]
    totals: FrozenTotals
    cohorts: tuple[FrozenCohort, ...]

    @property
    def customers(self) -> list[tuple[FrozenCohort, FrozenCustomer]]:
        return [(cohort, c) for cohort in self.cohorts for c in cohort.customers]

    @property
    def confirmed(self) -> list[tuple[FrozenCohort, FrozenCustomer]]:
        return [(h, c) for h, c in self.customers if c.status is ImpactStatus.CONFIRMED]

    @property
    def suggested(self) -> list[tuple[FrozenCohort, FrozenCustomer]]:
        return [(h, c) for h, c in self.customers if c.status is ImpactStatus.SUGGESTED]

    # -- making one ------------------------------------------------------------------------
    @classmethod
    def of(cls, decision: Decision, result: MatchResult,
           now: dt.datetime | None = None) -> FrozenDecision:
        """The true totals (every affected customer, confirmed and suggested), each
        confirmed customer and the strongest suggested ones by name, with their verbatims."""
        named = {c.customer.id for c in
                 (*result.confirmed, *result.strongest_suggested(FROZEN_SUGGESTED))}
        everyone = result.customers
        return cls(
            title=decision.title, outcome=decision.outcome, rationale=decision.rationale,
            decided_at=decision.decided_at,
            frozen_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
            words=tuple(result.words), related=tuple(result.related),
            totals=FrozenTotals(len(everyone), result.total_weight, len(result.confirmed),
                                sum(c.customer.weight for c in result.confirmed),
                                len(result.suggested), _kinds(everyone)),
            cohorts=tuple(FrozenCohort(
                cohort.name, cohort.total_weight, len(cohort.customers),
                len(cohort.confirmed), cohort.confirmed_weight, _kinds(cohort.customers),
                tuple(_customer(c) for c in cohort.customers if c.customer.id in named))
                for cohort in result.cohorts))

    # -- JSON --------------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_dict(self) -> dict[str, Any]:
        t = self.totals
        return {
            "title": self.title, "outcome": self.outcome.value, "rationale": self.rationale,
            "decided_at": self.decided_at, "frozen_at": self.frozen_at,
            "words": list(self.words), "related": list(self.related),
            "totals": {"customers": t.customers, "weight": t.weight,
                       "confirmed": t.confirmed, "confirmed_weight": t.confirmed_weight,
                       "suggested": t.suggested, **_kinds_dict(t.kinds)},
            "cohorts": [{
                "cohort": h.name, "total_weight": h.total_weight,
                "customers_total": h.customers_total, "confirmed": h.confirmed,
                "confirmed_weight": h.confirmed_weight, **_kinds_dict(h.kinds),
                "customers": [_customer_dict(c) for c in h.customers],
            } for h in self.cohorts],
        }

    @classmethod
    def from_json(cls, text: str) -> FrozenDecision:
        """A stored record; one that cannot be read raises EmptyChairError (never a
        KeyError deep in a screen)."""
        try:
            data = json.loads(text)
            return cls._from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EmptyChairError(f"a frozen decision record cannot be read ({exc})") from exc

    @classmethod
    def _from_dict(cls, data: dict[str, Any]) -> FrozenDecision:
        cohorts = tuple(FrozenCohort(
            name=str(h["cohort"]), total_weight=float(h.get("total_weight", 0.0)),
            customers_total=int(h.get("customers_total", len(h["customers"]))),
            confirmed=int(h.get("confirmed", sum(
                1 for c in h["customers"] if c["status"] == "confirmed"))),
            confirmed_weight=float(h.get("confirmed_weight", 0.0)),
            kinds=_kinds_of(h), customers=tuple(_customer_of(c) for c in h["customers"]))
            for h in data["cohorts"])
        totals = data.get("totals")
        if totals is None:  # frozen before m009: every customer was listed, so count them
            listed = [c for h in cohorts for c in h.customers
                      if c.status is not ImpactStatus.DISMISSED]
            confirmed = [c for c in listed if c.status is ImpactStatus.CONFIRMED]
            frozen_totals = FrozenTotals(
                len(listed), sum(c.weight for c in listed), len(confirmed),
                sum(c.weight for c in confirmed), len(listed) - len(confirmed), KindCounts())
        else:
            frozen_totals = FrozenTotals(
                int(totals["customers"]), float(totals.get("weight", 0.0)),
                int(totals.get("confirmed", 0)), float(totals.get("confirmed_weight", 0.0)),
                int(totals.get("suggested", 0)), _kinds_of(totals))
        return cls(
            title=str(data.get("title", "")), outcome=Outcome(data.get("outcome", "pending")),
            rationale=str(data.get("rationale", "")), decided_at=data.get("decided_at"),
            frozen_at=str(data.get("frozen_at", "")), words=tuple(data.get("words", ())),
            related=tuple(data.get("related", ())), totals=frozen_totals, cohorts=cohorts)


def _kinds(customers: list[AffectedCustomer]) -> KindCounts:
    def n(kind: Kind) -> int:
        return sum(c.kinds.get(kind, 0) for c in customers)

    return KindCounts(n(Kind.COMPLAINT), n(Kind.NEED), n(Kind.QUOTE))


def _kinds_dict(kinds: KindCounts) -> dict[str, int]:
    return {"complaints": kinds.complaints, "needs": kinds.needs, "quotes": kinds.quotes}


def _kinds_of(data: dict[str, Any]) -> KindCounts:
    return KindCounts(int(data.get("complaints", 0)), int(data.get("needs", 0)),
                      int(data.get("quotes", 0)))


def _customer(c: AffectedCustomer) -> FrozenCustomer:
    return FrozenCustomer(
        id=c.customer.id, name=c.customer.name, weight=c.customer.weight, status=c.status,
        effect=c.effect, note=c.note, routes=tuple(r.value for r in c.routes), why=c.why,
        words=tuple(c.words), related=tuple(c.related),
        evidence=tuple(FrozenVoice(e.voice.voice_id, e.voice.kind, e.voice.text,
                                   e.voice.heard_on.isoformat(), e.stance, tuple(e.matched))
                       for e in c.evidence))


def _customer_dict(c: FrozenCustomer) -> dict[str, Any]:
    return {
        "id": c.id, "name": c.name, "weight": c.weight, "status": c.status.value,
        "effect": c.effect.value, "note": c.note, "routes": list(c.routes), "why": c.why,
        "words": list(c.words), "related": list(c.related),
        "evidence": [{"voice_id": e.voice_id, "kind": e.kind.value, "text": e.text,
                      "heard_on": e.heard_on, "stance": e.stance.value if e.stance else None,
                      "matched": list(e.matched)} for e in c.evidence],
    }


def _customer_of(c: dict[str, Any]) -> FrozenCustomer:
    return FrozenCustomer(
        id=str(c["id"]), name=str(c["name"]), weight=float(c.get("weight", 1.0)),
        status=ImpactStatus(c["status"]), effect=Effect(c.get("effect", "unknown")),
        note=str(c.get("note", "")), routes=tuple(c.get("routes", ())),
        why=str(c.get("why", "")), words=tuple(c.get("words", ())),
        related=tuple(c.get("related", ())),
        evidence=tuple(FrozenVoice(
            str(e["voice_id"]), Kind(e["kind"]), str(e["text"]), str(e["heard_on"]),
            Stance(e["stance"]) if e.get("stance") else None, tuple(e.get("matched", ())))
            for e in c.get("evidence", ())))
