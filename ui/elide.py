"""Names never widen a window: labels and pickers show what fits, elided, and the whole
text on hover."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QResizeEvent, QTextLayout, QTextOption
from PySide6.QtWidgets import QComboBox, QLabel, QSizePolicy, QWidget

from ui.plain import tooltip

ELLIPSIS = "…"


def fitted_lines(text: str, font: QFont, width: int, max_lines: int = 1) -> tuple[str, bool]:
    """`text` laid out `width` px wide: broken at spaces, and anywhere inside a word wider
    than the width; at most `max_lines` lines (0: as many as it takes), the last one elided
    when text is left over. Returns the lines joined by newlines, and whether anything was
    left out."""
    width = max(width, 1)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    lines: list[tuple[str, str]] = []  # (the line, the rest of its paragraph from there)
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        layout.setTextOption(option)
        layout.beginLayout()
        found = []
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
            found.append((paragraph[line.textStart():line.textStart() + line.textLength()],
                          paragraph[line.textStart():]))
        layout.endLayout()
        lines += found or [("", "")]
        if max_lines and len(lines) > max_lines:
            break  # the rest is not shown: no need to lay it out
    if not max_lines or len(lines) <= max_lines:
        return "\n".join(line.rstrip(" ") for line, _ in lines), False
    metrics = QFontMetrics(font)
    rest = lines[max_lines - 1][1]
    last = metrics.elidedText(rest, Qt.TextElideMode.ElideRight, width)
    if not last.endswith(ELLIPSIS):  # the line fits, but more lines follow it
        last = metrics.elidedText(rest, Qt.TextElideMode.ElideRight,
                                  width - metrics.horizontalAdvance(ELLIPSIS))
        if not last.endswith(ELLIPSIS):
            last = last.rstrip(" ") + ELLIPSIS
    kept = [line.rstrip(" ") for line, _ in lines[:max_lines - 1]]
    return "\n".join([*kept, last]), True


class ElidedLabel(QLabel):
    """A plain-text label that takes the width its layout gives and never asks for more
    than `hint_chars` characters' worth: its text wraps over at most `max_lines` lines
    (0: any number; a word too long for the width breaks anywhere), the last one elided,
    and the whole text is its tooltip whenever any of it is hidden. text() is the whole
    text."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, max_lines: int = 1,
                 hint_chars: int = 30, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.setTextFormat(Qt.TextFormat.PlainText)  # customer words are never HTML
        self.max_lines = max_lines
        self.hint_chars = hint_chars
        self._full = ""
        self.cut = False
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:  # the whole text, not the lines shown
        return self._full

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width() - 2 * max(self.margin(), 0)
        shown, cut = fitted_lines(self._full, self.font(), width, self.max_lines)
        if shown != super().text():
            super().setText(shown)
        if cut != self.cut or cut:
            self.cut = cut
            self.setToolTip(tooltip(self._full) if cut else "")

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: Any) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() in (event.Type.FontChange, event.Type.StyleChange):
            self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        widest = max((metrics.horizontalAdvance(p) for p in self._full.split("\n")), default=0)
        room = metrics.averageCharWidth() * self.hint_chars
        extra = self.contentsMargins().left() + self.contentsMargins().right() \
            + 2 * max(self.margin(), 0)
        return QSize(min(widest, room) + extra, hint.height())

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(self.fontMetrics().horizontalAdvance("M" + ELLIPSIS),
                     super().minimumSizeHint().height())


def fit_combo(combo: QComboBox, name: str, chars: int = 16, *, any_first: bool = True,
              up_to: bool = False) -> QComboBox:
    """A picker of names as wide as `chars` characters whatever it holds (with up_to, as
    wide as its longest item but never wider than that); its list elides long names, and
    the whole current choice is its tooltip ("Customer: <name>"; with any_first, the first
    item is "<name>: Any" and the others are bare names)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    if up_to:
        combo.setMaximumWidth(combo.sizeHint().width())
        combo.setMinimumContentsLength(0)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContentsOnFirstShow)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideRight)

    _ChoiceTip(combo, name, any_first)
    return combo


class _ChoiceTip(QObject):
    """Keeps a combo's tooltip on its current choice: on each change, and on hover (items
    may have been added with its signals blocked)."""

    def __init__(self, combo: QComboBox, name: str, any_first: bool) -> None:
        super().__init__(combo)
        self.combo, self.name, self.any_first = combo, name, any_first
        combo.currentIndexChanged.connect(self.show_choice)
        combo.installEventFilter(self)
        self.show_choice()

    def show_choice(self) -> None:
        text = self.combo.currentText()
        if self.any_first:
            text = f"{self.name}: {text}" if self.combo.currentIndex() > 0 else ""
        self.combo.setToolTip(tooltip(text) if text else self.name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.ToolTip:
            self.show_choice()
        return False
