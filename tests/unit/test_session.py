"""MeetingSession against an in-memory store: every facilitator action applies and reverts
exactly, a closed meeting is read-only, and matching answers are taken only while true.

The fake copies storage/meetings.py's semantics (naming a customer confirms it, un-naming
drops its record, put_impact(None) removes one) but never matches: each test hands the
session its match results, as the ui's worker thread would.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from app.board.domain import Cohort, Customer, Kind, VoiceDraft, check_plain, clean_name
from app.errors import NotFoundError, ValidationError
from app.meeting.domain import (
    Decision,
    Effect,
    ImpactRecord,
    ImpactStatus,
    Meeting,
    MeetingAction,
    MeetingEvent,
    MeetingStatus,
    Outcome,
    Route,
    Stance,
)
from app.meeting.facts import CustomerFacts, VoiceHit
from app.meeting.matching import AffectedCustomer, CohortRollup, Evidence, MatchResult
from app.meeting.room import AgendaCount
from app.meeting.session import MeetingClosedError, MeetingSession, named_record, short_id

DAY = dt.date(2026, 3, 2)


class FakeStore:
    """The meeting tables as plain dicts. `writes` names every write, in order."""

    def __init__(self) -> None:
        self.customer_rows: dict[str, Customer] = {}
        self.cohort_rows: dict[str, Cohort] = {}
        self.meeting_rows: dict[str, Meeting] = {}
        self.decision_rows: dict[str, dict[str, Any]] = {}
        # (decision id, customer id) -> {"record", "named", "live"}: one impacts row, as in
        # SQLite, so a row deleted while named comes back named.
        self.impacts: dict[tuple[str, str], dict[str, Any]] = {}
        self.voices: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[MeetingEvent]] = {}
        self.writes: list[str] = []
        self._next = 0

    def _id(self, prefix: str) -> str:
        self._next += 1
        return f"{prefix}-0000-7000-8000-{self._next:012d}"

    def state(self) -> dict[str, Any]:
        """Everything stored, to compare before and after."""
        return copy.deepcopy({k: v for k, v in vars(self).items() if k != "writes"})

    # -- names ----------------------------------------------------------------------------
    def add_cohort(self, cohort_id: str, name: str) -> None:
        self.cohort_rows[cohort_id] = Cohort(cohort_id, name)

    def add_customer(self, customer_id: str, name: str, cohort: str | None) -> None:
        cohort_id = next((c.id for c in self.cohort_rows.values() if c.name == cohort), None)
        self.customer_rows[customer_id] = Customer(customer_id, name, cohort_id, cohort)

    def customers(self) -> list[Customer]:
        return list(self.customer_rows.values())

    def cohorts(self) -> list[Cohort]:
        return list(self.cohort_rows.values())

    # -- meetings -----------------------------------------------------------------------
    def meetings(self) -> list[Meeting]:
        order = list(self.meeting_rows)
        return sorted(self.meeting_rows.values(),
                      key=lambda m: (m.held_on, order.index(m.id)), reverse=True)

    def get_meeting(self, meeting_id: str) -> Meeting:
        if meeting_id in self.meeting_rows:
            return self.meeting_rows[meeting_id]
        found = [m for m in self.meeting_rows.values() if meeting_id and
                 m.id.startswith(meeting_id)]
        if len(found) != 1:
            raise NotFoundError(f"no meeting {meeting_id}")
        return found[0]

    def create_meeting(self, title: str, held_on: dt.date, facilitator: str = "",
                       attendees: str = "", notes: str = "") -> str:
        self.writes.append("create_meeting")
        meeting_id = self._id("m")
        self.meeting_rows[meeting_id] = Meeting(meeting_id, title.strip(), held_on,
                                                facilitator, attendees, notes)
        return meeting_id

    def update_meeting(self, meeting: Meeting) -> None:
        if meeting.status is MeetingStatus.CLOSED:
            raise ValidationError("status", "a meeting is closed by closing it")
        self.writes.append("update_meeting")
        self.meeting_rows[meeting.id] = meeting

    def duplicate_meeting(self, meeting_id: str, title: str, held_on: dt.date) -> str:
        source = self.get_meeting(meeting_id)
        new = self.create_meeting(title, held_on, source.facilitator, source.attendees)
        for d in self.decisions(meeting_id):
            self.add_decision(new, d.title, d.description, d.owner, d.themes,
                              d.named_customers, d.named_cohorts)
        return new

    # -- decisions ----------------------------------------------------------------------
    def _decision(self, row: dict[str, Any]) -> Decision:
        named = sorted(self.customer_rows[c].name for (d, c), i in self.impacts.items()
                       if d == row["id"] and i["live"] and i["named"])
        return Decision(row["id"], row["meeting_id"], row["position"], row["title"],
                        row["description"], row["owner"], tuple(row["themes"]),
                        tuple(named), tuple(row["cohorts"]), row["outcome"],
                        row["rationale"], row["decided_at"])

    def decisions(self, meeting_id: str) -> list[Decision]:
        rows = [r for r in self.decision_rows.values()
                if r["meeting_id"] == meeting_id and not r["deleted"]]
        return [self._decision(r) for r in sorted(rows, key=lambda r: r["position"])]

    def get_decision(self, decision_id: str) -> Decision:
        if decision_id not in self.decision_rows:
            raise NotFoundError(f"no decision {decision_id}")
        return self._decision(self.decision_rows[decision_id])

    def deferred_decisions(self, meeting_id: str) -> list[Decision]:
        held_on = self.get_meeting(meeting_id).held_on
        carried = {r["deferred_from"] for r in self.decision_rows.values() if not r["deleted"]}
        rows = [r for r in self.decision_rows.values()
                if r["outcome"] is Outcome.DEFERRED and not r["deleted"]
                and r["meeting_id"] != meeting_id and r["id"] not in carried
                and self.meeting_rows[r["meeting_id"]].held_on <= held_on]
        rows.sort(key=lambda r: (self.meeting_rows[r["meeting_id"]].held_on, r["position"]))
        return [self._decision(r) for r in rows]

    def _links(self, decision_id: str, themes: Iterable[str], customers: Iterable[str],
               cohorts: Iterable[str]) -> None:
        row = self.decision_rows[decision_id]
        row["themes"] = sorted(dict.fromkeys(themes))
        cohort_names = {c.name.casefold(): c.name for c in self.cohort_rows.values()}
        for name in cohorts:
            if name.casefold() not in cohort_names:
                raise ValidationError("cohort", f"no cohort called {name!r}")
        row["cohorts"] = sorted({cohort_names[n.casefold()] for n in cohorts})
        ids = {c.name.casefold(): c.id for c in self.customer_rows.values()}
        wanted = []
        for name in customers:
            if name.casefold() not in ids:
                raise ValidationError("customer", f"no customer called {name!r}")
            wanted.append(ids[name.casefold()])
        for (d, c), impact in self.impacts.items():  # un-named: its impact goes
            if d == decision_id and impact["named"] and c not in wanted:
                impact.update(named=False, live=False)
        for c in wanted:  # named: confirmed, keeping what else was recorded
            impact = self.impacts.get((decision_id, c))
            if impact is None:
                self.impacts[(decision_id, c)] = {
                    "record": ImpactRecord(c, ImpactStatus.CONFIRMED), "named": True,
                    "live": True}
            else:
                impact.update(record=impact["record"].but(status=ImpactStatus.CONFIRMED),
                              named=True, live=True)

    def add_decision(self, meeting_id: str, title: str, description: str = "",
                     owner: str = "", themes: Iterable[str] = (),
                     customers: Iterable[str] = (), cohorts: Iterable[str] = (),
                     deferred_from: str | None = None) -> str:
        self.writes.append("add_decision")
        decision_id = self._id("d")
        position = 1 + max((r["position"] for r in self.decision_rows.values()
                            if r["meeting_id"] == meeting_id and not r["deleted"]), default=0)
        self.decision_rows[decision_id] = {
            "id": decision_id, "meeting_id": meeting_id, "position": position,
            "title": title.strip(), "description": description, "owner": owner,
            "themes": [], "cohorts": [], "outcome": Outcome.PENDING, "rationale": "",
            "decided_at": None, "deleted": False, "deferred_from": deferred_from,
            "frozen": None}
        self._links(decision_id, themes, customers, cohorts)
        return decision_id

    def update_decision(self, decision: Decision,
                        records: Mapping[str, ImpactRecord | None] | None = None) -> None:
        title = clean_name(decision.title, "title")  # refused before anything is written
        for value, field in ((decision.description, "description"),
                             (decision.owner, "owner"), (decision.rationale, "rationale")):
            check_plain(value, field)
        self.writes.append("update_decision")
        self.decision_rows[decision.id].update(
            title=title, description=decision.description,
            owner=decision.owner, outcome=decision.outcome, rationale=decision.rationale,
            decided_at=decision.decided_at)
        self._links(decision.id, decision.themes, decision.named_customers,
                    decision.named_cohorts)
        for customer_id, record in (records or {}).items():
            self.put_impact(decision.id, customer_id, record)

    def set_decision_deleted(self, decision_id: str, deleted: bool) -> None:
        self.writes.append("set_decision_deleted")
        self.decision_rows[decision_id]["deleted"] = deleted

    def set_agenda_order(self, meeting_id: str, decision_ids: list[str]) -> None:
        self.writes.append("set_agenda_order")
        for i, decision_id in enumerate(decision_ids):
            row = self.decision_rows[decision_id]
            if row["meeting_id"] == meeting_id:
                row["position"] = i + 1

    # -- impacts ------------------------------------------------------------------------
    def impact_records(self, decision_id: str) -> dict[str, ImpactRecord]:
        return self.impact_records_of([decision_id]).get(decision_id, {})

    def impact_records_of(self, decision_ids: Iterable[str],
                          ) -> dict[str, dict[str, ImpactRecord]]:
        wanted = set(decision_ids)
        records: dict[str, dict[str, ImpactRecord]] = {}
        for (d, c), impact in self.impacts.items():
            if d in wanted and impact["live"]:
                records.setdefault(d, {})[c] = impact["record"]
        return records

    def put_impact(self, decision_id: str, customer_id: str,
                   record: ImpactRecord | None) -> None:
        self.writes.append("put_impact")
        impact = self.impacts.get((decision_id, customer_id))
        if record is None:
            if impact is not None:  # the row and its evidence go; its route stays
                old = impact["record"]
                impact.update(live=False, record=ImpactRecord(
                    customer_id, old.status, old.effect, old.note))
            return
        if impact is None:
            self.impacts[(decision_id, customer_id)] = {"record": record, "named": False,
                                                        "live": True}
        else:
            impact.update(record=record, live=True)

    def capture_evidence(self, draft: VoiceDraft, decision_id: str,
                         ) -> tuple[str, str, ImpactRecord | None]:
        self.writes.append("capture_evidence")
        customer_id = next((c.id for c in self.customer_rows.values()
                            if c.name.casefold() == draft.customer_name.casefold()), None)
        if customer_id is None:
            customer_id = self._id("c")
            self.add_customer(customer_id, draft.customer_name, draft.cohort_name)
        voice_id = self._id("v")
        self.voices[voice_id] = {"customer_id": customer_id, "text": draft.text,
                                 "deleted": False}
        before = self.impact_records(decision_id).get(customer_id)
        after = (before or ImpactRecord(customer_id, ImpactStatus.CONFIRMED)).but(
            status=ImpactStatus.CONFIRMED).with_stance(voice_id, None)
        self.put_impact(decision_id, customer_id, after)
        return voice_id, customer_id, before

    def set_voices_deleted(self, voice_ids: list[str], deleted: bool) -> None:
        self.writes.append("set_voices_deleted")
        for voice_id in voice_ids:
            self.voices[voice_id]["deleted"] = deleted

    # -- follow-through (not exercised here: tests/storage/test_follow_through.py) ---------
    def action_items(self, decision_ids):
        return {}

    def told(self, decision_ids):
        return {}

    # -- closing ------------------------------------------------------------------------
    def frozen_records(self, meeting_id: str) -> dict[str, str]:
        return {r["id"]: r["frozen"] for r in self.decision_rows.values()
                if r["meeting_id"] == meeting_id and not r["deleted"]
                and r["frozen"] is not None}

    def freeze_meeting(self, meeting_id: str, frozen: dict[str, str]) -> None:
        self.writes.append("freeze_meeting")
        for decision_id, text in frozen.items():
            self.decision_rows[decision_id]["frozen"] = text
        self.meeting_rows[meeting_id] = dataclasses.replace(
            self.meeting_rows[meeting_id], status=MeetingStatus.CLOSED)
        self.events.setdefault(meeting_id, []).append(
            MeetingEvent(MeetingAction.CLOSED, "2026-03-02T12:00:00+00:00"))

    def reopen_meeting(self, meeting_id: str, reason: str) -> None:
        self.writes.append("reopen_meeting")
        meeting = self.meeting_rows[meeting_id]
        if meeting.status is MeetingStatus.CLOSED:
            self.meeting_rows[meeting_id] = dataclasses.replace(
                meeting, status=MeetingStatus.RUNNING)
        self.events.setdefault(meeting_id, []).append(
            MeetingEvent(MeetingAction.REOPENED, "2026-03-02T13:00:00+00:00", reason))

    def meeting_events(self, meeting_id: str) -> list[MeetingEvent]:
        return list(self.events.get(meeting_id, []))

    # -- for the tests ------------------------------------------------------------------
    def named(self, decision_id: str) -> tuple[str, ...]:
        return self.get_decision(decision_id).named_customers

    def set_outcome(self, decision_id: str, outcome: Outcome) -> None:
        self.decision_rows[decision_id]["outcome"] = outcome


class Clock:
    """A clock that moves one minute each time it is read."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        now = self.now
        self.now += dt.timedelta(minutes=1)
        return now


FACTS = {"acme": CustomerFacts("acme", "Acme", "Enterprise", 3.0),
         "birch": CustomerFacts("birch", "Birch", "Enterprise", 2.0),
         "cedar": CustomerFacts("cedar", "Cedar", "SMB", 1.0)}


def voice(customer_id: str) -> VoiceHit:
    return VoiceHit(f"v-{customer_id}", customer_id, Kind.COMPLAINT, "the export is slow",
                    dt.date(2026, 2, 1), 3)


def shown(customer_id: str, status: ImpactStatus = ImpactStatus.SUGGESTED,
          routes: tuple[Route, ...] = (Route.TEXT,)) -> AffectedCustomer:
    return AffectedCustomer(FACTS[customer_id], 1.0, routes,
                            [Evidence(voice(customer_id), matched=("export",))], status,
                            kinds={Kind.COMPLAINT: 1})


def result_of(*affected: AffectedCustomer) -> MatchResult:
    cohorts: dict[str, CohortRollup] = {}
    for a in affected:
        name = a.customer.cohort or "No cohort"
        cohorts.setdefault(name, CohortRollup(name)).customers.append(a)
    return MatchResult(list(cohorts.values()), [])


def feed(session: MeetingSession, decision_id: str, *affected: AffectedCustomer,
         ) -> MatchResult:
    result = result_of(*affected)
    assert session.matched(decision_id, result, session.version(decision_id))
    return result


def status_in(result: MatchResult, customer_id: str) -> ImpactStatus | None:
    return next((a.status for a in result.customers if a.customer.id == customer_id), None)


@pytest.fixture
def fake() -> FakeStore:
    """This week's meeting (planned): d1 names nobody, d2 names Birch. Last week's has two
    deferred decisions and an approved one."""
    store = FakeStore()
    store.add_cohort("h-ent", "Enterprise")
    store.add_cohort("h-smb", "SMB")
    for customer_id, facts in FACTS.items():
        store.add_customer(customer_id, facts.name, facts.cohort)
    store.earlier = store.create_meeting("Last week", DAY - dt.timedelta(days=7))
    store.dark = store.add_decision(store.earlier, "Dark mode")
    store.sso = store.add_decision(store.earlier, "SSO for SMB")
    store.price = store.add_decision(store.earlier, "Price rise")
    store.set_outcome(store.dark, Outcome.DEFERRED)
    store.set_outcome(store.sso, Outcome.DEFERRED)
    store.set_outcome(store.price, Outcome.APPROVED)
    store.meeting = store.create_meeting("Weekly review", DAY, "Ana", "Ana, Ben")
    store.d1 = store.add_decision(store.meeting, "Retire the legacy export")
    store.d2 = store.add_decision(store.meeting, "Faster invoices", customers=("Birch",))
    store.writes.clear()
    return store


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def session(fake: FakeStore, clock: Clock) -> MeetingSession:
    session = MeetingSession(fake, clock=clock)
    session.open(fake.meeting)
    assert session.current_id == fake.d1
    return session


@pytest.fixture
def result(session: MeetingSession, fake: FakeStore) -> MatchResult:
    """d1's match: Acme and Birch (Enterprise), Cedar (SMB), all suggested by text."""
    return feed(session, fake.d1, shown("acme"), shown("birch"), shown("cedar"))


# -- 1. every undoable action applies and reverts exactly -----------------------------------
def test_confirm_applies_reverts_and_redoes(session, fake, result):
    step = session.confirm("acme")
    assert fake.impact_records(fake.d1)["acme"].status is ImpactStatus.CONFIRMED
    assert session.record_of("acme").status is ImpactStatus.CONFIRMED
    assert status_in(result, "acme") is ImpactStatus.CONFIRMED

    step.command.revert(session)
    assert fake.impact_records(fake.d1) == {}
    assert session.record_of("acme") is None
    assert status_in(result, "acme") is ImpactStatus.SUGGESTED

    step.command.apply(session)
    assert fake.impact_records(fake.d1)["acme"].status is ImpactStatus.CONFIRMED
    assert status_in(result, "acme") is ImpactStatus.CONFIRMED


def test_dismiss_moves_the_customer_out_of_its_cohort_and_back(session, fake, result):
    step = session.dismiss("cedar")
    assert fake.impact_records(fake.d1)["cedar"].status is ImpactStatus.DISMISSED
    assert [a.customer.id for a in result.dismissed] == ["cedar"]
    assert [c.name for c in result.cohorts] == ["Enterprise"]  # SMB had only Cedar

    step.command.revert(session)
    assert fake.impact_records(fake.d1) == {}
    assert result.dismissed == []
    assert {c.name: [a.customer.id for a in c.customers] for c in result.cohorts} == {
        "Enterprise": ["acme", "birch"], "SMB": ["cedar"]}


def test_an_effect_confirms_the_customer(session, fake, result):
    step = session.set_effect("birch", Effect.HURTS)
    record = fake.impact_records(fake.d1)["birch"]
    assert (record.status, record.effect) == (ImpactStatus.CONFIRMED, Effect.HURTS)
    assert session.counts[fake.d1].confirmed == 1

    step.command.revert(session)
    assert "birch" not in fake.impact_records(fake.d1)
    assert session.record_of("birch") is None
    assert session.counts[fake.d1].confirmed == 0


def test_a_note_is_kept_trimmed_and_reverted(session, fake, result):
    step = session.set_note("acme", "  bills through the export ")
    record = fake.impact_records(fake.d1)["acme"]
    assert (record.note, record.status) == ("bills through the export",
                                            ImpactStatus.SUGGESTED)
    assert result.customers[0].note == "bills through the export"

    step.command.revert(session)
    assert fake.impact_records(fake.d1) == {}
    assert result.customers[0].note == ""


def test_a_stance_attaches_the_voice_and_reverts(session, fake, result):
    step = session.set_stance("acme", "v-acme", Stance.AGAINST)
    record = fake.impact_records(fake.d1)["acme"]
    assert (record.stances, record.attached) == ({"v-acme": Stance.AGAINST}, ("v-acme",))
    assert result.customers[0].evidence[0].stance is Stance.AGAINST

    step.command.revert(session)
    assert fake.impact_records(fake.d1) == {}
    assert result.customers[0].evidence[0].stance is None


def test_naming_a_customer_confirms_it_and_undo_unnames_it(session, fake, result):
    step = session.add_named("  cedar ")  # any case, trimmed
    assert fake.named(fake.d1) == ("Cedar",)
    assert fake.impact_records(fake.d1)["cedar"].status is ImpactStatus.CONFIRMED
    assert session.current.named_customers == ("Cedar",)
    assert session.record_of("cedar").status is ImpactStatus.CONFIRMED

    step.command.revert(session)
    assert fake.named(fake.d1) == ()
    assert fake.impact_records(fake.d1) == {}  # it had no record before
    assert session.current.named_customers == ()
    assert session.record_of("cedar") is None

    step.command.apply(session)
    assert fake.named(fake.d1) == ("Cedar",)
    assert fake.impact_records(fake.d1)["cedar"].status is ImpactStatus.CONFIRMED


def test_naming_keeps_what_the_room_recorded_and_undo_puts_it_back(session, fake, result):
    session.set_note("cedar", "asked twice")
    before = fake.impact_records(fake.d1)["cedar"]
    step = session.add_named("Cedar")
    assert fake.impact_records(fake.d1)["cedar"] == before.but(status=ImpactStatus.CONFIRMED)

    step.command.revert(session)
    assert fake.named(fake.d1) == ()
    assert fake.impact_records(fake.d1) == {"cedar": before}
    assert session.record_of("cedar") == before


def test_naming_a_dismissed_named_customer_confirms_it_again(session, fake):
    session.select(fake.d2)
    result = feed(session, fake.d2, shown("birch", ImpactStatus.CONFIRMED, (Route.NAMED,)))
    session.dismiss("birch")
    step = session.add_named("Birch")  # already named: the words stay, the record changes
    assert fake.impact_records(fake.d2)["birch"].status is ImpactStatus.CONFIRMED
    assert session.record_of("birch").status is ImpactStatus.CONFIRMED
    assert status_in(result, "birch") is ImpactStatus.CONFIRMED
    step.command.revert(session)
    assert fake.impact_records(fake.d2)["birch"].status is ImpactStatus.DISMISSED
    assert fake.named(fake.d2) == ("Birch",)
    assert [a.customer.id for a in result.dismissed] == ["birch"]


def test_naming_a_cohort_and_undo(session, fake, result):
    step = session.add_named("smb")
    assert fake.get_decision(fake.d1).named_cohorts == ("SMB",)
    assert session.current.named_cohorts == ("SMB",)
    assert fake.impact_records(fake.d1) == {}  # a cohort records nobody by itself

    step.command.revert(session)
    assert fake.get_decision(fake.d1).named_cohorts == ()
    assert session.current.named_cohorts == ()


def test_naming_an_unknown_name_is_refused_and_writes_nothing(session, fake, result):
    with pytest.raises(NotFoundError):
        session.add_named("Nobody Inc")
    with pytest.raises(ValidationError):
        session.add_named("   ")
    assert fake.writes == []
    assert session.current.named_customers == ()


def test_an_outcome_stamps_when_it_was_decided(session, fake, clock):
    planned = fake.get_meeting(fake.meeting)
    assert planned.status is MeetingStatus.PLANNED
    first = session.record_outcome(Outcome.APPROVED, "  ship it ")
    stamped = "2026-03-02T10:00:00+00:00"
    stored = fake.get_decision(fake.d1)
    assert (stored.outcome, stored.rationale, stored.decided_at) == (
        Outcome.APPROVED, "ship it", stamped)
    assert fake.get_meeting(fake.meeting).status is MeetingStatus.RUNNING
    assert session.meeting.status is MeetingStatus.RUNNING

    second = session.record_outcome(Outcome.APPROVED, "ship it in May")
    assert fake.get_decision(fake.d1).decided_at == stamped  # only the rationale changed
    assert session.current.rationale == "ship it in May"

    third = session.record_outcome(Outcome.PENDING, "")
    assert fake.get_decision(fake.d1).decided_at is None
    assert session.current.outcome is Outcome.PENDING

    fourth = session.record_outcome(Outcome.REJECTED, "too costly")
    assert fake.get_decision(fake.d1).decided_at != stamped  # a new outcome, a new stamp
    assert fake.get_decision(fake.d1).decided_at is not None

    for step in (fourth, third, second):
        step.command.revert(session)
    assert fake.get_decision(fake.d1).rationale == "ship it"
    assert fake.get_decision(fake.d1).decided_at == stamped
    first.command.revert(session)  # one step undoes the outcome and the start
    stored = fake.get_decision(fake.d1)
    assert (stored.outcome, stored.rationale, stored.decided_at) == (
        Outcome.PENDING, "", None)
    assert fake.get_meeting(fake.meeting) == planned
    assert session.meeting == planned


def test_a_refused_outcome_does_not_start_the_meeting(session, fake):
    with pytest.raises(ValidationError):
        session.record_outcome(Outcome.APPROVED, "ship\x00it")  # the store refuses a NUL
    assert fake.get_decision(fake.d1).outcome is Outcome.PENDING
    assert fake.get_meeting(fake.meeting).status is MeetingStatus.PLANNED


def test_mark_running_and_undo(session, fake):
    planned = session.meeting
    step = session.mark_running()
    assert fake.get_meeting(fake.meeting).status is MeetingStatus.RUNNING
    assert session.mark_running() is None  # already running
    step.command.revert(session)
    assert fake.get_meeting(fake.meeting) == planned
    assert session.meeting.status is MeetingStatus.PLANNED


def test_anonymous_mode_hides_names_and_undo_shows_them(session, fake, result):
    step = session.set_anonymous(True)
    assert fake.get_meeting(fake.meeting).anonymous
    assert "Acme" not in session.names().values()
    assert session.names()["acme"].startswith("Enterprise customer ")

    step.command.revert(session)
    assert not fake.get_meeting(fake.meeting).anonymous
    assert session.names()["acme"] == "Acme"


def test_edit_decision_renames_names_and_reverts(session, fake, result):
    step = session.edit_decision(" Retire the CSV export ", "", ("Export",), ("acme",),
                                 ("SMB",))
    stored = fake.get_decision(fake.d1)
    assert (stored.title, stored.themes, stored.named_customers, stored.named_cohorts) == (
        "Retire the CSV export", ("Export",), ("Acme",), ("SMB",))
    assert fake.impact_records(fake.d1)["acme"].status is ImpactStatus.CONFIRMED
    assert session.current == stored

    step.command.revert(session)
    stored = fake.get_decision(fake.d1)
    assert (stored.title, stored.themes, stored.named_customers, stored.named_cohorts) == (
        "Retire the legacy export", (), (), ())
    assert fake.impact_records(fake.d1) == {}
    assert session.current == stored
    assert session.record_of("acme") is None


def test_unnaming_drops_the_record_and_undo_brings_it_back(session, fake):
    session.select(fake.d2)
    named = fake.impact_records(fake.d2)
    assert named == {"birch": ImpactRecord("birch", ImpactStatus.CONFIRMED)}
    step = session.edit_decision("Faster invoices", "", (), (), ())
    assert fake.named(fake.d2) == ()
    assert fake.impact_records(fake.d2) == {}
    assert session.record_of("birch") is None

    step.command.revert(session)
    assert fake.named(fake.d2) == ("Birch",)
    assert fake.impact_records(fake.d2) == named
    assert session.record_of("birch") == named["birch"]


def test_edit_decision_refuses_an_unknown_customer(session, fake):
    with pytest.raises(ValidationError):
        session.edit_decision("Retire", "", (), ("Nobody",), ())
    assert fake.writes == []


def test_edit_meeting_and_undo(session, fake):
    before = fake.get_meeting(fake.meeting)
    step = session.edit_meeting(" Product review ", DAY + dt.timedelta(days=1), " Ben ",
                                "Ben, Cy")
    after = fake.get_meeting(fake.meeting)
    assert (after.title, after.held_on, after.facilitator, after.attendees) == (
        "Product review", DAY + dt.timedelta(days=1), "Ben", "Ben, Cy")
    assert session.meeting == after
    step.command.revert(session)
    assert fake.get_meeting(fake.meeting) == before
    assert session.meeting == before


def test_add_decision_and_undo_redo_keep_its_id(session, fake):
    step = session.add_decision(" Bulk refunds ", themes=("Billing",), customers=("Cedar",))
    new = session.current
    assert new.title == "Bulk refunds"
    assert [d.id for d in session.agenda] == [fake.d1, fake.d2, new.id]
    assert fake.get_decision(new.id).named_customers == ("Cedar",)
    assert fake.impact_records(new.id)["cedar"].status is ImpactStatus.CONFIRMED

    step.command.revert(session)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1, fake.d2]
    assert [d.id for d in session.agenda] == [fake.d1, fake.d2]
    assert session.current_id != new.id

    step.command.apply(session)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1, fake.d2, new.id]
    assert session.current_id == new.id


def test_remove_decision_and_undo(session, fake):
    step = session.remove_decision(fake.d2)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1]
    assert [d.id for d in session.agenda] == [fake.d1]
    step.command.revert(session)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1, fake.d2]
    assert session.current_id == fake.d2


def test_move_and_reorder_and_undo(session, fake, result):
    step = session.move(+1)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d2, fake.d1]
    assert [d.id for d in session.agenda] == [fake.d2, fake.d1]
    assert session.current_id == fake.d1
    assert session.result_of(fake.d1) is result  # moving changes nobody's match
    assert session.wanted_match() is None
    assert session.move(+1) is None  # already last

    step.command.revert(session)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1, fake.d2]
    assert [d.id for d in session.agenda] == [fake.d1, fake.d2]
    assert session.reorder([fake.d1, fake.d2]) is None
    with pytest.raises(ValidationError):
        session.reorder([fake.d1])


def test_carry_over_only_the_chosen_and_one_undo_removes_them_all(session, fake):
    assert [d.id for d in session.deferred()] == [fake.dark, fake.sso]
    one = session.carry_over([fake.sso])
    assert [d.title for d in fake.decisions(fake.meeting)] == [
        "Retire the legacy export", "Faster invoices", "SSO for SMB"]
    assert [d.id for d in session.deferred()] == [fake.dark]
    one.command.revert(session)
    assert [d.id for d in session.deferred()] == [fake.dark, fake.sso]

    both = session.carry_over([fake.dark, fake.sso, fake.price])  # price is not deferred
    assert [d.title for d in session.agenda][2:] == ["Dark mode", "SSO for SMB"]
    assert all(d.outcome is Outcome.PENDING for d in session.agenda)
    assert session.deferred() == []
    both.command.revert(session)
    assert [d.id for d in fake.decisions(fake.meeting)] == [fake.d1, fake.d2]
    assert [d.id for d in session.deferred()] == [fake.dark, fake.sso]
    with pytest.raises(ValidationError):
        session.carry_over([fake.price])


def test_capture_logs_a_voice_confirms_its_customer_and_undo_takes_both(session, fake,
                                                                         result):
    draft = VoiceDraft("We bill every client from that export", Kind.COMPLAINT, "acme", DAY)
    step = session.capture(draft)
    [(voice_id, row)] = fake.voices.items()
    assert (row["customer_id"], row["deleted"]) == ("acme", False)
    record = fake.impact_records(fake.d1)["acme"]
    assert (record.status, record.attached) == (ImpactStatus.CONFIRMED, (voice_id,))
    assert session.record_of("acme") == record
    assert session.wanted_match() is not None  # a new voice: match again

    step.command.revert(session)
    assert fake.voices[voice_id]["deleted"] is True  # soft: redo brings it back
    assert fake.impact_records(fake.d1) == {}
    assert session.record_of("acme") is None

    step.command.apply(session)
    assert fake.voices[voice_id]["deleted"] is False
    assert fake.impact_records(fake.d1) == {"acme": record}
    assert len(fake.voices) == 1  # the same voice, not a second one


# -- 2. closed means read-only ------------------------------------------------------------
def close_matched(session: MeetingSession, fake: FakeStore) -> None:
    for d in session.agenda:
        if session.result_of(d.id) is None:
            feed(session, d.id, shown("acme"))
    session.close()


def test_a_closed_meeting_refuses_every_action_and_writes_nothing(session, fake, result):
    close_matched(session, fake)
    assert session.closed
    assert set(session.frozen) == {fake.d1, fake.d2}
    assert [e.action for e in fake.meeting_events(fake.meeting)] == [MeetingAction.CLOSED]
    before, writes = fake.state(), list(fake.writes)
    draft = VoiceDraft("Heard after the close", Kind.QUOTE, "Acme", DAY)
    actions = [
        lambda: session.confirm("acme"), lambda: session.dismiss("acme"),
        lambda: session.set_effect("acme", Effect.HELPS), lambda: session.set_note("acme", "x"),
        lambda: session.set_stance("acme", "v-acme", Stance.FOR),
        lambda: session.add_named("Cedar"), lambda: session.add_named("SMB"),
        lambda: session.edit_decision("Renamed", "", (), (), ()),
        lambda: session.record_outcome(Outcome.APPROVED, "late"),
        lambda: session.capture(draft), lambda: session.add_decision("Another"),
        lambda: session.carry_over([fake.dark]), lambda: session.remove_decision(),
        lambda: session.reorder([fake.d2, fake.d1]), lambda: session.move(+1),
        lambda: session.set_anonymous(True),
        lambda: session.edit_meeting("Renamed", DAY, "", ""), session.close,
    ]
    for action in actions:
        with pytest.raises(MeetingClosedError):
            action()
    assert session.mark_running() is None
    assert fake.state() == before
    assert fake.writes == writes


def test_reopening_needs_a_reason_and_is_logged(session, fake, result):
    close_matched(session, fake)
    with pytest.raises(ValidationError):
        session.reopen("")
    with pytest.raises(ValidationError):
        session.reopen("   ")
    assert session.closed

    session.reopen(" wrong customer ")
    assert not session.closed
    assert fake.meeting_events(fake.meeting)[-1].action is MeetingAction.REOPENED
    assert fake.meeting_events(fake.meeting)[-1].reason == "wrong customer"
    assert set(session.frozen) == {fake.d1, fake.d2}  # kept until it closes again
    feed(session, fake.d1, shown("acme"))
    session.confirm("acme")
    assert fake.impact_records(fake.d1)["acme"].status is ImpactStatus.CONFIRMED
    with pytest.raises(ValidationError):
        session.reopen("again")  # only a closed meeting is reopened


def test_close_matches_only_decisions_with_no_match_on_screen(session, fake, result,
                                                              monkeypatch):
    asked: list[str] = []

    def affected(store: object, decision: Decision) -> MatchResult:
        asked.append(decision.id)
        return result_of(shown("birch", ImpactStatus.CONFIRMED, (Route.NAMED,)))

    monkeypatch.setattr("app.meeting.room.affected", affected)
    session.confirm("acme")
    session.close()
    assert asked == [fake.d2]
    acme = [c for _, c in session.frozen[fake.d1].confirmed]
    assert [c.id for c in acme] == ["acme"]  # what the room saw, with its keypress


# -- 3. a keypress does not re-match -----------------------------------------------------
def test_a_keypress_updates_the_match_in_place(session, fake, result):
    assert session.wanted_match() is None
    assert session.counts[fake.d1] == AgendaCount(3, 0)
    session.confirm("acme")
    assert session.wanted_match() is None  # nothing asked again
    assert session.result is result
    assert session.counts[fake.d1] == AgendaCount(3, 1)
    session.dismiss("birch")
    assert session.wanted_match() is None
    assert session.counts[fake.d1] == AgendaCount(2, 1)


def test_a_record_the_match_cannot_show_asks_for_a_match(session, fake):
    feed(session, fake.d1, shown("acme"))
    session.confirm("cedar")  # not in this match: it cannot be shown in place
    wanted = session.wanted_match()
    assert wanted is not None
    decision, records, _ = wanted
    assert decision.id == fake.d1
    assert records["cedar"].status is ImpactStatus.CONFIRMED


# -- 4. a stale answer is dropped ----------------------------------------------------------
def test_an_answer_an_edit_outdated_is_dropped(session, fake):
    version = session.version(fake.d1)
    session.edit_decision("Retire every export", "", (), (), ())
    assert session.version(fake.d1) != version
    assert session.matched(fake.d1, result_of(shown("acme")), version) is False
    assert session.result_of(fake.d1) is None
    wanted = session.wanted_match()
    assert wanted is not None
    assert (wanted[0].title, wanted[2]) == ("Retire every export", session.version(fake.d1))
    assert session.matched(fake.d1, result_of(shown("acme")), wanted[2]) is True
    assert session.wanted_match() is None


def test_an_outcome_does_not_outdate_the_match(session, fake, result):
    version = session.version(fake.d1)
    session.record_outcome(Outcome.APPROVED, "go")  # same words: same customers
    assert session.version(fake.d1) == version
    assert session.result is result


# -- 5. counts -----------------------------------------------------------------------------
def test_counted_ignores_outdated_counts(session, fake):
    asked = {d.id: version for d, _, version in session.count_request()}
    assert set(asked) == {fake.d1, fake.d2}
    session.select(fake.d2)
    session.edit_decision("Invoices in a day", "", (), ("Birch",), ())  # d2 is outdated
    session.counted({fake.d1: AgendaCount(4, 1), fake.d2: AgendaCount(9, 9)}, asked)
    assert session.counts == {fake.d1: AgendaCount(4, 1)}
    assert [d.id for d, _, _ in session.count_request()] == [fake.d2]


# -- 6. module functions -------------------------------------------------------------------
def test_short_id_is_the_random_tail():
    first = "0195a3c2-7d10-7e5f-8a9b-0c1d2e3f4a5b"
    second = "0195a3c2-7d10-7e5f-8a9b-9f8e7d6c5b4a"  # made the same day: same head
    assert short_id(first) == "2e3f4a5b"
    assert short_id(second) == "7d6c5b4a"


def test_named_record_confirms_and_keeps_what_was_recorded():
    assert named_record(None, "acme") == ImpactRecord("acme", ImpactStatus.CONFIRMED)
    prior = ImpactRecord("acme", ImpactStatus.DISMISSED, Effect.HURTS, "churn risk",
                         {"v1": Stance.AGAINST}, ("v1", "v2"))
    assert named_record(prior, "acme") == ImpactRecord(
        "acme", ImpactStatus.CONFIRMED, Effect.HURTS, "churn risk", {"v1": Stance.AGAINST},
        ("v1", "v2"))


def test_what_a_result_keeps_between_keys_stays_true_after_dismissals():
    """Weights, kind counts, the strength order and the shortlist are kept between keys;
    after dismissing and bringing customers back they equal a result built afresh."""
    ids = list(FACTS)
    result = result_of(*(shown(c) for c in ids))
    before = (result.shortlist(3), [c.count_kinds() for c in result.cohorts])
    assert before[0]  # read once: the caches are filled
    for customer_id in ids[:2]:
        record = ImpactRecord(customer_id, ImpactStatus.DISMISSED)
        assert result.apply(customer_id, record)
    remaining = result_of(*(shown(c) for c in ids[2:]))
    assert [a.customer.id for a in result.customers] == \
        [a.customer.id for a in remaining.customers]
    assert [(c.name, c.total_weight, c.count_kinds()) for c in result.cohorts] == \
        [(c.name, c.total_weight, c.count_kinds()) for c in remaining.cohorts]
    assert [a.customer.id for a in result.shortlist(3)] == \
        [a.customer.id for a in remaining.shortlist(3)]
    for customer_id in ids[:2]:
        assert result.apply(customer_id, ImpactRecord(customer_id, ImpactStatus.SUGGESTED))
    fresh = result_of(*(shown(c) for c in ids))
    assert [(c.name, c.total_weight, c.count_kinds()) for c in result.cohorts] == \
        [(c.name, c.total_weight, c.count_kinds()) for c in fresh.cohorts]
    assert sorted(a.customer.id for a in result.shortlist(3)) == \
        sorted(a.customer.id for a in fresh.shortlist(3))
    assert result.dismissed == []
