"""Matches the meeting's decisions off the GUI thread: the current decision first, then the
agenda's counts, each on the worker's own connection to the board."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.errors import EmptyChairError
from app.meeting_room import affected, agenda_counts
from app.meetings import Decision


class _Worker(QObject):
    """Lives in the worker thread. A request that a newer one of its kind has made stale
    is skipped, so a facilitator stepping through the agenda never waits on old matches."""

    matched = Signal(int, str, object)
    counted = Signal(int, object)
    failed = Signal(str)

    def __init__(self, open_reader: Callable[[], Any]) -> None:
        super().__init__()
        self._open_reader = open_reader
        self._store: Any = None
        self.latest = {"match": 0, "count": 0}
        self.lock = threading.Lock()

    def _fresh(self, kind: str, generation: int) -> bool:
        with self.lock:
            return generation >= self.latest[kind]

    def _reader(self) -> Any:
        if self._store is None:
            self._store = self._open_reader()
        return self._store

    @Slot(int, object)
    def match(self, generation: int, decision: Decision) -> None:
        if not self._fresh("match", generation):
            return
        try:
            result = affected(self._reader(), decision)
        except EmptyChairError as exc:
            self.failed.emit(str(exc))
            return
        self.matched.emit(generation, decision.id, result)

    @Slot(int, object)
    def count(self, generation: int, decisions: list[Decision]) -> None:
        if not self._fresh("count", generation):
            return
        try:
            counts = agenda_counts(self._reader(), decisions)
        except EmptyChairError as exc:
            self.failed.emit(str(exc))
            return
        self.counted.emit(generation, counts)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class MatchRunner(QObject):
    """Owns the worker thread. `match()` asks who one decision affects, `count()` how many
    each decision of a list affects; `matched` and `counted` carry only the newest answer.
    Requests run in the order made: ask for the current decision before the agenda."""

    matched = Signal(str, object)  # decision id, MatchResult
    counted = Signal(object)  # {decision id: AgendaCount}
    failed = Signal(str)
    _match = Signal(int, object)
    _count = Signal(int, object)
    _close = Signal()

    def __init__(self, open_reader: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._worker_thread = QThread()
        self._worker_thread.setObjectName("empty-chair matching")
        self._worker = _Worker(open_reader)
        self._worker.moveToThread(self._worker_thread)
        self._match.connect(self._worker.match)
        self._count.connect(self._worker.count)
        self._close.connect(self._worker.close)
        self._worker.matched.connect(self._on_matched)
        self._worker.counted.connect(self._on_counted)
        self._worker.failed.connect(self.failed)
        self._asked = {"match": 0, "count": 0}
        self._answered = {"match": 0, "count": 0}
        self._worker_thread.start()

    def _next(self, kind: str) -> int:
        self._asked[kind] += 1
        with self._worker.lock:
            self._worker.latest[kind] = self._asked[kind]
        return self._asked[kind]

    def match(self, decision: Decision) -> None:
        self._match.emit(self._next("match"), decision)

    def count(self, decisions: list[Decision]) -> None:
        self._count.emit(self._next("count"), list(decisions))

    @property
    def busy(self) -> bool:
        """True while an answer the caller still wants is on its way."""
        return self._answered != self._asked

    @Slot(int, str, object)
    def _on_matched(self, generation: int, decision_id: str, result: Any) -> None:
        if generation == self._asked["match"]:
            self._answered["match"] = generation
            self.matched.emit(decision_id, result)

    @Slot(int, object)
    def _on_counted(self, generation: int, counts: Any) -> None:
        if generation == self._asked["count"]:
            self._answered["count"] = generation
            self.counted.emit(counts)

    def stop(self) -> None:
        if self._worker_thread.isRunning():
            self._close.emit()
            self._worker_thread.quit()
            self._worker_thread.wait(10_000)
