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


# What SQLite reports when it cannot write a -wal, a -shm or a temporary file: on a full
# disk these are as likely as SQLITE_FULL itself ("input/output error", even "corrupt").
_MAYBE_FULL = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT,
               sqlite3.SQLITE_CANTOPEN}
FULL_BELOW_BYTES = 256 * 1024


def disk_full(path: Path | str) -> bool:
    """Is the disk that holds `path` (nearly) full?"""
    import shutil  # only asked on a fault

    folder = Path(path).expanduser().resolve().parent
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW_BYTES
    except OSError:
        return False


def environment_message(exc: sqlite3.Error, path: Path | str | None = None) -> str | None:
    """The user-facing reason for an environment fault, or None when the error is a bug."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    if path is not None and code & 0xFF in _MAYBE_FULL and disk_full(path):
        return "the disk is full; free some space, then try again (nothing was changed)"
    return _ENVIRONMENT.get(code & 0xFF)


@contextmanager
def translated(path: Path | str) -> Iterator[None]:
    """Turn environment faults into BoardError naming the file; let bugs through untouched."""
    try:
        yield
    except sqlite3.Error as exc:
        reason = environment_message(exc, path)
        if reason is None:
            raise
        raise BoardError(f"{path}: {reason}") from exc
