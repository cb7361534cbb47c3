"""The import wizard's Cancel tells the truth: nothing written, or the import had finished."""

from __future__ import annotations

import threading

from app.board.filters import VoiceFilter
from storage.importing import BULK_ROWS, ImportMixin
from ui.board.import_wizard import ImportWizard

ROWS = BULK_ROWS + 1000  # a bulk import: indexes and triggers dropped, rebuilt before COMMIT
SEEDED = 5  # the voices make_window's board starts with


def _big_csv(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("customer,text,date\n" + "".join(
        f"Firm {i % 40},the invoice export {i} times out,2025-03-{1 + i % 28:02d}\n"
        for i in range(ROWS)), encoding="utf-8")
    return path


def _to_run_page(qtbot, window, path) -> ImportWizard:
    window.import_csv()
    wizard = window.findChildren(ImportWizard)[-1]
    qtbot.waitUntil(wizard.isVisible)
    with qtbot.waitSignal(wizard.read_done, timeout=30_000):  # read in a worker
        wizard.file_page.path.setText(str(path))
    wizard.next()
    wizard.next()
    assert wizard.mapping_page.combos["customer"].currentText() == "customer"
    wizard.next()
    with qtbot.waitSignal(wizard.check_done, timeout=30_000):  # checked in a worker
        wizard.next()
    assert wizard.validation_page.summary.text().startswith(f"{ROWS:,} valid rows, 0 invalid")
    return wizard


class _PauseWorker:
    """Holds the import's worker thread at one step until the test (in the GUI thread) has
    pressed Cancel, so the press lands exactly there."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.pressed = threading.Event()

    def wrap(self, step):
        def paused(*args, **kwargs):
            self.reached.set()
            assert self.pressed.wait(30), "the test never pressed Cancel"
            return step(*args, **kwargs)
        return paused

    def press_cancel(self, qtbot, wizard) -> str:
        qtbot.waitUntil(self.reached.is_set, timeout=60_000)
        button = wizard.run_page.cancel_button
        if button.isEnabled():
            button.click()
        else:  # the wizard already says it is too late; a late click must not lie either
            wizard.cancel_import()
        said = wizard.run_page.message.text()
        self.pressed.set()
        qtbot.waitUntil(lambda: wizard.run_page.finished, timeout=60_000)
        return said


def test_cancel_during_the_final_index_rebuild_keeps_nothing(qtbot, make_window, tmp_path,
                                                             monkeypatch):
    # The last batch is written, the text index and the dropped indexes are being rebuilt:
    # Cancel said "nothing will be kept", then the import committed ("Added 6,000 voices").
    window = make_window()
    pause = _PauseWorker()
    monkeypatch.setattr(ImportMixin, "_put_back", pause.wrap(ImportMixin._put_back))
    wizard = _to_run_page(qtbot, window, _big_csv(tmp_path))
    wizard.next()  # the run page starts the import in a worker thread
    said = pause.press_cancel(qtbot, wizard)

    assert said == "Cancelling… nothing will be kept."
    assert wizard.run_page.message.text() == "Import cancelled: nothing was added to the board."
    assert window.store.count(VoiceFilter()) == SEEDED
    assert window.store.count(VoiceFilter(text="invoice export")) == 0
    wizard.close()


def test_a_cancel_after_the_commit_began_says_the_import_finished(qtbot, make_window, tmp_path,
                                                                  monkeypatch):
    # Once the COMMIT has begun a cancel cannot be honoured: the wizard says so at once (the
    # Cancel button is disabled and says the import is finishing), and afterwards says the
    # import finished, with the count the board really holds.
    from ui.background import CancelToken

    window = make_window()
    pause = _PauseWorker()
    may_commit = CancelToken.may_commit

    def commit_begins(token):
        allowed = may_commit(token)
        pause.wrap(lambda: None)()
        return allowed

    monkeypatch.setattr(CancelToken, "may_commit", commit_begins)
    wizard = _to_run_page(qtbot, window, _big_csv(tmp_path))
    wizard.next()
    qtbot.waitUntil(pause.reached.is_set, timeout=60_000)
    button = wizard.run_page.cancel_button
    qtbot.waitUntil(lambda: not button.isEnabled())  # the 'committing' signal has arrived
    assert button.text() == "Finishing…"
    assert "too late to cancel" in wizard.run_page.message.text()
    said = pause.press_cancel(qtbot, wizard)

    assert "nothing will be kept" not in said
    assert window.store.count(VoiceFilter()) == SEEDED + ROWS
    assert wizard.run_page.message.text().startswith(
        f"The import had already finished: added {ROWS:,} voices")
    wizard.close()


def test_a_cancel_after_the_rebuild_just_before_the_commit_keeps_nothing(
        qtbot, make_window, tmp_path, monkeypatch):
    # The indexes are back and the last look at Cancel has passed: the press still wins,
    # because the commit asks once more, under the same lock the press takes.
    from ui.background import CancelToken

    window = make_window()
    pause = _PauseWorker()
    monkeypatch.setattr(CancelToken, "may_commit", pause.wrap(CancelToken.may_commit))
    wizard = _to_run_page(qtbot, window, _big_csv(tmp_path))
    wizard.next()
    said = pause.press_cancel(qtbot, wizard)

    assert said == "Cancelling… nothing will be kept."
    assert wizard.run_page.message.text() == "Import cancelled: nothing was added to the board."
    assert window.store.count(VoiceFilter()) == SEEDED
    wizard.close()
