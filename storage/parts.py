"""What the storage mixins expect from SqliteBoard, declared once."""

from __future__ import annotations

from typing import Any

from app.board.domain import Voice, VoiceDraft
from storage.board import Connection
from storage.search import register_functions


class BoardParts:
    """Base of the mixins SqliteBoard is built from; SqliteBoard provides these itself."""

    connection: Connection
    path: Any
    _conn: Any

    @property
    def conn(self) -> Any:
        return self._conn

    @conn.setter
    def conn(self, conn: Any) -> None:
        # The store's queries call SQL functions of ours (storage/search.py): each
        # connection gets them as the store takes it, whichever thread opened it.
        register_functions(conn)
        self._conn = conn

    def _ids_by_name(self, table: str) -> dict[str, str]:
        raise NotImplementedError

    def _ensure_named(self, table: str, known: dict[str, str], name: str, now: str,
                      **extra: Any) -> tuple[str, bool]:
        raise NotImplementedError

    def _voices_by_rowid(self, rowids: list[int]) -> list[Voice]:
        raise NotImplementedError

    def insert_voice(self, draft: VoiceDraft, voice_id: str | None = None) -> str:
        raise NotImplementedError
