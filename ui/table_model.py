"""The rows-and-headers part every table model here shares; subclasses add data()."""

from __future__ import annotations

from typing import Any, ClassVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from ui.theme import ERROR, styled

AnyIndex = QModelIndex | QPersistentModelIndex


class RowsTableModel(QAbstractTableModel):
    """A flat table over `self._rows`, with column titles from `HEADERS`."""

    HEADERS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[Any] = []

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal
                and 0 <= section < len(self.HEADERS)):
            return self.HEADERS[section]
        return None



def form_rows(form: QFormLayout, fields: list[tuple[str, QWidget]], dialog: Any) -> QLabel:
    """Fill a dialog's form: labelled fields, an error line, Save and Cancel (calling the
    dialog's save() and reject()). Returns the error label."""
    for label, widget in fields:
        form.addRow(label, widget)
    error = styled(QLabel(""), ERROR)
    error.setTextFormat(Qt.TextFormat.PlainText)
    error.setWordWrap(True)
    form.addRow(error)
    from PySide6.QtWidgets import QDialogButtonBox  # dialogs load on first use

    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.save)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    return error
