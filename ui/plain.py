"""Customer text is plain text: helpers for the few Qt places that would read HTML."""

from __future__ import annotations


def tooltip(text: str, limit: int = 2000) -> str:
    """A tooltip that shows `text` exactly: escaped, and marked as rich text so the
    escapes are decoded (a bare escaped string could be shown with &lt; visible)."""
    from html import escape  # on the first tooltip, not at start (html loads its entities)

    shown = text if len(text) <= limit else text[:limit] + "…"
    body = escape(shown).replace("\n", "<br>")
    return f"<qt><p style='white-space:pre-wrap'>{body}</p></qt>"
