"""Meetings, their agenda of decisions, and the impacts that link decisions to customers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class MeetingStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    CLOSED = "closed"


class Outcome(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    DEFERRED = "deferred"


class Delivery(StrEnum):
    """What became of a decision after the meeting."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DROPPED = "dropped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Effect(StrEnum):
    HELPS = "helps"
    HURTS = "hurts"
    NEUTRAL = "neutral"
    UNKNOWN = "unknown"


class ImpactStatus(StrEnum):
    SUGGESTED = "suggested"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


class Route(StrEnum):
    NAMED = "named"
    THEME = "theme"
    TEXT = "text"


class Stance(StrEnum):
    FOR = "for"
    AGAINST = "against"


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    title: str
    held_on: dt.date
    facilitator: str = ""
    attendees: str = ""
    notes: str = ""
    status: MeetingStatus = MeetingStatus.PLANNED
    anonymous: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    meeting_id: str
    position: int
    title: str
    description: str = ""
    owner: str = ""
    themes: tuple[str, ...] = ()
    named_customers: tuple[str, ...] = ()
    named_cohorts: tuple[str, ...] = ()
    outcome: Outcome = Outcome.PENDING
    rationale: str = ""
    decided_at: str | None = None
    # Follow-through, written apart from the decision (a closed meeting's decision still
    # ships): what became of it and the day that last changed.
    delivery: Delivery = Delivery.NOT_STARTED
    delivery_on: dt.date | None = None

    @property
    def closes_the_loop(self) -> bool:
        """An approved decision that shipped or was dropped, or a rejected one: its
        customers can be told how it ended."""
        return (self.outcome is Outcome.APPROVED and self.delivery in (
            Delivery.SHIPPED, Delivery.DROPPED)) or self.outcome is Outcome.REJECTED


@dataclass(frozen=True, slots=True)
class ActionItem:
    id: str
    decision_id: str
    what: str
    owner: str = ""
    due_on: dt.date | None = None
    done_on: dt.date | None = None

    def overdue(self, today: dt.date) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on < today


class MeetingAction(StrEnum):
    CLOSED = "closed"
    REOPENED = "reopened"


@dataclass(frozen=True, slots=True)
class MeetingEvent:
    """A close or a reopen, logged: a closed meeting is only ever reopened on purpose."""

    action: MeetingAction
    at: str  # UTC, ISO 8601
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ImpactRecord:
    """What the facilitator recorded for one customer on one decision."""

    customer_id: str
    status: ImpactStatus
    effect: Effect = Effect.UNKNOWN
    note: str = ""
    stances: dict[str, Stance] = field(default_factory=dict)  # voice id -> stance
    attached: tuple[str, ...] = ()  # voice ids attached by hand (e.g. captured live)

    def but(self, *, status: ImpactStatus | None = None, effect: Effect | None = None,
            note: str | None = None) -> ImpactRecord:
        return ImpactRecord(self.customer_id, status or self.status, effect or self.effect,
                            self.note if note is None else note, dict(self.stances),
                            self.attached)

    def with_stance(self, voice_id: str, stance: Stance | None) -> ImpactRecord:
        """The voice attached as evidence with `stance` (None: attached, no stance)."""
        stances = {k: v for k, v in self.stances.items() if k != voice_id}
        if stance is not None:
            stances[voice_id] = stance
        attached = self.attached if voice_id in self.attached else (*self.attached, voice_id)
        return ImpactRecord(self.customer_id, self.status, self.effect, self.note, stances,
                            attached)
