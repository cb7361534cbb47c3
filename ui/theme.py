"""The application stylesheet: one QSS template filled from a token set."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from string import Template

from PySide6.QtGui import QColor, QFont, QPalette

import assets

ASSETS = Path(next(iter(assets.__path__))).resolve()

THEMES = ("light", "dark", "projector")


@cache
def _tokens() -> dict[str, dict[str, str]]:
    text = (ASSETS / "themes.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def tokens(theme: str) -> dict[str, str]:
    return _tokens().get(theme, _tokens()["light"])


def color(theme: str, name: str) -> QColor:
    return QColor(tokens(theme)[name])


def font_points(theme: str, zoom: int = 0) -> int:
    """The base type size; zoom adds points to it (View > Zoom)."""
    return max(6, int(tokens(theme)["font_pt"]) + zoom)


def stylesheet(theme: str, zoom: int = 0) -> str:
    """The application QSS for a theme: borders, accents and titles (see palette())."""
    values = dict(tokens(theme))
    values["title_pt"] = str(font_points(theme, zoom) + 3)
    template = (ASSETS / "theme.qss").read_text(encoding="utf-8")
    return Template(template).substitute(values)


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
