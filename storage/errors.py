"""Split SQLite errors into faults of the environment (told to the user) and bugs (raised)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.errors import BoardError

# Error codes that describe the file or the machine, not our SQL (qutebrowser's split).
_ENVIRONMENT: dict[int, str] = {
    sqlite3.SQLITE_BUSY: "the board is busy in another window or program; try again in a moment",
    sqlite3.SQLITE_LOCKED: "the board is busy in another window or program; try again in a moment",
    sqlite3.SQLITE_READONLY: "the board file is read-only",
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_CORRUPT: "the board file is damaged (corrupt); open a backup instead",
    sqlite3.SQLITE_NOTADB: "this file is not an Empty Chair board (not an SQLite database)",
    sqlite3.SQLITE_CANTOPEN: "the board file cannot be opened",
    sqlite3.SQLITE_IOERR: "the disk reported an input/output error",
    sqlite3.SQLITE_PERM: "permission denied",
    sqlite3.SQLITE_AUTH: "permission denied",
    sqlite3.SQLITE_PROTOCOL: "the board is busy in another program; try again in a moment",
}


def environment_message(exc: sqlite3.Error) -> str | None:
    """The user-facing reason for an environment fault, or None when the error is a bug."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    return _ENVIRONMENT.get(code & 0xFF)


@contextmanager
def translated(path: Path | str) -> Iterator[None]:
    """Turn environment faults into BoardError naming the file; let bugs through untouched."""
    try:
        yield
    except sqlite3.Error as exc:
        reason = environment_message(exc)
        if reason is None:
            raise
        raise BoardError(f"{path}: {reason}") from exc
