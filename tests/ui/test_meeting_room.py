"""A whole meeting run from the keyboard, then the board reopened to find it all recorded."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from app.meeting.domain import Effect, ImpactStatus, MeetingStatus, Outcome
from ui.composition import open_store
from ui.meeting.affected_model import CustomerRole
from ui.meeting.chair import ChairWindow
from ui.meeting.console import MeetingConsole
from ui.meeting.dialogs import DecisionDialog, MeetingDialog

CTRL = Qt.KeyboardModifier.ControlModifier


def key(qtbot, widget, k, modifier=Qt.KeyboardModifier.NoModifier):
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    qtbot.keyClick(widget, k, modifier)


def settle(qtbot, console):
    """Wait for the background match of the current decision and the agenda's counts."""
    qtbot.waitUntil(lambda: not console.matching and (
        console.current_decision() is None or (console.result is not None
                                               and console.session.wanted_match() is None)),
                    timeout=10_000)


def add_decision(qtbot, console, title, themes=""):
    key(qtbot, console, Qt.Key.Key_D, CTRL)
    qtbot.waitUntil(lambda: isinstance(console.dialog, DecisionDialog)
                    and console.dialog.isVisible())
    dialog = console.dialog
    qtbot.keyClicks(dialog.title, title)
    qtbot.keyClicks(dialog.themes, themes)
    dialog.save()
    settle(qtbot, console)


def customer_rows(console):
    """The listed customers' rows (not the dismissed), in the order shown."""
    model = console.affected_model
    return [model.index_of_customer(c) for c in model.customer_ids()]


def select(console, name):
    [row] = [i for i in customer_rows(console) if i.data(CustomerRole).customer.name == name]
    console.tree.setCurrentIndex(row)
    console.tree.setFocus()
    return row


def open_meeting(console, meeting_id):
    console.show_meeting(meeting_id)


def test_whole_meeting_by_keyboard(qtbot, make_window, tmp_path):
    window = make_window()
    key(qtbot, window, Qt.Key.Key_M, CTRL)
    console = window.meeting_console
    qtbot.addWidget(console)
    assert isinstance(console, MeetingConsole)
    console.new_meeting()
    dialog = console.dialog
    assert isinstance(dialog, MeetingDialog)
    qtbot.keyClicks(dialog.title, "Product council")
    qtbot.keyClicks(dialog.facilitator, "Priya")
    dialog.save()
    assert console.meeting.title == "Product council"
    assert console.meeting.status is MeetingStatus.PLANNED

    add_decision(qtbot, console, "Split invoices per department", "Billing")
    add_decision(qtbot, console, "Faster search on Mondays")
    add_decision(qtbot, console, "Onboarding checklist", "Onboarding")
    titles = [d.title for d in console.store.decisions(console.meeting.id)]
    assert titles == ["Split invoices per department", "Faster search on Mondays",
                      "Onboarding checklist"]
    # Reorder by keyboard, undo, redo.
    console.agenda.setCurrentIndex(console.agenda_model.index(2))
    key(qtbot, console, Qt.Key.Key_Up, CTRL)
    order = [d.title for d in console.store.decisions(console.meeting.id)]
    assert order[1] == "Onboarding checklist"
    key(qtbot, console, Qt.Key.Key_Z, CTRL)
    assert [d.title for d in console.store.decisions(console.meeting.id)] == titles
    console.undo_stack.redo()
    assert [d.title for d in console.store.decisions(console.meeting.id)] == order

    # Project and step through decisions from the projection.
    console.agenda.setCurrentIndex(console.agenda_model.index(0))
    key(qtbot, console, Qt.Key.Key_F5)
    settle(qtbot, console)
    chair = console.chair
    qtbot.addWidget(chair)
    assert isinstance(chair, ChairWindow)
    assert console.meeting.status is MeetingStatus.RUNNING
    assert chair.isVisible()
    assert chair.title.text() == "Split invoices per department"
    assert "Acme Retail" in chair.who.text()
    qtbot.keyClick(chair, Qt.Key.Key_PageDown)
    assert chair.title.text() == "Onboarding checklist"
    qtbot.keyClick(chair, Qt.Key.Key_Right)
    assert chair.title.text() == "Faster search on Mondays"
    settle(qtbot, console)
    assert chair.quote.text() == "“Search times out every Monday”"
    qtbot.keyClick(chair, Qt.Key.Key_B)
    assert chair.blanked
    qtbot.keyClick(chair, Qt.Key.Key_B)
    assert not chair.blanked
    qtbot.keyClick(chair, Qt.Key.Key_A)  # anonymous: names become cohort pseudonyms
    assert "Beta Clinic" not in chair.who.text()
    assert "Healthcare clinics customer 1" in chair.who.text()
    qtbot.keyClick(chair, Qt.Key.Key_A)
    qtbot.keyClick(chair, Qt.Key.Key_Left)
    qtbot.keyClick(chair, Qt.Key.Key_Left)
    assert chair.title.text() == "Split invoices per department"
    settle(qtbot, console)

    # Confirm, record effect, dismiss; outcome and rationale.
    select(console, "Acme Retail")
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    qtbot.keyClick(console.tree, Qt.Key.Key_H)
    console.outcome.setCurrentText("approved")
    qtbot.keyClicks(console.rationale, "Finance teams asked for it")
    key(qtbot, console, Qt.Key.Key_Return, CTRL)
    # The chair shows the recorded outcome, with its rationale.
    assert chair.outcome.text() == "Decided: approved — Finance teams asked for it"
    key(qtbot, console, Qt.Key.Key_Right, CTRL)
    key(qtbot, console, Qt.Key.Key_Right, CTRL)  # Faster search on Mondays
    settle(qtbot, console)
    select(console, "Beta Clinic")
    qtbot.keyClick(console.tree, Qt.Key.Key_X)
    assert console.result.dismissed[0].customer.name == "Beta Clinic"  # at once, by hand
    settle(qtbot, console)
    assert console.result.dismissed[0].customer.name == "Beta Clinic"  # and matched again
    assert chair.empty.isVisible()  # nobody left: the chair says so plainly
    console.outcome.setCurrentText("deferred")
    key(qtbot, console, Qt.Key.Key_Return, CTRL)
    assert "1 of 2 decided decisions" in console.indicator.text()
    qtbot.keyClick(chair, Qt.Key.Key_Escape)
    assert not chair.isVisible()

    meeting_id = console.meeting.id
    box = console.close_meeting()  # asks first, naming what is still pending
    assert "Onboarding checklist" in box.text()
    box.done(0)
    console.confirm_close()
    assert console.banner.isVisible()
    console.close()
    window.close()

    board = open_store(tmp_path / "board.db")
    meeting = board.get_meeting(meeting_id)
    assert meeting.status is MeetingStatus.CLOSED
    decisions = {d.title: d for d in board.decisions(meeting_id)}
    invoices = decisions["Split invoices per department"]
    assert (invoices.outcome, invoices.rationale) == (Outcome.APPROVED,
                                                      "Finance teams asked for it")
    records = board.impact_records(invoices.id)
    acme_id = next(c.id for c in board.customers() if c.name == "Acme Retail")
    assert (records[acme_id].status, records[acme_id].effect) == (ImpactStatus.CONFIRMED,
                                                                  Effect.HELPS)
    mondays = decisions["Faster search on Mondays"]
    assert mondays.outcome is Outcome.DEFERRED
    beta_id = next(c.id for c in board.customers() if c.name == "Beta Clinic")
    assert board.impact_records(mondays.id)[beta_id].status is ImpactStatus.DISMISSED
    frozen = json.loads(board.frozen_records(meeting_id)[invoices.id])
    assert frozen["cohorts"][0]["customers"][0]["name"] == "Acme Retail"
    assert frozen["cohorts"][0]["customers"][0]["effect"] == "helps"
    board.close()


def test_chair_is_legible_and_plain(qtbot, make_window):
    from ui.theme import tokens

    window = make_window()
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    meeting = console.store.create_meeting("Legibility", __import__("datetime").date(2026, 1, 1))
    console.store.add_decision(meeting, "Show the hostile quote", themes=())
    # Its words match the hostile voice, which is then the verbatim projected.
    console.store.add_decision(meeting, "Image src passwd test", customers=("Beta Clinic",))
    open_meeting(console, meeting)
    console.step(1)
    settle(qtbot, console)
    console.open_chair()
    chair = console.chair
    qtbot.addWidget(chair)
    chair.resize(1920, 1080)
    pairs = chair.evidence()
    while "<b>" not in pairs[chair.verbatim_index % len(pairs)][1].text:
        qtbot.keyClick(chair, Qt.Key.Key_Space)
    assert chair.quote.text().startswith("“<b>x</b> <img")  # shown as typed, not as HTML
    assert chair.quote.textFormat() == Qt.TextFormat.PlainText
    assert chair.title.font().pixelSize() >= 48
    assert chair.quote.font().pixelSize() >= 28
    assert chair.who.font().pixelSize() >= 28
    assert chair.status.font().pixelSize() >= 28

    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a, b):
        hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
        return (hi + 0.05) / (lo + 0.05)

    projector = tokens("projector")
    for fg in ("text", "muted", "accent"):
        for bg in ("window", "surface"):
            assert contrast(projector[fg], projector[bg]) >= 7
    console.close()


def test_capture_in_the_meeting_attaches_evidence(qtbot, make_window):
    import datetime as dt

    from ui.board.capture_dialog import CaptureDialog

    window = make_window()
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    meeting = console.store.create_meeting("Live", dt.date(2026, 2, 1))
    console.store.add_decision(meeting, "Phone line for outages")
    open_meeting(console, meeting)
    settle(qtbot, console)
    assert console.result.customers == []
    key(qtbot, console, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in console.findChildren(CaptureDialog)))
    dialog = next(d for d in console.findChildren(CaptureDialog) if d.isVisible())
    qtbot.keyClicks(dialog.text, "If the phone line goes we go too")
    qtbot.keyClicks(dialog.customer, "Acme Retail")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    settle(qtbot, console)
    [acme] = console.result.customers
    assert acme.customer.name == "Acme Retail"
    assert acme.status is ImpactStatus.CONFIRMED
    assert acme.evidence[0].voice.text == "If the phone line goes we go too"


def test_add_by_hand_deferred_and_duplicate(qtbot, make_window):
    import datetime as dt

    window = make_window()
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    store = console.store
    first = store.create_meeting("January council", dt.date(2026, 1, 5))
    decision = store.add_decision(first, "Drop the free tier", themes=("Pricing",))
    import dataclasses

    store.update_decision(dataclasses.replace(store.get_decision(decision),
                                              outcome=Outcome.DEFERRED))
    second = store.duplicate_meeting(first, "February council", dt.date(2026, 2, 5))
    assert [d.title for d in store.decisions(second)] == ["Drop the free tier"]
    assert store.decisions(second)[0].outcome is Outcome.PENDING
    third = store.create_meeting("March council", dt.date(2026, 3, 5))
    open_meeting(console, third)
    assert console.deferred_button.text() == "Carry over deferred (1)…"
    console.deferred_button.click()  # asks which ones first
    assert [d.title for d in store.decisions(third)] == []
    assert console.dialog.chosen() == [decision]
    console.dialog.save()
    assert [d.title for d in store.decisions(third)] == ["Drop the free tier"]
    assert console.deferred_button.text() == "Carry over deferred (0)…"
    qtbot.keyClicks(console.add_name, "Healthcare clinics")
    qtbot.keyClick(console.add_name, Qt.Key.Key_Return)
    settle(qtbot, console)
    assert [a.customer.name for a in console.result.customers] == ["Beta Clinic"]
    assert console.result.customers[0].status is ImpactStatus.CONFIRMED
    console.undo_stack.undo()
    settle(qtbot, console)
    assert console.result.customers == []


def test_agenda_reorders_by_drag_and_drop(qtbot, make_window):
    import datetime as dt

    from PySide6.QtCore import QModelIndex

    window = make_window()
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    store = console.store
    meeting = store.create_meeting("Drag", dt.date(2026, 5, 1))
    for title in ("First", "Second", "Third"):
        store.add_decision(meeting, title)
    open_meeting(console, meeting)
    model = console.agenda_model
    data = model.mimeData([model.index(0)])  # what the view hands over when a row is dragged
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 3, 0, QModelIndex()) is False
    assert [d.title for d in store.decisions(meeting)] == ["Second", "Third", "First"]
    console.undo_stack.undo()
    assert [d.title for d in store.decisions(meeting)] == ["First", "Second", "Third"]


def test_console_and_chair_tell_the_whole_population(qtbot, make_window):
    import datetime as dt

    from app.board.csv_import import ImportRow
    from app.board.domain import Channel, CustomerSeed, Kind

    window = make_window()
    store = window.store
    store.ensure_customers([CustomerSeed(f"Shop {i:02}", "Small shops", 1) for i in range(50)])
    rows = [ImportRow(f"Refunds at shop {i} take three weeks", Kind.COMPLAINT, f"Shop {i:02}",
                      dt.date(2026, 3, 1), Channel.EMAIL, 4, None, (), "", None, "r.csv", i + 2,
                      f"refund{i}") for i in range(50)]
    rows += [ImportRow(f"Shop {i} loves the new till", Kind.QUOTE, f"Shop {i:02}",
                       dt.date(2026, 3, 2), Channel.EMAIL, 1, None, (), "", None, "r.csv",
                       i + 60, f"till{i}") for i in range(50)]
    store.import_rows(rows, len(rows))
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    meeting = store.create_meeting("Refunds", dt.date(2026, 4, 1))
    store.add_decision(meeting, "Refunds paid within a day")
    open_meeting(console, meeting)
    settle(qtbot, console)
    assert console.summary.text().startswith("50 customers in 1 cohort · weight 50 · "
                                             "0 confirmed, 50 suggested")
    assert "listing the strongest 40" in console.summary.text()
    model = console.affected_model
    cohort = model.index(0, 0)
    assert cohort.data().startswith("Small shops — 50 customers (0 confirmed)")
    assert model.index(model.rowCount(cohort) - 1, 0, cohort).data() == \
        "… and 10 more suggested"
    assert console.more_button.isVisible()
    console.more_button.click()
    assert len(customer_rows(console)) == 50
    first = customer_rows(console)[0]
    evidence = [model.index(j, 0, first).data() for j in range(model.rowCount(first))]
    assert len(evidence) == 1
    assert "Refunds at shop" in evidence[0]  # the voice that matched, never the till quote
    assert first.siblingAtColumn(1).data().startswith(
        "said “refunds”; related “weeks”")  # learned here
    assert console.agenda_model.data(console.agenda_model.index(0)).endswith(
        "50 customers · 0 confirmed")

    console.open_chair()
    chair = console.chair
    qtbot.addWidget(chair)
    assert chair.count.text() == ("0 confirmed customers  ·  50 suggested, not yet reviewed  ·  "
                                  "in 1 cohort  ·  showing 12 of 50")
    assert "suggested" in chair.who.text()
    assert "Refunds at shop" in chair.quote.text()
    tile_text = [w.text() for w in chair.findChildren(type(chair.title))]
    assert "0 confirmed" in tile_text
    assert "50 suggested" in tile_text  # never "50 customers · 100% of weight"
    assert not any("% of" in t for t in tile_text)  # no confirmed customer: no share
    assert "50 complaints" in tile_text  # the matching voices: the till quotes are not counted

    console.tree.setFocus()
    console.tree.setCurrentIndex(customer_rows(console)[0])
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    assert chair.count.text().startswith("1 confirmed customer  ·  49 suggested")
    settle(qtbot, console)
    assert chair.count.text().startswith("1 confirmed customer  ·  49 suggested")
    tile_text = [w.text() for w in chair.findChildren(type(chair.title))]
    assert "(100% by weight)" in tile_text
    assert "confirmed" in chair.who.text()  # the confirmed customer's voice comes first
    assert console.agenda_model.data(console.agenda_model.index(0)).endswith(
        "50 customers · 1 confirmed")
    console.close()


def test_counts_and_failures_never_leave_the_console_wrong(qtbot, make_window, monkeypatch):
    import datetime as dt
    import sqlite3

    from PySide6.QtWidgets import QMessageBox

    import ui.meeting.matcher
    from app.errors import BoardError

    window = make_window()
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    store = console.store
    meeting = store.create_meeting("Fast hands", dt.date(2026, 6, 1))
    store.add_decision(meeting, "Split invoices per department", themes=("Billing",))
    store.add_decision(meeting, "Faster search on Mondays")
    open_meeting(console, meeting)
    settle(qtbot, console)
    console.step(1)
    settle(qtbot, console)
    console.step(-1)  # both matched once: stepping back shows the first at once
    console.tree.setFocus()
    console.tree.setCurrentIndex(customer_rows(console)[0])
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    console.step(1)  # before the first decision's count lands
    console.tree.setFocus()
    console.tree.setCurrentIndex(customer_rows(console)[0])
    qtbot.keyClick(console.tree, Qt.Key.Key_C)
    settle(qtbot, console)
    rows = [console.agenda_model.data(console.agenda_model.index(i)) for i in range(2)]
    assert all(r.endswith("1 confirmed") for r in rows), rows  # neither count was lost

    # A write that fails changes nothing on screen.
    def busy(*args, **kwargs):
        raise BoardError("the board is busy in another window or program")

    monkeypatch.setattr(store, "put_impact", busy)
    console.step(-1)
    settle(qtbot, console)
    [acme] = customer_rows(console)
    console.tree.setCurrentIndex(acme)
    qtbot.keyClick(console.tree, Qt.Key.Key_X)  # dismiss: refused by the busy board
    [still] = customer_rows(console)
    assert still.siblingAtColumn(2).data() == "confirmed"
    assert console.result.dismissed == []
    assert any(b.isVisible() and "busy" in b.text() for b in console.findChildren(QMessageBox))

    # A match that fails says so and does not leave the console "Finding…" for ever.
    def broken(store, spec, records):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ui.meeting.matcher, "match_decision", broken)  # as the worker calls it
    console.board_changed()
    qtbot.waitUntil(lambda: not console.matching, timeout=10_000)
    assert any(b.isVisible() and "could not match" in b.text()
               for b in console.findChildren(QMessageBox))
    console.close()
