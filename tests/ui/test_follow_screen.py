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


def test_the_who_to_tell_list_shows_what_was_stored(qtbot, board):  # noqa: F811
    from app.history.follow import loop
    from ui.meeting.dialogs import LoopDialog

    store, meeting, decision = board
    session = ship(store, meeting, decision)
    shipped, rows = loop(store, decision)

    def told(ids, is_told):
        session.mark_told(ids, is_told, decision_id=decision)
        return loop(store, decision)[1]

    dialog = LoopDialog(None, shipped, rows, told, lambda: None)
    qtbot.addWidget(dialog)
    assert "not told yet" in dialog.rows.item(0).text()
    dialog.rows.item(0).setCheckState(__import__("PySide6.QtCore").QtCore.Qt.CheckState.Checked)
    assert f"told {SHIPPED}" in "".join(dialog.rows.item(i).text()
                                        for i in range(dialog.rows.count()))


def test_theme_gaps_never_draw_below_zero_and_the_picker_follows_the_board(qtbot, board):  # noqa: F811
    from app.history import log as history
    from ui.history.charts import themes_chart

    store, _meeting, _decision = board
    # Voices on a theme, no decision: the decisions axis once ran from -0.045 to 0.045.
    figure = themes_chart(store, [], "light", history.Period(dt.date(2026, 1, 30),
                                                             dt.date(2026, 2, 9)))
    assert len(figure.axes) == 2
    for axes in figure.axes:
        assert axes.get_ylim()[0] >= 0
    window = HistoryWindow(store)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(1)
    before = window.timeline_who.model.rowCount()
    store.ensure_customers([__import__("app.board.domain", fromlist=["CustomerSeed"])
                            .CustomerSeed("Dunlin", "Retail", 2)])
    window.reload()
    assert window.timeline_who.model.rowCount() == before + 1
