"""The window's team sync: in the background on a timer and on demand (File > Sync now),
never on the GUI thread, with its state always in the status bar (synced / syncing /
offline / n changes waiting / conflicts).

A sync runs on a connection of its own in a worker thread (`Job`); the GUI thread only
reads the board's own sync state (two counts, no network). What a pull brought is told to
every open screen through the shell, like any other change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.errors import EmptyChairError
from app.team import SyncMood, SyncReport, TeamState
from ui.background import Job

SYNC_EVERY_MS = 60_000
FIRST_SYNC_MS = 2_000  # after the window is up: the start never waits for a server


class TeamSync(QObject):
    """One board's background sync. `run(path)` does one cycle (in a worker thread);
    `state()` reads where the board stands (GUI thread, no network)."""

    changed = Signal()  # the status text changed
    pulled = Signal(object)  # Changes: what a sync brought in

    def __init__(self, path: Path,
                 run: Callable[[Path, Callable[[Callable[[], None]], None]], SyncReport],
                 state: Callable[[], TeamState | None], every_ms: int = SYNC_EVERY_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._run = run
        self._state = state
        self.mood = SyncMood.SYNCED
        self.last_report: SyncReport | None = None
        self.last_error = ""
        self._job: Job | None = None
        self._cancel: Callable[[], None] | None = None  # stops the running cycle's wait
        self._again = False  # asked for while one was running: one more after it
        self._stopped = False
        self.active = False  # linked when the window opened it: only then has it a state
        self.timer = QTimer(self)
        self.timer.setInterval(every_ms)
        self.timer.timeout.connect(self.sync_now)

    @property
    def linked(self) -> bool:
        return self._state() is not None

    @property
    def running(self) -> bool:
        return self._job is not None

    def start(self, first_ms: int = FIRST_SYNC_MS) -> None:
        """Sync soon, then on the timer; nothing for a board not linked to a server."""
        if not self.linked:
            return
        self.active = True
        self.timer.start()
        QTimer.singleShot(first_ms, self, self.sync_now)
        self.changed.emit()

    def sync_now(self) -> bool:
        """Start a cycle now (False: the board is not linked, or this sync was stopped)."""
        if self._stopped or not self.linked:
            return False
        if self._job is not None:
            self._again = True
            return True
        path, run = self.path, self._run
        job = Job(lambda _progress, _token: run(path, self._can_cancel))
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        self._job = job
        self.mood = SyncMood.SYNCING
        self.changed.emit()
        job.start()
        return True

    def _can_cancel(self, cancel: Callable[[], None]) -> None:
        self._cancel = cancel  # from the worker thread; read by stop() in the GUI thread

    def _ended(self) -> None:
        self._job = None
        self._cancel = None
        if self._again and not self._stopped:
            self._again = False
            self.sync_now()

    def _done(self, report: object) -> None:
        if self._stopped:
            return
        assert isinstance(report, SyncReport)
        self.last_report, self.last_error = report, ""
        self.mood = SyncMood.SYNCED
        self._ended()
        self.changed.emit()
        if report.changes.any:
            self.pulled.emit(report.changes)

    def _failed(self, exc: object) -> None:
        if self._stopped:
            return
        if isinstance(exc, EmptyChairError):
            text = str(exc).strip().splitlines()[0] if str(exc).strip() else "sync failed"
        else:  # a bug: said in one line here too; the board is untouched (one transaction)
            text = f"sync failed: {type(exc).__name__}: {exc}".splitlines()[0]
        self.last_error = text
        self.mood = SyncMood.OFFLINE
        self._ended()
        self.changed.emit()

    def stop(self, wait_ms: int = 5_000) -> None:
        """The board is closing or switching: no more syncs. A cycle waiting on the server
        is cancelled (the server rolls its transaction back; the board is untouched); one
        writing the board (no network in that) is let finish, for up to `wait_ms`."""
        self._stopped = True
        self.timer.stop()
        job, self._job = self._job, None
        cancel, self._cancel = self._cancel, None
        if job is not None:
            if cancel is not None:
                cancel()
            # The thread's loop ends as the work returns (its own "quit" would be queued
            # here, to a thread that is waiting).
            job.worker_thread.quit()
            job.worker_thread.wait(wait_ms)

    # -- what the status bar says ---------------------------------------------------------
    def status(self) -> tuple[str, str]:
        """(short text, tooltip) for the status bar."""
        state = self._state()
        if state is None:
            return "", ""
        waiting = (f"{state.waiting:,} change{'s' if state.waiting != 1 else ''} waiting"
                   if state.waiting else "")
        conflicts = (f"{state.conflicts:,} conflict{'s' if state.conflicts != 1 else ''}"
                     if state.conflicts else "")
        tip = f"Team server: {state.server}"
        if self.mood is SyncMood.SYNCING:
            text = "Team: syncing…"
        elif self.mood is SyncMood.OFFLINE:
            # Unreachable is offline; anything else (busy, refused) says the sync failed.
            gone = "server unreachable" in self.last_error
            text = ("Team: offline" if gone else "Team: sync failed") + (
                f" — {waiting}" if waiting else "")
            tip += f"\nLast try: {self.last_error}\nThe board keeps working; the next sync " \
                   "sends what waits."
        elif waiting:
            text = f"Team: {waiting}"
        else:
            text = "Team: synced" + (f" {_clock(state.synced_at)}" if state.synced_at else "")
        if conflicts:
            text += f" · {conflicts}"
            tip += "\nFile > Sync conflicts… shows each replaced version: keep mine or theirs."
        if self.last_report is not None:
            tip += f"\nLast sync: {self.last_report.line()}"
        return text, tip + "\nClick (or F9) to sync now."

    def mood_now(self) -> SyncMood:
        state = self._state()
        if self.mood in (SyncMood.SYNCING, SyncMood.OFFLINE) or state is None:
            return self.mood
        if state.conflicts:
            return SyncMood.CONFLICTS
        return SyncMood.WAITING if state.waiting else SyncMood.SYNCED


def _clock(stamp: str) -> str:
    """An ISO UTC stamp as local wall-clock time (today: 14:05; otherwise 3 Mar 14:05)."""
    try:
        when = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return ""
    if when.date() == dt.datetime.now().astimezone().date():
        return when.strftime("%H:%M")
    return f"{when.day} {when.strftime('%b %H:%M')}"

