"""The agenda: decisions in order, with outcome and how many customers each affects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.meeting.domain import Decision, Outcome
from app.meeting.room import AgendaCount
from ui.plain import tooltip

DecisionRole = Qt.ItemDataRole.UserRole + 1
MIME = "application/x-empty-chair-agenda-row"
AnyIndex = QModelIndex | QPersistentModelIndex
MARKS = {Outcome.PENDING: "○", Outcome.APPROVED: "✔", Outcome.REJECTED: "✘",
         Outcome.DEFERRED: "↷"}


class AgendaModel(QAbstractListModel):
    """Rows are decisions; dragging a row emits `reordered` with the new id order."""

    reordered = Signal(list)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._decisions: list[Decision] = []
        self._counts: dict[str, AgendaCount] = {}

    def set_agenda(self, decisions: list[Decision], counts: dict[str, AgendaCount]) -> None:
        self.beginResetModel()
        self._decisions = list(decisions)
        self._counts = dict(counts)
        self.endResetModel()

    def set_counts(self, counts: dict[str, AgendaCount]) -> None:
        """New counts from the background match: only the text of the rows changes."""
        self._counts = dict(counts)
        if self._decisions:
            self.dataChanged.emit(self.index(0), self.index(len(self._decisions) - 1),
                                  [Qt.ItemDataRole.DisplayRole])

    def decision(self, row: int) -> Decision | None:
        return self._decisions[row] if 0 <= row < len(self._decisions) else None

    def ids(self) -> list[str]:
        return [d.id for d in self._decisions]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._decisions)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._decisions):
            return None
        d = self._decisions[index.row()]
        count = self._counts.get(d.id)
        if role == Qt.ItemDataRole.DisplayRole:
            who = count.label() if count is not None else "counting customers…"
            return f"{index.row() + 1}. {MARKS[d.outcome]} {d.title}\n    {d.outcome.value} · {who}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"{d.title}\n{d.description}".strip())
        if role == DecisionRole:
            return d
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsDropEnabled
        if not index.isValid():
            return base
        return base | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [MIME]

    def mimeData(self, indexes: Any) -> QMimeData:  # noqa: N802
        data = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data.setData(MIME, QByteArray(",".join(map(str, rows)).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int,  # noqa: N802
                     column: int, parent: AnyIndex) -> bool:
        if action != Qt.DropAction.MoveAction or not data.hasFormat(MIME):
            return False
        rows = [int(r) for r in bytes(data.data(MIME).data()).decode().split(",") if r]
        if not rows:
            return False
        target = row if row >= 0 else (parent.row() if parent.isValid() else len(self._decisions))
        self.move(rows[0], target if target <= rows[0] else target - 1)
        return False  # we moved the row ourselves; the view must not remove anything

    def move(self, source: int, destination: int) -> bool:
        """Move one decision; emits `reordered` with the new order of ids."""
        count = len(self._decisions)
        if not (0 <= source < count and 0 <= destination < count) or source == destination:
            return False
        order = list(self._decisions)
        order.insert(destination, order.pop(source))
        self.beginResetModel()
        self._decisions = order
        self.endResetModel()
        self.reordered.emit(self.ids())
        return True
