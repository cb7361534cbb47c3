"""The meeting room's dialogs: a decision, a meeting, carrying deferred decisions over, and
the reason a closed meeting is reopened. Each calls `on_save` and shows its refusal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from app.errors import EmptyChairError
from app.history.follow import LoopRow
from app.meeting.domain import ActionItem, Decision, Meeting
from ui.fields import DateField, enter_saves
from ui.table_model import form_rows


def names_in(edit: QLineEdit) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.strip() for n in edit.text().split(",") if n.strip()))


class _Saving(QDialog):
    def __init__(self, parent: QWidget, title: str) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = QFormLayout(self)
        self.error: QLabel  # set by form_rows in each dialog

    def _saved(self, write: Callable[[], object]) -> None:
        try:
            write()
        except EmptyChairError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    def save(self) -> None:
        raise NotImplementedError


class DecisionDialog(_Saving):
    """Add a decision, or change one in place: title, description, themes, named customers
    and cohorts. Enter saves from any field (Shift+Enter: a new line in the description)."""

    Save = Callable[[str, str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], object]

    def __init__(self, parent: QWidget, on_save: Save, decision: Decision | None = None,
                 ) -> None:
        super().__init__(parent, "Edit decision" if decision else "Add a decision")
        self.on_save = on_save
        self.title = QLineEdit(placeholderText="Drop the free tier")
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Description")
        self.description.setMaximumHeight(120)
        enter_saves(self.description, self.save)
        self.themes = QLineEdit(placeholderText="Pricing, Billing")
        self.customers = QLineEdit(placeholderText="Names of customers, comma separated")
        self.cohorts = QLineEdit(placeholderText="Cohorts, comma separated")
        for edit in (self.title, self.themes, self.customers, self.cohorts):
            edit.returnPressed.connect(self.save)
        if decision is not None:
            self.title.setText(decision.title)
            self.description.setPlainText(decision.description)
            self.themes.setText(", ".join(decision.themes))
            self.customers.setText(", ".join(decision.named_customers))
            self.cohorts.setText(", ".join(decision.named_cohorts))
        self.error = form_rows(self.form, [
            ("Title", self.title), ("Description", self.description), ("Themes", self.themes),
            ("Customers", self.customers), ("Cohorts", self.cohorts)], self)

    def save(self) -> None:
        self._saved(lambda: self.on_save(
            self.title.text(), self.description.toPlainText().strip(), names_in(self.themes),
            names_in(self.customers), names_in(self.cohorts)))


class MeetingDialog(_Saving):
    """A new meeting, or a meeting's details changed in place. Tab goes from the date to
    the facilitator (never into the date's day, month and year)."""

    Save = Callable[[str, dt.date, str, str], object]

    def __init__(self, parent: QWidget, on_save: Save, meeting: Meeting | None = None) -> None:
        super().__init__(parent, "Edit meeting" if meeting else "New meeting")
        self.on_save = on_save
        self.title = QLineEdit(placeholderText="Product council")
        self.date = DateField(meeting.held_on if meeting else None)
        self.facilitator = QLineEdit()
        self.attendees = QLineEdit()
        for edit in (self.title, self.facilitator, self.attendees):
            edit.returnPressed.connect(self.save)
        if meeting is not None:
            self.title.setText(meeting.title)
            self.facilitator.setText(meeting.facilitator)
            self.attendees.setText(meeting.attendees)
        self.error = form_rows(self.form, [
            ("Title", self.title), ("Date", self.date), ("Facilitator", self.facilitator),
            ("Attendees", self.attendees)], self)

    def save(self) -> None:
        self._saved(lambda: self.on_save(self.title.text(), self.date.day(),
                                         self.facilitator.text(), self.attendees.text()))


class CarryOverDialog(_Saving):
    """Which deferred decisions of earlier meetings come onto this agenda (all ticked)."""

    def __init__(self, parent: QWidget, deferred: list[tuple[Decision, str]],
                 on_save: Callable[[list[str]], object]) -> None:
        super().__init__(parent, "Carry over deferred decisions")
        self.on_save = on_save
        self.choices = QListWidget()
        self.choices.setAccessibleName("Deferred decisions")
        for decision, meeting in deferred:
            item = QListWidgetItem(f"{decision.title}  ({meeting})")
            item.setData(Qt.ItemDataRole.UserRole, decision.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.choices.addItem(item)
        self.error = form_rows(self.form, [("Deferred", self.choices)], self)

    def chosen(self) -> list[str]:
        return [str(self.choices.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.choices.count())
                if self.choices.item(i).checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        self._saved(lambda: self.on_save(self.chosen()))


class ReopenDialog(_Saving):
    """Why a closed meeting is reopened: the reason is logged with it."""

    def __init__(self, parent: QWidget, title: str, on_save: Callable[[str], object]) -> None:
        super().__init__(parent, "Reopen meeting")
        self.on_save = on_save
        self.reason = QLineEdit(placeholderText="A decision was recorded against the wrong "
                                                "customer")
        self.reason.returnPressed.connect(self.save)
        note = QLabel(f"“{title}” is closed. Reopening logs your reason with a copy of "
                      "what was frozen; closing it again freezes the record anew.")
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        self.form.addRow(note)
        self.error = form_rows(self.form, [("Why reopen", self.reason)], self)

    def save(self) -> None:
        self._saved(lambda: self.on_save(self.reason.text()))


class ActionDialog(_Saving):
    """An action item: what, who, by when (no date: no due date). Enter saves."""

    Save = Callable[[str, str, "dt.date | None"], object]

    def __init__(self, parent: QWidget, on_save: Save, item: ActionItem | None = None,
                 ) -> None:
        from PySide6.QtWidgets import QCheckBox

        super().__init__(parent, "Edit action item" if item else "Add an action item")
        self.on_save = on_save
        self.what = QLineEdit(placeholderText="Ship the per-department invoice")
        self.owner = QLineEdit(placeholderText="Who does it")
        self.has_due = QCheckBox("Due by")
        self.due = DateField(item.due_on if item and item.due_on else
                             dt.date.today() + dt.timedelta(days=14))
        self.has_due.setChecked(item is None or item.due_on is not None)
        self.has_due.toggled.connect(self.due.setEnabled)
        self.due.setEnabled(self.has_due.isChecked())
        for edit in (self.what, self.owner):
            edit.returnPressed.connect(self.save)
        if item is not None:
            self.what.setText(item.what)
            self.owner.setText(item.owner)
        self.error = form_rows(self.form, [("What", self.what), ("Owner", self.owner),
                                           ("", self.has_due), ("Due", self.due)], self)

    def save(self) -> None:
        self._saved(lambda: self.on_save(self.what.text(), self.owner.text(),
                                         self.due.day() if self.has_due.isChecked() else None))


class LoopDialog(QDialog):
    """Who to tell how a decision ended: its confirmed customers with owner and the voice
    that ties them to it; tick those told (one undoable step per change); export a CSV for
    a mail merge or a CRM."""

    def __init__(self, parent: QWidget, decision: Decision, rows: list[LoopRow],
                 on_told: Callable[[list[str], bool], list[LoopRow]],
                 on_export: Callable[[], object]) -> None:
        from PySide6.QtWidgets import QDialogButtonBox, QPushButton, QVBoxLayout

        super().__init__(parent)
        self.setWindowTitle(f"Who to tell — {decision.title}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 600)
        layout = QVBoxLayout(self)
        head = QLabel(f"“{decision.title}”: {decision.outcome.value}, "
                      f"{decision.delivery.label}. Tick the customers who have been told.")
        head.setTextFormat(Qt.TextFormat.PlainText)
        head.setWordWrap(True)
        layout.addWidget(head)
        self.rows = QListWidget()
        self.rows.setAccessibleName("Customers to tell")
        self.rows.setWordWrap(True)
        self._on_told = on_told
        self.fill(rows)
        self.rows.itemChanged.connect(self._ticked)
        layout.addWidget(self.rows, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        export = QPushButton("Export CSV…")
        export.clicked.connect(lambda: on_export())
        buttons.addButton(export, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def fill(self, rows: list[LoopRow]) -> None:
        self.rows.blockSignals(True)
        self.rows.clear()
        for r in rows:
            said = (f"{r.voice.kind.value}, {r.voice.heard_on}: “{' '.join(r.voice.text.split())}”"
                    if r.voice else "named on the agenda")
            told = f" · told {r.told_on}" if r.told_on else " · not told yet"
            item = QListWidgetItem(f"{r.customer.name} ({r.customer.cohort_name or 'no cohort'}"
                                   f", owner {r.customer.owner or '—'}){told}\n    {said}")
            item.setData(Qt.ItemDataRole.UserRole, r.customer.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if r.told_on else Qt.CheckState.Unchecked)
            self.rows.addItem(item)
        self.rows.blockSignals(False)

    def _ticked(self, item: QListWidgetItem) -> None:
        told = item.checkState() == Qt.CheckState.Checked
        row = self.rows.row(item)
        self.fill(self._on_told([str(item.data(Qt.ItemDataRole.UserRole))], told))
        self.rows.setCurrentRow(min(row, self.rows.count() - 1))  # a refusal shows untold
