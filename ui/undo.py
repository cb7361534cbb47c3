"""A thin QUndoCommand around a domain command; the window refreshes what it changed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtGui import QUndoCommand, QUndoStack

from app.changes import Changes


class Undoable(Protocol):
    """A domain command: a board edit (app.board.commands, applied to the store) or a
    meeting-room step (app.meeting.commands, applied to the session)."""

    text: str

    def apply(self, target: Any, /) -> Changes: ...
    def revert(self, target: Any, /) -> Changes: ...


class UndoableCommand(QUndoCommand):
    """Pushed only after its first apply succeeded, so the stack never holds a failed edit.

    Ctrl+Z and Ctrl+Shift+Z go through `step`, which writes first and moves the stack only
    when the write succeeded: an undo that cannot happen now (the board busy in another
    program, a row changed in another window) stays on the stack, untouched, to try again."""

    def __init__(self, command: Undoable, store: Any, on_change: Callable[[Changes], None],
                 on_error: Callable[[Exception], None], stack: QUndoStack | None = None,
                 ) -> None:
        super().__init__(command.text)
        self.command = command
        self.store = store
        self.on_change = on_change
        self.on_error = on_error
        self._written = True  # already applied by run_command: the push only records it

    def redo(self) -> None:
        self._do(self.command.apply)

    def undo(self) -> None:
        self._do(self.command.revert)

    def _do(self, write: Callable[[Any], Changes]) -> None:
        if self._written:  # `step` (or the first push) has written it: the stack only moves
            self._written = False
            return
        try:
            self.on_change(write(self.store))
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.on_error(exc)


def step(stack: QUndoStack, undo: bool) -> None:
    """Undo (or redo) one step: write it first, then move the stack, so a step that could
    not be written stays where it was (pressing again retries it, never skips or doubles)."""
    target = stack.index() - 1 if undo else stack.index()
    if not 0 <= target < stack.count():
        return
    command = stack.command(target)
    if not isinstance(command, UndoableCommand):  # a plain command moves as usual
        if undo:
            stack.undo()
        else:
            stack.redo()
        return
    try:
        changes = (command.command.revert if undo else command.command.apply)(command.store)
    except Exception as exc:  # noqa: BLE001 - shown to the user; the stack has not moved
        command.on_error(exc)
        return
    command._written = True
    stack.setIndex(target if undo else target + 1)
    command.on_change(changes)
