"""Small field behaviours the dialogs share: dates Tab leaves, Enter that saves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateEdit, QPlainTextEdit, QWidget


class DateField(QDateEdit):
    """A yyyy-MM-dd date with a calendar. Tab leaves it for the next field (QDateEdit's
    own Tab walks day, month and year, so text typed "after" the date landed in it)."""

    def __init__(self, day: dt.date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.set_day(day or dt.date.today())

    def set_day(self, day: dt.date) -> None:
        self.setDate(QDate(day.year, day.month, day.day))

    def day(self) -> dt.date:
        value = self.date()
        return dt.date(value.year(), value.month(), value.day())

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: N802, A002 - Qt's names
        return QWidget.focusNextPrevChild(self, next)


class _EnterSaves(QObject):
    def __init__(self, edit: QPlainTextEdit, save: Callable[[], object]) -> None:
        super().__init__(edit)
        self._save = save

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._save()
            return True
        return False


def enter_saves(edit: QPlainTextEdit, save: Callable[[], object]) -> None:
    """Enter in a multi-line field saves the dialog, as in every other field; Shift+Enter
    is a new line. Tab moves on."""
    edit.setTabChangesFocus(True)
    edit.installEventFilter(_EnterSaves(edit, save))


_WINDOW_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Return, Qt.Key.Key_Enter}


class _WindowShortcuts(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        # Left unaccepted, the ShortcutOverride lets the window's Ctrl+Right (next
        # decision) and Ctrl+Enter (record outcome) fire instead of moving a word.
        return (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                and event.key() in _WINDOW_KEYS)


def window_shortcuts_win(*widgets: QWidget) -> None:
    """Ctrl+Left/Right/Enter in these text fields go to the window's actions."""
    for widget in widgets:
        widget.installEventFilter(_WindowShortcuts(widget))
