"""Undo survives a busy board, the window never waits the CLI's 5 s for a lock, and two
windows never overwrite each other's edits silently (issue 11, items 3, 4, 18)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.board.commands import EditVoice, draft_of
from app.board.filters import VoiceFilter
from app.errors import ConflictError


@contextmanager
def locked(board: Path) -> Iterator[None]:
    """Another program holds the board's write lock until the block ends."""
    script = textwrap.dedent(f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(board)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        sys.stdin.readline()
        conn.execute("ROLLBACK")
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.communicate("done\n", timeout=10)


def warnings(window) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_undo_on_a_busy_board_stays_possible(qtbot, make_window, tmp_path):
    window = make_window()
    voice = window.store.search(VoiceFilter(text="painless"))[0]
    after = dataclasses.replace(draft_of(voice), severity=5)
    window.run_command(EditVoice(voice.id, draft_of(voice), after, stamp=voice.updated_at))
    assert window.undo_stack.canUndo()
    undo = window.actions_by_id["undo"]  # Ctrl+Z
    with locked(tmp_path / "board.db"):
        undo.trigger()
        undo.trigger()  # pressed again while still busy: still nothing skipped or doubled
        assert window.undo_stack.canUndo()
        assert window.undo_stack.index() == 1
        assert any("busy" in w for w in warnings(window))
        assert window.store.get_voice(voice.id).severity == 5  # nothing was written
    undo.trigger()  # the lock is gone: the same undo now works
    assert window.store.get_voice(voice.id).severity == 3
    assert not window.undo_stack.canUndo()


def test_a_capture_on_a_busy_board_keeps_the_dialog_and_its_text(qtbot, make_window,
                                                                 tmp_path):
    from tests.ui.test_board_window import open_capture

    window = make_window()
    dialog = open_capture(qtbot, window)
    qtbot.keyClicks(dialog.text, "Written while the import runs")
    qtbot.keyClicks(dialog.customer, "Acme Retail")
    with locked(tmp_path / "board.db"):
        dialog.try_save()
        assert dialog.isVisible()
        assert "busy" in dialog.form_error.text()
        assert dialog.text.toPlainText() == "Written while the import runs"
    dialog.try_save()
    assert not dialog.isVisible()
    assert window.store.count(VoiceFilter(text="import runs")) == 1


def test_a_window_never_waits_long_for_the_lock(make_window):
    window = make_window()
    # The window's writes give up on another program's lock after a quarter of a second
    # (and say "busy"); the command line keeps SQLite's 5 s.
    assert window.store.conn.execute("PRAGMA busy_timeout").fetchone()[0] <= 250


def test_two_windows_never_overwrite_each_other(qtbot, make_window, tmp_path):
    first = make_window()
    second = make_window(tmp_path / "board.db", seed=False)
    voice = first.store.search(VoiceFilter(text="painless"))[0]
    first.selected = voice
    dialog = first.capture_dialog(voice)  # window A opens the voice to edit its text
    dialog.open()
    # Window B, stale, sets its severity.
    theirs = second.store.get_voice(voice.id)
    second.run_command(EditVoice(voice.id, draft_of(theirs),
                                 dataclasses.replace(draft_of(theirs), severity=1),
                                 stamp=theirs.updated_at))
    dialog.text.setPlainText("Onboarding was painless, truly")
    dialog.try_save()
    assert dialog.isVisible()  # refused: B's change would have vanished
    assert "changed in another window" in dialog.form_error.text()
    assert first.store.get_voice(voice.id).severity == 1
    assert first.store.get_voice(voice.id).text == "Onboarding was painless"
    dialog.try_save()  # saving again, as the message says, overwrites on purpose
    assert not dialog.isVisible()
    assert first.store.get_voice(voice.id).text == "Onboarding was painless, truly"
    # B edits again; A's undo must not wipe that.
    theirs = second.store.get_voice(voice.id)
    second.run_command(EditVoice(voice.id, draft_of(theirs),
                                 dataclasses.replace(draft_of(theirs), severity=4),
                                 stamp=theirs.updated_at))
    first.actions_by_id["undo"].trigger()
    assert first.undo_stack.canUndo()
    assert any("changed in another window" in w for w in warnings(first))
    assert first.store.get_voice(voice.id).severity == 4


def test_the_store_refuses_a_stale_edit(store):
    from tests.ui.conftest import seed_board

    seed_board(store)
    voice = store.search(VoiceFilter(text="painless"))[0]
    stamp = store.update_voice(voice.id, draft_of(voice), expect=voice.updated_at)
    assert stamp > voice.updated_at
    with pytest.raises(ConflictError):
        store.update_voice(voice.id, draft_of(voice), expect=voice.updated_at)


def test_restore_from_backup_in_the_window(qtbot, make_window, tmp_path):
    from tests.ui.test_board_window import open_capture

    window = make_window()
    backup = tmp_path / "monday.db"
    window.store.backup(backup)
    dialog = open_capture(qtbot, window)
    qtbot.keyClicks(dialog.text, "Said after the backup")
    qtbot.keyClicks(dialog.customer, "Acme Retail")
    dialog.try_save()
    assert window.store.count(VoiceFilter()) == 6
    console = window.open_meeting_room()  # shares the store: closed before the restore
    qtbot.addWidget(console)
    with qtbot.waitSignal(window.search_done, timeout=10_000):
        assert window.restore_from(backup)
    assert window.store.count(VoiceFilter()) == 5
    assert window.filter_bar.count_label.text() == "5 of 5 voices"
    assert not window.undo_stack.canUndo()
    assert not console.isVisible()
    [kept] = tmp_path.glob("board.before-restore-*.db")
    from ui.composition import open_store

    old = open_store(kept)
    assert old.count(VoiceFilter(text="after the backup")) == 1  # nothing lost
    old.close()
