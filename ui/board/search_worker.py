"""Reads the board off the GUI thread: the lanes and the customer list, again and again (a
newer request makes older ones stale), and hands a board's first read to the GUI thread."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from app.board.domain import Kind
from app.board.filters import VoiceFilter
from app.errors import EmptyChairError
from ui.board.board_read import FIRST_PAGE, BoardRead, LaneResults, read_lanes

__all__ = ["FIRST_PAGE", "BoardRead", "FirstRead", "LaneResults", "SearchRunner", "read_lanes"]


class _Worker(QObject):
    """Lives in the worker thread with its own connection to the board. Two kinds of read:
    "lanes" (the cards under a filter) and "customers" (the list with voice counts); each
    kind skips a request a newer one of its kind has made stale."""

    finished = Signal(str, int, object)
    failed = Signal(str, int, str)

    def __init__(self, open_reader: Callable[[], Any]) -> None:
        super().__init__()
        self._open_reader = open_reader
        self._store: Any = None
        self.latest = {"lanes": 0, "customers": 0}
        self.lock = threading.Lock()

    def _stale(self, kind: str, generation: int) -> bool:
        with self.lock:
            return generation < self.latest[kind]  # a newer request is already queued

    @Slot(int, object, object)
    def run(self, generation: int, flt: VoiceFilter, orders: dict[Kind, str] | None) -> None:
        self._read("lanes", generation, lambda store: read_lanes(
            store, generation, flt, orders, lambda: self._stale("lanes", generation)))

    @Slot(int)
    def read_customers(self, generation: int) -> None:
        self._read("customers", generation, lambda store: store.customers())

    def _read(self, kind: str, generation: int, read: Callable[[Any], Any]) -> None:
        if self._stale(kind, generation):
            return
        try:
            if self._store is None:
                self._store = self._open_reader()  # its own connection, in this thread
            result = read(self._store)
        except EmptyChairError as exc:
            self.failed.emit(kind, generation, str(exc))
            return
        if result is not None:
            self.finished.emit(kind, generation, result)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class SearchRunner(QObject):
    """Owns the worker thread. `request()` (lanes) and `request_customers()` return the
    generation of their kind; `results` and `customers` carry only the newest generation's
    reads to the window."""

    results = Signal(object)
    customers = Signal(object)
    failed = Signal(str)
    _run = Signal(int, object, object)
    _read_customers = Signal(int)
    _close = Signal()

    def __init__(self, open_reader: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("empty-chair search")
        self._worker = _Worker(open_reader)
        self._worker.moveToThread(self._thread)
        self._run.connect(self._worker.run)
        self._read_customers.connect(self._worker.read_customers)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._generations = {"lanes": 0, "customers": 0}
        self._thread.start()

    @property
    def generation(self) -> int:
        return self._generations["lanes"]

    def _next(self, kind: str) -> int:
        self._generations[kind] += 1
        with self._worker.lock:
            self._worker.latest[kind] = self._generations[kind]
        return self._generations[kind]

    def request(self, flt: VoiceFilter, orders: dict[Kind, str] | None = None) -> int:
        """The lanes under `flt`, each in its sort in `orders` (best match where absent)."""
        generation = self._next("lanes")
        self._run.emit(generation, flt, orders)
        return generation

    def request_customers(self) -> int:
        """The customer list read again (after an edit changed names or voice counts)."""
        generation = self._next("customers")
        self._read_customers.emit(generation)
        return generation

    @Slot(str, int, object)
    def _on_finished(self, kind: str, generation: int, result: Any) -> None:
        if generation == self._generations[kind]:  # stale reads never overwrite newer ones
            (self.results if kind == "lanes" else self.customers).emit(result)

    @Slot(str, int, str)
    def _on_failed(self, kind: str, generation: int, message: str) -> None:
        if generation == self._generations[kind]:
            self.failed.emit(message)

    def stop(self) -> None:
        if self._thread.isRunning():
            self._close.emit()
            self._thread.quit()
            self._thread.wait(10_000)


class FirstRead(QObject):
    """Hands a BoardRead's results to the GUI thread, which may still be building the
    window: results wait here until deliver() names who takes them. The lanes come as
    generation 0, which a search requested since has overtaken."""

    _arrived = Signal(str, object)

    def __init__(self, read: BoardRead) -> None:
        super().__init__()
        self._receivers: dict[str, Callable[[Any], None]] = {}
        self._waiting: list[tuple[str, Any]] = []
        # Always through the event loop, also for reads done before this was made: a window
        # hears of them once it is running, never in the middle of being built.
        self._arrived.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        read.listen(self._emit)

    def _emit(self, what: str, value: Any) -> None:
        # RuntimeError: the window closed before the board was read; nobody is waiting.
        with contextlib.suppress(RuntimeError):
            self._arrived.emit(what, value)

    def deliver(self, lanes: Callable[[Any], None], customers: Callable[[Any], None],
                failed: Callable[[Any], None]) -> None:
        self._receivers = {"lanes": lanes, "customers": customers, "failed": failed}
        waiting, self._waiting = self._waiting, []
        for what, value in waiting:
            self._receivers[what](value)

    @Slot(str, object)
    def _dispatch(self, what: str, value: Any) -> None:
        if what in self._receivers:
            self._receivers[what](value)
        else:
            self._waiting.append((what, value))
