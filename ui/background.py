"""Run long work (import, export) off the GUI thread, with progress and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class Job(QObject):
    """`work(progress, cancelled)` runs in a thread; signals come back on the GUI thread."""

    progress = Signal(int, int)
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any]):
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self.thread = QThread()
        self.moveToThread(self.thread)
        self.thread.started.connect(self._run)

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def _run(self) -> None:
        try:
            result = self._work(lambda done, total: self.progress.emit(done, total),
                                self._cancel.is_set)
        except BaseException as exc:  # noqa: BLE001 - handed to the GUI thread to show
            self.failed.emit(exc)
        else:
            self.done.emit(result)
        finally:
            self.thread.quit()

    def wait(self) -> None:
        self.thread.wait()
