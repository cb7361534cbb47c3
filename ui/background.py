"""Run long work (import, export) off the GUI thread, with progress and cancel."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot


class CancelToken:
    """A cancel for work that ends in one commit: honoured (nothing is written) or refused
    (the commit has begun), never both. The work calls the token to ask whether to stop, and
    may_commit() once, right before it commits; cancel() says which of the two happened.

    An Event alone raced: a cancel that arrived during an import's last step was answered
    "nothing will be kept", then the import committed.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._committing = False
        self.on_commit: Callable[[], None] = lambda: None  # called in the worker thread

    def __call__(self) -> bool:
        return self._cancelled

    def cancel(self) -> bool:
        """True: the work will stop and write nothing. False: its commit has begun."""
        with self._lock:
            if not self._committing:
                self._cancelled = True
            return self._cancelled

    def may_commit(self) -> bool:
        """True, and no cancel is honoured from now on; False when a cancel came first."""
        with self._lock:
            if self._cancelled:
                return False
            self._committing = True
        self.on_commit()
        return True

    @property
    def committing(self) -> bool:
        return self._committing


Work = Callable[[Callable[[int, int], None], CancelToken], Any]


class _Runner(QObject):
    """Lives in the worker thread and does the work."""

    progress = Signal(int, int)
    committing = Signal()
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work, token: CancelToken) -> None:
        super().__init__()
        self._work = work
        self._token = token
        token.on_commit = self.committing.emit

    @Slot()
    def run(self) -> None:
        try:
            result = self._work(lambda done, total: self.progress.emit(done, total),
                                self._token)
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
    committing = Signal()  # the work's may_commit() said yes: a cancel is refused from now
    done = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.token = CancelToken()
        self.worker_thread = QThread()
        self._runner = _Runner(work, self.token)
        self._runner.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self._runner.run)
        # Signal to signal across threads: queued, re-emitted here in the GUI thread.
        self._runner.progress.connect(self.progress)
        self._runner.committing.connect(self.committing)
        self._runner.done.connect(self.done)
        self._runner.failed.connect(self.failed)
        self._runner.done.connect(self.worker_thread.quit)
        self._runner.failed.connect(self.worker_thread.quit)
        self.worker_thread.finished.connect(self._ended)

    def start(self) -> None:
        Job._running.add(self)
        self.worker_thread.start()

    @Slot()
    def _ended(self) -> None:
        # 'finished' is sent just before the thread's last instructions: look again shortly
        # rather than wait() here, which would hold Python's lock the thread may still need.
        if self.worker_thread.isRunning():
            QTimer.singleShot(5, self._ended)
        else:
            Job._running.discard(self)

    def cancel(self) -> bool:
        """True when the work will stop with nothing written; False when it is committing
        (or has committed): then it finishes, and its 'done' says what it wrote."""
        return self.token.cancel()

    def wait(self) -> None:
        self.worker_thread.wait()
