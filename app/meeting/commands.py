"""Undoable meeting-room edits as domain commands over a MeetingSession: apply, revert.

Each command writes through the session, which keeps its agenda, counts and match in step
with what was written; ui/undo.py wraps them in a QUndoCommand. A command holds the whole
state before and after (not a diff), so undo puts back exactly what was there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from app.board.domain import VoiceDraft
from app.changes import Changes
from app.meeting.domain import ActionItem, Decision, Delivery, ImpactRecord, Meeting

if TYPE_CHECKING:
    from app.meeting.session import MeetingSession

AGENDA = Changes(decisions=True, impacts=True)
IMPACTS = Changes(impacts=True)
MEETING = Changes(meetings=True)


@dataclass
class AddDecisions:
    """Add one decision, or carry several deferred ones onto the agenda, as one step; undo
    removes them (soft), redo brings the same ones back."""

    meeting_id: str
    drafts: list[Decision]  # id "" until written; deferred_from in `carried`
    carried: list[str | None] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    text: str = "Add decision"

    def apply(self, session: MeetingSession) -> Changes:
        if not self.ids:
            self.ids = [session.store.add_decision(
                self.meeting_id, d.title, d.description, d.owner, d.themes,
                d.named_customers, d.named_cohorts,
                self.carried[i] if i < len(self.carried) else None)
                for i, d in enumerate(self.drafts)]
        else:
            for decision_id in self.ids:
                session.store.set_decision_deleted(decision_id, False)
        session.reload_agenda(select=self.ids[-1] if self.ids else None)
        return AGENDA

    def revert(self, session: MeetingSession) -> Changes:
        for decision_id in self.ids:
            session.store.set_decision_deleted(decision_id, True)
        session.reload_agenda()
        return AGENDA


@dataclass
class RemoveDecision:
    decision_id: str
    text: str = "Remove decision"

    def apply(self, session: MeetingSession) -> Changes:
        session.store.set_decision_deleted(self.decision_id, True)
        session.reload_agenda()
        return AGENDA

    def revert(self, session: MeetingSession) -> Changes:
        session.store.set_decision_deleted(self.decision_id, False)
        session.reload_agenda(select=self.decision_id)
        return AGENDA


@dataclass
class ReorderAgenda:
    meeting_id: str
    before: list[str]
    after: list[str]
    text: str = "Reorder agenda"

    def apply(self, session: MeetingSession) -> Changes:
        session.store.set_agenda_order(self.meeting_id, self.after)
        session.reload_agenda(keep_matches=True)
        return Changes(decisions=True)

    def revert(self, session: MeetingSession) -> Changes:
        session.store.set_agenda_order(self.meeting_id, self.before)
        session.reload_agenda(keep_matches=True)
        return Changes(decisions=True)


@dataclass
class EditDecision:
    """A decision's text, themes, named customers and cohorts, or its outcome. `records`
    are what the room had recorded for customers the edit names or un-names, put back on
    undo (naming a customer confirms it; un-naming drops that record)."""

    before: Decision
    after: Decision
    text: str = "Edit decision"
    records_before: dict[str, ImpactRecord | None] = field(default_factory=dict)
    records_after: dict[str, ImpactRecord | None] = field(default_factory=dict)

    def _write(self, session: MeetingSession, decision: Decision,
               records: dict[str, ImpactRecord | None]) -> Changes:
        session.write_decision(decision, records)
        return AGENDA

    def apply(self, session: MeetingSession) -> Changes:
        return self._write(session, self.after, self.records_after)

    def revert(self, session: MeetingSession) -> Changes:
        return self._write(session, self.before, self.records_before)


@dataclass
class RecordImpact:
    """What the room recorded for one customer on one decision: confirmed, dismissed, an
    effect, a note, a stance on one of its voices. None: no record (suggested only)."""

    decision_id: str
    customer_id: str
    before: ImpactRecord | None
    after: ImpactRecord | None
    text: str = "Record impact"

    def apply(self, session: MeetingSession) -> Changes:
        session.write_impact(self.decision_id, self.customer_id, self.after)
        return IMPACTS

    def revert(self, session: MeetingSession) -> Changes:
        session.write_impact(self.decision_id, self.customer_id, self.before)
        return IMPACTS


@dataclass
class CaptureEvidence:
    """A voice heard in the meeting, logged and attached to the current decision with its
    customer confirmed, in one transaction; undo takes both back, redo restores both."""

    decision_id: str
    draft: VoiceDraft
    voice_id: str | None = None
    customer_id: str | None = None
    before: ImpactRecord | None = None
    after: ImpactRecord | None = None
    text: str = "Capture a voice"

    def apply(self, session: MeetingSession) -> Changes:
        if self.voice_id is None:
            self.voice_id, self.customer_id, self.before = session.store.capture_evidence(
                self.draft, self.decision_id)
            self.after = session.store.impact_records(self.decision_id).get(self.customer_id)
            session.remember(self.decision_id, self.customer_id, self.after)
            session.board_changed()  # a new voice can match other decisions too
        else:
            assert self.customer_id is not None
            session.store.set_voices_deleted([self.voice_id], False)
            session.write_impact(self.decision_id, self.customer_id, self.after)
            session.board_changed()
        return Changes(voices=True, customers=True) | IMPACTS

    def revert(self, session: MeetingSession) -> Changes:
        assert self.voice_id is not None
        assert self.customer_id is not None
        session.write_impact(self.decision_id, self.customer_id, self.before)
        session.store.set_voices_deleted([self.voice_id], True)
        session.board_changed()
        return Changes(voices=True, customers=True) | IMPACTS


@dataclass
class EditMeeting:
    """A meeting's title, date, facilitator, attendees, anonymity or planned/running."""

    before: Meeting
    after: Meeting
    text: str = "Edit meeting"

    def apply(self, session: MeetingSession) -> Changes:
        session.write_meeting(self.after)
        return MEETING

    def revert(self, session: MeetingSession) -> Changes:
        session.write_meeting(self.before)
        return MEETING


FOLLOW = Changes(decisions=True)


@dataclass
class SetDelivery:
    """What became of a decision (and the day it changed), after the meeting."""

    decision_id: str
    before: tuple[Delivery, dt.date | None]
    after: tuple[Delivery, dt.date | None]
    text: str = "Set delivery"

    def apply(self, session: MeetingSession) -> Changes:
        session.write_delivery(self.decision_id, *self.after)
        return FOLLOW

    def revert(self, session: MeetingSession) -> Changes:
        session.write_delivery(self.decision_id, *self.before)
        return FOLLOW


@dataclass
class PutActionItem:
    """Add, change, tick off or remove one action item (None: not there)."""

    before: ActionItem | None
    after: ActionItem | None
    text: str = "Action item"

    def _write(self, session: MeetingSession, want: ActionItem | None,
               other: ActionItem | None) -> Changes:
        item = want or other
        assert item is not None
        session.write_action(item, deleted=want is None)
        return FOLLOW

    def apply(self, session: MeetingSession) -> Changes:
        return self._write(session, self.after, self.before)

    def revert(self, session: MeetingSession) -> Changes:
        return self._write(session, self.before, self.after)


@dataclass
class SetTold:
    """Customers told how a decision ended (the day), or not told (None)."""

    decision_id: str
    before: dict[str, dt.date | None]
    after: dict[str, dt.date | None]
    text: str = "Told"

    def apply(self, session: MeetingSession) -> Changes:
        session.write_told(self.decision_id, self.after)
        return FOLLOW

    def revert(self, session: MeetingSession) -> Changes:
        session.write_told(self.decision_id, self.before)
        return FOLLOW


@dataclass
class Together:
    """Several commands as one undo step (recording an outcome also starts the meeting)."""

    parts: list[MeetingCommand]
    text: str

    def apply(self, session: MeetingSession) -> Changes:
        """All the parts or none: a part the store refuses takes back those before it (a
        refused outcome must not leave the meeting started)."""
        changes = Changes()
        done: list[MeetingCommand] = []
        try:
            for part in self.parts:
                changes |= part.apply(session)
                done.append(part)
        except BaseException:
            for part in reversed(done):
                part.revert(session)
            raise
        return changes

    def revert(self, session: MeetingSession) -> Changes:
        changes = Changes()
        for part in reversed(self.parts):
            changes |= part.revert(session)
        return changes


class MeetingCommand(Protocol):
    text: str

    def apply(self, session: MeetingSession) -> Changes: ...
    def revert(self, session: MeetingSession) -> Changes: ...
