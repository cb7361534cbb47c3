"""The app's start: a board named on the command line is opened and read in threads while Qt
loads; what goes wrong there reaches the user as a dialog, and the file is left alone."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from app.board.domain import Kind
from tests.ui.conftest import seed_board
from ui.board.board_read import BoardRead
from ui.cli import build_parser, open_gui
from ui.composition import open_reader, open_store


def seeded_board(tmp_path: Path) -> Path:
    path = tmp_path / "board.db"
    store = open_store(path, create=True)
    seed_board(store)
    store.close()
    return path


def test_empty_chair_db_opens_the_window_with_its_lanes_and_customers(qtbot, tmp_path):
    board = seeded_board(tmp_path)
    window = open_gui(build_parser().parse_args(["--db", str(board)]))
    qtbot.addWidget(window)
    window.wait_idle()
    assert window.isVisible()
    assert window.windowTitle() == "Empty Chair — board.db"
    complaints = window.lanes[Kind.COMPLAINT].model
    assert sorted(complaints.index(r).data() for r in range(complaints.rowCount())) == [
        "Search times out every Monday", "The invoice was wrong twice"]
    assert window.filter_bar.count_label.text() == "5 of 5 voices"
    assert [c.name for c in window._customers] == ["Acme Retail", "Beta Clinic"]
    window.close()


def test_a_damaged_board_on_the_command_line_gets_a_dialog_and_stays_unchanged(
        qtbot, tmp_path, monkeypatch):
    import ui.gui

    hostile = tmp_path / "hostile.db"
    hostile.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    before = hostile.read_bytes()
    interval = sys.getswitchinterval()
    reasons: list[str] = []
    # The dialog offering another board: the user closes it.
    monkeypatch.setattr(ui.gui, "_pick_another", lambda reason: reasons.append(reason))
    assert open_gui(build_parser().parse_args(["--db", str(hostile)])) is None
    assert len(reasons) == 1
    assert reasons[0].startswith(f"{hostile}: ")
    assert hostile.read_bytes() == before
    assert sys.getswitchinterval() == interval


class GatedBoard:
    """A real board connection whose customer list waits for a gate, and which says when
    it has been closed (each read closes its connection when done)."""

    def __init__(self, path: Path, gate: threading.Event, closed: threading.Semaphore) -> None:
        self._store = open_reader(path)
        self._gate, self._closed = gate, closed

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def customers(self) -> list:
        self._gate.wait(10)
        return self._store.customers()

    def close(self) -> None:
        self._store.close()
        self._closed.release()


def test_board_read_hands_over_reads_done_before_and_after_someone_listens(tmp_path):
    board = seeded_board(tmp_path)
    interval = sys.getswitchinterval()
    gate, closed = threading.Event(), threading.Semaphore(0)
    read = BoardRead(lambda: GatedBoard(board, gate, closed))
    assert closed.acquire(timeout=10)  # the lanes are read; the customers wait at the gate
    got: list[tuple[str, object]] = []
    arrived = threading.Event()

    def listener(what: str, value: object) -> None:
        got.append((what, value))
        if what == "customers":
            arrived.set()

    read.listen(listener)
    assert [what for what, _ in got] == ["lanes"]  # done before: handed over at once
    lanes = got[0][1]
    assert lanes.totals == {Kind.QUOTE: 2, Kind.COMPLAINT: 2, Kind.NEED: 1}
    assert lanes.board_total == 5
    gate.set()
    assert arrived.wait(10)  # done after: handed over from the reading thread
    assert [c.name for c in got[1][1]] == ["Acme Retail", "Beta Clinic"]
    assert closed.acquire(timeout=10)
    assert sys.getswitchinterval() == interval  # the quick handover ends with the reads


def test_without_db_a_demo_board_opens_first_then_the_last_board_shown(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from ui.composition import default_board_path

    QSettings("empty-chair", "empty-chair").remove("last_board")  # a fresh user
    default = default_board_path()
    assert not default.exists()
    first = open_gui(build_parser().parse_args([]))
    qtbot.addWidget(first)
    first.wait_idle()
    assert Path(first.store.path) == default
    assert first.filter_bar.count_label.text().endswith(" voices")
    assert sum(lane.model.total for lane in first.lanes.values()) > 0  # the demo's voices
    first.close()

    other = seeded_board(tmp_path)
    named = open_gui(build_parser().parse_args(["--db", str(other)]))
    qtbot.addWidget(named)
    named.wait_idle()
    named.close()

    again = open_gui(build_parser().parse_args([]))
    qtbot.addWidget(again)
    again.wait_idle()
    assert Path(again.store.path) == other  # the last board shown, not the default one
    assert again.filter_bar.count_label.text() == "5 of 5 voices"
    again.close()

