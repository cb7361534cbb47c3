"""A thin QUndoCommand around a domain command; the window refreshes what it changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

from app.changes import Changes
from app.commands import Command


class UndoableCommand(QUndoCommand):
    """Pushed only after its first apply succeeded, so the stack never holds a failed edit."""

    def __init__(self, command: Command, store: Any, on_change: Callable[[Changes], None],
                 on_error: Callable[[Exception], None]) -> None:
        super().__init__(command.text)
        self.command = command
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        self._first = True

    def redo(self) -> None:
        if self._first:  # already applied by run_command
            self._first = False
            return
        self._do(self.command.apply)

    def undo(self) -> None:
        self._do(self.command.revert)

    def _do(self, step: Callable[[Any], Changes]) -> None:
        try:
            self.on_change(step(self.store))
        except Exception as exc:  # noqa: BLE001 - shown to the user, stack stays usable
            self.setObsolete(True)
            self.on_error(exc)
