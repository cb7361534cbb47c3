"""One lane of voice cards: a list model that fetches pages as the view scrolls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from app.board.domain import Voice
from ui.plain import tooltip

VoiceRole = Qt.ItemDataRole.UserRole + 1
PAGE = 100
Fetch = Callable[[int, int], list[Voice]]
AnyIndex = QModelIndex | QPersistentModelIndex


class VoiceLaneModel(QAbstractListModel):
    """Rows are voices already fetched; `fetchMore` asks `fetch(offset, limit)` for more.

    The model never touches the database itself: the window hands it a fetch function
    (a use case over the board) and the first page, computed off the GUI thread.
    """

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._voices: list[Voice] = []
        self._total = 0
        self._fetch: Fetch | None = None

    @property
    def total(self) -> int:
        return self._total

    def reset(self, first_page: list[Voice], total: int, fetch: Fetch | None) -> None:
        self.beginResetModel()
        self._voices = list(first_page)
        self._total = max(total, len(first_page))
        self._fetch = fetch
        self.endResetModel()

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._voices)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._fetch is not None and \
            len(self._voices) < self._total

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if not self.canFetchMore(parent) or self._fetch is None:
            return
        page = self._fetch(len(self._voices), PAGE)
        if not page:
            self._total = len(self._voices)
            return
        first = len(self._voices)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._voices.extend(page)
        self.endInsertRows()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._voices):
            return None
        voice = self._voices[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return voice.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(voice.text)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{voice.kind.value} from {voice.customer_name}: {voice.text}"
        if role == VoiceRole:
            return voice
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def row_of(self, voice_id: str) -> int:
        for row, voice in enumerate(self._voices):
            if voice.id == voice_id:
                return row
        return -1

