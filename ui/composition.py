"""The composition root: the one ui module that knows which store backs the app."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storage.board import open_reader as board_open_reader
from storage.errors import environment_message

__all__ = ["environment_message", "open_reader", "open_store"]
from storage.repository import SqliteBoard

if TYPE_CHECKING:  # a type only: the window's start never imports every wing
    import sqlite3

    from app.team import Conflict, Keep, SyncReport, TeamState
    from ui.ports import Store

APP_NAME = "empty-chair"


def default_board_path() -> Path:
    """EMPTY_CHAIR_DB when set, else board.db in the user's data folder."""
    env = os.environ.get("EMPTY_CHAIR_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs  # here, not at the top: a window on a given board never needs it

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / "board.db"


def open_store(path: Path | str, *, create: bool = False) -> Store:
    return SqliteBoard.open(path, create=create)


def restore_board(backup: Path, board: Path) -> Path | None:
    """Put a backup in place of the board; returns where the replaced board was kept."""
    from storage.files import restore

    return restore(Path(backup).expanduser(), Path(board).expanduser())


def rescue_board(damaged: Path, out: Path) -> dict[str, tuple[int, int]]:
    """Copy what a damaged board still holds into a new board at `out`."""
    import sqlite3

    from storage.board import open_board
    from storage.files import rescue

    def make(path: Path) -> sqlite3.Connection:
        open_board(path, create=True).close()
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA trusted_schema = ON")  # our own fresh board: its triggers
        return conn

    return rescue(Path(damaged).expanduser(), Path(out).expanduser(), make)


def open_reader(path: Path | str) -> Store:
    """Another connection to a board this process already opened (and checked), for a
    worker thread: the identity and corruption checks are not repeated."""
    return SqliteBoard(board_open_reader(Path(path)))


def publish_metadata(path: Path) -> dict[str, object]:
    """Datasette's metadata for publishing a board read-only (titles, descriptions)."""
    from storage.publish import datasette_metadata

    return datasette_metadata(Path(path))


def team_init(url: str) -> str:
    """Prepare a PostgreSQL database as the team board (storage/team.py)."""
    from storage.team import init_server

    return init_server(url)


def team_connect(url: str, path: Path) -> SyncReport:
    """Link the board at `path` to a team server and sync it the first time (a missing
    board is created: a new laptop receives the server's board)."""
    from storage.team import connect_board, probe

    new = not Path(path).exists()
    if new:
        probe(url)  # a server that cannot be synced with leaves no new, empty board behind
    store = SqliteBoard.open(path, create=new)
    try:
        return connect_board(url, store)
    finally:
        store.close()


def team_sync(path: Path, on_cancel: Callable[[Callable[[], None]], None] | None = None,
              ) -> SyncReport:
    """One sync cycle of the board at `path` with its team server, on a connection of its
    own (a worker thread's, when the window syncs in the background). `on_cancel` is handed
    a function that stops the cycle while it waits on the server (any thread may call it):
    the server's transaction is rolled back, the board is untouched."""
    from storage.team import sync_board

    store = SqliteBoard.open(path)
    try:
        return sync_board(store, on_connection=None if on_cancel is None else (
            lambda connection: on_cancel(lambda: connection.cancel_safe(timeout=2.0))))
    finally:
        store.close()


def team_state(store: Store) -> TeamState | None:
    """Where a linked board stands (no network); None for a board not linked."""
    from storage.team_local import team_state as state

    return state(_conn(store))


def team_conflicts(store: Store, resolved_too: bool = False) -> list[Conflict]:
    from storage.team_local import conflicts

    return conflicts(_conn(store), unresolved_only=not resolved_too)


def team_resolve(store: Store, conflict_id: int, keep: Keep) -> None:
    from storage.team import resolve_conflict

    if not isinstance(store, SqliteBoard):  # pragma: no cover - the only store there is
        raise TypeError(store)
    resolve_conflict(store, conflict_id, keep)


def _conn(store: Store) -> sqlite3.Connection:
    if not isinstance(store, SqliteBoard):  # pragma: no cover - the only store there is
        raise TypeError(store)
    conn: sqlite3.Connection = store.conn
    return conn
