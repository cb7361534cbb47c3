"""Opens the board the window will show, and starts reading it, in a thread: begun before Qt
loads, the checks, the first cards and the customer list are done while Qt's libraries
import (about 0.2 s)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from ui.board.board_read import BoardRead, quick_handover
from ui.composition import open_reader, open_store


def open_for_gui(path: Path, explicit: bool) -> Any:
    """The board to show: a missing default board becomes a demo board the first time."""
    if not path.exists() and not explicit:
        from app.demo import write_demo

        store = open_store(path, create=True)
        write_demo(store)
        return store
    return open_store(path, create=not path.exists())


def board_to_open(path: Path, explicit: bool) -> tuple[Path, bool]:
    """The board the window opens: the one named (--db, EMPTY_CHAIR_DB), else the last board
    shown when it still exists, else `path` (the default board)."""
    if explicit:
        return path, True
    # Only Qt's core is loaded for this (the widgets load while the board is read).
    from PySide6.QtCore import QSettings

    last = QSettings("empty-chair", "empty-chair").value("last_board")
    if last and Path(str(last)).exists():
        return Path(str(last)), True
    return path, False


class Started:
    """`path` being opened (checked, migrated) in a thread; then its BoardRead begins."""

    def __init__(self, path: Path, explicit: bool) -> None:
        self._path, self._explicit = path, explicit
        self._store: Any = None
        self._error: BaseException | None = None
        self.read: BoardRead | None = None
        self._done = threading.Event()
        quick_handover.hold()  # until its BoardRead holds it in turn
        # The checks are SQLite's work (a b-tree walk: 25 ms on a 100k board), done without
        # Python's lock: they cost the main thread nothing.
        threading.Thread(target=self._open, daemon=True, name="empty-chair open").start()

    def _open(self) -> None:
        try:
            store = open_for_gui(self._path, self._explicit)
            board = Path(store.path)
            self.read = BoardRead(lambda: open_reader(board))
            self._store = store
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread by store()
            self._error = exc
        finally:
            quick_handover.release()
            self._done.set()

    def store(self) -> Any:
        """The open board, once the thread has opened it; raises what opening raised (an
        EmptyChairError names the file and what is wrong with it)."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._store
