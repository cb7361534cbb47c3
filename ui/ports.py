"""The store the windows hold: every wing's port in one type, so a method the ui calls
that no port declares is a type error, not a hole in the wall import-linter cannot see."""

from __future__ import annotations

from typing import Protocol

from app.board.commands import EditStore
from app.board.customer_import import CustomerImportStore
from app.board.duplicates import DuplicateStore
from app.board.ports import BoardStore
from app.history.follow import FollowStore
from app.history.log import HistoryStore
from app.meeting.ports import MeetingStore
from app.snapshot import SnapshotStore


class Store(BoardStore, EditStore, CustomerImportStore, DuplicateStore, MeetingStore,
            HistoryStore, FollowStore, SnapshotStore, Protocol):
    """What the composition root hands the windows (storage.repository.SqliteBoard)."""
