"""Everything about the selected voice and its customer, as plain text."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QPlainTextEdit, QVBoxLayout, QWidget

from app.board.domain import Customer, Voice
from ui.elide import ElidedLabel
from ui.theme import DETAIL_TITLE, styled


def _label(name: str = "", max_lines: int = 3) -> ElidedLabel:
    # A 200-character name without a space in a word-wrapped QLabel widened the window to
    # 4,400 px: long names wrap anywhere and stop at a few lines, the whole name on hover.
    label = ElidedLabel(name, max_lines=max_lines)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class DetailPane(QWidget):
    FIELDS = ("Kind", "Customer", "Cohort", "Weight", "Owner", "Heard on", "Channel",
              "Severity", "Need depth", "Themes", "Captured by", "Source", "Merged from")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.title = _label("Select a voice", max_lines=2)
        styled(self.title, DETAIL_TITLE)
        layout.addWidget(self.title)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setAccessibleName("Verbatim")
        self.text.setMaximumHeight(260)
        layout.addWidget(self.text, 1)
        form = QFormLayout()
        self.values: dict[str, ElidedLabel] = {}
        for name in self.FIELDS:
            # Every source a merged voice came from is listed, however many lines.
            self.values[name] = _label(max_lines=0 if name == "Merged from" else 3)
            form.addRow(name, self.values[name])
        layout.addLayout(form)
        layout.addStretch(1)
        self.show_voice(None, None, [])

    def show_voice(self, voice: Voice | None, customer: Customer | None,
                   merged: list[Voice]) -> None:
        if voice is None:
            self.title.setText("Select a voice")
            self.text.setPlainText("")
            for label in self.values.values():
                label.setText("")
            return
        self.title.setText(f"{voice.kind.value.capitalize()} from {voice.customer_name}")
        self.text.setPlainText(voice.text)
        source = f"{voice.source_file}, line {voice.source_line}" if voice.source_file \
            else "captured by hand"
        merged_text = "\n".join(
            f"{m.heard_on} · {m.channel.value} · "
            + (f"{m.source_file}:{m.source_line}" if m.source_file else "by hand")
            for m in merged)
        values = {
            "Kind": voice.kind.value, "Customer": voice.customer_name,
            "Cohort": voice.cohort_name or "—",
            "Weight": f"{customer.weight:,.0f}" if customer else "—",
            "Owner": customer.owner if customer and customer.owner else "—",
            "Heard on": voice.heard_on.isoformat(), "Channel": voice.channel.value,
            "Severity": str(voice.severity),
            "Need depth": voice.need_depth.value if voice.need_depth else "—",
            "Themes": ", ".join(voice.themes) or "—", "Captured by": voice.captured_by or "—",
            "Source": source, "Merged from": merged_text or "—",
        }
        for name, value in values.items():
            self.values[name].setText(value)
