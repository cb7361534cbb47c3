"""Customer text is plain text: helpers for the places that would read it as markup (Qt's
rich text) or as commands (a terminal)."""

from __future__ import annotations

import re


def tooltip(text: str, limit: int = 2000) -> str:
    """A tooltip that shows `text` exactly: escaped, and marked as rich text so the
    escapes are decoded (a bare escaped string could be shown with &lt; visible)."""
    from html import escape  # on the first tooltip, not at start (html loads its entities)

    shown = text if len(text) <= limit else text[:limit] + "…"
    body = escape(shown).replace("\n", "<br>")
    return f"<qt><p style='white-space:pre-wrap'>{body}</p></qt>"


# What a terminal would act on rather than show: C0 and C1 control characters (ESC starts
# the sequences that move the cursor, retitle the window or rewrite the screen; U+009B is a
# one-character CSI), DEL, line and paragraph separators, and bidi controls (which reorder
# what follows them: "Trojan Source").
_TERMINAL_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_text(text: str) -> str:
    """`text` safe to print to a terminal: every control, escape or bidi character is shown
    as its Python escape (ESC as \\x1b, an RTL override as \\u202e), never executed."""
    return _TERMINAL_CONTROL.sub(_visible, text)
