"""The team server's password lives in the OS keyring (or ~/.pgpass), never in the board;
sslmode is honoured. On a real PostgreSQL whose `team_pw` role needs a password."""

from __future__ import annotations

import pytest

from tests.pg import PASSWORD_ROLE
from tests.ui.conftest import seed_board
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")
keyring = pytest.importorskip("keyring", reason="the app keeps passwords with keyring")
from keyring.backend import KeyringBackend  # noqa: E402

SECRET = "pw-Secret-77"


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in (the test machine has none): what was kept, in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        self.kept.pop((service, username), None)


@pytest.fixture
def owned(team_db, pg_server):
    """The test's database, owned by a role that signs in with a password; its URLs."""
    name = team_db.rsplit("/", 1)[1]
    with psycopg.connect(pg_server, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                            [PASSWORD_ROLE]).fetchone():
            conn.execute(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{SECRET}'")
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO {PASSWORD_ROLE}')
    host = team_db.split("@", 1)[1]
    return f"postgresql://{PASSWORD_ROLE}:{SECRET}@{host}", f"postgresql://{PASSWORD_ROLE}@{host}"


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


def _board(tmp_path):
    path = tmp_path / "a.db"
    store = open_store(path, create=True)
    seed_board(store)
    store.close()
    return path


def _on_disk(path) -> bytes:
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def test_the_password_is_kept_in_the_keyring_never_in_the_board(
        owned, memory_keyring, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with_password, without = owned
    assert main(["server", "init", with_password]) == 0
    board = _board(tmp_path)
    assert main(["connect", with_password, "--db", str(board)]) == 0
    said = capsys.readouterr()
    assert SECRET not in said.out + said.err
    assert memory_keyring.kept == {("empty-chair team board", without): SECRET}
    assert SECRET.encode() not in _on_disk(board)
    store = open_store(board)
    assert store.conn.execute("SELECT server FROM team_link").fetchone()[0] == without
    store.close()
    assert main(["sync", "--db", str(board)]) == 0  # the password came from the keyring
    memory_keyring.kept.clear()
    assert main(["sync", "--db", str(board)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "server unreachable" in err[0]
    assert SECRET not in err[0]


def test_without_a_keyring_the_password_is_not_kept_and_pgpass_serves(
        owned, tmp_path, capsys, monkeypatch):
    from keyring.backends import fail

    monkeypatch.delenv("PGPASSWORD", raising=False)
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with_password, without = owned
        main(["server", "init", with_password])
        board = _board(tmp_path)
        assert main(["connect", with_password, "--db", str(board)]) == 0
        assert "the password was not kept (no OS keyring here" in capsys.readouterr().out
        assert SECRET.encode() not in _on_disk(board)
        host_port_db = without.split("@", 1)[1]
        host, rest = host_port_db.split(":", 1)
        port, db = rest.split("/", 1)
        pgpass = tmp_path / "pgpass"
        pgpass.write_text(f"{host}:{port}:{db}:{PASSWORD_ROLE}:{SECRET}\n")
        pgpass.chmod(0o600)
        monkeypatch.setenv("PGPASSFILE", str(pgpass))
        assert main(["sync", "--db", str(board)]) == 0
    finally:
        keyring.set_keyring(before)


def test_sslmode_is_honoured(team_db, tmp_path, capsys):
    main(["server", "init", team_db])
    board = _board(tmp_path)
    assert main(["connect", team_db + "?sslmode=require", "--db", str(board)]) == 1
    err = capsys.readouterr().err.strip()
    assert "server unreachable" in err
    assert "SSL" in err  # the test server has none, and the URL demanded it
    store = open_store(board)
    assert store.conn.execute("SELECT count(*) FROM team_link").fetchone()[0] == 0
    store.close()
    assert main(["connect", team_db + "?sslmode=disable", "--db", str(board)]) == 0
    store = open_store(board)
    assert store.conn.execute("SELECT server FROM team_link").fetchone()[0].endswith(
        "?sslmode=disable")  # every later sync connects the same way
    store.close()
