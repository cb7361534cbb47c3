"""A board that is not ours, is damaged, newer or read-only is refused and left untouched."""

import hashlib
import sqlite3
import stat

import pytest

from app.errors import BoardError
from storage.board import open_board
from storage.identity import APPLICATION_ID, SCHEMA_VERSION


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused_untouched(path, match):
    before = digest(path)
    siblings = set(path.parent.iterdir())
    with pytest.raises(BoardError, match=match):
        open_board(path)
    assert digest(path) == before
    assert set(path.parent.iterdir()) == siblings  # no -wal, -shm or backup left behind


def test_new_board_has_our_identity_and_pragmas(board_path):
    board = open_board(board_path, create=True)
    conn = board.conn
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
    board.close()


def test_missing_board_is_not_created_by_readers(tmp_path):
    with pytest.raises(BoardError, match="no board here"):
        open_board(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not a database\n" * 50)
    assert_refused_untouched(path, "not an Empty Chair board")


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    assert_refused_untouched(path, "not an Empty Chair board")


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()
    assert_refused_untouched(path, "not an Empty Chair board")


def test_newer_board_is_refused(board_path):
    open_board(board_path, create=True).close()
    conn = sqlite3.connect(board_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert_refused_untouched(board_path, "newer Empty Chair")


def test_corrupt_board_is_refused(board_path, store):
    from app.demo import write_demo

    write_demo(store, voices=400)
    store.conn.execute("PRAGMA journal_mode = DELETE")
    store.close()
    data = bytearray(board_path.read_bytes())
    page = 4096
    for offset in range(3 * page, len(data) - page, 2 * page):  # scribble over many pages
        data[offset + 100: offset + 400] = b"\xa5" * 300
    board_path.write_bytes(bytes(data))
    assert_refused_untouched(board_path, "damaged|corrupt|not an Empty Chair")


def test_read_only_board_is_refused(board_path):
    board = open_board(board_path, create=True)
    board.conn.execute("PRAGMA journal_mode = DELETE")
    board.close()
    board_path.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        assert_refused_untouched(board_path, "read-only")
    finally:
        board_path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_board_with_foreign_trigger_is_refused(board_path):
    board = open_board(board_path, create=True)
    board.conn.execute("CREATE TRIGGER sneaky AFTER INSERT ON voices BEGIN "
                       "DELETE FROM customers; END")
    board.conn.execute("PRAGMA journal_mode = DELETE")
    board.close()
    assert_refused_untouched(board_path, "sneaky")


def test_backup_is_a_consistent_board(board_path, store, tmp_path):
    from app.board.filters import VoiceFilter
    from app.demo import write_demo
    from ui.composition import open_store

    write_demo(store, voices=300)
    out = store.backup(tmp_path / "copy.db")
    copy = open_store(out)
    assert copy.count(VoiceFilter()) == 300
    assert copy.count(VoiceFilter(text="invoice")) == store.count(VoiceFilter(text="invoice"))
    copy.close()
    with pytest.raises(BoardError, match="already exists"):
        store.backup(out)
