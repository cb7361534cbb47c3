"""The application stylesheet: one QSS template filled from a token set."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from string import Template

from PySide6.QtGui import QColor

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


def stylesheet(theme: str, zoom: int = 0) -> str:
    """The QSS for a theme; zoom adds points to every font size (View > Zoom)."""
    values = dict(tokens(theme))
    base = max(6, int(values["font_pt"]) + zoom)
    values["font_pt"] = str(base)
    values["title_pt"] = str(base + 3)
    # The projected chair always uses the projector tokens, whatever the console's theme.
    values.update({f"p_{k}": v for k, v in tokens("projector").items()})
    template = (ASSETS / "theme.qss").read_text(encoding="utf-8")
    return Template(template).substitute(values)
