"""Start the board window (or render it offscreen to a PNG)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from app.errors import EmptyChairError
from ui.board.search_worker import FirstRead
from ui.composition import open_reader, open_store
from ui.starting import Started

if TYPE_CHECKING:
    from ui.board.window import BoardWindow


def settings() -> QSettings:
    return QSettings("empty-chair", "empty-chair")


def _app() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    app = QApplication(sys.argv[:1])
    app.setApplicationName("Empty Chair")
    app.setOrganizationName("empty-chair")
    # The first text measured loads the system's fonts (8 ms). QFontDatabase is thread-safe
    # and works without Python's lock: load them beside the window's modules loading.
    threading.Thread(target=QFontDatabase.families, daemon=True,
                     name="empty-chair fonts").start()
    return app


def make_window(path: Path, explicit: bool = True,
                started: Started | None = None) -> BoardWindow:
    """The window on `path`; `started`: that board already being opened and read."""
    started = started or Started(path, explicit)
    store = started.store()  # raises EmptyChairError for a board that cannot be opened
    assert started.read is not None  # begun as soon as the board was open
    first_read = FirstRead(started.read)
    # Imported only now: the window's modules load while the board is read.
    from ui.board.window import BoardWindow

    return BoardWindow(store, open_reader, lambda p, create: open_store(p, create=create),
                       settings(), first_read=first_read)


def _pick_another(reason: str) -> tuple[Path, bool] | None:
    """The board could not be opened: say why, offer another board or a new one."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox  # only when opening failed

    box = QMessageBox(QMessageBox.Icon.Warning, "Empty Chair cannot open this board", reason)
    box.setTextFormat(Qt.TextFormat.PlainText)
    open_button = box.addButton("Open another board…", QMessageBox.ButtonRole.AcceptRole)
    new_button = box.addButton("New board…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()  # no window exists yet: a modal question is the whole app for now
    if box.clickedButton() is open_button:
        chosen, _ = QFileDialog.getOpenFileName(None, "Open board", "", "Boards (*.db);;All (*)")
        return (Path(chosen), True) if chosen else None
    if box.clickedButton() is new_button:
        chosen, _ = QFileDialog.getSaveFileName(None, "New board", "board.db", "Boards (*.db)")
        return (Path(chosen), True) if chosen else None
    return None


def show_window(path: Path, explicit: bool,
                started: Started | None = None) -> BoardWindow | None:
    """The board window on `path`, shown; None when that board cannot be opened and the user
    picks no other. `started`: that board, already being opened and read."""
    _app()
    while True:
        try:
            window = make_window(path, explicit, started)
            break
        except EmptyChairError as exc:
            choice = _pick_another(str(exc))
            if choice is None:
                return None
            path, explicit = choice
            started = None
    window.show()
    return window


def _shoot_meeting(window: BoardWindow, screen: str, out: Path, size: tuple[int, int],
                   meeting: str | None) -> int:
    console = window.open_meeting_room(_meeting_id(window, meeting))
    console.resize(*size)
    _wait_for_matches(console)
    target: QWidget = console
    if screen == "chair":
        console.open_chair()
        assert console.chair is not None
        target = console.chair
        target.resize(*size)
    QApplication.processEvents()
    _save(target.grab(), out)
    if console.chair is not None:
        console.chair.close()
    console.close()
    window.close()
    print(f"{out}: {screen} at {size[0]}x{size[1]}")
    return 0


def _wait_for_matches(console: Any, seconds: float = 60) -> None:
    """Let the background match of the current decision and the agenda's counts land."""
    import time

    deadline = time.monotonic() + seconds
    while (console.matching or (console.current_decision() is not None
                                and console.result is None)) and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()


def _meeting_id(window: BoardWindow, wanted: str | None) -> str | None:
    """A meeting by id (or id prefix); by default the latest closed meeting, for a full view."""
    meetings = window.store.meetings()
    if wanted:
        return str(window.store.get_meeting(wanted).id)
    closed = [m for m in meetings if m.status.value == "closed"]
    shown = closed or meetings
    return shown[0].id if shown else None


MAX_SHOT = 8192  # pixels a side: past that Qt's raster engine cannot allocate the image


def _save(picture: Any, out: Path) -> None:
    if not picture.save(str(out)):
        raise EmptyChairError(f"{out}: could not write the PNG (a full disk, or no PNG "
                              "support in Qt)")


def screenshot(screen: str, out: Path, path: Path, size: str, theme: str,
               meeting: str | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        width, height = (int(n) for n in size.lower().split("x"))
    except ValueError as exc:
        raise EmptyChairError(f"--size {size!r} is not WIDTHxHEIGHT") from exc
    if not (200 <= width <= MAX_SHOT and 200 <= height <= MAX_SHOT):
        raise EmptyChairError(f"--size {size}: each side must be 200 to {MAX_SHOT} pixels")
    if meeting is not None:  # no such meeting: one line, before any window or thread
        from ui.composition import open_store

        store = open_store(path)
        try:
            store.get_meeting(meeting)
        finally:
            store.close()
    _app()
    window = make_window(path, explicit=True)
    window.apply_theme(theme)
    if screen in ("meeting", "chair"):
        return _shoot_meeting(window, screen, out, (width, height), meeting)
    if screen in ("history", "timeline", "follow"):
        history = window.open_history()
        history.resize(width, height)
        if screen == "history":
            history.tabs.setCurrentIndex(3)  # the charts: the view leaders open first
            history.chart_choice.setCurrentIndex(2)  # complaints piling up with no decision
        elif screen == "timeline":
            history.tabs.setCurrentIndex(1)
            picker = history.timeline_who
            # The customer the most decisions touched, typed in as a person would.
            touched = [c for e in history.all_entries for c in e.customers]
            if touched:
                name = max(set(touched), key=touched.count)
                picker.search.setText(name)
                picker.pick_current()
        else:
            history.tabs.setCurrentWidget(history.follow_tab)
            if history.follow_tab.shipped.count():
                history.follow_tab.shipped.setCurrentRow(0)
        QApplication.processEvents()
        _save(history.grab(), out)
        history.close()
        window.close()
        print(f"{out}: {screen} at {width}x{height}")
        return 0
    window.resize(width, height)
    window.show()
    window.wait_idle()
    lane = window.lanes[next(iter(window.lanes))]
    if lane.model.rowCount():
        lane.view.setCurrentIndex(lane.model.index(0))
    QApplication.processEvents()  # let the layouts catch up with the texts just set
    # A lane re-measures its cards 0.1 s after its width settles (Qt's delayed layout);
    # a picture taken sooner shows cards measured at the width before.
    QApplication.processEvents()
    _save(window.grab(), out)
    window.close()
    print(f"{out}: {screen} at {width}x{height}, {theme} theme")
    return 0
