"""Run long work (import, export) off the GUI thread, with progress and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

Work = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


class _Runner(QObject):
    """Lives in the worker thread and does the work."""

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, cancelled: threading.Event) -> None:
        super().__init__()
        self._work = work
        self._cancelled = cancelled

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(lambda done, total: self.progress.emit(done, total),
                                self._cancelled.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            self.failed.emit(exc)
        else:
            self.done.emit(result)


class Job(QObject):
    """Stays in the GUI thread: its signals reach handlers there, lambdas included.

    A running job keeps itself alive: Qt aborts the process when a QThread object is
    destroyed while its thread still runs (a caller dropping its reference, or starting a
    second export, did that now and then).
    """

    _running: set[Job] = set()

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work) -> None:
        super().__init__()
        self._cancel = threading.Event()
        self.thread = QThread()
        self._runner = _Runner(work, self._cancel)
        self._runner.moveToThread(self.thread)
        self.thread.started.connect(self._runner.run)
        # Signal to signal across threads: queued, re-emitted here in the GUI thread.
        self._runner.progress.connect(self.progress)
        self._runner.done.connect(self.done)
        self._runner.failed.connect(self.failed)
        self._runner.done.connect(self.thread.quit)
        self._runner.failed.connect(self.thread.quit)
        self.thread.finished.connect(self._ended)

    def start(self) -> None:
        Job._running.add(self)
        self.thread.start()

    @Slot()
    def _ended(self) -> None:
        # 'finished' is sent just before the thread's last instructions: look again shortly
        # rather than wait() here, which would hold Python's lock the thread may still need.
        if self.thread.isRunning():
            QTimer.singleShot(5, self._ended)
        else:
            Job._running.discard(self)

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self) -> None:
        self.thread.wait()
