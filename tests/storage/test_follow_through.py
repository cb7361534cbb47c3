"""After the meeting, on a hand-built board: did a shipped decision help, who to tell, and
what is overdue — each figure worked out by hand in the comments."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from app.board.domain import Channel, CustomerSeed, Kind, VoiceDraft
from app.errors import ValidationError
from app.history.follow import did_it_help, follow_through, loop, loop_records
from app.meeting.domain import Delivery, Outcome
from app.meeting.room import close_meeting
from app.meeting.session import MeetingSession
from ui.composition import open_store

SHIPPED = dt.date(2026, 3, 1)


class Clock:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(12), tzinfo=dt.UTC)


def say(store, text, customer, days, kind=Kind.COMPLAINT, themes=()):
    """A voice `days` from the shipping day (negative: before)."""
    return store.insert_voice(VoiceDraft(text, kind, customer, SHIPPED + dt.timedelta(days),
                                         Channel.SUPPORT, themes=themes))


@pytest.fixture
def board(tmp_path):
    store = open_store(tmp_path / "board.db", create=True)
    store.ensure_customers([CustomerSeed("Atlas", "Enterprise", 10, "Priya"),
                            CustomerSeed("Birch", "Retail", 1, "Tom"),
                            CustomerSeed("Cedar", "Retail", 5, "Tom")])
    # Atlas: three before (two on the theme, one with the word "exports"), one after.
    say(store, "Reports crawl every morning", "Atlas", -30, themes=("Exports",))
    say(store, "The CSV takes an hour", "Atlas", -20, themes=("Exports",))
    say(store, "We need exports by department", "Atlas", -10, Kind.NEED)
    say(store, "Still slow on big files", "Atlas", 15, themes=("Exports",))
    # Birch: one before, one after, both saying "exports".
    say(store, "Exports time out", "Birch", -5)
    say(store, "Exports fail again on Mondays", "Birch", 40)
    # Not counted: a quote, a complaint on nothing the decision is about, one outside the
    # 90 days, and Cedar, whom the room did not confirm.
    say(store, "Exports are lovely now", "Atlas", 20, Kind.QUOTE)
    say(store, "The login page is ugly", "Atlas", -3)
    say(store, "Exports broke last year", "Atlas", -120)
    say(store, "Exports are slow for us too", "Cedar", -2)
    # The rest of a board: voices on other things, so that "exports" is a word that tells
    # voices apart (in most of a board's voices, a word ties nobody to anything).
    for i in range(40):
        say(store, f"The calendar sync drops event {i}", "Cedar", -300 - i, Kind.QUOTE)
    meeting = store.create_meeting("Council", SHIPPED - dt.timedelta(days=60))
    decision = store.add_decision(meeting, "Faster exports", themes=("Exports",),
                                  customers=("Atlas", "Birch"))
    yield store, meeting, decision
    store.close()


def ship(store, meeting, decision, on=SHIPPED, outcome=Outcome.APPROVED):
    session = MeetingSession(store, clock=Clock(on - dt.timedelta(days=60)))
    session.open(meeting)
    session.record_outcome(outcome, "")
    session.clock = Clock(on)
    session.set_delivery(Delivery.SHIPPED, decision)
    return session


def test_did_it_help_counts_by_hand(board):
    store, meeting, decision = board
    ship(store, meeting, decision)
    report = did_it_help(store, decision, days=90, today=SHIPPED + dt.timedelta(days=100))
    # Before: Atlas 3 (weight 3 x 10 = 30) + Birch 1 (1) = 4 voices, weight 31.
    # After:  Atlas 1 (10) + Birch 1 (1) = 2 voices, weight 11.
    assert (report.before_count, report.after_count) == (4, 2)
    assert (report.before_weight, report.after_weight) == (31, 11)
    by_cohort = {c.cohort: (c.before, c.after, c.before_weight, c.after_weight)
                 for c in report.cohorts}
    assert by_cohort == {"Enterprise": (3, 1, 30, 10), "Retail": (1, 1, 1, 1)}
    # (11 - 31) / 31 = -64.5%
    assert report.verdict() == ("Fewer complaints and needs after it shipped: 4 → 2 "
                                "complaints and needs (weighted 31 → 11), -65% weighted, in "
                                "the 90 days either side.")
    assert [v.text for _, v in report.after] == ["Exports fail again on Mondays",
                                                "Still slow on big files"]


def test_a_short_window_is_too_little_data_and_says_so(board):
    store, meeting, decision = board
    ship(store, meeting, decision)
    # 10 days either side, the first day counted: Atlas's need (-10) and Birch's "Exports
    # time out" (-5) before, nothing in the 4 days since: 2 voices.
    report = did_it_help(store, decision, days=10, today=SHIPPED + dt.timedelta(days=4))
    assert (report.before_count, report.after_count) == (2, 0)
    assert report.verdict() == (
        "Too little data to tell: 2 complaints and needs from its 2 customers in the 10 "
        "days either side of shipping (at least 6 are needed). Only 4 of 10 days have "
        "passed since it shipped.")


def test_did_it_help_reads_the_frozen_customers_and_refuses_what_did_not_ship(board):
    store, meeting, decision = board
    with pytest.raises(ValidationError, match="has not shipped"):
        did_it_help(store, decision)
    session = ship(store, meeting, decision)
    close_meeting(store, meeting)  # the frozen record names Atlas and Birch
    session.open(meeting)
    report = did_it_help(store, decision, today=SHIPPED + dt.timedelta(days=100))
    assert report.customers == 2
    with pytest.raises(ValidationError, match="at least 1"):
        did_it_help(store, decision, days=0)


def test_closing_the_loop_lists_who_to_tell_and_marks_them(board, tmp_path):
    store, meeting, decision = board
    with pytest.raises(ValidationError, match="loop closes once it shipped"):
        loop(store, decision)
    session = ship(store, meeting, decision)
    shipped, rows = loop(store, decision)
    assert [(r.customer.name, r.customer.owner) for r in rows] == [("Atlas", "Priya"),
                                                                   ("Birch", "Tom")]
    # The voice that ties each to it: the newest complaint or need on its theme or words.
    assert [r.voice.text for r in rows] == ["Still slow on big files",
                                            "Exports fail again on Mondays"]
    birch = next(r.customer.id for r in rows if r.customer.name == "Birch")
    step = session.mark_told([birch], decision_id=decision)
    _, rows = loop(store, decision)
    assert [(r.customer.name, r.told_on) for r in rows] == [("Atlas", None),
                                                            ("Birch", SHIPPED)]
    assert session.not_told() == {decision: [next(r.customer.id for r in rows
                                                  if r.customer.name == "Atlas")]}
    step.command.revert(session)
    assert all(r.told_on is None for r in loop(store, decision)[1])
    from app.board.exporting import export_to

    out = tmp_path / "loop.csv"
    export_to(out, iter(loop_records(shipped, rows)), ("customer", "owner", "said"))
    with out.open(encoding="utf-8") as f:
        assert [r["customer"] for r in csv.DictReader(f)] == ["Atlas", "Birch"]


def test_follow_through_lists_overdue_and_shipped_by_owner(board):
    store, meeting, decision = board
    session = ship(store, meeting, decision)
    late = session.add_action("Profile the CSV writer", "Ana", SHIPPED - dt.timedelta(days=1),
                              decision_id=decision)
    session.add_action("Tell the account managers", "Tom", SHIPPED + dt.timedelta(days=30),
                       decision_id=decision)
    done = session.add_action("Write the release note", "Ana", SHIPPED, decision_id=decision)
    session.toggle_done(done.command.after.id)
    follow = follow_through(store, today=SHIPPED + dt.timedelta(days=7))
    assert [(i.what, f.decision.title) for i, f in follow.overdue] == [
        ("Profile the CSV writer", "Faster exports")]
    assert [f.decision.title for f in follow.shipped] == ["Faster exports"]
    owners = {o.owner: (o.open, o.overdue, o.done, o.shipped) for o in follow.owners}
    assert owners == {"Ana": (1, 1, 1, 1), "Tom": (1, 0, 0, 1)}
    assert follow.decisions[0].not_told == 2
    late.command.revert(session)  # undo: the item goes
    assert follow_through(store, today=SHIPPED + dt.timedelta(days=7)).overdue == []


def test_follow_through_is_allowed_after_the_meeting_closed(board):
    store, meeting, decision = board
    session = MeetingSession(store)
    session.open(meeting)
    session.record_outcome(Outcome.APPROVED, "")
    session.close()
    step = session.set_delivery(Delivery.IN_PROGRESS, decision)
    assert store.get_decision(decision).delivery is Delivery.IN_PROGRESS
    step.command.revert(session)
    assert store.get_decision(decision).delivery is Delivery.NOT_STARTED


def test_words_found_everywhere_tie_nobody_to_the_decision(board):
    store, meeting, decision = board
    # "team" in most of the board's voices, Atlas's among them, saying nothing of exports:
    # a word that common ties nobody to the decision (matching weighs it at nothing).
    for i in range(90):
        say(store, f"My team loves the new dashboard ({i})", "Atlas", -45 + i)
    session = ship(store, meeting, decision)
    session.edit_decision("Faster exports for every team", "", ("Exports",),
                          ("Atlas", "Birch"), (), decision_id=decision)
    report = did_it_help(store, decision, days=90, today=SHIPPED + dt.timedelta(days=100))
    assert (report.before_count, report.after_count) == (4, 2)  # the dashboard praise: out
    assert all("dashboard" not in v.text for _, v in report.after)


def test_weights_of_zero_compare_counts(tmp_path):
    store = open_store(tmp_path / "zero.db", create=True)
    store.ensure_customers([CustomerSeed("Nil", "Free", 0)])
    for day in (-50, -40, -30, -20, -10):
        say(store, f"Exports time out ({day})", "Nil", day, themes=("Exports",))
    say(store, "Exports time out still", "Nil", 10, themes=("Exports",))
    meeting = store.create_meeting("Council", SHIPPED - dt.timedelta(days=60))
    decision = store.add_decision(meeting, "Faster exports", themes=("Exports",),
                                  customers=("Nil",))
    ship(store, meeting, decision)
    report = did_it_help(store, decision, today=SHIPPED + dt.timedelta(days=100))
    # 5 → 1 by count (every weight is 0): fewer, never "new".
    assert report.verdict().startswith("Fewer complaints and needs after it shipped: 5 → 1")
    assert "-80% counted" in report.verdict()
    store.close()


def test_a_pending_decision_never_ships_and_a_merged_customer_is_not_waited_for(board):
    store, meeting, decision = board
    session = MeetingSession(store)
    session.open(meeting)
    with pytest.raises(ValidationError, match="only an approved decision is delivered"):
        session.set_delivery(Delivery.SHIPPED, decision)
    session = ship(store, meeting, decision)
    close_meeting(store, meeting)
    atlas, birch = (next(c.id for c in store.customers() if c.name == n)
                    for n in ("Atlas", "Birch"))
    store.merge_customers(birch, atlas)  # Birch's voices are Atlas's now
    session.open(meeting)
    session.mark_told([atlas], decision_id=decision)
    assert [r.customer.name for r in loop(store, decision)[1]] == ["Atlas"]
    assert follow_through(store).decisions[0].not_told == 0
    assert session.not_told() == {}


def test_the_loop_ties_a_customer_to_the_voice_the_room_attached(board):
    store, meeting, decision = board
    session = ship(store, meeting, decision)
    session.open(meeting)
    session.select(decision)
    captured = session.capture(VoiceDraft("Our month-end close takes three days", Kind.QUOTE,
                                          "Birch", SHIPPED, Channel.SUPPORT))
    assert captured.command.voice_id
    rows = {r.customer.name: r for r in loop(store, decision)[1]}
    assert rows["Birch"].voice.text == "Our month-end close takes three days"


def test_an_export_of_quotes_only_still_ties_each_customer_to_what_they_said(tmp_path):
    store = open_store(tmp_path / "quotes.db", create=True)
    store.ensure_customers([CustomerSeed("Atlas", "Enterprise", 1)])
    say(store, "Exports are fine I guess", "Atlas", -5, Kind.QUOTE, themes=("Exports",))
    meeting = store.create_meeting("Council", SHIPPED - dt.timedelta(days=60))
    decision = store.add_decision(meeting, "Faster exports", themes=("Exports",),
                                  customers=("Atlas",))
    ship(store, meeting, decision)
    [row] = loop(store, decision)[1]
    assert row.voice.text == "Exports are fine I guess"
    store.close()
