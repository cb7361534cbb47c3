"""A board is never touched by a -wal that is not its own, exists whole or not at all, keeps
daily backups, and refuses writes once found damaged (issue 11, items 1, 2, 8, 9, 14)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import storage.board
from app.errors import BoardError
from storage import files
from storage.board import open_board
from storage.identity import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[2]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def voices(path: Path) -> list[str]:
    conn = sqlite3.connect(f"{path.as_uri()}?immutable=1", uri=True)
    try:
        return sorted(t for (t,) in conn.execute("SELECT text FROM voices"))
    finally:
        conn.close()


def add_voice(conn: sqlite3.Connection, text: str) -> None:
    now = "2026-01-01T00:00:00.000Z"
    conn.execute("INSERT OR IGNORE INTO customers (id, name, created_at, updated_at) VALUES "
                 "('c1', 'Acme', ?, ?)", [now, now])
    conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, created_at, "
                 "updated_at) VALUES (?, 'c1', 'complaint', ?, '2026-01-01', ?, ?)",
                 [text, text, now, now])


def new_board(path: Path, texts: list[str]) -> None:
    board = open_board(path, create=True)
    with board.write():
        for text in texts:
            add_voice(board.conn, text)
    board.close()


def crash_after_writing(path: Path, texts: list[str], extra: str = "") -> None:
    """A real process writes to the board and is killed before any checkpoint: its -wal
    stays beside the board, as after a crash or a power cut."""
    script = textwrap.dedent(f"""
        import os, signal, sqlite3, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.safety.test_board_files import add_voice
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("PRAGMA trusted_schema = ON")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("BEGIN")
        conn.execute("UPDATE board SET opened_at = 'now'")  # as every session of the app does
        for text in {texts!r}:
            add_voice(conn, text)
        {extra}
        conn.execute("COMMIT")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert files.wal_of(path).stat().st_size > 0


def test_a_backup_restored_by_hand_beside_a_stale_wal_opens_intact(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["first", "second"])
    keep = open_board(board)
    keep.conn.execute("VACUUM INTO ?", [str(tmp_path / "backup.db")])
    keep.close()
    crash_after_writing(board, [f"after the backup {i}" for i in range(200)])
    os.replace(tmp_path / "backup.db", board)  # restored by hand; the old -wal stays
    restored = digest(board)
    opened = open_board(board)
    assert any("does not belong to this board" in n for n in opened.notices)
    assert opened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert sorted(t for (t,) in opened.conn.execute("SELECT text FROM voices")) == [
        "first", "second"]
    opened.close()
    aside = [p for p in tmp_path.glob("board.db-wal.set-aside-*") if not p.name.endswith("-shm")]
    assert len(aside) == 1
    assert aside[0].stat().st_size > 0  # kept, in case someone wants it
    assert restored  # the restored file was opened as it was, not rewritten by the old log


def test_a_wal_copied_from_another_board_is_set_aside(tmp_path):
    other = tmp_path / "other.db"
    new_board(other, [f"other {i}" for i in range(5)])
    crash_after_writing(other, [f"other more {i}" for i in range(300)])
    board = tmp_path / "board.db"
    new_board(board, ["mine"])
    os.replace(files.wal_of(other), files.wal_of(board))
    opened = open_board(board)
    assert opened.notices
    assert [t for (t,) in opened.conn.execute("SELECT text FROM voices")] == ["mine"]
    assert opened.conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    opened.close()


def test_a_wal_that_belongs_is_applied(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["before the crash"])
    crash_after_writing(board, ["committed just before the crash"])
    opened = open_board(board)
    assert opened.notices == []
    assert sorted(t for (t,) in opened.conn.execute("SELECT text FROM voices")) == [
        "before the crash", "committed just before the crash"]
    opened.close()
    assert not list(tmp_path.glob("*set-aside*"))


def test_a_newer_board_with_a_wal_is_refused_byte_for_byte(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["x"])
    conn = sqlite3.connect(board, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    crash_after_writing(board, ["y"])
    before = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(BoardError, match="newer Empty Chair"):
        open_board(board)
    assert {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()} == before


def test_a_live_wal_of_another_process_is_left_alone(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["old"])
    script = textwrap.dedent(f"""
        import sqlite3, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from tests.safety.test_board_files import add_voice
        conn = sqlite3.connect({str(board)!r}, isolation_level=None)
        conn.execute("PRAGMA trusted_schema = ON")
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        add_voice(conn, "written by the other window")
        print("ready", flush=True)
        sys.stdin.readline()
    """)
    other = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ready"
        opened = open_board(board)
        assert opened.notices == []
        assert sorted(t for (t,) in opened.conn.execute("SELECT text FROM voices")) == [
            "old", "written by the other window"]
        opened.close()
    finally:
        other.communicate("bye\n", timeout=10)
    assert not list(tmp_path.glob("*set-aside*"))


def test_a_board_killed_while_being_created_does_not_exist(tmp_path):
    board = tmp_path / "board.db"
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        import storage.board as b
        def dying(path):
            original(path)
            os.kill(os.getpid(), signal.SIGKILL)  # after the schema, before the name
        original = b._build
        b._build = dying
        b.open_board({str(board)!r}, create=True)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL
    assert not board.exists()  # never a half-made file under the board's name
    new_board(board, ["made on the second try"])
    assert voices(board) == ["made on the second try"]


def test_concurrent_first_opens_of_a_new_board_all_succeed(tmp_path):
    board = tmp_path / "board.db"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from storage.board import open_board
        from tests.safety.test_board_files import add_voice
        b = open_board({str(board)!r}, create=True)
        with b.write():
            add_voice(b.conn, "from " + sys.argv[1])
        b.close()
    """)
    children = [subprocess.Popen([sys.executable, "-c", script, str(i)], stderr=subprocess.PIPE,
                                 text=True) for i in range(4)]
    errors = [c.communicate(timeout=60)[1] for c in children]
    assert [c.returncode for c in children] == [0, 0, 0, 0], errors
    assert voices(board) == [f"from {i}" for i in range(4)]


def test_each_open_for_writing_keeps_one_backup_a_day(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["one"])
    assert not files.backup_folder(board).exists()  # a new board has nothing to keep yet
    for _ in range(2):
        open_board(board).close()
    kept = list(files.backup_folder(board).iterdir())
    assert [p.name for p in kept] == [f"board-{dt.date.today().isoformat()}.db"]
    assert voices(kept[0]) == ["one"]


def test_backups_rotate_seven_daily_and_four_weekly(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["one"])
    start = dt.date(2026, 1, 1)
    for day in range(60):
        files.daily_backup(board, lambda: sqlite3.connect(board), start + dt.timedelta(day))
    names = sorted(p.name for p in files.backup_folder(board).iterdir())
    days = [dt.date.fromisoformat(n[len("board-"):-3]) for n in names]
    last = start + dt.timedelta(59)
    assert days[-7:] == [last - dt.timedelta(i) for i in range(6, -1, -1)]
    weekly = days[:-7]
    assert len(weekly) == 4
    assert len({d.isocalendar()[:2] for d in weekly}) == 4


def test_a_backup_that_fails_leaves_no_file(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, ["one"])

    class FullDisk:
        def execute(self, sql, params):
            Path(params[0]).write_bytes(b"half a copy")
            raise sqlite3.OperationalError("database or disk is full")

        def close(self):
            pass

    with pytest.raises(sqlite3.OperationalError):
        files.daily_backup(board, FullDisk)
    assert list(files.backup_folder(board).iterdir()) == []


def test_a_damaged_big_board_is_read_but_never_written(tmp_path, monkeypatch):
    monkeypatch.setattr(storage.board, "FULL_CHECK_BYTES", 64 * 1024)  # "big", quickly
    board = tmp_path / "board.db"
    new_board(board, [f"voice {i} " + "words " * 200 for i in range(200)])
    size = board.stat().st_size
    assert size > 64 * 1024
    conn = sqlite3.connect(board)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'voices'").fetchone()[0]
    conn.close()
    with board.open("r+b") as fh:  # scribble over the voices table's root page
        fh.seek((root - 1) * 4096)
        fh.write(b"\x42" * 64)
    opened = open_board(board)
    with pytest.raises(BoardError, match="damaged.*nothing was written.*empty-chair rescue"), \
            opened.write():
        add_voice(opened.conn, "never written")
    opened.close()


def test_an_older_board_opened_by_two_processes_at_once_migrates_once(tmp_path):
    from sqlite_utils import Database

    from storage.identity import APPLICATION_ID
    from storage.schema import migrations

    board = tmp_path / "old.db"
    conn = sqlite3.connect(board, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m010_board_identity")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 9")
    add_voice(conn, "kept through the migration")
    conn.close()
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from storage.board import open_board
        open_board({str(board)!r}).close()
    """)
    children = [subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE,
                                 text=True, env={**os.environ, "EMPTY_CHAIR_AUTO_BACKUP": "0"})
                for _ in range(3)]
    errors = [c.communicate(timeout=60)[1] for c in children]
    assert [c.returncode for c in children] == [0, 0, 0], errors  # none failed on a name
    opened = open_board(board)
    assert opened.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert opened.conn.execute("SELECT count(*) FROM board").fetchone()[0] == 1
    opened.close()
    assert voices(board) == ["kept through the migration"]
    backups = list(tmp_path.glob("old.before-migration-*.db"))
    assert backups  # at least the first one made its backup, under a name of its own


def test_a_wal_that_cannot_be_checked_is_never_moved(tmp_path, monkeypatch):
    board = tmp_path / "board.db"
    new_board(board, ["before"])
    crash_after_writing(board, ["committed, in the -wal"])
    wal = files.wal_of(board)
    before = digest(wal)

    def no_room(src, dst, *args, **kwargs):
        raise OSError(28, "No space left on device")

    import shutil

    monkeypatch.setattr(shutil, "copyfile", no_room)
    with pytest.raises(BoardError, match="cannot check its write-ahead log.*nothing was changed"):
        open_board(board)
    assert digest(wal) == before  # the board's own log stays where SQLite looks for it
    monkeypatch.undo()
    opened = open_board(board)
    assert sorted(t for (t,) in opened.conn.execute("SELECT text FROM voices")) == [
        "before", "committed, in the -wal"]
    opened.close()


def test_a_copy_restored_by_hand_beside_its_own_stale_wal_is_not_mixed(tmp_path):
    board = tmp_path / "board.db"
    new_board(board, [f"old {i}" for i in range(50)])
    copy = tmp_path / "copy.db"
    copy.write_bytes(board.read_bytes())  # cp board.db copy.db: the same board, same id
    keep = open_board(board)
    with keep.write():
        for i in range(300):
            add_voice(keep.conn, f"newer {i}")
    keep.close()
    crash_after_writing(board, [f"newest {i}" for i in range(300)])
    os.replace(copy, board)
    opened = open_board(board)
    assert opened.notices  # set aside: applying it would mix two states of the board
    assert opened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert opened.conn.execute("SELECT count(*) FROM voices").fetchone()[0] == 50
    opened.close()


def test_a_board_opened_through_a_link_has_its_wal_vetted(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    board = real / "board.db"
    new_board(board, ["mine"])
    other = tmp_path / "other.db"
    new_board(other, [f"other {i}" for i in range(5)])
    crash_after_writing(other, [f"other more {i}" for i in range(300)])
    os.replace(files.wal_of(other), files.wal_of(board))
    link = tmp_path / "link.db"
    link.symlink_to(board)
    opened = open_board(link)
    assert opened.notices
    assert [t for (t,) in opened.conn.execute("SELECT text FROM voices")] == ["mine"]
    opened.close()


def test_a_second_open_in_this_process_never_reads_the_file_itself(tmp_path, monkeypatch):
    board = tmp_path / "board.db"
    new_board(board, ["x"])
    first = open_board(board)

    def must_not(path):
        raise AssertionError("a Python open and close of an open board drops our locks")

    monkeypatch.setattr(storage.board, "_check_file", must_not)
    second = open_board(board)
    second.close()
    first.close()
