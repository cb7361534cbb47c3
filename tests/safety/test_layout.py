"""One long name never widens a window or breaks the chair's tiles: it is elided, and the
whole name is on hover (issue 11, item 16)."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app.board.domain import Kind, VoiceDraft
from tests.ui.test_meeting_room import settle
from ui.board.side_panel import CustomerTableModel
from ui.composition import open_store
from ui.history.window import HistoryWindow
from ui.meeting.chair import Tile

SCREEN = 1920
# 200 characters (the longest name allowed), no space to wrap at, and markup in it.
CUSTOMER = "<b>Ann</b>" + "W" * 190
COHORT = "Cohort" + "K" * 194
THEME = "Theme" + "T" * 195
# A long cohort name that wraps: it must not push the tile's lines out of the tile.
WORDY = ("Mid-market retail and hospitality chains across the north of England "
         "and Scotland, with more than fifty shops each and their own loyalty schemes")


def long_board(path):
    store = open_store(path, create=True)
    store.insert_voice(VoiceDraft("Refunds take three weeks", Kind.COMPLAINT, CUSTOMER,
                                  dt.date(2026, 1, 5), cohort_name=COHORT, themes=(THEME,)))
    return store


def settled(qtbot):
    for _ in range(3):
        QApplication.processEvents()
    qtbot.wait(10)


def assert_fits_the_screen(window: QWidget) -> None:
    assert window.minimumSizeHint().width() < SCREEN
    assert window.sizeHint().width() < SCREEN
    assert window.width() < SCREEN


def whole(tip: str) -> str:
    return html.unescape(tip)


def test_board_window_keeps_its_width_with_a_long_name(qtbot, make_window, tmp_path):
    path = tmp_path / "board.db"
    long_board(path).close()
    window = make_window(path, seed=False)
    assert_fits_the_screen(window)
    # Pick the customer in the side panel: the lanes filter to it.
    model = window.side.customer_model
    row = next(r for r in range(model.rowCount())
               if model.index(r, CustomerTableModel.NAME).data() == CUSTOMER)
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.side.customer_view.setCurrentIndex(model.index(row, 0))
    assert CUSTOMER in whole(model.index(row, 0).data(3))  # Qt.ToolTipRole
    lane = window.lanes[Kind.COMPLAINT]
    lane.view.setCurrentIndex(lane.model.index(0))
    settled(qtbot)
    assert window.detail.values["Customer"].text() == CUSTOMER
    assert_fits_the_screen(window)  # the detail pane held 4,409 px
    for field, name in (("Customer", CUSTOMER), ("Cohort", COHORT), ("Themes", THEME)):
        label = window.detail.values[field]
        assert label.width() < SCREEN
        assert name in whole(label.toolTip())
        assert "&lt;b&gt;" in label.toolTip() or field != "Customer"  # escaped, not markup
    assert CUSTOMER in whole(window.detail.title.toolTip())
    cohorts = window.side.cohort_model
    assert any(COHORT in whole(cohorts.index(r, 0).data(3) or "")
               for r in range(cohorts.rowCount()))
    for combo, name in ((window.filter_bar.customer, CUSTOMER), (window.filter_bar.cohort, COHORT),
                        (window.filter_bar.theme, THEME)):
        window.filter_bar.choose(combo, name)
        assert name in whole(combo.toolTip())
        assert combo.width() < SCREEN / 4
    settled(qtbot)
    assert_fits_the_screen(window)


def test_history_window_keeps_its_width_with_a_long_name(qtbot, tmp_path):
    store = long_board(tmp_path / "board.db")
    meeting = store.create_meeting("Council", dt.date(2026, 2, 1))
    store.add_decision(meeting, "Refunds within a day", themes=(THEME,), customers=(CUSTOMER,))
    window = HistoryWindow(store)
    qtbot.addWidget(window)
    window.show()
    for tab in range(3):  # the log, timelines and unanswered voices
        window.tabs.setCurrentIndex(tab)
        settled(qtbot)
        assert_fits_the_screen(window)  # the log's pickers made it 3,026 px wide
    for combo, name in ((window.f_customer, CUSTOMER), (window.f_cohort, COHORT),
                        (window.f_theme, THEME)):
        combo.setCurrentIndex(combo.findText(name))
        assert name in whole(combo.toolTip())
    who = window.timeline_who
    who.search.setText(CUSTOMER[:12])
    who.pick_current()  # the long name drawn in the picture's title, elided
    settled(qtbot)
    assert_fits_the_screen(window)
    window.close()
    store.close()


def test_chair_tiles_elide_long_cohort_names(qtbot, make_window):
    window = make_window()
    store = window.store
    for i, cohort in enumerate((COHORT, WORDY, "Small shops")):
        for j in range(2):
            store.insert_voice(VoiceDraft(f"Refunds take weeks, shop {i}{j}", Kind.COMPLAINT,
                                          f"Shop {i}{j}", dt.date(2026, 3, 1),
                                          cohort_name=cohort, themes=("Refunds",)))
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    meeting = store.create_meeting("Refunds", dt.date(2026, 4, 1))
    store.add_decision(meeting, "Refunds paid within a day", themes=("Refunds",))
    console.show_meeting(meeting)
    settle(qtbot, console)
    console.open_chair()
    chair = console.chair
    qtbot.addWidget(chair)
    # The verbatim's attribution names its cohort too: show one from a short-named cohort,
    # so what is measured here is the tiles.
    while "Small shops" not in chair.who.text():
        chair.verbatim_index += 1
        chair.show_verbatim()
    settled(qtbot)
    chair.resize(SCREEN, 1080)
    settled(qtbot)
    tiles = chair.findChildren(Tile)
    assert len(tiles) == 3
    assert chair.minimumSizeHint().width() < SCREEN
    assert chair.width() == SCREEN
    boxes = [QRect(t.mapTo(chair, QPoint(0, 0)), t.size()) for t in tiles]
    for i, box in enumerate(boxes):
        assert box.width() < SCREEN / 2
        assert chair.rect().contains(box)
        assert not any(box.intersects(other) for other in boxes[i + 1:])  # never overlap
    for tile in tiles:
        labels = tile.findChildren(QLabel)
        for label in labels:  # every line whole inside its tile: nothing clipped
            assert tile.contentsRect().contains(label.geometry())
            assert label.height() >= label.sizeHint().height()
        title = next(lb for lb in labels if lb.objectName() == "tileTitle")
        if title.text() in (COHORT, WORDY):
            assert title.text() in whole(title.toolTip())
            assert "…" in QLabel.text(title)  # elided on screen, at most two lines
            assert QLabel.text(title).count("\n") <= 1
    console.close()


def test_the_chair_fits_the_screen_when_the_verbatim_names_a_long_cohort(qtbot, make_window):
    window = make_window()
    store = window.store
    store.insert_voice(VoiceDraft("Refunds take weeks", Kind.COMPLAINT, "Shop", dt.date(2026, 3, 1),
                                  cohort_name=COHORT, themes=("Refunds",)))
    console = window.open_meeting_room()
    qtbot.addWidget(console)
    meeting = store.create_meeting("Refunds", dt.date(2026, 4, 1))
    store.add_decision(meeting, "Refunds paid within a day", themes=("Refunds",))
    console.show_meeting(meeting)
    settle(qtbot, console)
    console.open_chair()
    chair = console.chair
    qtbot.addWidget(chair)
    assert COHORT in chair.who.text()  # the attribution names the 200-letter cohort
    settled(qtbot)
    assert chair.minimumSizeHint().width() < SCREEN
    assert chair.minimumSizeHint().height() <= 1080
