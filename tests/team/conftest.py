"""A throwaway PostgreSQL for the team-board tests, started by the tests themselves on
127.0.0.1 (tests/pg.py: initdb and pg_ctl as the postgres user when run as root, fsync off).
Tests that need it skip, saying why, only when no server can be started.
EMPTY_CHAIR_TEST_PG=URL uses a server of your own instead (its database must be empty)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.pg import NoServer, new_database, throwaway_server
from tests.ui.conftest import (
    make_window,  # noqa: F401 - the board window fixture, here too
    seed_board,
)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database, for the whole session."""
    own = os.environ.get("EMPTY_CHAIR_TEST_PG")
    if own:
        yield own
        return
    pytest.importorskip("psycopg", reason="the team board needs psycopg")
    try:
        server = throwaway_server()
        url = server.__enter__()
    except NoServer as exc:
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def team_db(pg_server: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty database on the server for one test; its URL."""
    import psycopg

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name)[:50].lower()
    yield new_database(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def linked(team_db, tmp_path, capsys):
    """A team server and two laptops connected to it: a with the seeded board, b with
    what its first sync brought. (url, a, b)."""
    from ui.cli import main
    from ui.composition import open_store

    assert main(["server", "init", team_db]) == 0
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    store = open_store(a, create=True)
    seed_board(store)
    store.close()
    assert main(["connect", team_db, "--db", str(a)]) == 0
    assert main(["connect", team_db, "--db", str(b)]) == 0
    capsys.readouterr()
    return team_db, a, b


@pytest.fixture
def empty_pair(team_db, tmp_path):
    """A team server and two new, empty laptops linked to it: (url, a, b)."""
    from ui.cli import main

    assert main(["server", "init", team_db]) == 0
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    assert main(["connect", team_db, "--db", str(a)]) == 0
    assert main(["connect", team_db, "--db", str(b)]) == 0
    return team_db, a, b
