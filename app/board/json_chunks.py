"""A JSON file read a chunk at a time: the buffer both streaming readers (our voice export
and the whole-board file) decode their records from, one record's worth of memory."""

from __future__ import annotations

import re
from collections.abc import Callable

CHUNK = 1024 * 1024  # characters read at a time
_SPACE = re.compile(r"[ \t\n\r]*")


class Chunks:
    """`buffer[pos:]` is what is read and not yet decoded; `more()` reads on."""

    def __init__(self) -> None:
        self.buffer = ""
        self.pos = 0
        self.eof = False
        self.read: Callable[[int], str] = lambda _size: ""

    def more(self) -> bool:
        """Read more of the file onto what is left of the buffer; False at the end."""
        if self.eof:
            return False
        left = len(self.buffer) - self.pos
        chunk = self.read(max(CHUNK, left))  # doubling: a long record is read whole
        self.buffer = self.buffer[self.pos:] + chunk
        self.pos = 0
        self.eof = not chunk
        return not self.eof

    def peek(self) -> str:
        """The next character that is not white space (not consumed), or '' at the end."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""
