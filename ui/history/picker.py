"""A type-ahead picker over thousands of customers and cohorts: the typed words filter the
list (anywhere in the name, any case), Down/Enter or a click picks."""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QRegularExpression,
    QSortFilterProxyModel,
    QStringListModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

ChoiceRole = Qt.ItemDataRole.UserRole + 1


class _Choices(QStringListModel):
    """The labels, with what each stands for ((kind, name)) under ChoiceRole."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.choices: list[tuple[str, str]] = []

    def set_choices(self, choices: list[tuple[str, str, str]]) -> None:
        self.choices = [(kind, name) for _, kind, name in choices]
        self.setStringList([label for label, _, _ in choices])

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole,  # type: ignore[override]
             ) -> object:
        if role == ChoiceRole and index.isValid():
            return self.choices[index.row()]
        return super().data(index, role)


class SearchPicker(QWidget):
    """`chosen(kind, name)` when one is picked."""

    chosen = Signal(str, str)

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit(placeholderText=placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(placeholder)
        layout.addWidget(self.search)
        self.model = _Choices(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.list = QListView()
        self.list.setModel(self.proxy)
        self.list.setUniformItemSizes(True)  # thousands of rows: measure one
        self.list.setAccessibleName("Matches")
        self.list.setMaximumHeight(180)
        layout.addWidget(self.list)
        self.count = QLabel("")
        layout.addWidget(self.count)
        layout.addStretch(1)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self.pick_current)
        self.search.installEventFilter(self)
        self.list.activated.connect(self._picked)
        self.list.clicked.connect(self._picked)

    def set_choices(self, choices: list[tuple[str, str, str]]) -> None:
        """(label, kind, name) for each: "Acme Retail — customer, Retail" ..."""
        self.model.set_choices(choices)
        self.filter(self.search.text())

    def filter(self, text: str) -> None:
        words = [QRegularExpression.escape(w) for w in text.split()]
        # Every typed word, anywhere, in any order: "camera town" finds "Cameratown".
        pattern = "".join(f"(?=.*{w})" for w in words)
        self.proxy.setFilterRegularExpression(QRegularExpression(
            pattern, QRegularExpression.PatternOption.CaseInsensitiveOption))
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count.setText(f"{shown:,} of {total:,}" if text else f"{total:,} to choose from")
        if shown:
            self.list.setCurrentIndex(self.proxy.index(0, 0))

    def pick_current(self) -> None:
        index = self.list.currentIndex()
        if index.isValid():
            self._picked(index)

    def _picked(self, index: QModelIndex) -> None:
        choice = index.data(ChoiceRole)
        if choice:
            kind, name = choice
            self.chosen.emit(kind, name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.search and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Down,
                                                                 Qt.Key.Key_Up):
            row = self.list.currentIndex().row() + (1 if event.key() == Qt.Key.Key_Down else -1)
            if 0 <= row < self.proxy.rowCount():
                self.list.setCurrentIndex(self.proxy.index(row, 0))
            return True
        return super().eventFilter(watched, event)
