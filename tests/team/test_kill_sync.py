"""A sync killed midway (kill -9 of a real `empty-chair sync` process) leaves nothing
half-applied on either side, and the next sync completes it once."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.board.commands import EditVoice, draft_of
from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")
ROOT = Path(__file__).resolve().parents[2]


def _sync_process(board: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ui", "sync", "--db", str(board)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def _until(condition, what: str, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def _sync_state(path: Path) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("SELECT pulled_seq FROM team_link").fetchone(),
                sorted(conn.execute("SELECT tbl, k1, k2, n FROM team_dirty").fetchall()),
                sorted(conn.execute("SELECT id, text FROM voices").fetchall()))
    finally:
        conn.close()


def _server_rows(url: str) -> tuple:
    with psycopg.connect(url) as conn:
        return (sorted(conn.execute("SELECT id, text FROM voices").fetchall()),
                conn.execute("SELECT count(*) FROM voice_themes").fetchone()[0],
                conn.execute("SELECT count(*) FROM customers").fetchone()[0],
                conn.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0])


def _work_offline(path: Path, words: str) -> None:
    """An edit, a new customer and a new voice with a theme: rows in several tables."""
    store = open_store(path)
    try:
        voice = store.search(VoiceFilter(text="painless"))[0]
        EditVoice(voice.id, draft_of(voice), dataclasses.replace(
            draft_of(voice), text=words)).apply(store)
        store.import_rows([ImportRow(f"{words}, again", Kind.NEED, f"New {words[:12]}",
                                     voice.heard_on, Channel.EMAIL, 2, None, ("Speed",), "",
                                     None, "typed.csv", 2, f"key {words}")], 1)
    finally:
        store.close()


def test_killed_while_pushing_the_server_keeps_nothing_of_it(linked):
    url, a, _b = linked
    _work_offline(a, "Onboarding took a day")
    before_local, before_server = _sync_state(a), _server_rows(url)
    with psycopg.connect(url) as holder, psycopg.connect(url, autocommit=True) as look:
        # The push writes cohorts, customers, themes and voices, then waits here.
        holder.execute("LOCK TABLE voice_themes IN ACCESS EXCLUSIVE MODE")
        sync = _sync_process(a)
        _until(lambda: look.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
            "state = 'active'").fetchone()[0] == 1 or sync.poll() is not None,
            "the push to wait on the lock")
        assert sync.poll() is None, sync.communicate()
        # Its earlier tables are written in its transaction, which holds their row locks.
        assert look.execute("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = "
                            "l.relation WHERE c.relname = 'voices' AND l.mode = "
                            "'RowExclusiveLock' AND l.granted").fetchone()[0] == 1
        sync.send_signal(signal.SIGKILL)
        sync.wait(10)
        holder.rollback()  # the lock goes; the dead client's transaction is rolled back
    with psycopg.connect(url) as look:
        _until(lambda: look.execute("SELECT count(*) FROM pg_stat_activity WHERE "
                                    "wait_event_type = 'Lock'").fetchone()[0] == 0,
               "the killed push's session to end")
    assert _server_rows(url) == before_server  # nothing of the push: not one table
    assert _sync_state(a) == before_local  # the board still knows what it must send
    assert main(["sync", "--db", str(a)]) == 0
    voices, links, customers, conflicts = _server_rows(url)
    assert ("Onboarding took a day, again" in {t for _i, t in voices})
    assert (links, customers, conflicts) == (before_server[1] + 1, before_server[2] + 1, 0)


def test_killed_after_the_server_committed_the_board_is_unchanged_and_catches_up(linked):
    url, a, b = linked
    _work_offline(a, "Onboarding took a day")
    main(["sync", "--db", str(a)])  # b has something to pull
    _work_offline(b, "Onboarding took a week")
    before_local = _sync_state(b)
    conn = sqlite3.connect(b)
    origin = conn.execute("SELECT origin FROM team_link").fetchone()[0]
    conn.close()
    holder = sqlite3.connect(b, isolation_level=None)
    with psycopg.connect(url) as server_hold, psycopg.connect(url, autocommit=True) as look:
        # The cycle's last server write waits on this row; meanwhile b's write lock is
        # taken, so once the server commits, b's own transaction waits: then it is killed.
        server_hold.execute("SELECT 1 FROM team_origins WHERE origin = %s FOR UPDATE",
                            [origin])
        sync = _sync_process(b)
        _until(lambda: look.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
            "state = 'active'").fetchone()[0] == 1 or sync.poll() is not None,
            "the cycle to reach its last server write")
        assert sync.poll() is None, sync.communicate()
        holder.execute("BEGIN IMMEDIATE")
        server_hold.rollback()
        try:
            _until(lambda: "Onboarding took a week" in {t for _i, t in _server_rows(url)[0]},
                   "the server to commit b's push")
            sync.send_signal(signal.SIGKILL)
            sync.wait(10)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
    assert _sync_state(b) == before_local  # not one pulled row, nothing forgotten
    conflicts = _server_rows(url)[3]
    with psycopg.connect(url) as conn:  # a's voice edit kept; same-name rows merged
        assert conn.execute("SELECT table_name, kind FROM sync_conflicts ORDER BY "
                            "table_name").fetchall() == [("customers", "merge"),
                                                         ("themes", "merge"),
                                                         ("voices", "edit")]
    assert main(["sync", "--db", str(b)]) == 0  # knows its rows arrived: sends none again
    assert _server_rows(url)[3] == conflicts  # not counted twice
    main(["sync", "--db", str(a)])
    assert _sync_state(a)[2] == _sync_state(b)[2]  # converged
