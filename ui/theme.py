"""The look: a palette and type size from a token set, plus a few named looks (no stylesheet,
except on the projected chair)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from string import Template
from typing import TypeVar

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QFrame, QWidget

import assets

ASSETS = Path(next(iter(assets.__path__))).resolve()

THEMES = ("light", "dark", "projector")
WidgetT = TypeVar("WidgetT", bound=QWidget)


@cache
def _tokens() -> dict[str, dict[str, str]]:
    text = (ASSETS / "themes.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def tokens(theme: str) -> dict[str, str]:
    return _tokens().get(theme, _tokens()["light"])


@cache  # cards ask for a handful of colours hundreds of times a second while scrolling
def color(theme: str, name: str) -> QColor:
    return QColor(tokens(theme)[name])


def font_points(theme: str, zoom: int = 0) -> int:
    """The base type size; zoom adds points to it (View > Zoom)."""
    return max(6, int(tokens(theme)["font_pt"]) + zoom)


def chair_stylesheet() -> str:
    """The projected chair's own QSS: always the projector tokens."""
    template = (ASSETS / "chair.qss").read_text(encoding="utf-8")
    return Template(template).substitute({f"p_{k}": v for k, v in tokens("projector").items()})


def palette(theme: str) -> QPalette:
    """Every widget's colours, from the theme's tokens."""
    t = tokens(theme)
    role = QPalette.ColorRole
    result = QPalette()
    for name, roles in (
        ("window", (role.Window, role.AlternateBase)),
        ("surface", (role.Base, role.Button, role.ToolTipBase, role.Light)),
        ("text", (role.WindowText, role.Text, role.ButtonText, role.ToolTipText,
                  role.BrightText, role.HighlightedText)),
        ("muted", (role.PlaceholderText,)),
        ("border", (role.Midlight, role.Mid, role.Dark, role.Shadow)),
        ("selection", (role.Highlight,)),
        ("accent", (role.Link,)),
    ):
        for r in roles:
            result.setColor(r, QColor(t[name]))
    for r in (role.WindowText, role.Text, role.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, r, QColor(t["muted"]))
    return result


def app_font(base: QFont, theme: str, zoom: int = 0) -> QFont:
    font = QFont(base)
    font.setPointSize(font_points(theme, zoom))
    return font


# The look of a widget is named by its objectName. An application stylesheet did this
# before; it made every widget's polish slower (0.15 s of a cold start on a big board).
TITLE, DETAIL_TITLE, MUTED, COUNT, ERROR, LANE, PRIMARY = (
    "laneTitle", "detailTitle", "muted", "countLabel", "fieldError", "lane", "primary")
LOOKS = (TITLE, DETAIL_TITLE, MUTED, COUNT, ERROR, LANE, PRIMARY)
_current: dict[str, str | int] = {"theme": "light", "zoom": 0}


def styled(widget: WidgetT, look: str) -> WidgetT:
    """Give a widget one of the named looks now; apply_look() keeps it after a theme or
    zoom change."""
    widget.setObjectName(look)
    _style(widget)
    return widget


def _style(widget: QWidget) -> None:
    look = widget.objectName()
    theme, zoom = str(_current["theme"]), int(_current["zoom"])
    t = tokens(theme)
    if look in (TITLE, DETAIL_TITLE):
        font = QFont(widget.font())
        font.setPointSize(font_points(theme, zoom) + 3)
        font.setWeight(QFont.Weight.DemiBold)
        widget.setFont(font)
        kind = widget.property("kind")
        if look == TITLE and kind in ("quote", "complaint", "need"):
            _set_color(widget, QPalette.ColorRole.WindowText, t[str(kind)])
        if look == TITLE:
            widget.setContentsMargins(2, 4, 2, 4)
    elif look in (MUTED, COUNT):
        widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    elif look == ERROR:
        _set_color(widget, QPalette.ColorRole.WindowText, t["error"])
    elif look == LANE and isinstance(widget, QAbstractScrollArea):
        widget.setFrameShape(QFrame.Shape.NoFrame)
        # Cards sit on the window's colour. Set through the palette the viewport inherits:
        # asking for a viewport Qt made has PySide6 build every QWidget subclass's type
        # (25 ms of the start).
        _set_color(widget, QPalette.ColorRole.Base, t["window"])
    elif look == PRIMARY:
        _set_color(widget, QPalette.ColorRole.Button, t["accent"])
        _set_color(widget, QPalette.ColorRole.ButtonText, t["accent_text"])


def _set_color(widget: QWidget, role: QPalette.ColorRole, value: str) -> None:
    palette = widget.palette()
    palette.setColor(role, QColor(value))
    widget.setPalette(palette)


def apply_look(app: QApplication, theme: str, zoom: int = 0, *, restyle: bool = True) -> None:
    """Palette and type size for every widget, then the named looks on those that exist.

    restyle=False before any widget exists (the start), where nothing needs measuring again.
    """
    _current.update(theme=theme, zoom=zoom)
    app.setFont(app_font(app.font(), theme, zoom))
    if restyle:
        # Existing widgets get a new font only through posted events, and combo boxes keep
        # their measured width until their style changes: set the style again. That resets
        # the palette, so the palette comes after.
        app.setStyle(app.style().name())
    app.setPalette(palette(theme))
    for widget in app.allWidgets():
        if widget.objectName() in LOOKS:
            _style(widget)
