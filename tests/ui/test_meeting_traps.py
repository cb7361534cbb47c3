"""Traps a hostile review found in the redesigned meeting room, each held by a test."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QModelIndex, Qt

from app.board.commands import RenameNamed
from app.board.domain import CustomerSeed, Kind, VoiceDraft
from app.changes import Changes
from app.history import log as history
from app.meeting.domain import Effect
from app.meeting.room import affected
from app.meeting.session import MeetingSession
from tests.ui.test_meeting_flow import room  # noqa: F401 - the fixture
from tests.ui.test_meeting_room import key, select, settle
from ui.history.reports import minutes_of
from ui.meeting.affected_model import AffectedModel


def _rows(model, parent=None):
    parent = parent or QModelIndex()
    return [(model.index(r, 0, parent).data(), _rows(model, model.index(r, 0, parent)))
            for r in range(model.rowCount(parent))]


def test_a_dismiss_that_reorders_cohorts_leaves_the_model_whole(store, qtmodeltester):
    # Cohort A (6 + 5) outweighs B (8) and C (7); without a1 it weighs 5 and drops two places.
    store.ensure_customers([CustomerSeed("a1", "A", 6), CustomerSeed("a2", "A", 5),
                            CustomerSeed("b1", "B", 8), CustomerSeed("c1", "C", 7)])
    for name in ("a1", "a2", "b1", "c1"):
        store.insert_voice(VoiceDraft(f"pricing is hard for {name}", Kind.NEED, name,
                                      dt.date(2026, 1, 2), themes=("Pricing",)))
    meeting = store.create_meeting("M", dt.date(2026, 2, 1))
    store.add_decision(meeting, "Cheaper plans", themes=("Pricing",))
    session = MeetingSession(store)
    session.open(meeting)
    decision = session.current
    session.matched(decision.id, affected(store, decision), session.version(decision.id))
    model = AffectedModel()
    qtmodeltester.check(model)

    def shown():
        model.show(session.result, session.names(),
                   {a.customer.id for a in session.result.shortlist(40)})

    shown()
    assert [r[0][:1] for r in _rows(model)] == ["A", "B", "C"]
    a1 = next(a for a in session.result.customers if a.customer.name == "a1")
    step = session.dismiss(a1.customer.id)
    shown()
    fresh = AffectedModel()
    fresh.show(session.result, session.names(),
               {a.customer.id for a in session.result.shortlist(40)})
    assert _rows(model) == _rows(fresh)
    assert [r[0][:1] for r in _rows(model)] == ["B", "C", "A", "D"]  # D: Dismissed
    qtmodeltester.check(model)
    step.command.revert(session)
    shown()
    assert [r[0][:1] for r in _rows(model)] == ["A", "B", "C"]
    qtmodeltester.check(model)


def test_what_is_typed_in_the_outcome_survives_a_key_and_a_match(qtbot, room):  # noqa: F811
    _window, console = room
    console.outcome.setCurrentText("approved")
    console.rationale.setPlainText("Finance asked twice")
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    console.board_changed()
    settle(qtbot, console)
    assert (console.outcome.currentText(), console.rationale.toPlainText()) == (
        "approved", "Finance asked twice")


def test_a_theme_renamed_on_the_board_is_renamed_on_the_agenda(qtbot, room):  # noqa: F811
    window, console = room
    billing = next(t.id for t in window.store.themes() if t.name == "Billing")
    window.run_command(RenameNamed("themes", billing, "Billing", "Invoicing"))
    assert console.current_decision().themes == ("Invoicing",)
    key(qtbot, console, Qt.Key.Key_F2)
    console.dialog.save()  # saving the edit keeps the renamed theme, makes no new one
    assert console.store.get_decision(console.current_decision().id).themes == ("Invoicing",)
    assert "Billing" not in [t.name for t in window.store.themes()]


def test_a_dismissed_named_customer_stays_dismissed_when_the_outcome_is_set(qtbot, room):  # noqa: F811
    _window, console = room
    store, decision = console.store, console.current_decision()
    console.add_name.setText("Beta Clinic")
    console.add_by_hand()
    settle(qtbot, console)
    select(console, "Beta Clinic")
    qtbot.keyClick(console.tree, Qt.Key.Key_X)
    console.outcome.setCurrentText("approved")
    console.record_outcome()
    beta = next(c.id for c in store.customers() if c.name == "Beta Clinic")
    assert store.impact_records(decision.id)[beta].status.value == "dismissed"
    fresh = affected(store, store.get_decision(decision.id))
    assert [a.customer.name for a in fresh.dismissed] == ["Beta Clinic"]


def test_a_reopened_meeting_is_reviewed_as_it_now_stands(qtbot, room):  # noqa: F811
    _window, console = room
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_H)
    console.outcome.setCurrentText("approved")
    console.record_outcome()
    console.confirm_close()
    console.session.reopen("Acme was wrong")
    console.refresh(Changes(meetings=True, decisions=True))
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_U)
    console.outcome.setCurrentText("rejected")
    console.record_outcome()
    [entry] = [e for e in history.decision_log(console.store)
               if e.id == console.current_decision().id]
    assert entry.outcome.value == "rejected"
    assert entry.effect_by_customer == {"Acme Retail": Effect.HURTS}
    page = minutes_of(console.store, console.meeting.id)
    assert "effect hurts" in page
    assert "effect helps" not in page


def test_a_key_in_the_room_never_redraws_a_closed_history(qtbot, room, monkeypatch):  # noqa: F811
    window, console = room
    history_window = window.open_history()
    qtbot.addWidget(history_window)
    history_window.close()
    reloads = []
    monkeypatch.setattr(history_window, "reload", lambda: reloads.append(1))
    select(console, "Acme Retail")
    for k in (Qt.Key.Key_C, Qt.Key.Key_H, Qt.Key.Key_U):
        qtbot.keyClick(console.tree, k)
    assert reloads == []
    history_window.show()  # shown again: read once
    assert reloads == [1]


def test_dialogs_go_with_the_console_when_the_board_switches(qtbot, room, tmp_path):  # noqa: F811
    window, console = room
    key(qtbot, console, Qt.Key.Key_F2)
    dialog = console.dialog
    box = console.close_meeting()
    assert window.switch_board(tmp_path / "other.db", create=True)
    assert not dialog.isVisible()
    assert not box.isVisible()
    dialog.save()  # nothing reaches the closed store; the refusal is said, not raised
    assert "closed" in dialog.error.text()


def test_right_to_left_text_never_reverses_the_minutes_around_it(qtbot, room):  # noqa: F811
    window, console = room
    window.store.insert_voice(VoiceDraft("Invoices \u202eare wrong", Kind.COMPLAINT,
                                         "Acme Retail", dt.date(2026, 1, 5),
                                         themes=("Billing",)))
    page = minutes_of(console.store, console.meeting.id)
    assert "\u2068Invoices \u202eare wrong\u2069" in page  # isolated: it ends where it ends


def test_the_chair_is_a_view_of_the_session_alone(qtbot, store):
    """No console: a session, a match handed to it, and the chair shows it."""
    from ui.meeting.chair import ChairWindow

    store.ensure_customers([CustomerSeed("Atlas", "Enterprise", 4)])
    store.insert_voice(VoiceDraft("Exports are slow", Kind.COMPLAINT, "Atlas",
                                  dt.date(2026, 1, 2), themes=("Exports",)))
    meeting = store.create_meeting("M", dt.date(2026, 2, 1))
    store.add_decision(meeting, "Faster exports", themes=("Exports",))
    session = MeetingSession(store)
    session.open(meeting)
    chair = ChairWindow(session)
    qtbot.addWidget(chair)
    assert chair.empty.text() == "Finding who this decision affects…"
    decision = session.current
    session.matched(decision.id, affected(store, decision), session.version(decision.id))
    chair.refresh()
    assert chair.title.text() == "Faster exports"
    assert chair.count.text().startswith("0 confirmed customers  ·  1 suggested")
    assert chair.quote.text() == "“Exports are slow”"
    session.confirm(session.result.customers[0].customer.id)
    chair.refresh()
    assert chair.count.text().startswith("1 confirmed customer  ·  0 suggested")
