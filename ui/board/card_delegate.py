"""Paints a voice as a card: verbatim text (a few lines, elided), then who, when and how."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QPen, QTextLayout, QTextOption
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from app.board.domain import Kind, Voice
from ui.board.lane_model import VoiceRole
from ui.theme import color

TEXT_LINES = 4
PAD = 10


def meta_line(voice: Voice) -> str:
    return voice.customer_name + (f" · {voice.cohort_name}" if voice.cohort_name else "")


def detail_line(voice: Voice) -> str:
    parts = [voice.heard_on.isoformat(), voice.channel.value]
    if voice.kind is not Kind.QUOTE:
        parts.append(f"severity {voice.severity}")
    if voice.need_depth:
        parts.append(f"{voice.need_depth.value} need")
    if voice.themes:
        parts.append("#" + " #".join(voice.themes))
    return "  ·  ".join(parts)


def lane_width(view: object) -> float:
    """A lane's width less a scroll bar's, whether one shows or not: cards measure the same
    before and after their lane's scroll bar appears, and are painted at the width they were
    measured at. (Not viewport().width(): asking for the viewport costs 25 ms the first time,
    see ui.theme.)"""
    if not isinstance(view, QAbstractScrollArea):
        return 300.0
    return float(view.maximumViewportSize().width() - view.verticalScrollBar().sizeHint().width())


def _wrap_width(width: float) -> float:
    """Where a card's text wraps in a lane `width` wide."""
    return max(120.0, width - 2 * PAD - 12)


class VoiceCardDelegate(QStyledItemDelegate):
    """Draws text with QPainter (never as HTML), so customer text is always plain."""

    def __init__(self, theme: str = "light", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.theme = theme
        # Wrapped lines by (text, font, width): a card is measured, then painted, then
        # measured again on every layout pass; wrapping is most of each.
        self._wrapped: dict[tuple[str, str, float], tuple[list[str], bool]] = {}

    def _lines(self, text: str, font: QFont, width: float) -> tuple[list[str], bool]:
        key = (text, font.key(), width)
        found = self._wrapped.get(key)
        if found is None:
            if len(self._wrapped) > 5000:
                self._wrapped.clear()
            found = self._wrapped[key] = self._wrap(text, font, width)
        return found

    def _wrap(self, text: str, font: QFont, width: float) -> tuple[list[str], bool]:
        layout = QTextLayout(" ".join(text.split()), font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        layout.beginLayout()
        lines: list[str] = []
        clean = layout.text()
        more = False
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            if len(lines) == TEXT_LINES:
                more = True
                break
            lines.append(clean[line.textStart(): line.textStart() + line.textLength()])
        layout.endLayout()
        return lines, more

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex,
                 ) -> QSize:  # noqa: N802
        metrics = QFontMetricsF(option.font)
        voice: Voice | None = index.data(VoiceRole)
        width = lane_width(self.parent())
        count = len(self._lines(voice.text, option.font, _wrap_width(width))[0]) \
            if voice else 1
        height = metrics.lineSpacing() * (count + 2) + 2 * PAD + 10
        return QSize(int(width), int(height))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        voice: Voice | None = index.data(VoiceRole)
        if voice is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect).adjusted(4, 3, -4, -3)
        # The view's selection, not option.state: reading that makes PySide6 build its
        # QStyle type, 15 ms of the first paint.
        view = self.parent()
        selected = bool(view.selectionModel().isSelected(index)) \
            if isinstance(view, QAbstractItemView) else False
        painter.setPen(QPen(color(self.theme, "accent" if selected else "border"),
                            2 if selected else 1))
        painter.setBrush(color(self.theme, "selection" if selected else "surface"))
        painter.drawRoundedRect(card, 6, 6)
        # The kind's stripe. Not fillRect(): PySide6 builds QGradient's types to pick its
        # overload (5 ms of the first paint).
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color(self.theme, voice.kind.value))
        painter.drawRect(QRectF(card.left(), card.top() + 6, 4, card.height() - 12))
        font = QFont(option.font)
        metrics = QFontMetricsF(font)
        x = card.left() + PAD + 2
        width = card.width() - 2 * PAD - 2
        y = card.top() + PAD + metrics.ascent()
        # Wrapped as sizeHint() measured: the card's height fits exactly these lines. Until
        # Qt re-measures after a width change (0.1 s later) the card keeps its old height:
        # then only what fits is drawn, elided, rather than over the next card.
        lines, more = self._lines(voice.text, font, _wrap_width(lane_width(view)))
        fits = max(1, round((option.rect.height() - 2 * PAD - 10) / metrics.lineSpacing()) - 2)
        if len(lines) > fits:
            lines, more = lines[:fits], True
        painter.setPen(color(self.theme, "text"))
        painter.setFont(font)
        for i, line in enumerate(lines):
            if more and i == len(lines) - 1:
                line = metrics.elidedText(line.rstrip() + " …", Qt.TextElideMode.ElideRight,
                                          width)
            painter.drawText(QPointF(x, y), line)
            y += metrics.lineSpacing()
        y += 4
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.drawText(QPointF(x, y), QFontMetricsF(bold).elidedText(
            meta_line(voice), Qt.TextElideMode.ElideRight, width))
        y += metrics.lineSpacing()
        painter.setFont(font)
        painter.setPen(color(self.theme, "muted"))
        painter.drawText(QPointF(x, y), metrics.elidedText(detail_line(voice),
                                                           Qt.TextElideMode.ElideRight, width))
        painter.restore()
