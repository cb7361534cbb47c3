"""A board's link to its team server in real life: connected again, copied to a second
laptop, restored from a backup, cut after the server's commit, a server rebuilt; names
compared as a laptop compares them; closed on two laptops; every failure one line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3

import pytest

from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from storage.team import _LOCK, init_server, sync_board
from tests.pg import new_database
from tests.team.boards import edit
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


def _add(path, text: str, customer: str = "Acme", key: str = "") -> None:
    store = open_store(path)
    try:
        store.import_rows([ImportRow(text, Kind.COMPLAINT, customer, dt.date(2026, 3, 1),
                                     Channel.EMAIL, 3, None, (), "", None, "typed.csv", 2,
                                     key or f"k-{text}")], 1)
    finally:
        store.close()


def _sync(path):
    store = open_store(path)
    try:
        return sync_board(store)
    finally:
        store.close()


def _live(path) -> list[tuple[str, str]]:
    store = open_store(path)
    try:
        return sorted(store.conn.execute(
            "SELECT c.name, v.text FROM voices v JOIN customers c ON c.id = v.customer_id "
            "WHERE v.deleted_at IS NULL AND c.deleted_at IS NULL").fetchall())
    finally:
        store.close()


@pytest.fixture
def empty_pair(team_db, tmp_path):
    assert main(["server", "init", team_db]) == 0
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert main(["connect", team_db, "--db", str(a)]) == 0
    assert main(["connect", team_db, "--db", str(b)]) == 0
    return team_db, a, b


def test_connecting_again_keeps_the_link_and_reverts_nobody(linked, capsys):
    url, a, b = linked
    edit(b, "painless", "Onboarding was painless, b says now")
    _sync(b)
    assert main(["connect", url, "--db", str(a)]) == 0  # a new password, say
    assert "linked afresh" not in capsys.readouterr().out
    _sync(b)
    assert ("Beta Clinic", "Onboarding was painless, b says now") in _live(a)
    assert _live(a) == _live(b)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0] == 0


def test_a_cycle_cut_after_the_servers_commit_never_replays_an_old_version(
        linked, monkeypatch):
    import storage.team as team

    url, a, b = linked
    edit(a, "painless", "a edit")
    real = team._apply

    def cut(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")  # the laptop died here

    monkeypatch.setattr(team, "_apply", cut)
    with pytest.raises(sqlite3.OperationalError):
        _sync(a)
    monkeypatch.setattr(team, "_apply", real)
    _sync(b)
    edit(b, "a edit", "b edit, made after seeing a edit")
    _sync(b)
    report = _sync(a)  # its a edit reached the server already: not sent again
    assert (report.pushed, report.conflicts) == (0, 0)
    assert ("Beta Clinic", "b edit, made after seeing a edit") in _live(a)
    assert _live(a) == _live(b)


@pytest.mark.parametrize("names", [("Straße", "STRASSE"), ("Café", "CAFÉ")])
def test_names_that_a_laptop_calls_the_same_merge_on_the_server(empty_pair, names):
    url, a, b = empty_pair
    _add(a, "from a", names[0])
    _add(b, "from b", names[1])
    for path in (a, b, a):
        _sync(path)
    assert _live(a) == _live(b) == [(names[0], "from a"), (names[0], "from b")]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM customers WHERE deleted_at IS NULL"
                            ).fetchone()[0] == 1


def test_a_restored_backup_is_linked_afresh_and_gets_its_rows_back(empty_pair, tmp_path,
                                                                      capsys):
    url, a, b = empty_pair
    _add(a, "before the backup")
    _sync(a)
    assert main(["backup", str(tmp_path / "kept.db"), "--db", str(a)]) == 0
    _add(a, "after the backup")
    _sync(a)
    edit(a, "before the backup", "edited after the backup")
    _sync(a)
    assert main(["restore", str(tmp_path / "kept.db"), "--db", str(a)]) == 0
    report = _sync(a)
    assert "linked afresh (this board is a copy, or a restored backup" in report.line()
    _sync(b)
    assert _live(a) == _live(b) == [("Acme", "after the backup"),
                                    ("Acme", "edited after the backup")]  # the team's rows


def test_a_copy_of_a_linked_board_syncs_as_a_second_laptop(empty_pair, tmp_path):
    url, a, _b = empty_pair
    _add(a, "v1")
    _sync(a)
    c = tmp_path / "c.db"
    shutil.copy(a, c)
    _add(a, "from a")
    _add(c, "from c")
    for path in (a, c, a, c):
        _sync(path)
    assert _live(a) == _live(c) == [("Acme", "from a"), ("Acme", "from c"), ("Acme", "v1")]


def test_a_rebuilt_server_database_is_noticed_and_filled_again(pg_server, tmp_path):
    url = new_database(pg_server, "rebuilt_team")
    init_server(url)
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path in (a, b):
        assert main(["connect", url, "--db", str(path)]) == 0
    for i in range(3):
        _add(a, f"a{i}")
        _sync(a)
    _sync(b)
    new_database(pg_server, "rebuilt_team")  # the admin recreates the database
    init_server(url)
    _add(b, "b after the rebuild")
    assert "linked afresh (this is not the team board it synced with" in _sync(b).line()
    assert "linked afresh" in _sync(a).line()
    _sync(b)
    assert _live(a) == _live(b)
    assert ("Acme", "b after the rebuild") in _live(a)
    assert len(_live(a)) == 4


def test_a_meeting_closed_on_both_laptops_keeps_both_frozen_records(empty_pair):
    url, a, b = empty_pair
    store = open_store(a)
    meeting = store.create_meeting("Weekly", dt.date(2026, 3, 2))
    decision = store.add_decision(meeting, "Drop the free tier")
    store.close()
    _sync(a)
    _sync(b)
    for path, words in ((a, "A's record, approved"), (b, "B's record, rejected")):
        store = open_store(path)
        store.freeze_meeting(meeting, {decision: json.dumps({"room saw": words})})
        store.close()
    for path in (a, b, a):
        _sync(path)
    with psycopg.connect(url) as conn:
        [(live,)] = conn.execute("SELECT frozen FROM decisions").fetchall()
        kept = conn.execute("SELECT replaced->>'frozen' FROM sync_conflicts WHERE kind = "
                            "'frozen'").fetchall()
    assert "A's record" in live  # the first close stands everywhere
    assert [k for (k,) in kept if "B's record" in k]  # the other is kept, not lost
    for path in (a, b):
        store = open_store(path)
        assert "A's record" in store.frozen_records(meeting)[decision]
        store.close()
    from app.errors import BoardError
    from app.team import Keep
    from storage.team import resolve_conflict
    from storage.team_local import conflicts

    store = open_store(b)
    try:
        [frozen] = [c for c in conflicts(store.conn) if c.kind == "frozen"]
        with pytest.raises(BoardError, match="never rewritten"):
            resolve_conflict(store, frozen.id, Keep.REPLACED)  # not even by a choice
        resolve_conflict(store, frozen.id, Keep.LIVE)
        assert "A's record" in store.frozen_records(meeting)[decision]
    finally:
        store.close()


def test_a_server_gone_midway_or_too_busy_is_one_line(linked, capsys, monkeypatch):
    import storage.team as team

    url, a, _b = linked
    edit(a, "painless", "Onboarding was fine")
    monkeypatch.setattr(team, "LOCK_WAIT_MS", 500)
    with psycopg.connect(url, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", [_LOCK])  # another laptop, stuck
        assert main(["sync", "--db", str(a)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "the team server is busy" in err[0]
    store = open_store(a)
    assert store.conn.execute("SELECT count(*) FROM team_dirty").fetchone()[0] == 1
    store.close()
    assert main(["sync", "--db", str(a)]) == 0  # and then it goes through


@pytest.mark.parametrize("url", [
    "postgresql://u:s3cret-pw@[::1/db", "postgresql://u:s3%zzcret-pw@127.0.0.1/db",
    "postgresql://u:s3cret-pw@127.0.0.1:notaport/db",
    "postgresql://u@127.0.0.1:9/db?password=s3cret-pw&sslmode=require"])
def test_a_bad_url_is_one_line_and_never_shows_the_password(url, capsys, tmp_path):
    assert main(["connect", url, "--db", str(tmp_path / "x.db")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "s3cret" not in err
    assert "zzcret" not in err


def test_sslmode_after_a_password_in_the_query_is_kept():
    from storage.team import safe_url

    assert safe_url("postgresql://alice@db.example.com/team?password=s3cret&sslmode="
                    "verify-full") == "postgresql://alice@db.example.com/team?sslmode=verify-full"
    assert safe_url("postgresql://alice@db.example.com/team?sslmode=require&password=x") == \
        "postgresql://alice@db.example.com/team?sslmode=require"
    assert safe_url("host=db user=alice password='p w' sslmode=require") == \
        "host=db user=alice sslmode=require"


def test_voices_on_a_team_board_of_version_1_become_searchable(team_db, tmp_path):
    from storage.team import _create_v1, search_server

    a = tmp_path / "a.db"
    store = open_store(a, create=True)
    store.close()
    _add(a, "The invoices were wrong twice")
    with psycopg.connect(team_db) as conn, conn.cursor() as cursor:
        _create_v1(cursor)
    init_server(team_db)  # version 1 to 2: the search column is new, and empty
    assert main(["connect", team_db, "--db", str(a)]) == 0
    with psycopg.connect(team_db) as conn:  # a row pushed by a version-1 laptop
        conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, channel, "
                     "severity, captured_by, created_at, updated_at, origin) SELECT 'old', "
                     "id, 'complaint', 'An invoice from last year', '2025-01-01', 'email', 3, "
                     "'', created_at, updated_at, 'old laptop' FROM customers")
    assert search_server(team_db, "invoice") != ["old"]
    _sync(a)  # the next sync fills in what the old rows lack
    assert "old" in search_server(team_db, "invoices")
