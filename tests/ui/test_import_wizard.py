"""The import wizard on a real export: preview, mapping, validation, cancel, import."""

from __future__ import annotations

from PySide6.QtWidgets import QWizard

from app.board.filters import VoiceFilter
from ui.board.import_wizard import ImportWizard


def start_wizard(qtbot, window, path) -> ImportWizard:
    window.import_csv()
    wizard = window.findChildren(ImportWizard)[-1]
    qtbot.waitUntil(wizard.isVisible)
    with qtbot.waitSignal(wizard.read_done, timeout=30_000):  # read in a worker
        wizard.file_page.path.setText(str(path))
    wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    assert wizard.preview_page.table.columnCount() == 6
    assert wizard.preview_page.table.horizontalHeaderItem(3).text() == "airline"
    wizard.next()
    mapping = wizard.mapping_page.combos
    assert mapping["text"].currentText() == "text"  # pre-filled from the header
    assert mapping["tweet_created"].currentText() == "date"
    mapping["airline"].setCurrentText("customer")
    wizard.next()
    assert wizard.currentPage() is wizard.values_page
    with qtbot.waitSignal(wizard.check_done, timeout=30_000):  # checked in a worker
        wizard.next()
    assert wizard.validation_page.summary.text().startswith("14,640 valid rows, 0 invalid")
    return wizard


def test_cancel_halfway_rolls_back_then_import_completes(qtbot, make_window, shared_data):
    window = make_window()
    path = shared_data / "twitter_airline_Tweets_clean6col.csv"
    wizard = start_wizard(qtbot, window, path)
    cancelled = {"done": False}

    def cancel_once(done, total):
        if not cancelled["done"] and 0 < done < total:
            cancelled["done"] = True
            wizard.cancel_import()

    wizard.next()  # the run page starts the import in a worker thread
    wizard.job.progress.connect(cancel_once)
    qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=60_000)
    assert cancelled["done"]
    assert "cancelled" in wizard.run_page.message.text()
    assert window.store.count(VoiceFilter()) == 5  # nothing of the import is kept
    assert window.store.count(VoiceFilter(customer="Virgin America")) == 0
    wizard.close()

    wizard = start_wizard(qtbot, window, path)
    with qtbot.waitSignal(window.search_done, timeout=60_000):
        wizard.next()
        qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=60_000)
    assert wizard.run_page.message.text().startswith("Added 14,640 voices")
    assert window.store.count(VoiceFilter()) == 14_645
    assert window.filter_bar.count_label.text() == "14,645 of 14,645 voices"
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    wizard.close()


def test_invalid_rows_need_consent(qtbot, make_window, write_file):
    window = make_window()
    path = write_file("few.csv", "customer,text\nAcme,fine\nBeta,\n")
    window.import_csv()
    wizard = window.findChildren(ImportWizard)[-1]
    with qtbot.waitSignal(wizard.read_done, timeout=10_000):
        wizard.file_page.path.setText(str(path))
    wizard.next()
    wizard.next()
    wizard.next()
    with qtbot.waitSignal(wizard.check_done, timeout=10_000):
        wizard.next()
    page = wizard.validation_page
    assert page.problems.item(0).text() == "line 3: text: is missing"
    assert not page.isComplete()
    page.skip.setChecked(True)
    assert page.isComplete()
    wizard.close()


def test_the_wizard_imports_a_whole_board_file(qtbot, make_window, tmp_path):
    from ui.cli import main

    source = make_window(tmp_path / "source.db")
    whole = tmp_path / "whole.json"
    assert main(["export", str(whole), "--db", str(tmp_path / "source.db")]) == 0
    source.close()
    window = make_window(tmp_path / "empty.db", seed=False)
    window.import_csv()
    wizard = window.findChildren(ImportWizard)[-1]
    qtbot.waitUntil(wizard.isVisible)
    wizard.file_page.path.setText(str(whole))
    assert "is a whole board" in wizard.file_page.status.text()
    assert wizard.file_page.isComplete()
    with qtbot.waitSignal(wizard.imported, timeout=30_000):
        wizard.next()  # straight to the import: nothing to map
    assert wizard.currentPage() is wizard.run_page
    assert wizard.run_page.message.text() == (
        "The whole board: added 2 cohorts, 2 customers, 3 themes, 5 voices, 4 voice themes.")
    assert window.store.count(VoiceFilter()) == 5
    wizard.reject()
