"""What an open checks (storage/identity.py) must be exactly what the migrations create."""

import sqlite3
import subprocess
import sys

import pytest
from sqlite_utils import Database

from storage.identity import APPLICATION_ID, SCHEMA_CODE, SCHEMA_VERSION
from storage.schema import migrations


def _code(conn):
    return set(conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall())


def test_identity_matches_the_migrations():
    # Every version's schema code is trusted (a board opens before it is migrated), and
    # nothing is listed that no version ever wrote.
    names = [m.name for m in migrations.pending(Database(sqlite3.connect(":memory:")))]
    assert len(names) == SCHEMA_VERSION
    seen = set()
    for stop in [*names[1:], None]:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        migrations.apply(Database(conn, execute_plugins=False), stop_before=stop)
        code = _code(conn)
        assert code <= SCHEMA_CODE, sorted(code - SCHEMA_CODE)
        seen |= code
    assert seen == set(SCHEMA_CODE)


def test_opening_an_up_to_date_board_does_not_load_sqlite_utils(board_path):
    from storage.board import open_board

    open_board(board_path, create=True).close()
    probe = ("import sys; from storage.board import open_board; "
             f"open_board({str(board_path)!r}).close(); "
             "print('sqlite_utils' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def _version_6_board(path):
    """A board as version 6 of the app left it, with one customer and one voice."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m007_voice_checks_without_in_lists")
    stamp = "2026-01-01T00:00:00.000Z"
    conn.execute("INSERT INTO customers (id, name, created_at, updated_at) "
                 "VALUES ('c1', 'Acme', ?, ?)", [stamp, stamp])
    conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, channel, "
                 "need_depth, created_at, updated_at) VALUES ('v1', 'c1', 'need', "
                 "'Export to PDF please', '2026-01-01', 'sales call', 'real', ?, ?)",
                 [stamp, stamp])
    conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, created_at, "
                 "updated_at, deleted_at) VALUES ('v0', 'c1', 'quote', 'Tombstoned zeppelin', "
                 "'2026-01-01', ?, ?, ?)", [stamp, stamp, stamp])
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 6")
    conn.close()


def test_version_6_board_keeps_its_voices_and_its_checks(tmp_path):
    from storage.board import open_board

    path = tmp_path / "old.db"
    _version_6_board(path)
    board = open_board(path)
    conn = board.conn
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT text, channel, need_depth FROM voices WHERE deleted_at IS NULL"
                        ).fetchall() == [("Export to PDF please", "sales call", "real")]
    # m008: the text index holds live voices only.
    assert conn.execute("SELECT rowid FROM voices_fts WHERE voices_fts MATCH 'zeppelin'"
                        ).fetchall() == []
    assert conn.execute("SELECT count(*) FROM voices_fts WHERE voices_fts MATCH 'pdf'"
                        ).fetchone()[0] == 1
    assert list(tmp_path.glob("old.before-migration-*.db"))  # the backup was made first
    insert = ("INSERT INTO voices (id, customer_id, kind, text, heard_on, channel, need_depth, "
              "created_at, updated_at) VALUES (?, 'c1', ?, 'x', '2026-01-02', ?, ?, 'n', 'n')")
    conn.execute(insert, ["ok", "complaint", "email", None])
    for bad in (["v2", "praise", "email", None], ["v3", "quote", "fax", None],
                ["v4", "need", "email", "urgent"], ["v5", "quote", "email", "real"]):
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute(insert, bad)
    board.close()


def test_a_voices_table_worded_differently_keeps_its_checks_and_opens(tmp_path):
    from storage.board import open_board

    path = tmp_path / "old.db"
    _version_6_board(path)
    conn = sqlite3.connect(path, isolation_level=None)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'voices'").fetchone()[0]
    reworded = sql.replace("kind IN ('quote', 'complaint', 'need')",
                           "kind IN ('quote','complaint','need')")
    version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'voices'", [reworded])
    conn.execute(f"PRAGMA schema_version = {version + 1}")
    conn.close()
    board = open_board(path)
    assert board.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert board.conn.execute("SELECT sql FROM sqlite_master WHERE name = 'voices'"
                              ).fetchone()[0] == reworded
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        board.conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, "
                           "created_at, updated_at) VALUES ('v9', 'c1', 'praise', 'x', "
                           "'2026-01-01', 'n', 'n')")
    board.close()


def test_version_8_board_gets_a_stemmed_text_index_of_its_live_voices(tmp_path):
    from storage.board import open_board

    path = tmp_path / "v8.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m009_stemmed_text_index")
    stamp = "2026-01-01T00:00:00.000Z"
    conn.execute("INSERT INTO customers (id, name, created_at, updated_at) "
                 "VALUES ('c1', 'Acme', ?, ?)", [stamp, stamp])
    for voice_id, text, deleted in (("v1", "Our bags were cancelled twice", None),
                                    ("v2", "Luggage cancellations again", None),
                                    ("v3", "Tombstoned bags", stamp)):
        conn.execute("INSERT INTO voices (id, customer_id, kind, text, heard_on, created_at, "
                     "updated_at, deleted_at) VALUES (?, 'c1', 'complaint', ?, '2026-01-01', "
                     "?, ?, ?)", [voice_id, text, stamp, stamp, deleted])
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 8")

    def found(db, query):
        return sorted(r[0] for r in db.execute(
            "SELECT v.id FROM voices_fts JOIN voices v ON v.rowid = voices_fts.rowid "
            "WHERE voices_fts MATCH ?", [query]))

    assert found(conn, "bag") == []  # unicode61 alone: "bags" is not "bag"
    conn.close()
    board = open_board(path)
    db = board.conn
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "porter" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'voices_fts'"
                                  ).fetchone()[0]
    assert found(db, "bag") == ["v1"]  # stemmed, and the tombstoned voice stays out
    assert found(db, "cancel") == ["v1", "v2"]
    assert db.execute("SELECT doc FROM voices_fts_vocab WHERE term = 'cancel'"
                      ).fetchone()[0] == 2
    db.execute("INSERT INTO voices_fts (voices_fts) VALUES ('integrity-check')")  # raises if not
    # The triggers still keep the rebuilt index in step.
    db.execute("UPDATE voices SET deleted_at = ? WHERE id = 'v1'", [stamp])
    assert found(db, "bag") == []
    board.close()
