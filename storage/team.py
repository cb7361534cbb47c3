"""The team board's PostgreSQL schema: every board table mirrored, each row stamped with the
server's change sequence (`seq`, the order every laptop agrees on) and the board it came from
(`origin`); `sync_conflicts` keeps every version a newer one replaced. psycopg 3, and only
parameterised SQL for rows."""

from __future__ import annotations

import re
from typing import Any

from app.errors import BoardError, EmptyChairError
from app.snapshot import TABLES, Table

TEAM_VERSION = 1
OURS = {"team_board", "sync_conflicts"} | {t.name for t in TABLES}
_NUMERIC = {"weight": "double precision", "severity": "bigint", "position": "bigint",
            "source_line": "bigint", "anonymous": "bigint"}


def safe_url(url: str) -> str:
    """The URL with any password taken out, for messages and logs."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency of the app
        raise EmptyChairError("the team board needs psycopg: pip install 'psycopg[binary]'") \
            from exc
    try:
        return psycopg.connect(url, connect_timeout=10)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no answer"
        raise BoardError(f"{safe_url(url)}: server unreachable ({first})") from exc


def _column_sql(table: Table) -> str:
    # Laptops check every value before it leaves (app.snapshot's checks); the server keeps
    # what they agreed on, typed loosely so a newer laptop's column never breaks an older one.
    columns = [f'"{c.name}" {_NUMERIC.get(c.name, "text")}' for c in table.columns]
    columns += ["seq bigint NOT NULL DEFAULT nextval('team_seq')", "origin text NOT NULL"]
    key = ", ".join(f'"{k}"' for k in table.key)
    return ", ".join(columns) + f", PRIMARY KEY ({key})"


def _create(cursor: Any) -> None:
    cursor.execute("CREATE SEQUENCE team_seq")
    cursor.execute("CREATE TABLE team_board (version integer NOT NULL, created_at timestamptz "
                   "NOT NULL DEFAULT now())")
    cursor.execute("INSERT INTO team_board (version) VALUES (%s)", [TEAM_VERSION])
    for table in TABLES:
        cursor.execute(f'CREATE TABLE "{table.name}" ({_column_sql(table)})')
        cursor.execute(f'CREATE INDEX "{table.name}_seq" ON "{table.name}" (seq)')
    # Full-text search on the server: the same words as on a laptop, stemmed by Postgres.
    cursor.execute("ALTER TABLE voices ADD COLUMN search tsvector GENERATED ALWAYS AS "
                   "(to_tsvector('english', coalesce(text, ''))) STORED")
    cursor.execute("CREATE INDEX voices_search ON voices USING gin (search)")
    cursor.execute("""
        CREATE TABLE sync_conflicts (
            id bigserial PRIMARY KEY,
            table_name text NOT NULL,
            row_key text NOT NULL,
            kept jsonb NOT NULL,
            replaced jsonb NOT NULL,
            replaced_origin text NOT NULL,
            at timestamptz NOT NULL DEFAULT now(),
            resolved text
        )""")


# Migrations of the team schema, by the version they lead to (none yet past version 1).
MIGRATIONS: dict[int, list[str]] = {}


def init_server(url: str) -> str:
    """Make an empty PostgreSQL database a team board, or bring an older one up to date;
    a database holding other tables, or a newer team board, is refused untouched."""
    with _connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE "
                       "table_schema = 'public'")
        present = {r[0] for r in cursor.fetchall()}
        others = sorted(present - OURS)
        if others:
            shown = ", ".join(others[:5]) + (" …" if len(others) > 5 else "")
            raise BoardError(f"{safe_url(url)} holds other tables ({shown}): a team board "
                             "needs a database of its own; nothing was changed")
        if not present:
            _create(cursor)
            return f"{safe_url(url)}: a new team board (schema version {TEAM_VERSION})"
        if "team_board" not in present:
            raise BoardError(f"{safe_url(url)} holds some of a team board's tables but no "
                             "team_board row: not ours to change; nothing was changed")
        cursor.execute("SELECT version FROM team_board")
        version = int(cursor.fetchone()[0])
        if version > TEAM_VERSION:
            raise BoardError(f"{safe_url(url)} is a team board of schema version {version}; "
                             f"this app knows {TEAM_VERSION}: update the app")
        for step in range(version + 1, TEAM_VERSION + 1):
            for statement in MIGRATIONS.get(step, []):
                cursor.execute(statement)
        cursor.execute("UPDATE team_board SET version = %s", [TEAM_VERSION])
        if version == TEAM_VERSION:
            return f"{safe_url(url)}: already a team board (schema version {version})"
        return f"{safe_url(url)}: team board brought from version {version} to {TEAM_VERSION}"


def search_server(url: str, words: str, limit: int = 50) -> list[str]:
    """Voice ids matching the words on the server (websearch syntax, Postgres' stemming)."""
    with _connect(url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT id FROM voices WHERE search @@ websearch_to_tsquery('english', "
                       "%s) AND deleted_at IS NULL ORDER BY heard_on DESC LIMIT %s",
                       [words, limit])
        return [r[0] for r in cursor.fetchall()]


# -- a board linked to the team server ---------------------------------------------------
# Push, then pull, in one cycle. Pushes take the team lock, so the server's change sequence
# is handed out in commit order: a laptop that has pulled up to seq N has seen every change
# numbered N or less, never missing one committed late.
_LOCK = 0x45434831  # pg_advisory_xact_lock key: the team board's pushes, one at a time


def _local_rows(conn: Any, table: Table, since: str) -> list[dict[str, Any]]:
    names = [c.name for c in table.columns]
    quoted = ", ".join(f'"{n}"' for n in names)
    rows = conn.execute(f'SELECT {quoted} FROM "{table.name}" WHERE updated_at >= ? '
                        "ORDER BY updated_at", [since]).fetchall()
    return [dict(zip(names, r, strict=True)) for r in rows]


def _key_of(table: Table, row: dict[str, Any]) -> str:
    return "|".join(str(row[k]) for k in table.key)


def _push(cursor: Any, conn: Any, origin: str, pulled: int, since: str) -> tuple[int, int]:
    """Every local row changed since the last push, upserted; a row another board changed
    since this one last pulled keeps its server version in sync_conflicts. Returns (rows
    written, conflicts kept)."""
    import json

    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
    written = conflicts = 0
    for table in TABLES:
        names = [c.name for c in table.columns]
        where = " AND ".join(f'"{k}" = %s' for k in table.key)
        for row in _local_rows(conn, table, since):
            key = [row[k] for k in table.key]
            cursor.execute(f'SELECT seq, origin, {", ".join(chr(34) + n + chr(34) for n in names)}'
                           f' FROM "{table.name}" WHERE {where} FOR UPDATE', key)
            found = cursor.fetchone()
            theirs = dict(zip(names, found[2:], strict=True)) if found else None
            if theirs is not None and _same(theirs, row):
                continue  # already there (it came from the server): nothing to send back
            mine = dict(row)
            if table.name == "decisions" and theirs is not None and theirs.get("frozen") and \
                    theirs.get("frozen") != mine.get("frozen"):
                mine["frozen"] = theirs["frozen"]  # what a closed meeting saw is never rewritten
            if theirs is not None and found[0] > pulled and found[1] != origin:
                cursor.execute(
                    "INSERT INTO sync_conflicts (table_name, row_key, kept, replaced, "
                    "replaced_origin) VALUES (%s, %s, %s, %s, %s)",
                    [table.name, _key_of(table, row), json.dumps(mine, default=str),
                     json.dumps(theirs, default=str), found[1]])
                conflicts += 1
            columns = ", ".join(f'"{n}"' for n in names)
            marks = ", ".join(["%s"] * len(names))
            updates = ", ".join(f'"{n}" = EXCLUDED."{n}"' for n in names
                                if n not in table.key)
            cursor.execute(
                f'INSERT INTO "{table.name}" ({columns}, origin) VALUES ({marks}, %s) '
                f'ON CONFLICT ({", ".join(chr(34) + k + chr(34) for k in table.key)}) DO UPDATE '
                f"SET {updates}, origin = EXCLUDED.origin, seq = nextval('team_seq')",
                [*[mine[n] for n in names], origin])
            written += 1
    return written, conflicts


def _same(theirs: dict[str, Any], mine: dict[str, Any]) -> bool:
    return all(_norm(theirs[k]) == _norm(mine[k]) for k in mine)


def _norm(value: Any) -> Any:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else value


def _pull(cursor: Any, conn: Any, origin: str, pulled: int) -> tuple[int, int]:
    """Every row other boards changed since the last pull, written as the server has it, in
    one local transaction (the caller's). Returns (rows taken, the newest seq seen)."""
    taken, newest = 0, pulled
    for table in TABLES:
        names = [c.name for c in table.columns]
        quoted = ", ".join(f'"{n}"' for n in names)
        cursor.execute(f'SELECT seq, {quoted} FROM "{table.name}" WHERE seq > %s AND '
                       "origin <> %s ORDER BY seq", [pulled, origin])
        rows = cursor.fetchall()
        if not rows:
            continue
        updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in table.key)
        keys = ", ".join(f'"{k}"' for k in table.key)
        conn.executemany(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))}) '
            f"ON CONFLICT ({keys}) DO UPDATE SET {updates}",
            [tuple(_local(n, v) for n, v in zip(names, r[1:], strict=True)) for r in rows])
        taken += len(rows)
        newest = max(newest, max(int(r[0]) for r in rows))
    return taken, newest


def _local(name: str, value: Any) -> Any:
    if name in ("severity", "position", "source_line", "anonymous") and value is not None:
        return int(value)
    return value


def sync_board(url: str, store: Any) -> str:
    """One cycle: push this board's changes, then pull everyone else's. A failure on either
    side leaves both as they were (one server transaction, one local transaction)."""
    import sqlite3

    from storage.board import now_utc

    conn = store.conn
    link = conn.execute("SELECT server, origin, pulled_seq, pushed_until FROM team_link"
                        ).fetchone()
    if link is None:
        raise BoardError(f"{store.path}: not linked to a team server; run "
                         "`empty-chair connect URL` first")
    _server, origin, pulled, since = link
    started = now_utc()
    with _connect(url) as server, server.cursor() as cursor, store.connection.write():
        pushed, conflicts = _push(cursor, conn, origin, int(pulled), since)
        conn.execute("PRAGMA defer_foreign_keys = ON")
        try:
            taken, newest = _pull(cursor, conn, origin, int(pulled))
        except sqlite3.IntegrityError as exc:
            raise BoardError(f"{store.path}: a row from the team server clashes with this "
                             f"board ({exc}); nothing was synced") from exc
        conn.execute("UPDATE team_link SET pulled_seq = ?, pushed_until = ?",
                     [newest, started])
        # The server commits first: should the local commit then fail, the next cycle
        # pushes the same rows again (the server skips what it has) and pulls again.
        server.commit()
    return (f"{store.path}: {pushed:,} rows pushed, {taken:,} pulled"
            + (f", {conflicts:,} conflicts kept in sync_conflicts" if conflicts else ""))


def connect_board(url: str, store: Any) -> str:
    """Link a board to a team server and run the first sync: an empty server receives the
    board, an empty board receives the server's, both non-empty are merged."""
    from storage.files import board_id

    origin = board_id(store.conn) or str(store.path)
    with store.connection.write():
        store.conn.execute("DELETE FROM team_link")
        store.conn.execute("INSERT INTO team_link (server, origin) VALUES (?, ?)",
                           [safe_url(url), origin])
    return sync_board(url, store)
