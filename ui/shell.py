"""The shell: owns the board window's companions (the meeting room, the history) and the
store's lifetime, and tells every open screen what each operation changed.

One console and one history per board. A board switch closes them before the old store
closes (they read it); closing the board window closes them, then the store. After every
operation the screen that did it calls `apply(changes, initiator)`, and `changes_applied`
reaches every other screen, which refreshes only what the Changes name (anki's OpChanges).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal

from app.changes import Changes

if TYPE_CHECKING:  # the meeting room loads when first opened: the start never pays for it
    from PySide6.QtWidgets import QDialog, QWidget

    from app.board.domain import VoiceDraft
    from ui.history.window import HistoryWindow
    from ui.meeting.console import MeetingConsole
    from ui.ports import Store
    from ui.team.conflicts import ConflictsDialog
    from ui.team.sync import TeamSync


class Board(Protocol):
    """What the shell needs of the board window."""

    @property
    def store(self) -> Store: ...
    @property
    def theme(self) -> str: ...
    def show_changes(self, changes: Changes) -> None: ...
    def capture_for_meeting(self, save: Callable[[VoiceDraft], None],
                            parent: QWidget) -> QDialog: ...


class Shell(QObject):
    changes_applied = Signal(object, object)  # Changes, the screen that made them
    team_changed = Signal()  # the team sync's state (for the status bar)

    def __init__(self, board: Board, open_reader: Callable[[Path], object]) -> None:
        super().__init__()
        self.board = board
        self._open_reader = open_reader
        self.console: MeetingConsole | None = None
        self.history: HistoryWindow | None = None
        self.team: TeamSync | None = None
        self.conflicts: ConflictsDialog | None = None
        self.changes_applied.connect(self._tell_everyone)

    def apply(self, changes: Changes, initiator: object) -> None:
        if changes.any:
            self.changes_applied.emit(changes, initiator)

    def _tell_everyone(self, changes: Changes, initiator: object) -> None:
        if initiator is not self.board and changes.board:
            self.board.show_changes(changes)
        console = self.console
        if console is not None and initiator is not console:
            if changes.board or changes.meetings or changes.decisions or changes.impacts:
                # A renamed theme, customer or cohort is renamed on the agenda too.
                console.session.reload_agenda()
            if changes.board:
                console.board_changed()  # who a decision affects may have changed
            if changes.meetings or changes.decisions or changes.impacts:
                console.refresh(changes)
        if self.history is not None and initiator is not self.history:
            self.history.mark_stale()  # read again when next looked at, not on every key
        if self.team is not None and self.team.active:
            self.team_changed.emit()  # n changes waiting (a board not linked has none)

    # -- the companions ------------------------------------------------------------------
    def open_meeting_room(self, meeting_id: str | None = None) -> MeetingConsole:
        """The board's one meeting room: raised if open (on `meeting_id` if given)."""
        from app.meeting.session import MeetingSession
        from ui.meeting.console import MeetingConsole

        if self.console is not None:
            if meeting_id is not None:
                self.console.show_meeting(self.board.store.get_meeting(meeting_id).id)
            self.console.show()
            self.console.raise_()
            self.console.activateWindow()
            return self.console
        store = self.board.store
        path = Path(store.path)
        console = MeetingConsole(
            MeetingSession(store), lambda: self._open_reader(path),  # type: ignore[arg-type, return-value]
            self.apply, self.board.capture_for_meeting, meeting_id, store)
        console.closed.connect(lambda: self._forget(console))
        self.console = console
        console.show()
        return console

    def open_history(self) -> HistoryWindow:
        from ui.history.window import HistoryWindow

        if self.history is not None:
            self.history.mark_stale()
        else:
            self.history = HistoryWindow(self.board.store, self.board.theme)
            self.history.destroyed.connect(lambda: setattr(self, "history", None))
        self.history.show()
        self.history.raise_()
        return self.history

    def _forget(self, console: MeetingConsole) -> None:
        if self.console is console:
            self.console = None

    # -- the team server ----------------------------------------------------------------
    def start_team(self) -> None:
        """The board's background sync with its team server (idle for a board not linked)."""
        from ui.composition import team_state, team_sync
        from ui.team.sync import TeamSync

        self.stop_team()
        store = self.board.store
        team = TeamSync(Path(store.path), team_sync, lambda: team_state(store), parent=self)
        team.changed.connect(self.team_changed)
        team.pulled.connect(lambda changes: self.apply(changes, team))
        self.team = team
        team.start()
        self.team_changed.emit()

    def stop_team(self) -> None:
        team, self.team = self.team, None
        if team is not None:
            team.stop()
            team.deleteLater()
        self.team_changed.emit()

    def open_conflicts(self) -> ConflictsDialog | None:
        """File > Sync conflicts (None: the board is not linked to a team server)."""
        from ui.composition import team_conflicts, team_resolve, team_state
        from ui.team.conflicts import ConflictsDialog

        store = self.board.store
        state = team_state(store)
        if state is None:
            return None
        if self.conflicts is not None:
            self.conflicts.reload()
            self.conflicts.raise_()
            return self.conflicts
        everything = Changes(voices=True, customers=True, cohorts=True, themes=True,
                             meetings=True, decisions=True, impacts=True)
        dialog = ConflictsDialog(
            lambda resolved: team_conflicts(store, resolved),
            lambda conflict_id, keep: team_resolve(store, conflict_id, keep), state.mine,
            lambda: self.apply(everything, dialog), None)
        dialog.finished.connect(lambda _code: setattr(self, "conflicts", None))
        dialog.finished.connect(lambda _code: self.team_changed.emit())
        self.conflicts = dialog
        dialog.show()
        return dialog

    def close_companions(self) -> None:
        """Before the store goes (a board switch, a restore, the window closing)."""
        self.stop_team()
        conflicts, self.conflicts = self.conflicts, None
        if conflicts is not None:
            conflicts.close()
        console, self.console = self.console, None
        if console is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                console.closed.disconnect()
            console.close()
        history, self.history = self.history, None
        if history is not None:
            history.close()

    def retire(self, store: object) -> None:
        """A board switch: the companions close, then the old store."""
        self.close_companions()
        close = getattr(store, "close", None)
        if close is not None:
            close()
