"""A running meeting as one plain-Python object: the console, the chair and the minutes
read it, every facilitator action is one of its methods, and its rules live here.

The rules: an effect confirms the customer; naming a customer confirms it; an outcome
stamps when it was decided; names resolve case-insensitively to a customer, else a cohort;
a closed meeting is read-only until it is reopened, on purpose, with a reason.

Matching runs elsewhere (a worker thread in the ui): the session says what it wants matched
(`wanted_match`, `count_request`) and takes the answers (`matched`, `counted`), dropping
any answer an edit made since has outdated. A keypress on the impact list writes one row
and updates the cached match in place: nothing is matched or read again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from app.board.domain import VoiceDraft
from app.changes import Changes
from app.errors import EmptyChairError, NotFoundError, ValidationError
from app.meeting.commands import (
    AddDecisions,
    CaptureEvidence,
    EditDecision,
    EditMeeting,
    MeetingCommand,
    PutActionItem,
    RecordImpact,
    RemoveDecision,
    ReorderAgenda,
    SetDelivery,
    SetTold,
    Together,
)
from app.meeting.domain import (
    ActionItem,
    Decision,
    Delivery,
    Effect,
    ImpactRecord,
    ImpactStatus,
    Meeting,
    MeetingStatus,
    Outcome,
    Stance,
)
from app.meeting.frozen import FrozenDecision
from app.meeting.matching import AffectedCustomer, MatchResult
from app.meeting.ports import MeetingStore
from app.meeting.room import AgendaCount, pseudonyms, room_indicator, spec_of

Clock = Callable[[], dt.datetime]


class MeetingClosedError(EmptyChairError):
    """The meeting is closed: what the room decided is frozen until it is reopened."""


@dataclass(frozen=True, slots=True)
class Step:
    """An action done: the command (to push on the undo stack) and what it changed."""

    command: MeetingCommand
    changes: Changes


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def named_record(prior: ImpactRecord | None, customer_id: str) -> ImpactRecord:
    """Naming a customer on a decision confirms it, keeping any effect, note or evidence
    the room had recorded."""
    return (prior or ImpactRecord(customer_id, ImpactStatus.CONFIRMED)).but(
        status=ImpactStatus.CONFIRMED)


def short_id(meeting_id: str) -> str:
    """The part of a meeting's id people type (`report --meeting`): its random tail, as
    the time-ordered head is shared by meetings made the same day."""
    return meeting_id.replace("-", "")[-8:]


class MeetingSession:
    def __init__(self, store: MeetingStore, clock: Clock = _utc_now) -> None:
        self.store = store
        self.clock = clock
        self.meeting: Meeting | None = None
        self.agenda: list[Decision] = []
        self.counts: dict[str, AgendaCount] = {}
        self.frozen: dict[str, FrozenDecision] = {}
        self.current_id: str | None = None
        self._records: dict[str, dict[str, ImpactRecord]] = {}
        self.actions: dict[str, list[ActionItem]] = {}  # per decision: its action items
        self.told: dict[str, dict[str, dt.date]] = {}  # per decision: customers told, when
        self._live: set[str] | None = None  # customer ids on the board, read when needed
        self._results: dict[str, MatchResult] = {}  # matches still true
        self._last: dict[str, MatchResult] = {}  # outdated ones, shown until the new lands
        self._stale: set[str] = set()  # decisions whose agenda count is out of date
        self._version: dict[str, int] = {}  # bumped by every write that changes a match

    # -- reading --------------------------------------------------------------------------
    def meetings(self) -> list[Meeting]:
        return self.store.meetings()

    @property
    def closed(self) -> bool:
        return self.meeting is not None and self.meeting.status is MeetingStatus.CLOSED

    @property
    def current(self) -> Decision | None:
        return next((d for d in self.agenda if d.id == self.current_id), None)

    @property
    def position(self) -> int:
        """The current decision's place on the agenda, from 0 (-1: none)."""
        return next((i for i, d in enumerate(self.agenda) if d.id == self.current_id), -1)

    @property
    def result(self) -> MatchResult | None:
        """Who the current decision affects, once matched (while it is matched again
        after an edit, the match before it)."""
        if self.current_id is None:
            return None
        return self._results.get(self.current_id) or self._last.get(self.current_id)

    @property
    def matching(self) -> bool:
        """The current decision's match is on its way (or outdated)."""
        return self.current_id is not None and self.current_id not in self._results

    def result_of(self, decision_id: str) -> MatchResult | None:
        return self._results.get(decision_id)

    def record_of(self, customer_id: str) -> ImpactRecord | None:
        return self._records.get(self.current_id or "", {}).get(customer_id)

    def confirmed(self) -> dict[str, int]:
        return {d: sum(1 for r in rs.values() if r.status is ImpactStatus.CONFIRMED)
                for d, rs in self._records.items()}

    def indicator(self) -> tuple[int, int]:
        """(decided decisions with a confirmed customer, decided ones without)."""
        return room_indicator(self.agenda, self.confirmed())

    def pending(self) -> list[Decision]:
        return [d for d in self.agenda if d.outcome is Outcome.PENDING]

    def names(self) -> dict[str, str]:
        """Customer display names of the current match: real, or stable pseudonyms in
        anonymous mode."""
        result = self.result
        if result is None:
            return {}
        everyone = [*result.customers, *result.dismissed]
        if self.meeting is not None and self.meeting.anonymous:
            return pseudonyms([(a.customer.id, a.customer.cohort) for a in everyone],
                              self.meeting.id)
        return {a.customer.id: a.customer.name for a in everyone}

    def name_of(self, customer: AffectedCustomer) -> str:
        return self.names().get(customer.customer.id, customer.customer.name)

    def deferred(self) -> list[Decision]:
        """Deferred decisions of earlier meetings, not yet carried onto any agenda."""
        return self.store.deferred_decisions(self.meeting.id) if self.meeting else []

    # -- choosing -------------------------------------------------------------------------
    def open(self, meeting_id: str | None) -> None:
        """Show a meeting (None: the newest one, if any)."""
        if meeting_id is None:
            meetings = self.store.meetings()
            meeting_id = meetings[0].id if meetings else None
        self.meeting = self.store.get_meeting(meeting_id) if meeting_id else None
        self._results.clear()
        self._last.clear()
        self.counts.clear()
        self._stale.clear()
        self._live = None
        self.current_id = None
        self.agenda = []  # everything is new: matched and counted afresh
        self.reload_agenda()

    def reload_agenda(self, select: str | None = None, keep_matches: bool = True) -> None:
        """Read the agenda again after an edit of it. Matches of unchanged decisions stay."""
        if self.meeting is None:
            self.agenda, self._records, self.frozen = [], {}, {}
            self.actions, self.told = {}, {}
            self.current_id = None
            return
        row = max(self.position, 0)
        self.meeting = self.store.get_meeting(self.meeting.id)
        before = {d.id: d for d in self.agenda}
        self.agenda = self.store.decisions(self.meeting.id)
        self._records = {d.id: {} for d in self.agenda} | self.store.impact_records_of(
            d.id for d in self.agenda)
        self.frozen = {d: FrozenDecision.from_json(text) for d, text in
                       self.store.frozen_records(self.meeting.id).items()}
        ids = [d.id for d in self.agenda]
        self.actions = self.store.action_items(ids)
        self.told = self.store.told(ids)
        for d in self.agenda:
            old = before.get(d.id)
            if old is None or spec_of(old) != spec_of(d) or not keep_matches:
                self._outdate(d.id)
        known = {d.id for d in self.agenda}
        for cache in (self._results, self._last):
            for gone in set(cache) - known:
                del cache[gone]
        if select is not None and select in known:
            self.current_id = select
        elif self.current_id not in known:
            self.current_id = self.agenda[min(row, len(self.agenda) - 1)].id \
                if self.agenda else None

    def select(self, decision_id: str | None) -> None:
        if decision_id is None or any(d.id == decision_id for d in self.agenda):
            self.current_id = decision_id

    def step(self, delta: int) -> bool:
        """Move to the next (+1) or previous (-1) decision; False at either end."""
        row = self.position + delta
        if not 0 <= row < len(self.agenda):
            return False
        self.current_id = self.agenda[row].id
        return True

    # -- matching, done elsewhere -----------------------------------------------------------
    def _outdate(self, decision_id: str) -> None:
        outdated = self._results.pop(decision_id, None)
        if outdated is not None:
            self._last[decision_id] = outdated
        self._stale.add(decision_id)
        self._version[decision_id] = self._version.get(decision_id, 0) + 1

    def version(self, decision_id: str) -> int:
        return self._version.get(decision_id, 0)

    def wanted_match(self) -> tuple[Decision, dict[str, ImpactRecord], int] | None:
        """The current decision when it still needs matching, with what the room recorded
        and the version an answer must carry to be taken."""
        current = self.current
        if current is None or current.id in self._results:
            return None
        return current, dict(self._records.get(current.id, {})), self.version(current.id)

    def count_request(self) -> list[tuple[Decision, dict[str, ImpactRecord], int]]:
        return [(d, dict(self._records.get(d.id, {})), self.version(d.id))
                for d in self.agenda if d.id in self._stale]

    def matched(self, decision_id: str, result: MatchResult, version: int) -> bool:
        """Take a match; False when an edit since made it stale (it is asked again)."""
        if version != self.version(decision_id) or \
                not any(d.id == decision_id for d in self.agenda):
            return False
        self._results[decision_id] = result
        self._last.pop(decision_id, None)
        self.counts[decision_id] = AgendaCount.of(result)
        self._stale.discard(decision_id)
        return True

    def counted(self, counts: Mapping[str, AgendaCount], versions: Mapping[str, int]) -> None:
        for decision_id, count in counts.items():
            if versions.get(decision_id) == self.version(decision_id) and \
                    decision_id in self._stale:
                self.counts[decision_id] = count
                self._stale.discard(decision_id)

    def _live_customers(self) -> set[str]:
        """Ids of the customers on the board (read once until the board changes)."""
        if self._live is None:
            self._live = {c.id for c in self.store.customers()}
        return self._live

    def board_changed(self) -> None:
        """Voices or customers changed (here or in the board window): every match is out
        of date; each decision keeps showing its last one until the new one lands."""
        self._live = None
        for d in self.agenda:
            self._outdate(d.id)

    # -- writes the commands make -------------------------------------------------------------
    def write_impact(self, decision_id: str, customer_id: str,
                     record: ImpactRecord | None) -> None:
        self.store.put_impact(decision_id, customer_id, record)
        self._took(decision_id, {customer_id: record})

    def _took(self, decision_id: str, records: Mapping[str, ImpactRecord | None]) -> None:
        """The cached match shows what was just written, or is matched again."""
        for customer_id, record in records.items():
            self.remember(decision_id, customer_id, record)
        result = self._results.get(decision_id)
        if result is not None and all(result.apply(c, r) for c, r in records.items()):
            self.counts[decision_id] = AgendaCount.of(result)
            return
        last = self._last.get(decision_id)
        if last is not None:  # shown until the new match lands: show the edit on it too
            for customer_id, record in records.items():
                last.apply(customer_id, record)
        self._outdate(decision_id)

    def remember(self, decision_id: str, customer_id: str,
                 record: ImpactRecord | None) -> None:
        """What the store wrote for a customer by itself (a captured voice)."""
        kept = self._records.setdefault(decision_id, {})
        if record is None:
            kept.pop(customer_id, None)
        else:
            kept[customer_id] = record

    def write_decision(self, decision: Decision,
                       records: Mapping[str, ImpactRecord | None]) -> None:
        before = next((d for d in self.agenda if d.id == decision.id), None)
        self.store.update_decision(decision, records)
        if before is not None and spec_of(before) == spec_of(decision):
            # An outcome or rationale: who it affects is the same, nothing to match.
            self.agenda = [decision if d.id == decision.id else d for d in self.agenda]
            if records:
                self._took(decision.id, records)
            return
        self.agenda = self.store.decisions(decision.meeting_id)  # named ones as stored
        for customer_id, record in records.items():
            self.remember(decision.id, customer_id, record)
        self._outdate(decision.id)

    def write_delivery(self, decision_id: str, delivery: Delivery,
                       on: dt.date | None) -> None:
        self.store.set_delivery(decision_id, delivery, on)
        self.agenda = [dataclasses.replace(d, delivery=delivery, delivery_on=on)
                       if d.id == decision_id else d for d in self.agenda]

    def write_action(self, item: ActionItem, deleted: bool) -> None:
        self.store.put_action_item(item, deleted)
        items = [i for i in self.actions.get(item.decision_id, []) if i.id != item.id]
        if not deleted:
            old = [i.id for i in self.actions.get(item.decision_id, [])]
            items.insert(old.index(item.id) if item.id in old else len(items), item)
        self.actions[item.decision_id] = items

    def write_told(self, decision_id: str, told: Mapping[str, dt.date | None]) -> None:
        self.store.set_told(decision_id, told)
        kept = self.told.setdefault(decision_id, {})
        for customer_id, on in told.items():
            if on is None:
                kept.pop(customer_id, None)
            else:
                kept[customer_id] = on

    def write_meeting(self, meeting: Meeting) -> None:
        self.store.update_meeting(meeting)
        self.meeting = meeting

    # -- actions -------------------------------------------------------------------------
    def _run(self, command: MeetingCommand) -> Step:
        return Step(command, command.apply(self))

    def _open_meeting(self) -> Meeting:
        if self.meeting is None:
            raise ValidationError("meeting", "no meeting is open: make one first")
        if self.closed:
            raise MeetingClosedError(f"“{self.meeting.title}” is closed: its record is "
                                     "frozen. Reopen it (Meeting > Reopen meeting…) to "
                                     "change it.")
        return self.meeting

    def _decision(self) -> Decision:
        self._open_meeting()
        current = self.current
        if current is None:
            raise ValidationError("decision", "no decision on the agenda yet")
        return current

    def _affected(self, customer_id: str) -> AffectedCustomer | None:
        result = self.result
        if result is None:
            return None
        return next((a for a in (*result.customers, *result.dismissed)
                     if a.customer.id == customer_id), None)

    def _impact(self, customer_id: str, change: Callable[[ImpactRecord], ImpactRecord],
                text: str) -> Step:
        decision = self._decision()
        before = self.record_of(customer_id)
        shown = self._affected(customer_id)
        base = before or ImpactRecord(customer_id, shown.status if shown
                                      else ImpactStatus.SUGGESTED)
        return self._run(RecordImpact(decision.id, customer_id, before, change(base), text))

    def _label(self, customer_id: str) -> str:
        shown = self._affected(customer_id)
        return self.name_of(shown) if shown else "customer"

    def confirm(self, customer_id: str) -> Step:
        return self._impact(customer_id, lambda r: r.but(status=ImpactStatus.CONFIRMED),
                            f"Confirm {self._label(customer_id)}")

    def dismiss(self, customer_id: str) -> Step:
        return self._impact(customer_id, lambda r: r.but(status=ImpactStatus.DISMISSED),
                            f"Dismiss {self._label(customer_id)}")

    def set_effect(self, customer_id: str, effect: Effect) -> Step:
        """An effect is a judgement about a real customer: it confirms them too."""
        return self._impact(customer_id, lambda r: r.but(status=ImpactStatus.CONFIRMED,
                                                         effect=effect),
                            f"{effect.value.capitalize()}: {self._label(customer_id)}")

    def set_note(self, customer_id: str, note: str) -> Step:
        return self._impact(customer_id, lambda r: r.but(note=note.strip()),
                            f"Note on {self._label(customer_id)}")

    def set_stance(self, customer_id: str, voice_id: str, stance: Stance | None) -> Step:
        return self._impact(customer_id, lambda r: r.with_stance(voice_id, stance),
                            f"Evidence {stance.value if stance else 'attached'}: "
                            f"{self._label(customer_id)}")

    def add_named(self, name: str) -> Step:
        """Name a customer (or, failing that, a cohort) on the current decision."""
        decision = self._decision()
        wanted = name.strip()
        if not wanted:
            raise ValidationError("name", "type the name of a customer or cohort")
        customers = {c.name.casefold(): c for c in self.store.customers()}
        cohorts = {c.name.casefold(): c for c in self.store.cohorts()}
        key = wanted.casefold()
        if key in customers:
            customer = customers[key]
            prior = self._records.get(decision.id, {}).get(customer.id)
            after = dataclasses.replace(decision, named_customers=tuple(dict.fromkeys(
                (*decision.named_customers, customer.name))))
            return self._run(EditDecision(
                decision, after, f"Name {customer.name}", {customer.id: prior},
                {customer.id: named_record(prior, customer.id)}))
        if key in cohorts:
            after = dataclasses.replace(decision, named_cohorts=tuple(dict.fromkeys(
                (*decision.named_cohorts, cohorts[key].name))))
            return self._run(EditDecision(decision, after, f"Name {cohorts[key].name}"))
        raise NotFoundError(f"No customer or cohort called {wanted!r}")

    def edit_decision(self, title: str, description: str, themes: tuple[str, ...],
                      customers: tuple[str, ...], cohorts: tuple[str, ...],
                      decision_id: str | None = None) -> Step:
        """Change a decision in place. Customers newly named are confirmed; customers
        taken off lose that record; undo puts back what was there."""
        self._open_meeting()
        decision = next((d for d in self.agenda if d.id == decision_id), None) \
            if decision_id else self.current
        if decision is None:
            raise ValidationError("decision", "no decision on the agenda yet")
        after = dataclasses.replace(decision, title=title.strip(),
                                    description=description.strip(), themes=themes,
                                    named_customers=customers, named_cohorts=cohorts)
        ids = {c.name.casefold(): c.id for c in self.store.customers()}
        records = self._records.get(decision.id, {})
        old = {n.casefold() for n in decision.named_customers}
        new = {n.casefold() for n in customers}
        for n in new:
            if n not in ids:
                raise ValidationError("customers", f"no customer called {n!r}")
        changed = {ids[n] for n in (old ^ new) if n in ids}
        named_now = {ids[n] for n in new}
        before_records = {c: records.get(c) for c in changed}
        after_records: dict[str, ImpactRecord | None] = {
            c: named_record(records.get(c), c) if c in named_now else None for c in changed}
        return self._run(EditDecision(decision, after, f"Edit {after.title}",
                                      before_records, after_records))

    def record_outcome(self, outcome: Outcome, rationale: str) -> Step:
        """The room's decision. An outcome stamps when it was decided (kept when only the
        rationale changes); back to pending clears it. A planned meeting starts running."""
        decision = self._decision()
        if outcome is Outcome.PENDING:
            decided_at = None
        elif decision.outcome is outcome and decision.decided_at:
            decided_at = decision.decided_at
        else:
            decided_at = self.clock().isoformat(timespec="seconds")
        after = dataclasses.replace(decision, outcome=outcome, rationale=rationale.strip(),
                                    decided_at=decided_at)
        edit = EditDecision(decision, after, f"{outcome.value.capitalize()}: {decision.title}")
        running = self._starting()
        return self._run(Together([running, edit], edit.text) if running else edit)

    def _starting(self) -> EditMeeting | None:
        meeting = self._open_meeting()
        if meeting.status is not MeetingStatus.PLANNED:
            return None
        return EditMeeting(meeting, dataclasses.replace(meeting, status=MeetingStatus.RUNNING),
                           "Start the meeting")

    def mark_running(self) -> Step | None:
        """A planned meeting is running once its chair is projected or an outcome recorded."""
        if self.meeting is None or self.closed:
            return None
        running = self._starting()
        return self._run(running) if running else None

    def capture(self, draft: VoiceDraft) -> Step:
        decision = self._decision()
        return self._run(CaptureEvidence(decision.id, draft,
                                         text=f"Capture a voice on {decision.title}"))

    def add_decision(self, title: str, description: str = "", themes: tuple[str, ...] = (),
                     customers: tuple[str, ...] = (), cohorts: tuple[str, ...] = ()) -> Step:
        meeting = self._open_meeting()
        draft = Decision("", meeting.id, 0, title, description, themes=themes,
                         named_customers=customers, named_cohorts=cohorts)
        return self._run(AddDecisions(meeting.id, [draft], text=f"Add {title.strip()}"))

    def carry_over(self, decision_ids: list[str]) -> Step:
        """Carry the chosen deferred decisions onto this agenda, as one step."""
        meeting = self._open_meeting()
        chosen = [d for d in self.deferred() if d.id in set(decision_ids)]
        if not chosen:
            raise ValidationError("deferred", "choose at least one deferred decision")
        return self._run(AddDecisions(
            meeting.id, chosen, [d.id for d in chosen],
            text=f"Carry over {len(chosen)} deferred decision{'s' if len(chosen) != 1 else ''}"))

    def remove_decision(self, decision_id: str | None = None) -> Step:
        self._open_meeting()
        decision = next((d for d in self.agenda if d.id == (decision_id or self.current_id)),
                        None)
        if decision is None:
            raise ValidationError("decision", "no decision to remove")
        return self._run(RemoveDecision(decision.id, f"Remove {decision.title}"))

    def reorder(self, order: list[str]) -> Step | None:
        meeting = self._open_meeting()
        before = [d.id for d in self.agenda]
        if sorted(order) != sorted(before):
            raise ValidationError("agenda", "the new order must hold the same decisions")
        if order == before:
            return None
        return self._run(ReorderAgenda(meeting.id, before, order))

    def move(self, delta: int) -> Step | None:
        """Move the current decision up (-1) or down (+1) the agenda."""
        row = self.position
        if row < 0 or not 0 <= row + delta < len(self.agenda):
            return None
        order = [d.id for d in self.agenda]
        order.insert(row + delta, order.pop(row))
        return self.reorder(order)

    def set_anonymous(self, anonymous: bool) -> Step:
        meeting = self._open_meeting()
        return self._run(EditMeeting(meeting, dataclasses.replace(meeting, anonymous=anonymous),
                                     "Anonymous mode " + ("on" if anonymous else "off")))

    def edit_meeting(self, title: str, held_on: dt.date, facilitator: str,
                     attendees: str) -> Step:
        meeting = self._open_meeting()
        after = dataclasses.replace(meeting, title=title.strip(), held_on=held_on,
                                    facilitator=facilitator.strip(),
                                    attendees=attendees.strip())
        return self._run(EditMeeting(meeting, after, f"Edit {after.title}"))

    # -- follow-through: after the meeting too (a closed meeting's decisions still ship) ---
    def _followed(self, decision_id: str | None = None) -> Decision:
        if self.meeting is None:
            raise ValidationError("meeting", "no meeting is open")
        decision = next((d for d in self.agenda if d.id == (decision_id or self.current_id)),
                        None)
        if decision is None:
            raise ValidationError("decision", "no decision on the agenda yet")
        return decision

    def today(self) -> dt.date:
        return self.clock().date()

    def set_delivery(self, delivery: Delivery, decision_id: str | None = None) -> Step | None:
        """What became of the decision; the day it changed is today. Allowed after the
        meeting closed: delivery is not part of what the room saw."""
        decision = self._followed(decision_id)
        if delivery is decision.delivery:
            return None
        if delivery is not Delivery.NOT_STARTED and decision.outcome is not Outcome.APPROVED:
            raise ValidationError("delivery", f"“{decision.title}” is "
                                  f"{decision.outcome.value}: only an approved decision is "
                                  "delivered")
        on = None if delivery is Delivery.NOT_STARTED else self.today()
        return self._run(SetDelivery(decision.id, (decision.delivery, decision.delivery_on),
                                     (delivery, on), f"{delivery.label.capitalize()}: "
                                                     f"{decision.title}"))

    def add_action(self, what: str, owner: str = "", due_on: dt.date | None = None,
                   decision_id: str | None = None) -> Step:
        decision = self._followed(decision_id)
        if not what.strip():
            raise ValidationError("action", "say what is to be done")
        item = ActionItem(self.store.new_action_id(), decision.id, what.strip(), owner.strip(),
                          due_on)
        return self._run(PutActionItem(None, item, f"Action: {item.what}"))

    def _action(self, item_id: str) -> ActionItem:
        for items in self.actions.values():
            for item in items:
                if item.id == item_id:
                    return item
        raise NotFoundError(f"no action item {item_id}")

    def edit_action(self, item_id: str, what: str, owner: str, due_on: dt.date | None) -> Step:
        before = self._action(item_id)
        if not what.strip():
            raise ValidationError("action", "say what is to be done")
        after = dataclasses.replace(before, what=what.strip(), owner=owner.strip(),
                                    due_on=due_on)
        return self._run(PutActionItem(before, after, f"Edit action: {after.what}"))

    def toggle_done(self, item_id: str) -> Step:
        before = self._action(item_id)
        after = dataclasses.replace(before, done_on=None if before.done_on else self.today())
        return self._run(PutActionItem(before, after, ("Done: " if after.done_on else
                                                       "Not done: ") + after.what))

    def remove_action(self, item_id: str) -> Step:
        before = self._action(item_id)
        return self._run(PutActionItem(before, None, f"Remove action: {before.what}"))

    def mark_told(self, customer_ids: list[str], told: bool = True,
                  decision_id: str | None = None) -> Step | None:
        """These customers were told how the decision ended (today), or, with told=False,
        not. Only a decided decision's customers can be told."""
        decision = self._followed(decision_id)
        if told and decision.outcome is Outcome.PENDING:
            raise ValidationError("told", "the decision is still pending: nothing to tell yet")
        kept = self.told.get(decision.id, {})
        before: dict[str, dt.date | None] = {c: kept.get(c) for c in customer_ids}
        after: dict[str, dt.date | None] = {c: (kept.get(c) or self.today()) if told
                                            else None for c in customer_ids}
        if before == after:
            return None
        count = len(customer_ids)
        return self._run(SetTold(decision.id, before, after,
                                 f"{'Told' if told else 'Not told'}: {count} customer"
                                 f"{'s' if count != 1 else ''}"))

    def not_told(self) -> dict[str, list[str]]:
        """Per decision of this meeting that can close the loop (shipped or dropped, or
        rejected): its confirmed customers, still on the board, not told yet."""
        waiting = {}
        for d in self.agenda:
            if not d.closes_the_loop:
                continue
            live = self._live_customers()
            told = self.told.get(d.id, {})
            frozen = self.frozen.get(d.id)
            confirmed = [c.id for _, c in frozen.confirmed] if frozen else [
                c for c, r in self._records.get(d.id, {}).items()
                if r.status is ImpactStatus.CONFIRMED]
            missing = [c for c in confirmed if c not in told and c in live]
            if missing:
                waiting[d.id] = missing
        return waiting

    # -- meetings, not undoable (each is its own explicit, confirmed act) ------------------
    def new_meeting(self, title: str, held_on: dt.date, facilitator: str = "",
                    attendees: str = "") -> Changes:
        meeting_id = self.store.create_meeting(title, held_on, facilitator, attendees)
        self.open(meeting_id)
        return Changes(meetings=True, decisions=True)

    def duplicate(self) -> Changes:
        """A recurring meeting: the same agenda, pending again, a week later."""
        if self.meeting is None:
            raise ValidationError("meeting", "no meeting to duplicate")
        new_id = self.store.duplicate_meeting(self.meeting.id, self.meeting.title,
                                              self.meeting.held_on + dt.timedelta(days=7))
        self.open(new_id)
        return Changes(meetings=True, decisions=True)

    def close(self) -> Changes:
        """Freeze what the room saw for every decision. The matches on screen are the
        ones frozen; a decision not yet matched is matched now."""
        from app.meeting.room import affected

        meeting = self._open_meeting()
        frozen = {d.id: FrozenDecision.of(d, self._results.get(d.id) or
                                          affected(self.store, d), self.clock()).to_json()
                  for d in self.agenda}
        self.store.freeze_meeting(meeting.id, frozen)
        self.reload_agenda()
        return Changes(meetings=True, decisions=True, impacts=True)

    def reopen(self, reason: str) -> Changes:
        """Reopen a closed meeting: logged with its reason and a copy of the records frozen
        at the close; until it closes again its record is the live one."""
        if self.meeting is None or not self.closed:
            raise ValidationError("meeting", "only a closed meeting can be reopened")
        if not reason.strip():
            raise ValidationError("reason", "say why the meeting is reopened")
        self.store.reopen_meeting(self.meeting.id, reason.strip())
        self.reload_agenda()
        return Changes(meetings=True, decisions=True)
