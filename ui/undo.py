"""A thin QUndoCommand around a domain command; the window refreshes what it changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.changes import Changes
from app.commands import Command


class UndoableCommand(QUndoCommand):
    """Pushed only after its first apply succeeded, so the stack never holds a failed edit.

    An undo or redo that cannot happen now (the board busy in another program, a row
    changed in another window) stays on the stack: the step is put back, untouched, and
    the user can try again (Ctrl+Z) once the other program is done."""

    def __init__(self, command: Command, store: Any, on_change: Callable[[Changes], None],
                 on_error: Callable[[Exception], None], stack: QUndoStack | None = None,
                 ) -> None:
        super().__init__(command.text)
        self.command = command
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        self.stack = stack
        self._first = True
        self._skip = False  # the next call puts back a step that failed: do nothing

    def redo(self) -> None:
        if self._first:  # already applied by run_command
            self._first = False
            return
        self._do(self.command.apply, back=-1)

    def undo(self) -> None:
        self._do(self.command.revert, back=+1)

    def _do(self, step: Callable[[Any], Changes], back: int) -> None:
        if self._skip:
            self._skip = False
            return
        try:
            self.on_change(step(self.store))
        except Exception as exc:  # noqa: BLE001 - shown to the user, stack stays usable
            self._put_back(back)
            self.on_error(exc)

    def _put_back(self, back: int) -> None:
        """The stack moved past this command although nothing was written: move it back
        once the stack is done with this call, without running the command again."""
        stack = self.stack
        if stack is None:
            self.setObsolete(True)  # no stack to return to: drop it rather than lie
            return
        self._skip = True

        def restore() -> None:
            stack.setIndex(stack.index() + back)
            self._skip = False

        QTimer.singleShot(0, restore)
