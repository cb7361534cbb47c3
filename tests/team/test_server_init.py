"""`empty-chair server init URL` on a real, throwaway PostgreSQL."""

from __future__ import annotations

import pytest

from app.errors import BoardError
from app.snapshot import TABLES
from ui.cli import main

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


def _tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}


def test_init_makes_an_empty_database_a_team_board_and_is_idempotent(team_db, capsys):
    assert main(["server", "init", team_db]) == 0
    assert "a new team board (schema version 2)" in capsys.readouterr().out
    assert _tables(team_db) == {t.name for t in TABLES} | {
        "team_board", "sync_conflicts", "team_origins", "team_aliases"}
    with psycopg.connect(team_db) as conn:
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'voices'")}
        assert {"id", "text", "seq", "origin", "search"} <= columns
    assert main(["server", "init", team_db]) == 0
    assert "already a team board (schema version 2)" in capsys.readouterr().out


def test_init_refuses_a_database_with_other_tables_and_changes_nothing(team_db, capsys):
    with psycopg.connect(team_db) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    assert main(["server", "init", team_db]) == 1
    err = capsys.readouterr().err
    assert "holds other tables (invoices)" in err
    assert "nothing was changed" in err
    assert _tables(team_db) == {"invoices"}


def test_init_migrates_a_team_board_of_the_first_version_keeping_its_rows(team_db, capsys):
    from storage.team import _create_v1

    with psycopg.connect(team_db) as conn, conn.cursor() as cursor:
        _create_v1(cursor)  # what `server init` made before team schema version 2
        cursor.execute("INSERT INTO themes (id, name, created_at, updated_at, origin) VALUES "
                       "('t1', 'Billing', '2026-01-01T00:00:00.000Z', "
                       "'2026-01-01T00:00:00.000Z', 'laptop')")
    assert main(["server", "init", team_db]) == 0
    assert "brought from version 1 to 2" in capsys.readouterr().out
    with psycopg.connect(team_db) as conn:
        assert conn.execute("SELECT name FROM themes").fetchall() == [("Billing",)]
        columns = {r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE "
            "table_name = 'sync_conflicts'")}
        assert {"kind", "kept_origin", "resolved_by"} <= columns
    assert "team_aliases" in _tables(team_db)


def test_init_refuses_a_newer_team_board(team_db):
    from storage.team import init_server

    init_server(team_db)
    with psycopg.connect(team_db) as conn:
        conn.execute("UPDATE team_board SET version = 99")
    with pytest.raises(BoardError, match="schema version 99"):
        init_server(team_db)


def test_an_unreachable_server_is_one_line_and_hides_the_password(capsys):
    url = "postgresql://leader:secret@127.0.0.1:9/team"  # port 9: nobody listens
    assert main(["server", "init", url]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "server unreachable" in err
    assert "secret" not in err
    assert "leader@127.0.0.1" in err
