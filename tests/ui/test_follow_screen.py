"""The history's Follow-through tab and the decision record's "did it help?"."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QTextBrowser

from tests.storage.test_follow_through import SHIPPED, board, ship  # noqa: F401
from ui.history.window import HistoryWindow


def test_follow_through_tab_and_the_record_say_whether_it_helped(qtbot, board):  # noqa: F811
    store, meeting, decision = board
    session = ship(store, meeting, decision)
    session.add_action("Profile the CSV writer", "Ana", dt.date(2026, 1, 1),
                       decision_id=decision)
    window = HistoryWindow(store)
    qtbot.addWidget(window)
    window.tabs.setCurrentWidget(window.follow_tab)
    tab = window.follow_tab
    assert "Profile the CSV writer" in tab.overdue.item(0).text()
    assert tab.shipped.item(0).text() == f"{SHIPPED} · Faster exports · 2 not told yet"
    tab.shipped.setCurrentRow(0)
    assert "Fewer complaints and needs after it shipped: 4 → 2" in tab.verdict.text()
    assert tab.canvas is not None  # the before/after chart
    assert "Still slow on big files" in tab.after.toPlainText()
    tab.days.setValue(10)  # the leader's window: too little to tell
    assert "Too little data to tell" in tab.verdict.text()
    owners = {tab.owners_model.index(r, 0).data(): tab.owners_model.index(r, 2).data()
              for r in range(tab.owners_model.rowCount())}
    assert owners == {"Ana": 1}
    dialog = window.open_decision(window.log_model.index(0, 0))
    record = dialog.findChild(QTextBrowser).toPlainText()
    assert "Did it help? Too little data to tell" in record  # the same 10 days
