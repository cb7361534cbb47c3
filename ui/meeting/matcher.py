"""Matches the meeting's decisions off the GUI thread: the current decision first, then the
agenda's counts, each on the worker's own connection to the board."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.errors import EmptyChairError
from app.meeting.domain import Decision, ImpactRecord
from app.meeting.matching import match_agenda, match_decision
from app.meeting.room import AgendaCount, spec_of
from ui.composition import environment_message


class _Worker(QObject):
    """Lives in a worker thread with its own connection to the board. A request that a
    newer one has made stale is skipped, so a facilitator stepping through the agenda never
    waits on old matches."""

    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, open_reader: Callable[[], Any], work: Callable[[Any, Any], Any]) -> None:
        super().__init__()
        self._open_reader = open_reader
        self._work = work
        self._store: Any = None
        self.latest = 0
        self.lock = threading.Lock()

    @Slot(int, object)
    def run(self, generation: int, request: Any) -> None:
        with self.lock:
            if generation < self.latest:
                return
        try:
            if self._store is None:
                self._store = self._open_reader()
            result = self._work(self._store, request)
        except EmptyChairError as exc:
            self.failed.emit(generation, str(exc))
        except Exception as exc:  # noqa: BLE001 - the console must hear, not hang
            reason = environment_message(exc) if isinstance(exc, sqlite3.Error) else None
            self.failed.emit(generation, f"could not match: {reason or exc}")
        else:
            self.finished.emit(generation, result)

    @Slot()
    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


class _Lane(QObject):
    """One worker thread and the newest request asked of it."""

    done = Signal(object)
    failed = Signal(str)
    _run = Signal(int, object)
    _close = Signal()

    def __init__(self, name: str, open_reader: Callable[[], Any],
                 work: Callable[[Any, Any], Any], parent: QObject) -> None:
        super().__init__(parent)
        self._worker_thread = QThread()
        self._worker_thread.setObjectName(name)
        self._worker = _Worker(open_reader, work)
        self._worker.moveToThread(self._worker_thread)
        self._run.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._finished)
        self._worker.failed.connect(self._failed)
        self.asked = self.answered = 0
        self._worker_thread.start()

    def ask(self, request: Any) -> None:
        self.asked += 1
        with self._worker.lock:
            self._worker.latest = self.asked
        self._run.emit(self.asked, request)

    @Slot(int, object)
    def _finished(self, generation: int, result: Any) -> None:
        if generation == self.asked:
            self.answered = generation
            self.done.emit(result)

    @Slot(int, str)
    def _failed(self, generation: int, message: str) -> None:
        if generation == self.asked:
            self.answered = generation  # answered, badly: nobody waits on it any more
            self.failed.emit(message)

    def stop(self) -> None:
        if self._worker_thread.isRunning():
            self._close.emit()
            self._worker_thread.quit()
            self._worker_thread.wait(10_000)


Request = tuple[Decision, dict[str, ImpactRecord], int]  # what the session asks: see
# MeetingSession.wanted_match; the version comes back with the answer.


def _match(store: Any, request: Request) -> tuple[str, Any, int]:
    decision, records, version = request
    return decision.id, match_decision(store, spec_of(decision), records), version


def _count(store: Any, requests: list[Request]) -> tuple[dict[str, AgendaCount],
                                                         dict[str, int]]:
    results = match_agenda(store, [(spec_of(d), records) for d, records, _ in requests],
                           detail=0)
    return ({d.id: AgendaCount.of(r) for (d, _, _), r in zip(requests, results, strict=True)},
            {d.id: version for d, _, version in requests})


class MatchRunner(QObject):
    """Two worker threads, each with its own connection: one matches the current decision,
    the other counts the agenda, so stepping to a decision never waits behind a count.
    `matched` and `counted` carry only the newest answer of each."""

    matched = Signal(str, object, int)  # decision id, MatchResult, version
    counted = Signal(object, object)  # {decision id: AgendaCount}, {decision id: version}
    failed = Signal(str)

    def __init__(self, open_reader: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._matches = _Lane("empty-chair matching", open_reader, _match, self)
        self._counts = _Lane("empty-chair counting", open_reader, _count, self)
        self._matches.done.connect(lambda answer: self.matched.emit(*answer))
        self._counts.done.connect(lambda answer: self.counted.emit(*answer))
        self._matches.failed.connect(self.failed)
        self._counts.failed.connect(self.failed)

    def match(self, request: Request) -> None:
        self._matches.ask(request)

    def count(self, requests: list[Request]) -> None:
        self._counts.ask(list(requests))

    @property
    def busy(self) -> bool:
        """True while an answer the caller still wants is on its way."""
        return any(lane.asked != lane.answered for lane in (self._matches, self._counts))

    def stop(self) -> None:
        self._matches.stop()
        self._counts.stop()
