"""The facilitator's flow, one test per trap the meeting room used to have."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from app.board.domain import Kind, VoiceDraft
from app.meeting.domain import ImpactStatus, MeetingAction, MeetingStatus, Outcome
from app.meeting.session import short_id
from tests.ui.test_meeting_room import CTRL, customer_rows, key, select, settle
from ui.meeting.affected_model import CustomerRole, VoiceRole
from ui.meeting.dialogs import CarryOverDialog, DecisionDialog, MeetingDialog, ReopenDialog


@pytest.fixture
def room(qtbot, make_window):
    """A board window and its meeting room on a meeting with two decisions, matched."""
    window = make_window()
    store = window.store
    meeting = store.create_meeting("Council", dt.date(2026, 2, 1), "Priya")
    store.add_decision(meeting, "Split invoices per department", themes=("Billing",))
    store.add_decision(meeting, "Faster search on Mondays")
    console = window.open_meeting_room(meeting)
    qtbot.addWidget(console)
    settle(qtbot, console)
    return window, console


def test_export_minutes_from_the_button_and_the_menu(qtbot, room, tmp_path, monkeypatch):
    _window, console = room
    meeting = console.meeting
    out = tmp_path / "minutes.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "HTML (*.html)")))
    console.buttons["minutes"].click()  # clicked(False) once landed in export_minutes(path)
    page = out.read_text(encoding="utf-8")
    assert "Split invoices per department" in page
    assert f"#{short_id(meeting.id)}" in page  # the id `report --meeting` takes
    out.unlink()
    console.actions_by_id["export_minutes"].trigger()
    assert out.exists()
    assert f"#{short_id(meeting.id)}" in console.meeting_box.currentText()
    assert console.store.get_meeting(short_id(meeting.id)).id == meeting.id


def test_closing_asks_lists_pending_and_leaves_the_meeting_read_only(qtbot, room):
    _window, console = room
    box = console.close_meeting()
    assert "Split invoices per department" in box.text()  # both still pending
    assert "Faster search on Mondays" in box.text()
    box.reject()  # Cancel: nothing happens
    assert console.meeting.status is not MeetingStatus.CLOSED
    console.confirm_close()
    assert console.meeting.status is MeetingStatus.CLOSED
    assert console.banner.isVisible()
    assert "read-only" in console.banner.text()
    assert not console.rationale.isEnabled()
    assert not console.actions_by_id["record_outcome"].isEnabled()
    # A key on the impact list of a closed meeting writes nothing (it once wrote a
    # confirmed impact while the frozen record said "suggested").
    decision = console.current_decision()
    before = console.store.impact_records(decision.id)
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    assert console.store.impact_records(decision.id) == before
    assert any(b.isVisible() and "is closed" in b.text()
               for b in console.findChildren(QMessageBox))
    # Reopening is explicit, needs a reason, and is logged.
    console.buttons["close"].click()
    dialog = console.dialog
    assert isinstance(dialog, ReopenDialog)
    dialog.save()
    assert "reason" in dialog.error.text()
    qtbot.keyClicks(dialog.reason, "Acme was left out")
    dialog.save()
    assert console.meeting.status is MeetingStatus.RUNNING
    assert [e.action for e in console.store.meeting_events(console.meeting.id)] == [
        MeetingAction.CLOSED, MeetingAction.REOPENED]
    assert console.store.meeting_events(console.meeting.id)[1].reason == "Acme was left out"
    # What was frozen is kept, in the reopen event; while open the record is live again.
    [(kept,)] = console.store.conn.execute(
        "SELECT frozen FROM meeting_events WHERE action = 'reopened'").fetchall()
    assert decision.id in __import__("json").loads(kept)
    assert console.store.frozen_records(console.meeting.id) == {}
    assert console.rationale.isEnabled()


def test_decisions_and_meetings_are_edited_in_place_and_undone(qtbot, room):
    _window, console = room
    key(qtbot, console, Qt.Key.Key_F2)
    dialog = console.dialog
    assert isinstance(dialog, DecisionDialog)
    assert dialog.title.text() == "Split invoices per department"
    dialog.title.setText("Invoices per cost centre")
    dialog.customers.setText("Beta Clinic")
    dialog.save()
    decision = console.current_decision()
    assert (decision.title, decision.named_customers) == ("Invoices per cost centre",
                                                          ("Beta Clinic",))
    assert console.decision_title.text() == "Invoices per cost centre"
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    stored = console.store.get_decision(decision.id)
    assert (stored.title, stored.named_customers) == ("Split invoices per department", ())
    beta = next(c.id for c in console.store.customers() if c.name == "Beta Clinic")
    assert beta not in console.store.impact_records(decision.id)
    console.edit_meeting()
    dialog = console.dialog
    assert isinstance(dialog, MeetingDialog)
    dialog.title.setText("Product council")
    dialog.date.set_day(dt.date(2026, 2, 8))
    dialog.attendees.setText("Tom, Ana")
    dialog.save()
    meeting = console.store.get_meeting(console.meeting.id)
    assert (meeting.title, meeting.held_on, meeting.attendees) == (
        "Product council", dt.date(2026, 2, 8), "Tom, Ana")
    assert console.meeting_box.currentText().startswith("2026-02-08 · Product council")
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert console.store.get_meeting(meeting.id).title == "Council"


def test_one_meeting_room_per_board_and_none_outlives_its_store(qtbot, make_window, tmp_path):
    window = make_window()
    key(qtbot, window, Qt.Key.Key_M, CTRL)
    first = window.meeting_console
    qtbot.addWidget(first)
    key(qtbot, window, Qt.Key.Key_M, CTRL)
    assert window.meeting_console is first  # raised, not a second console
    history = window.open_history()
    qtbot.addWidget(history)
    other = tmp_path / "other.db"
    assert window.switch_board(other, create=True)
    assert not first.isVisible()  # closed before the store it read went
    assert not history.isVisible()
    assert window.meeting_console is None
    again = window.open_meeting_room()
    qtbot.addWidget(again)
    assert again is not first
    assert again.store is window.store
    window.close()
    assert not again.isVisible()


def test_adding_a_customer_by_hand_is_undone_whole(qtbot, room):
    _window, console = room
    console.step(1)  # "Faster search on Mondays": Acme is not matched there
    settle(qtbot, console)
    decision = console.current_decision()
    qtbot.keyClicks(console.add_name, "acme retail")  # names resolve whatever the case
    qtbot.keyClick(console.add_name, Qt.Key.Key_Return)
    assert console.current_decision().named_customers == ("Acme Retail",)
    settle(qtbot, console)
    assert "Acme Retail" in [i.data(CustomerRole).customer.name for i in customer_rows(console)]
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    settle(qtbot, console)
    stored = console.store.get_decision(decision.id)
    assert stored.named_customers == ()
    acme = next(c.id for c in console.store.customers() if c.name == "Acme Retail")
    assert acme not in console.store.impact_records(decision.id)  # once left "named"


def test_stance_capture_anonymous_and_running_are_undoable(qtbot, room):
    from ui.board.capture_dialog import CaptureDialog

    window, console = room
    decision = console.current_decision()
    row = select(console, "Acme Retail")
    voice_row = console.affected_model.index(0, 0, row)
    voice = voice_row.data(VoiceRole)
    console.tree.setCurrentIndex(voice_row)
    qtbot.keyClick(console.tree, Qt.Key.Key_F)
    acme = next(c.id for c in console.store.customers() if c.name == "Acme Retail")
    assert console.store.impact_records(decision.id)[acme].stances == {voice.voice_id: "for"}
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert acme not in console.store.impact_records(decision.id)
    # Anonymous mode and the meeting starting are steps too.
    key(qtbot, console, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert console.meeting.anonymous
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert not console.store.get_meeting(console.meeting.id).anonymous
    console.open_chair()
    qtbot.addWidget(console.chair)
    assert console.store.get_meeting(console.meeting.id).status is MeetingStatus.RUNNING
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert console.store.get_meeting(console.meeting.id).status is MeetingStatus.PLANNED
    # Capture: one step takes back the voice and its attachment.
    key(qtbot, console, Qt.Key.Key_N, CTRL)
    dialog = console.dialog
    assert isinstance(dialog, CaptureDialog)
    qtbot.keyClicks(dialog.text, "Our auditors want one invoice per site")
    qtbot.keyClicks(dialog.customer, "Beta Clinic")
    dialog.try_save()
    beta = next(c.id for c in console.store.customers() if c.name == "Beta Clinic")
    record = console.store.impact_records(decision.id)[beta]
    assert record.status is ImpactStatus.CONFIRMED
    assert len(record.attached) == 1
    with qtbot.waitSignal(window.search_done, timeout=10_000):  # the board shows it too
        pass
    assert window.store.count(window.filter_bar.current()) == 6
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert beta not in console.store.impact_records(decision.id)
    assert window.store.count(window.filter_bar.current()) == 5


def test_a_keypress_matches_nothing_again(qtbot, room, monkeypatch):
    _window, console = room
    asked = []
    monkeypatch.setattr(console.matcher, "match", asked.append)
    monkeypatch.setattr(console.matcher, "count", asked.append)
    decision = console.current_decision()
    calls = []
    real = console.store.decisions
    monkeypatch.setattr(console.store, "decisions", lambda m: calls.append(m) or real(m))
    select(console, "Acme Retail")
    for k in (Qt.Key.Key_C, Qt.Key.Key_H, Qt.Key.Key_U, Qt.Key.Key_N):
        qtbot.keyClick(console.tree, k)
    assert asked == []  # the match on screen is updated in place: no match is asked
    assert calls == []  # and the agenda is not read again
    acme = next(c.id for c in console.store.customers() if c.name == "Acme Retail")
    assert console.store.impact_records(decision.id)[acme].effect == "neutral"
    assert console.agenda_model.data(console.agenda_model.index(0)).endswith("1 confirmed")


def test_keyboard_flow_keeps_its_place(qtbot, room, make_window):
    window, console = room
    store = console.store
    for i in range(3):  # on the decision's theme: matched whatever the words
        store.insert_voice(VoiceDraft(f"Bills by site please {i}", Kind.NEED, f"Dept {i}",
                                      dt.date(2026, 1, 3), themes=("Billing",)))
    console.board_changed()
    settle(qtbot, console)
    names = [i.data(CustomerRole).customer.name for i in customer_rows(console)]
    assert len(names) >= 3
    select(console, names[1])
    qtbot.keyClick(console.tree, Qt.Key.Key_X)
    # After a dismiss the next customer is selected, not the top of the list.
    assert console.selected_customer().customer.name == names[2]
    # Ctrl+Right works from the rationale box.
    console.rationale.setFocus()
    key(qtbot, console.rationale, Qt.Key.Key_Right, CTRL)
    assert console.current_decision().title == "Faster search on Mondays"
    # A newly added decision is the one selected.
    console.add_decision()
    dialog = console.dialog
    qtbot.keyClicks(dialog.title, "Phone support")
    qtbot.keyClicks(dialog.description, "Callbacks within an hour")
    qtbot.keyClick(dialog.description, Qt.Key.Key_Return)  # Enter saves, as in capture
    assert not dialog.isVisible()
    assert console.current_decision().title == "Phone support"
    assert console.current_decision().description == "Callbacks within an hour"


def test_tab_leaves_the_date_for_the_next_field(qtbot, room):
    _window, console = room
    console.new_meeting()
    dialog = console.dialog
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.date.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.facilitator  # not the date's month
    qtbot.keyClicks(dialog.facilitator, "Ana")
    assert dialog.facilitator.text() == "Ana"
    dialog.reject()


def test_carry_over_asks_which_deferred_decisions(qtbot, room):
    import dataclasses

    _window, console = room
    store = console.store
    earlier = store.create_meeting("January", dt.date(2026, 1, 5))
    for title in ("Drop the free tier", "Annual billing"):
        d = store.add_decision(earlier, title)
        store.update_decision(dataclasses.replace(store.get_decision(d),
                                                  outcome=Outcome.DEFERRED))
    console.show_meeting(console.meeting.id)
    console.carry_over()
    dialog = console.dialog
    assert isinstance(dialog, CarryOverDialog)
    dialog.choices.item(1).setCheckState(Qt.CheckState.Unchecked)
    dialog.save()
    titles = [d.title for d in store.decisions(console.meeting.id)]
    assert "Drop the free tier" in titles
    assert "Annual billing" not in titles
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert "Drop the free tier" not in [d.title for d in store.decisions(console.meeting.id)]


def test_every_meeting_model_passes_the_tester(qtbot, room, qtmodeltester):
    _window, console = room
    qtmodeltester.check(console.affected_model)
    qtmodeltester.check(console.agenda_model)


def test_the_decision_record_fits_a_1080p_screen(qtbot, room):
    from ui.history.window import HistoryWindow

    _window, console = room
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    console.confirm_close()
    history = HistoryWindow(console.store)
    qtbot.addWidget(history)
    dialog = history.open_decision(history.log_model.index(0, 0))
    assert dialog.height() <= 1080 * 0.8
    assert dialog.findChildren(QLineEdit) == []
    text = dialog.findChild(__import__("PySide6.QtWidgets", fromlist=["QTextBrowser"])
                            .QTextBrowser).toPlainText()
    assert "Confirmed by the room" in text
    assert "Acme Retail" in text


def test_follow_through_in_the_console_even_after_the_close(qtbot, room, tmp_path):
    import csv

    from app.meeting.domain import Delivery
    from ui.meeting.dialogs import ActionDialog, LoopDialog

    _window, console = room
    decision = console.current_decision()
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    console.outcome.setCurrentText("approved")
    key(qtbot, console, Qt.Key.Key_Return, CTRL)
    console.confirm_close()  # what follows happens after the meeting
    assert console.delivery.isEnabled()
    console.delivery.setCurrentIndex(console.delivery.findData(Delivery.SHIPPED.value))
    console.delivery.activated.emit(console.delivery.currentIndex())
    assert console.store.get_decision(decision.id).delivery is Delivery.SHIPPED
    assert console.delivery_note.text().startswith("Shipped since ")
    console.buttons["add_action"].click()
    dialog = console.dialog
    assert isinstance(dialog, ActionDialog)
    qtbot.keyClicks(dialog.what, "Tell the finance teams")
    qtbot.keyClicks(dialog.owner, "Ana")
    qtbot.keyClick(dialog.owner, Qt.Key.Key_Return)
    [item] = console.store.action_items([decision.id])[decision.id]
    assert (item.what, item.owner, item.done_on) == ("Tell the finance teams", "Ana", None)
    console.action_list.item(0).setCheckState(Qt.CheckState.Checked)  # done
    assert console.store.action_items([decision.id])[decision.id][0].done_on is not None
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert console.store.action_items([decision.id])[decision.id][0].done_on is None
    # Who to tell: Acme, confirmed; tick it, export the list.
    assert console.tell_button.text() == "Who to tell (1 not told yet)…"
    assert console.loop_note.text().startswith(  # what the next meeting sees, too
        "Still to hear back: 1 customer about “Split invoices per department”")
    console.tell_button.click()
    loop_dialog = console.dialog
    assert isinstance(loop_dialog, LoopDialog)
    assert "Acme Retail" in loop_dialog.rows.item(0).text()
    loop_dialog.rows.item(0).setCheckState(Qt.CheckState.Checked)
    acme = next(c.id for c in console.store.customers() if c.name == "Acme Retail")
    assert acme in console.store.told([decision.id])[decision.id]
    assert console.tell_button.text() == "Who to tell…"
    assert not console.loop_note.isVisible()
    out = tmp_path / "tell.csv"
    assert console.export_loop(out) == out
    with out.open(encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert (row["customer"], row["owner"], row["delivery"]) == ("Acme Retail", "Priya",
                                                                "shipped")
    assert row["told_on"]
