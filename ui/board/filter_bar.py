"""The filter bar: search as you type, kind, customer, cohort, theme, channel, dates,
severity, a visible "n of N voices" and one-click clear."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from ui.date_filter import NO_DATE, any_date_edit, day_of
from ui.elide import fit_combo
from ui.theme import COUNT, styled

ANY = "Any"


class FilterBar(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(6, 4, 6, 2)
        rows.setSpacing(4)
        layout = QHBoxLayout()
        second = QHBoxLayout()
        rows.addLayout(layout)
        rows.addLayout(second)
        self.search = QLineEdit(placeholderText="Search what customers said…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self.search.setAccessibleName("Search")
        layout.addWidget(self.search, 3)
        self.kinds: dict[Kind, QCheckBox] = {}
        for kind in Kind:
            box = QCheckBox(kind.label)
            box.setChecked(True)
            box.toggled.connect(self.changed)
            self.kinds[kind] = box
            layout.addWidget(box)
        self.count_label = styled(QLabel(""), COUNT)
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.clicked.connect(self.clear)
        # "n of N" sits by the clear button, on the row whose search box can give way: on the
        # row of filters it made the projector theme wider than a 1600 px screen.
        layout.addWidget(self.count_label)
        layout.addWidget(self.clear_button)
        layout = second
        self.customer = self._combo("Customer", layout)
        # Its list holds every customer (5,000 on a big board). Laid out with uniform item
        # sizes, its popup is not measured name by name on each font change (10 ms at start).
        names = QListView()
        names.setUniformItemSizes(True)
        self.customer.setView(names)
        self.cohort = self._combo("Cohort", layout)
        self.theme = self._combo("Theme", layout)
        self.channel = self._combo("Channel", layout)
        self.channel.addItems([c.value for c in Channel])
        self.date_from = self._date("From", layout)
        self.date_to = self._date("To", layout)
        self.min_severity = QSpinBox()
        self.min_severity.setRange(0, 5)
        self.min_severity.setSpecialValueText("Severity ≥ any")
        self.min_severity.setPrefix("Severity ≥ ")
        self.min_severity.valueChanged.connect(self.changed)
        layout.addWidget(self.min_severity)
        layout.addStretch(1)
        self.search.textChanged.connect(self.changed)

    def _combo(self, name: str, layout: QHBoxLayout) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(f"{name}: {ANY}")
        # Sized to a short name, not to the longest of 5,000 customers; the whole choice
        # is its tooltip.
        fit_combo(combo, name, 14)
        combo.currentIndexChanged.connect(self.changed)
        layout.addWidget(combo)
        return combo

    def _date(self, name: str, layout: QHBoxLayout) -> QDateEdit:
        edit = any_date_edit(name)
        edit.dateChanged.connect(self.changed)
        layout.addWidget(edit)
        return edit

    def set_choices(self, combo: QComboBox, names: list[str]) -> None:
        """Refill a combo (customers, cohorts, themes) keeping the current choice."""
        current = self._value(combo)
        combo.blockSignals(True)
        while combo.count() > 1:
            combo.removeItem(1)
        combo.addItems(names)
        if current:
            index = combo.findText(current, Qt.MatchFlag.MatchFixedString)
            combo.setCurrentIndex(max(0, index))
        combo.blockSignals(False)

    def choose(self, combo: QComboBox, name: str | None) -> None:
        index = combo.findText(name, Qt.MatchFlag.MatchFixedString) if name else 0
        if index < 0:
            combo.addItem(name or "")
            index = combo.count() - 1
        combo.setCurrentIndex(index)

    @staticmethod
    def _value(combo: QComboBox) -> str | None:
        return combo.currentText() if combo.currentIndex() > 0 else None

    def current(self) -> VoiceFilter:
        channel = self._value(self.channel)
        return VoiceFilter(
            text=self.search.text(),
            kinds=tuple(k for k, box in self.kinds.items() if box.isChecked()),
            customer=self._value(self.customer), cohort=self._value(self.cohort),
            theme=self._value(self.theme), channel=Channel(channel) if channel else None,
            date_from=day_of(self.date_from), date_to=day_of(self.date_to),
            min_severity=self.min_severity.value() or None)

    def clear(self) -> None:
        widgets = [self.search, *self.kinds.values(), self.customer, self.cohort, self.theme,
                   self.channel, self.date_from, self.date_to, self.min_severity]
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        for box in self.kinds.values():
            box.setChecked(True)
        for combo in (self.customer, self.cohort, self.theme, self.channel):
            combo.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        self.min_severity.setValue(0)
        for widget in widgets:
            widget.blockSignals(False)
        self.changed.emit()

    def show_count(self, shown: int, total: int) -> None:
        text = f"{shown:,} of {total:,} voices"
        self.count_label.setText(text)
