"""Quick capture (and edit) of a voice: keyboard first, errors beside the field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import Channel, Kind, NeedDepth, VoiceDraft
from app.errors import BoardError, ConflictError, ValidationError
from ui.fields import DateField
from ui.theme import ERROR, styled


def _error_label() -> QLabel:
    label = styled(QLabel(""), ERROR)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.hide()
    return label


class CaptureDialog(QDialog):
    """Enter saves (Shift+Enter is a new line in the text). The caller's `save` callback
    writes the voice; on a busy or failing board the dialog stays open with the text kept."""

    # Remembered between captures so several voices from one call go in quickly.
    last_customer = ""
    last_channel = Channel.INTERVIEW

    def __init__(self, customers: list[str], cohorts: list[str], themes: list[str],
                 save: Callable[[VoiceDraft], object], draft: VoiceDraft | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit voice" if draft else "Capture a customer voice")
        self.setMinimumWidth(560)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._save = save
        self._known_customers = {c.casefold() for c in customers}
        self._confirmed_new = ""
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors: dict[str, QLabel] = {}

        def row(name: str, widget: QWidget) -> None:
            box = QVBoxLayout()
            box.setSpacing(1)
            box.addWidget(widget)
            self.errors[name] = _error_label()
            box.addWidget(self.errors[name])
            form.addRow(name.capitalize(), box)

        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("The customer's own words, verbatim")
        self.text.setTabChangesFocus(True)
        self.text.installEventFilter(self)
        row("text", self.text)
        self.kind = QComboBox()
        self.kind.addItems([k.value for k in Kind])
        row("kind", self.kind)
        self.customer = QLineEdit(placeholderText="Who said it")
        completer = QCompleter(sorted(customers, key=str.casefold), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.customer.setCompleter(completer)
        row("customer", self.customer)
        self.cohort = QComboBox(editable=True)
        self.cohort.addItems(["", *cohorts])
        self.cohort.setToolTip("Cohort for a new customer")
        row("cohort", self.cohort)
        self.heard_on = DateField()  # Tab goes on to the channel, not into the month
        row("date", self.heard_on)
        self.channel = QComboBox()
        self.channel.addItems([c.value for c in Channel])
        row("channel", self.channel)
        self.severity = QSpinBox(minimum=1, maximum=5, value=3)
        row("severity", self.severity)
        self.need_depth = QComboBox()
        self.need_depth.addItems(["", *[d.value for d in NeedDepth]])
        row("need depth", self.need_depth)
        self.themes = QLineEdit(placeholderText="Billing, Onboarding (new themes allowed)")
        theme_completer = QCompleter(themes, self)
        theme_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.themes.setCompleter(theme_completer)
        row("themes", self.themes)
        self.form_error = _error_label()
        layout.addWidget(self.form_error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.kind.currentTextChanged.connect(self._kind_changed)
        if draft is not None:
            self._load(draft)
        else:
            self.customer.setText(CaptureDialog.last_customer)
            self.channel.setCurrentText(CaptureDialog.last_channel.value)
        self._kind_changed(self.kind.currentText())
        self.text.setFocus()

    def _load(self, draft: VoiceDraft) -> None:
        self.text.setPlainText(draft.text)
        self.kind.setCurrentText(draft.kind.value)
        self.customer.setText(draft.customer_name)
        self.heard_on.setDate(QDate(draft.heard_on.year, draft.heard_on.month,
                                    draft.heard_on.day))
        self.channel.setCurrentText(draft.channel.value)
        self.severity.setValue(draft.severity)
        self.need_depth.setCurrentText(draft.need_depth.value if draft.need_depth else "")
        self.themes.setText(", ".join(draft.themes))
        self._captured_by = draft.captured_by

    def _kind_changed(self, kind: str) -> None:
        self.need_depth.setEnabled(kind == Kind.NEED.value)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (watched is self.text and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier):
            self.try_save()
            return True
        return super().eventFilter(watched, event)

    def _show_error(self, field: str, message: str) -> None:
        label = self.errors.get(field, self.form_error)
        label.setText(message)
        label.show()

    def draft(self) -> VoiceDraft:
        date = self.heard_on.date()
        kind = Kind(self.kind.currentText())
        depth = self.need_depth.currentText()
        return VoiceDraft(
            text=self.text.toPlainText(), kind=kind, customer_name=self.customer.text(),
            heard_on=dt.date(date.year(), date.month(), date.day()),
            channel=Channel(self.channel.currentText()), severity=self.severity.value(),
            need_depth=NeedDepth(depth) if depth and kind is Kind.NEED else None,
            themes=tuple(dict.fromkeys(t.strip() for t in self.themes.text().split(",")
                                       if t.strip())),
            captured_by=getattr(self, "_captured_by", ""),
            cohort_name=self.cohort.currentText().strip() or None)

    def try_save(self) -> None:
        """Validate, confirm a new customer, then save; nothing is written until valid."""
        for label in [*self.errors.values(), self.form_error]:
            label.hide()
        try:
            draft = self.draft()
        except ValidationError as exc:
            self._show_error(exc.field, exc.message)
            return
        name = " ".join(draft.customer_name.split())
        if name.casefold() not in self._known_customers and self._confirmed_new != name:
            self._confirmed_new = name
            self._show_error("customer", f"New customer '{name}': press Enter (or Save) again "
                             "to create it")
            return
        try:
            self._save(draft)
        except ValidationError as exc:
            self._show_error(exc.field, exc.message)
            return
        except (BoardError, ConflictError) as exc:
            self._show_error("form", f"Not saved, your text is kept: {exc}")
            return
        CaptureDialog.last_customer = name
        CaptureDialog.last_channel = draft.channel
        self.accept()
