"""Drive the real board window: capture, filter, undo/redo, delete/restore, merge."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace as dataclass_replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from ui.board.capture_dialog import CaptureDialog
from ui.board.lane_model import VoiceRole


def lane_texts(window, kind):
    model = window.lanes[kind].model
    return [model.index(r).data(Qt.ItemDataRole.DisplayRole) for r in range(model.rowCount())]


def open_capture(qtbot, window) -> CaptureDialog:
    window.activateWindow()  # offscreen, a closed dialog does not hand activation back
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(CaptureDialog)))
    return next(d for d in window.findChildren(CaptureDialog) if d.isVisible())


def test_lanes_show_counts_and_every_model_passes_the_tester(make_window, qtmodeltester):
    window = make_window()
    assert window.lanes[Kind.COMPLAINT].title.text() == "Complaints (2)"
    assert window.filter_bar.count_label.text() == "5 of 5 voices"
    for lane in window.lanes.values():
        qtmodeltester.check(lane.model)
    qtmodeltester.check(window.side.customer_model)
    qtmodeltester.check(window.side.cohort_model)


def test_capture_three_voices_by_keyboard(qtbot, make_window):
    window = make_window()
    dialog = open_capture(qtbot, window)
    qtbot.keyClicks(dialog.text, "Exports drop our accents")
    dialog.kind.setCurrentText("complaint")
    qtbot.keyClicks(dialog.customer, "Gamma Foods")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)  # first Enter: confirm the new customer
    assert "New customer 'Gamma Foods'" in dialog.errors["customer"].text()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    assert not any(d.isVisible() for d in window.findChildren(CaptureDialog))
    for text in ("Please keep the phone line", "Love the new export"):
        dialog = open_capture(qtbot, window)
        assert dialog.customer.text() == "Gamma Foods"  # kept for rapid entry
        qtbot.keyClicks(dialog.text, text)
        with qtbot.waitSignal(window.search_done, timeout=10_000):
            qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    assert window.store.count(VoiceFilter(customer="gamma foods")) == 3
    assert "Exports drop our accents" in lane_texts(window, Kind.COMPLAINT)
    assert window.filter_bar.count_label.text() == "8 of 8 voices"
    # The customer list is read again by the search worker, not on the GUI thread; it has
    # arrived by the time the window says it is done.
    model = window.side.customer_model
    rows = {model.index(r, 0).data(): model.index(r, 2).data() for r in range(model.rowCount())}
    assert rows["Gamma Foods"] == "3"
    assert window.filter_bar.customer.findText("Gamma Foods") > 0


def test_invalid_capture_keeps_the_text_and_writes_nothing(qtbot, make_window):
    window = make_window()
    dialog = open_capture(qtbot, window)
    qtbot.keyClicks(dialog.text, "   ")
    qtbot.keyClicks(dialog.customer, "Acme Retail")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert dialog.errors["text"].text() == "is empty"
    assert window.store.count(VoiceFilter()) == 5


def test_search_as_you_type_and_filters(qtbot, make_window):
    window = make_window()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClicks(window.filter_bar.search, "invoice")
    assert lane_texts(window, Kind.COMPLAINT) == ["The invoice was wrong twice"]
    assert window.filter_bar.count_label.text() == "2 of 5 voices"  # stemmed: "invoices" too
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.filter_bar.clear_button.click()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.filter_bar.choose(window.filter_bar.customer, "Beta Clinic")
    assert window.filter_bar.count_label.text() == "3 of 5 voices"
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.filter_bar.kinds[Kind.QUOTE].setChecked(False)
    assert not window.lanes[Kind.QUOTE].isVisible()
    assert lane_texts(window, Kind.COMPLAINT) == ["Search times out every Monday"]


def test_delete_undo_redo(qtbot, make_window):
    window = make_window()
    lane = window.lanes[Kind.COMPLAINT]
    lane.view.setCurrentIndex(lane.model.index(0))
    deleted = window.selected
    assert deleted is not None
    lane.view.setFocus()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClick(lane.view, Qt.Key.Key_Delete)
    assert deleted.text not in lane_texts(window, Kind.COMPLAINT)
    assert window.store.count(VoiceFilter()) == 4
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert deleted.text in lane_texts(window, Kind.COMPLAINT)
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.actions_by_id["redo"].trigger()
    assert window.store.count(VoiceFilter()) == 4
    row = window.store.conn.execute("SELECT deleted_at FROM voices WHERE id = ?",
                                    [deleted.id]).fetchone()
    assert row[0] is not None  # soft: the row is still in the file


def test_edit_then_undo_restores_text_and_themes(qtbot, make_window):
    window = make_window()
    lane = window.lanes[Kind.NEED]
    lane.view.setCurrentIndex(lane.model.index(0))
    window.edit_voice()
    dialog = window.findChildren(CaptureDialog)[-1]
    dialog.text.setPlainText("We need invoices per team")
    dialog.themes.setText("Billing, Reporting")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        dialog.try_save()
    voice = window.lanes[Kind.NEED].model.index(0).data(VoiceRole)
    assert (voice.text, voice.themes) == ("We need invoices per team", ("Billing", "Reporting"))
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    voice = window.lanes[Kind.NEED].model.index(0).data(VoiceRole)
    assert (voice.text, voice.themes) == ("We need invoices per department", ("Billing",))


def test_merge_customers_and_undo(qtbot, make_window):
    window = make_window()
    view = window.side.customer_view
    model = window.side.customer_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "Beta Clinic")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        view.setCurrentIndex(model.index(row, 0))
    window.actions_by_id["merge_customers"].trigger()
    dialog = window.findChildren(QInputDialog)[-1]
    dialog.setTextValue("Acme Retail")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        dialog.accept()
    names = [c.name for c in window.store.customers()]
    assert names == ["Acme Retail"]
    assert window.store.count(VoiceFilter(customer="Acme Retail")) == 5
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    assert sorted(c.name for c in window.store.customers()) == ["Acme Retail", "Beta Clinic"]
    assert window.store.count(VoiceFilter(customer="Beta Clinic")) == 3


def test_customer_text_is_plain_everywhere(qtbot, make_window):
    window = make_window()
    lane = window.lanes[Kind.QUOTE]
    row = next(r for r in range(lane.model.rowCount())
               if lane.model.index(r).data(VoiceRole).text.startswith("<b>"))
    lane.view.setCurrentIndex(lane.model.index(row))
    hostile = '<b>x</b> <img src="file:///etc/passwd">'
    assert window.detail.text.toPlainText() == hostile
    tip = lane.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;x&lt;/b&gt;" in tip
    assert "<b>x" not in tip
    for label in window.detail.values.values():
        assert label.textFormat() == Qt.TextFormat.PlainText


def test_hostile_board_file_is_refused_and_the_window_stays_usable(qtbot, make_window,
                                                                   tmp_path):
    window = make_window()
    hostile = tmp_path / "hostile.db"
    hostile.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = hostile.read_bytes()
    assert window.switch_board(hostile) is False
    box = window.findChildren(QMessageBox)[-1]
    assert "hostile.db" in box.text()
    box.close()
    assert hostile.read_bytes() == before
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClicks(window.filter_bar.search, "onboarding")
    assert lane_texts(window, Kind.QUOTE) == ["Onboarding was painless"]


def test_theme_and_zoom_persist(qtbot, make_window):
    window = make_window()
    window.actions_by_id["theme_projector"].trigger()
    assert window.settings.value("theme") == "projector"
    app = QApplication.instance()
    assert app.palette().color(QPalette.ColorRole.Window).name() == "#000000"
    assert app.styleSheet() == ""  # no application stylesheet: it slowed every widget
    assert window.lanes[Kind.NEED].title.palette().color(QPalette.ColorRole.WindowText
                                                         ).name() == "#ffd60a"
    size = app.font().pointSize()
    window.actions_by_id["zoom_in"].trigger()
    assert int(window.settings.value("zoom")) == 1
    assert app.font().pointSize() == size + 1
    window.apply_theme("light")


def test_every_theme_fits_a_1600_pixel_screen_and_shows_whole_column_titles(qtbot,
                                                                             make_window):
    window = make_window()
    window.filter_bar.show_count(100_000, 100_000)  # as wide as on the 100k board
    header = window.side.customer_view.horizontalHeader()
    for theme in ("light", "dark", "projector"):
        window.apply_theme(theme)
        QApplication.processEvents()  # layouts take the new type size
        assert window.minimumSizeHint().width() <= 1600, theme
        for column in (2, 3):  # Voices, Weight
            title = str(window.side.customer_model.headerData(column, Qt.Orientation.Horizontal))
            assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(title)
    window.apply_theme("light")


def test_switching_boards_shows_the_new_boards_customers_under_the_same_filter(
        qtbot, make_window, tmp_path):
    from app.board.domain import CustomerSeed
    from ui.composition import open_store

    other_path = tmp_path / "other.db"
    other = open_store(other_path, create=True)
    other.ensure_customers([CustomerSeed("Zeta Freight", "Logistics", 500, "")])
    other.import_rows([ImportRow("Onboarding took a week", Kind.QUOTE, "Zeta Freight",
                                 dt.date(2026, 2, 1), Channel.EMAIL, 3, None, (), "", None,
                                 "z.csv", 2, "z2"),
                       ImportRow("Exports are slow", Kind.COMPLAINT, "Zeta Freight",
                                 dt.date(2026, 2, 2), Channel.EMAIL, 3, None, (), "", None,
                                 "z.csv", 3, "z3")], 2)
    other.close()
    window = make_window()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClicks(window.filter_bar.search, "onboarding")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        assert window.switch_board(other_path)
    names = [window.side.customer_model.index(r, 0).data()
             for r in range(window.side.customer_model.rowCount())]
    assert names == ["Zeta Freight"]
    assert lane_texts(window, Kind.QUOTE) == ["Onboarding took a week"]
    assert lane_texts(window, Kind.COMPLAINT) == []
    assert "1 customers" in window.status.text()


def test_a_lane_fetches_more_cards_as_it_scrolls(qtbot, make_window, tmp_path):
    from ui.board.search_worker import FIRST_PAGE
    from ui.composition import open_store

    path = tmp_path / "many.db"
    store = open_store(path, create=True)
    store.import_rows([ImportRow(f"Complaint number {i} about exports", Kind.COMPLAINT,
                                 f"Firm {i % 7}", dt.date(2026, 1, 1) + dt.timedelta(days=i),
                                 Channel.EMAIL, 3, None, (), "", None, "m.csv", i + 2, f"m{i}")
                       for i in range(60)], 60)
    store.close()
    window = make_window(path, seed=False)
    window.resize(1200, 700)
    lane = window.lanes[Kind.COMPLAINT]
    assert lane.model.total == 60
    assert FIRST_PAGE <= lane.model.rowCount() < 60  # a first page, not every row
    for _ in range(30):
        if lane.model.rowCount() == 60:
            break
        lane.view.scrollToBottom()
        QApplication.processEvents()
    texts = lane_texts(window, Kind.COMPLAINT)
    assert len(texts) == 60
    assert len(set(texts)) == 60
    assert texts[0] == "Complaint number 59 about exports"  # newest first, page after page


def test_the_first_read_reports_a_board_it_cannot_read(qtbot):
    from app.errors import BoardError
    from ui.board.search_worker import BoardRead, FirstRead

    def unreadable():
        raise BoardError("board.db: the board file is damaged (corrupt); open a backup instead")

    first = FirstRead(BoardRead(unreadable))
    shown, failures = [], []
    first.deliver(shown.append, shown.append, failures.append)
    qtbot.waitUntil(lambda: len(failures) == 2, timeout=5_000)
    assert shown == []
    assert failures[0].startswith("board.db: the board file is damaged")


def test_a_card_never_paints_beyond_its_height(make_window):
    """Qt re-measures cards 0.1 s after a lane's width changes; until then a card may have
    less height than its text wants, and must not draw over the next card."""
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QColor, QImage, QPainter
    from PySide6.QtWidgets import QStyleOptionViewItem

    window = make_window()
    lane = window.lanes[Kind.COMPLAINT]
    index = lane.model.index(0)
    voice = index.data(VoiceRole)
    lane.model.reset([dataclass_replace(voice, text=" ".join(["a long complaint"] * 40))], 1,
                     lambda offset, limit: [])
    index = lane.model.index(0)
    option = QStyleOptionViewItem()
    option.font = lane.view.font()
    option.rect = QRect(0, 0, 300, 70)  # room for one line of text, not four
    image = QImage(320, 400, QImage.Format.Format_ARGB32)
    image.fill(QColor(0, 0, 0, 0))
    painter = QPainter(image)
    lane.delegate.paint(painter, option, index)
    painter.end()
    drawn_rows = [y for y in range(image.height())
                  if any(image.pixelColor(x, y).alpha() for x in range(0, 320, 2))]
    assert drawn_rows
    assert max(drawn_rows) < 70


def test_the_side_panel_widens_with_the_type_so_names_stay_readable(qtbot, make_window):
    from PySide6.QtGui import QFontMetrics

    window = make_window()
    view = window.side.customer_view
    for theme in ("light", "projector"):
        window.apply_theme(theme)
        QApplication.processEvents()
        name = QFontMetrics(QApplication.font()).horizontalAdvance("Granite Outfitters 3280")
        assert view.columnWidth(0) >= name * 0.9, theme  # about twenty characters, whole
    window.apply_theme("light")


def test_a_sorted_lane_keeps_its_sort_when_the_filter_changes_read_off_the_gui_thread(
        qtbot, make_window, monkeypatch):
    window = make_window()
    lane = window.lanes[Kind.COMPLAINT]
    lane.sort.setCurrentText("Oldest")
    assert lane_texts(window, Kind.COMPLAINT) == ["The invoice was wrong twice",
                                                  "Search times out every Monday"]
    on_gui_thread = []
    search = window.store.search
    monkeypatch.setattr(window.store, "search",
                        lambda *a, **k: on_gui_thread.append(a) or search(*a, **k))
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.filter_bar.kinds[Kind.QUOTE].setChecked(False)
    assert lane_texts(window, Kind.COMPLAINT) == ["The invoice was wrong twice",
                                                  "Search times out every Monday"]
    assert on_gui_thread == []  # the worker read the lane in its own sort
