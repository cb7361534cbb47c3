"""What an open checks (storage/identity.py) must be exactly what the migrations create."""

import sqlite3
import subprocess
import sys

from sqlite_utils import Database

from storage.identity import SCHEMA_CODE, SCHEMA_VERSION
from storage.schema import migrations


def test_identity_matches_the_migrations():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.apply(Database(conn, execute_plugins=False))
    code = set(conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall())
    assert code == set(SCHEMA_CODE)
    assert len(migrations.applied(Database(conn))) == SCHEMA_VERSION


def test_opening_an_up_to_date_board_does_not_load_sqlite_utils(board_path):
    from storage.board import open_board

    open_board(board_path, create=True).close()
    probe = ("import sys; from storage.board import open_board; "
             f"open_board({str(board_path)!r}).close(); "
             "print('sqlite_utils' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"
