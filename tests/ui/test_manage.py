"""Customers, duplicates, cohorts and themes, export and busy boards in the real window."""

from __future__ import annotations

import csv
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog

from app.board.domain import Kind
from app.board.filters import VoiceFilter
from ui.board.capture_dialog import CaptureDialog
from ui.board.manage import CustomerDialog, DuplicatesDialog, NamedDialog
from ui.cli import main


def pick_customer(qtbot, window, name):
    model = window.side.customer_model
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == name)
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.side.customer_view.setCurrentIndex(model.index(row, 0))


def test_edit_customer_dialog(qtbot, make_window):
    window = make_window()
    pick_customer(qtbot, window, "Beta Clinic")
    window.actions_by_id["edit_customer"].trigger()
    dialog = window.findChildren(CustomerDialog)[-1]
    dialog.name.setText("Beta Health")
    dialog.weight.setValue(4200)
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        dialog.save()
    customer = next(c for c in window.store.customers() if c.name == "Beta Health")
    assert customer.weight == 4200
    assert window.side.customer_model.index(0, 0).data() in {"Acme Retail", "Beta Health"}
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    assert {c.name for c in window.store.customers()} == {"Acme Retail", "Beta Clinic"}


def test_duplicates_dialog_merges_and_undo_splits(qtbot, make_window):
    window = make_window()
    for text in ("Search times out every Monday!", "search times out every monday"):
        dialog = window.capture_dialog()
        dialog.text.setPlainText(text)
        dialog.kind.setCurrentText("complaint")
        dialog.customer.setText("Beta Clinic")
        with qtbot.waitSignal(window.search_done, timeout=10_000):
            dialog.try_save()
    window.show_duplicates()
    dupes = window.findChildren(DuplicatesDialog)[-1]
    assert dupes.list.count() == 1
    assert "Beta Clinic · 3 voices" in dupes.list.item(0).text()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        dupes.merge_button.click()
    assert dupes.list.count() == 0
    assert window.lanes[Kind.COMPLAINT].title.text() == "Complaints (2)"
    kept = window.store.search(VoiceFilter(text="monday"), limit=5)
    assert len(kept) == 1
    assert len(window.store.merged_sources(kept[0].id)) == 2
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    assert window.lanes[Kind.COMPLAINT].title.text() == "Complaints (4)"
    dupes.close()


def test_named_dialog_create_rename(qtbot, make_window):
    window = make_window()
    window.manage_named()
    dialog = window.findChildren(NamedDialog)[-1]
    dialog.tabs.setCurrentIndex(1)  # themes
    ask = dialog.create_named()
    ask.setTextValue("Security")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        ask.accept()
    names = [dialog.lists["themes"].item(i).text() for i in range(dialog.lists["themes"]
                                                                   .count())]
    assert "Security  (0 voices)" in names
    dialog.lists["themes"].setCurrentRow(names.index("Billing  (2 voices)"))
    dialog.rename()
    rename = [d for d in dialog.findChildren(QInputDialog) if d.isVisible()][-1]
    rename.setTextValue("Invoices")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        rename.accept()
    assert window.store.count(VoiceFilter(theme="Invoices")) == 2
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.undo_stack.undo()
    assert window.store.count(VoiceFilter(theme="Billing")) == 2
    dialog.close()


def test_busy_board_keeps_the_typed_text(qtbot, make_window, monkeypatch):
    import storage.board

    monkeypatch.setattr(storage.board, "BUSY_TIMEOUT_MS", 100)
    from ui.composition import open_store

    window = make_window()
    other = open_store(window.store.path)
    window.store.conn.execute("PRAGMA busy_timeout = 100")
    other.conn.execute("BEGIN IMMEDIATE")  # another window is writing
    dialog = window.capture_dialog()
    dialog.open()
    dialog.text.setPlainText("Please do not lose this quote")
    dialog.customer.setText("Acme Retail")
    dialog.try_save()
    assert dialog.isVisible()
    assert "your text is kept" in dialog.form_error.text()
    assert dialog.text.toPlainText() == "Please do not lose this quote"
    other.conn.execute("ROLLBACK")
    other.close()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        dialog.try_save()
    assert window.store.count(VoiceFilter(text="lose this quote")) == 1


def test_export_current_view_and_whole_board(qtbot, make_window, tmp_path):
    from ui.board.transfer import start_export

    window = make_window()
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        window.filter_bar.choose(window.filter_bar.customer, "Beta Clinic")
    job = start_export(window, tmp_path / "view.csv", window.filter_bar.current())
    with qtbot.waitSignal(job.done, timeout=10_000):
        pass
    with (tmp_path / "view.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["customer"] for r in rows} == {"Beta Clinic"}
    assert len(rows) == 3
    job = start_export(window, tmp_path / "all.json", None)
    with qtbot.waitSignal(job.done, timeout=10_000):
        pass
    board = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert board["format"] == "empty-chair-board"  # the whole board, every table
    assert sum(1 for v in board["tables"]["voices"] if v["deleted_at"] is None) == 5


def test_screenshot_command_renders_the_board(tmp_path, capsys):
    board = tmp_path / "shot.db"
    assert main(["demo", "--db", str(board), "--voices", "200"]) == 0
    out = tmp_path / "board.png"
    assert main(["screenshot", "board", str(out), "--db", str(board), "--size", "1280x800",
                 "--theme", "dark"]) == 0
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert "board at 1280x800, dark theme" in capsys.readouterr().out


def test_capture_dialog_keeps_last_customer_and_channel(qtbot, make_window):
    window = make_window()
    dialog = window.capture_dialog()
    dialog.text.setPlainText("Great support")
    dialog.customer.setText("Acme Retail")
    dialog.channel.setCurrentText("email")
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        qtbot.keyClick(dialog.text, Qt.Key.Key_Return)
    again = window.capture_dialog()
    assert (again.customer.text(), again.channel.currentText()) == ("Acme Retail", "email")
    again.close()
    assert CaptureDialog.last_customer == "Acme Retail"
