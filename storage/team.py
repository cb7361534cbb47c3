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
