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


def _cut_after_the_servers_commit(monkeypatch, path) -> None:
    """One sync of `path` whose laptop dies after the server committed (its own
    transaction never runs)."""
    import storage.team as team

    real = team._apply

    def cut(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(team, "_apply", cut)
    with pytest.raises(sqlite3.OperationalError):
        _sync(path)
    monkeypatch.setattr(team, "_apply", real)


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

    url, a, b = linked
    edit(a, "painless", "a edit")
    _cut_after_the_servers_commit(monkeypatch, a)
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
    """The first close stands (a closed meeting is read-only); the other is kept."""
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
                            "'closed' AND table_name = 'decisions'").fetchall()
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
        [frozen] = [c for c in conflicts(store.conn)
                    if c.kind == "closed" and c.table == "decisions"]
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


def test_two_cycles_of_one_board_file_at_once_are_not_a_copy(linked, monkeypatch):
    """The window's background sync, slow to reach the server, and `empty-chair sync` in a
    terminal meanwhile, with an edit in between: no relink, the edit stays and travels."""
    import threading

    import storage.team as team
    from ui.composition import team_sync

    url, a, _b = linked
    go = threading.Event()
    real = team._connect

    def slow(link_url):
        if threading.current_thread().name == "window":
            go.wait(30)  # a slow network: the window read the link, then waited
        return real(link_url)

    monkeypatch.setattr(team, "_connect", slow)
    said: dict[str, str] = {}
    window = threading.Thread(name="window",
                              target=lambda: said.setdefault("w", team_sync(a).line()))
    window.start()
    said["terminal"] = team_sync(a).line()
    edit(a, "painless", "my unsynced edit")
    go.set()
    window.join(60)
    assert "linked afresh" not in said["w"] + said["terminal"]
    _sync(a)
    assert ("Beta Clinic", "my unsynced edit") in _live(a)
    with psycopg.connect(url) as conn:
        assert ("my unsynced edit",) in conn.execute("SELECT text FROM voices").fetchall()
        assert conn.execute("SELECT count(*) FROM team_origins").fetchone()[0] == 2


def test_a_cut_cycle_then_a_failed_one_still_knows_its_board(linked, monkeypatch):
    import storage.team as team

    url, a, b = linked
    edit(a, "painless", "a1")
    real_incoming = team._incoming

    def gone(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    _cut_after_the_servers_commit(monkeypatch, a)
    _sync(b)
    edit(b, "a1", "b newer")
    _sync(b)
    monkeypatch.setattr(team, "_incoming", gone)  # the next try loses the network midway
    with pytest.raises(Exception, match="server unreachable"):
        _sync(a)
    monkeypatch.setattr(team, "_incoming", real_incoming)
    edit(a, "monday", "a edits another voice")
    report = _sync(a)
    assert "linked afresh" not in report.line()
    texts = {t for _c, t in _live(a)}
    assert {"b newer", "a edits another voice"} <= texts  # neither edit lost
    assert "a1" not in texts
    assert _live(a) == (_sync(b) and _live(b))


@pytest.mark.parametrize("renames", [
    (("Acme Retail", "Tmp"), ("Beta Clinic", "Acme Retail"), ("Tmp", "Beta Clinic")),
    (("Acme Retail", "Acme Corp"), ("Beta Clinic", "Acme Retail"))])
def test_names_swapped_or_chained_on_one_laptop_arrive_as_they_are(linked, renames):
    url, a, b = linked
    store = open_store(a)
    for old, new in renames:
        customer = next(c for c in store.customers() if c.name == old)
        store.update_customer(customer._replace(name=new))
    store.close()
    before = _live(a)
    for path in (a, b):
        assert _sync(path).merged == 0
    assert _live(a) == _live(b) == before
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM customers WHERE deleted_at IS NULL"
                            ).fetchone()[0] == 2


def test_a_merged_away_row_and_its_survivor_edited_in_one_push(empty_pair):
    url, a, b = empty_pair
    _add(a, "from a", "Acme")
    _sync(a)
    _sync(b)
    _add(b, "from b", "Gamma")
    _sync(b)
    store = open_store(a)  # a, offline, renames Acme onto b's name: merged into b's Gamma
    acme = next(c for c in store.customers() if c.name == "Acme")
    store.update_customer(acme._replace(name="GAMMA"))
    store.close()
    _sync(a)
    store = open_store(b)  # b, before pulling that, edits both customers' notes
    for customer in store.customers():
        store.update_customer(customer._replace(notes=f"notes of {customer.name} on b"))
    store.close()
    assert _sync(b).pushed >= 1  # no "cannot affect row a second time": it goes through
    _sync(a)
    assert _live(a) == _live(b) == [("Gamma", "from a"), ("Gamma", "from b")]


def test_a_team_board_of_version_1_compares_names_as_a_laptop_does(team_db, tmp_path):
    from storage.team import _create_v1

    with psycopg.connect(team_db) as conn, conn.cursor() as cursor:
        _create_v1(cursor)
        cursor.execute("INSERT INTO customers (id, name, weight, owner, notes, created_at, "
                       "updated_at, origin) VALUES ('c1', 'Straße', 1, '', '', "
                       "'2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'old')")
    init_server(team_db)
    a = tmp_path / "a.db"
    open_store(a, create=True).close()
    _add(a, "new voice", "STRASSE")
    assert main(["connect", team_db, "--db", str(a)]) == 0
    assert _live(a) == [("Straße", "new voice")]  # merged into the older row


def test_after_a_relink_the_boards_earlier_versions_are_still_mine(empty_pair, tmp_path):
    from app.team import Keep
    from storage.team import resolve_conflict
    from storage.team_local import conflicts, team_state

    url, a, b = empty_pair
    _add(a, "original")
    _sync(a)
    _sync(b)
    edit(a, "original", "a edit")
    edit(b, "original", "b edit")
    _sync(a)
    _sync(b)
    _sync(a)  # a's edit was replaced by b's: a holds the conflict, its version "mine"
    assert main(["backup", str(tmp_path / "kept.db"), "--db", str(a)]) == 0
    _add(a, "after the backup")
    _sync(a)
    assert main(["restore", str(tmp_path / "kept.db"), "--db", str(a)]) == 0
    assert "linked afresh" in _sync(a).line()  # a new name on the server
    store = open_store(a)
    try:
        state = team_state(store.conn)
        [old] = [c for c in conflicts(store.conn) if c.replaced.get("text") == "a edit"]
        assert old.replaced_origin in state.mine
        assert old.replaced_origin != state.origin
        resolve_conflict(store, old.id, Keep.REPLACED)
    finally:
        store.close()
    _sync(a)
    _sync(b)
    assert _live(b) == [("Acme", "a edit"), ("Acme", "after the backup")]


def test_a_connect_that_fails_leaves_no_board_behind(tmp_path, capsys):
    board = tmp_path / "new.db"
    assert main(["connect", "postgresql://u:s3cr@t-pw@127.0.0.1:9/db", "--db", str(board)]) == 1
    err = capsys.readouterr().err
    assert "server unreachable" in err
    assert "t-pw" not in err
    assert not board.exists()


def test_keep_mine_names_the_row_a_merge_made_not_the_one_it_retired(empty_pair):
    from app.team import Keep
    from storage.team import resolve_conflict
    from storage.team_local import conflicts

    url, a, b = empty_pair
    _add(a, "original", "Acme")
    _sync(a)
    _sync(b)
    edit(b, "original", "b edit")
    _sync(b)
    edit(a, "original", "a edit")
    _sync(a)
    _sync(b)  # on b: a's edit is live, b's kept (it names customer Acme)
    _add(a, "gamma", "Gamma")
    _sync(a)
    store = open_store(b)  # offline, b renames Acme to a name a already uses: merged
    acme = next(c for c in store.customers() if c.name == "Acme")
    store.update_customer(acme._replace(name="GAMMA"))
    store.close()
    _sync(b)
    store = open_store(b)
    try:
        [mine] = [c for c in conflicts(store.conn) if c.table == "voices"]
        resolve_conflict(store, mine.id, Keep.REPLACED)
    finally:
        store.close()
    assert ("Gamma", "b edit") in _live(b)  # at once, offline: on the live customer
    for path in (b, a):
        _sync(path)
    assert _live(a) == _live(b) == [("Gamma", "b edit"), ("Gamma", "gamma")]
