"""Runs the lanes' queries off the GUI thread; a newer request makes older results stale."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.domain import Customer, Kind, Voice
from app.errors import EmptyChairError
from app.filters import VoiceFilter

# A tall lane shows about ten cards; the rest arrive as it scrolls (VoiceLaneModel).
FIRST_PAGE = 24


@dataclasses.dataclass(frozen=True)
class LaneResults:
    generation: int
    flt: VoiceFilter
    order: str
    totals: dict[Kind, int]
    pages: dict[Kind, list[Voice]]
    board_total: int
    customers: list[Customer] | None = None  # read too when the request asked for them


class _Worker(QObject):
    finished = Signal(object)
    failed = Signal(int, str)

    def __init__(self, open_reader: Callable[[], Any]) -> None:
        super().__init__()
        self._open_reader = open_reader
        self._store: Any = None
        self.latest = 0
        self.lock = threading.Lock()

    @Slot(int, object, str, bool)
    def run(self, generation: int, flt: VoiceFilter, order: str, with_customers: bool) -> None:
        with self.lock:
            if generation < self.latest:
                return  # a newer keystroke is already queued
        try:
            if self._store is None:
                self._store = self._open_reader()  # its own connection, in this thread
            totals = self._store.count_by_kind(flt)
            pages = {}
            for kind in Kind:
                with self.lock:
                    if generation < self.latest:
                        return
                pages[kind] = self._store.search(dataclasses.replace(flt, kinds=(kind,)),
                                                 limit=FIRST_PAGE, order=order) \
                    if totals[kind] else []
            # With no filter the lanes' counts are the board's; no second count needed.
            board_total = sum(totals.values()) if flt.is_empty \
                else self._store.count(VoiceFilter())
            customers = self._store.customers() if with_customers else None
        except EmptyChairError as exc:
            self.failed.emit(generation, str(exc))
            return
        self.finished.emit(LaneResults(generation, flt, order, totals, pages, board_total,
                                       customers))

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class SearchRunner(QObject):
    """Owns the worker thread. `request()` returns the generation; `results` carries only the
    newest generation's results to the window."""

    results = Signal(object)
    failed = Signal(str)
    _run = Signal(int, object, str, bool)
    _close = Signal()

    def __init__(self, open_reader: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("empty-chair search")
        self._worker = _Worker(open_reader)
        self._worker.moveToThread(self._thread)
        self._run.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._generation = 0
        self._thread.start()

    @property
    def generation(self) -> int:
        return self._generation

    def request(self, flt: VoiceFilter, order: str = "relevance",
                with_customers: bool = False) -> int:
        self._generation += 1
        with self._worker.lock:
            self._worker.latest = self._generation
        self._run.emit(self._generation, flt, order, with_customers)
        return self._generation

    @Slot(object)
    def _on_finished(self, result: LaneResults) -> None:
        if result.generation == self._generation:  # stale results never overwrite newer ones
            self.results.emit(result)

    @Slot(int, str)
    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self.failed.emit(message)

    def stop(self) -> None:
        if self._thread.isRunning():
            self._close.emit()
            self._thread.quit()
            self._thread.wait(10_000)
