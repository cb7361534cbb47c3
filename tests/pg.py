"""A throwaway PostgreSQL on 127.0.0.1, for the team-board tests and `make bench`: initdb
and pg_ctl (as the postgres user when run as root), fsync off, gone when stopped."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PASSWORD_ROLE = "team_pw"  # the one role the test server asks a password of


class NoServer(Exception):  # noqa: N818 - a reason to skip, said in words
    """No PostgreSQL could be started here; the message says why."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runner = shutil.which("runuser") or shutil.which("su")
    if runner and runner.endswith("runuser"):
        return [runner, "-u", "postgres", "--", *command]
    return ["su", "postgres", "-c", " ".join(command)]


@contextmanager
def throwaway_server() -> Iterator[str]:
    """The URL of a new server's maintenance database; the server stops afterwards."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = bins[-1] if bins else shutil.which("initdb")
    if not initdb:
        raise NoServer("no PostgreSQL here (Debian: apt-get install postgresql)")
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    folder = Path(tempfile.mkdtemp(prefix="empty-chair-pg-"))
    data, sockets = folder / "data", folder / "sockets"
    data.mkdir()
    sockets.mkdir()
    if os.geteuid() == 0:
        try:
            for path in (folder, data, sockets):
                shutil.chown(path, "postgres")
        except (LookupError, PermissionError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise NoServer("PostgreSQL cannot run as root and there is no postgres user "
                           f"to run it: {exc}") from exc
    port = _free_port()
    try:
        subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres",
                                     "--no-sync", "-E", "UTF8", "--locale", "C"]),
                       check=True, capture_output=True, timeout=120)
        # One role signs in with a password (the keyring tests); everyone else is trusted.
        (data / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256\n"
            "host all all 127.0.0.1/32 trust\n")
        subprocess.run(_as_postgres([
            pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -c port={port} -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off "
            f"-c unix_socket_directories={sockets}", "start"]),
            check=True, capture_output=True, timeout=120)
    except (subprocess.SubprocessError, OSError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise NoServer(f"no PostgreSQL server could be started here: {exc}") from exc
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """A new, empty database on the server (an older one of that name dropped); its URL."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rsplit('/', 1)[0]}/{name}"
