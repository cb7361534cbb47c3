"""The team board on PostgreSQL, and a laptop's board synced with it.

The server mirrors every board table; each row carries the server's change sequence
(`seq`, handed out in commit order: every push holds the team lock) and the board that
wrote it (`origin`, or "team" for a row the server rewrote). A sync is one cycle:

1. read what this board changed (the rows m014's triggers marked in team_dirty) in one
   read snapshot;
2. in one server transaction: push those rows (COPY into temporary tables, then set-based
   SQL), merging a row into a live one of the same name or source, keeping every version a
   push replaces without having seen it in `sync_conflicts`, never rewriting what a closed
   meeting froze; then read everything newer than this board's last pull; commit;
3. in one local transaction, with no network: forget the marks of rows pushed unchanged,
   apply the server's merges and rows (a row changed here meanwhile keeps its edit, marked
   `pending` so its next push keeps the server's version as a conflict), mirror the
   conflicts, move the pull mark.

Should either commit fail, nothing of that side changed; the next cycle pushes again (the
server drops what it already has) and pulls again. Only parameterised SQL carries rows.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.errors import BoardError, EmptyChairError
from app.snapshot import BY_NAME, TABLES, Table
from app.team import Keep, SyncReport
from storage.board import now_utc
from storage.search import name_is, name_params
from storage.team_local import conflicts

if TYPE_CHECKING:
    from storage.repository import SqliteBoard

TEAM_VERSION = 2
OURS = {"team_board", "sync_conflicts", "team_aliases", "team_origins"} | {
    t.name for t in TABLES}
_NUMERIC = {"weight": "double precision", "severity": "bigint", "position": "bigint",
            "source_line": "bigint", "anonymous": "bigint"}
_INTEGER = {"severity", "position", "source_line", "anonymous"}
TEAM = "team"  # the origin of a row the server rewrote (a merge, a frozen record kept)
_LOCK = 0x45434831  # pg_advisory_xact_lock key: the team board's pushes, one at a time
KEYRING_SERVICE = "empty-chair team board"

# Rows that name the same thing by something other than their id: a push bringing a new
# row whose natural key a live server row already has is merged into that row.
_SAME_NAME = "s.name_key = p._name_key AND s.deleted_at IS NULL AND p.deleted_at IS NULL"
NAMED = ("cohorts", "customers", "themes")
_NATURAL: dict[str, list[str]] = {
    "cohorts": [_SAME_NAME], "customers": [_SAME_NAME], "themes": [_SAME_NAME],
    "voices": ["s.source_key = p.source_key"],
    "impacts": ["s.decision_id = p.decision_id AND s.customer_id = p.customer_id",
                "s.decision_id = p.decision_id AND s.cohort_id = p.cohort_id"],
}
# The same, on a laptop, for a pulled row meeting a row made here since the push.
# Names compare as everywhere on a board (name_is: any case, one spelling).
_NAMED = f"{name_is('name')} AND deleted_at IS NULL"
_LOCAL_NATURAL: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "cohorts": [(_NAMED, ("name",))],
    "customers": [(_NAMED, ("name",))],
    "themes": [(_NAMED, ("name",))],
    "voices": [("source_key = ?", ("source_key",))],
    "impacts": [("decision_id = ? AND customer_id = ?", ("decision_id", "customer_id")),
                ("decision_id = ? AND cohort_id = ?", ("decision_id", "cohort_id"))],
}


def _children(parent: str) -> list[tuple[Table, str]]:
    return [(t, c.name) for t in TABLES for c in t.columns if c.refers == parent]


# -- connecting ---------------------------------------------------------------------------
def safe_url(url: str) -> str:
    """The URL with any password taken out (`user@host`), for storing, messages and logs;
    every other part (`?sslmode=require` ...) kept."""
    url = re.sub(r"(//[^:/@]+):[^/]*@", r"\1@", url)  # to the last @: a password may hold one
    url = re.sub(r"(?i)([?&])password=[^&]*(&|$)", lambda m: m.group(1) if m.group(2) else "",
                 url)
    url = re.sub(r"[?&]$", "", url)
    return re.sub(r"(?i)\bpassword\s*=\s*('[^']*'|\S+)\s*", "", url).strip()


def _scrubbed(message: str, url: str) -> str:
    """A driver's message on one line, with no trace of the URL's password."""
    text = " ".join(message.split())
    # Both readings of a password holding "@": libpq's (to the first) and the writer's.
    for password in (_raw_password(url), _password_in(url)):
        if password:
            for piece in (password, *password.split("@")):
                if len(piece) >= 3:
                    text = text.replace(piece, "***")
    return text.replace(url, safe_url(url)) if url else text


def _raw_password(url: str) -> str | None:
    """The password as written in a URL that may not even parse."""
    found = re.search(r"//[^:/@]+:([^/]*)@", url) or re.search(r"(?i)password=([^&\s]*)", url)
    return found.group(1) if found and found.group(1) else None


def _password_in(url: str) -> str | None:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(url).get("password") or None  # type: ignore[return-value]
    except Exception:  # noqa: BLE001 - a malformed URL is reported when connecting
        return None


def keep_password(url: str) -> str | None:
    """Keep the URL's password in the OS keyring; what to tell the user when it cannot be."""
    password = _password_in(url)
    if password is None:
        return None
    try:
        import keyring
        import keyring.errors

        keyring.set_password(KEYRING_SERVICE, safe_url(url), password)
    except Exception as exc:  # noqa: BLE001 - no keyring backend: say so, keep nothing
        return (f"the password was not kept (no OS keyring here: {type(exc).__name__}); "
                "put it in ~/.pgpass for the next sync")
    return None


def _kept_password(url: str) -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, safe_url(url))
    except Exception:  # noqa: BLE001 - no keyring: libpq reads ~/.pgpass or PGPASSWORD
        return None


# A sync waits this long for another laptop's push (which holds the team lock) before it
# gives up with one line; no statement of a cycle may run longer than the second.
LOCK_WAIT_MS = 30_000
STATEMENT_MS = 600_000


def _connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - a dependency of the app
        raise EmptyChairError("the team board needs psycopg: pip install 'psycopg[binary]'") \
            from exc
    extra: dict[str, Any] = {}
    if _password_in(url) is None:
        password = _kept_password(url)
        if password is not None:
            extra["password"] = password
    try:
        return psycopg.connect(url, connect_timeout=10, options=(
            f"-c lock_timeout={LOCK_WAIT_MS} -c statement_timeout={STATEMENT_MS}"), **extra)
    except psycopg.ProgrammingError as exc:
        raise BoardError(f"{safe_url(url)}: not a PostgreSQL URL "
                         f"({_scrubbed(str(exc), url)})") from exc
    except psycopg.OperationalError as exc:
        said = _scrubbed(str(exc), url) or "no answer"
        raise BoardError(f"{safe_url(url)}: server unreachable ({said})") from exc


@contextmanager
def _talking(url: str) -> Iterator[None]:
    """What the server says mid-cycle, in one line: gone away is "server unreachable", a
    lock held too long is "busy"; the server's transaction is rolled back either way."""
    import psycopg

    try:
        yield
    except psycopg.errors.LockNotAvailable as exc:
        raise BoardError(f"{safe_url(url)}: the team server is busy (another laptop's sync "
                         f"held it {LOCK_WAIT_MS // 1000} s); nothing was synced, try again"
                         ) from exc
    except psycopg.errors.QueryCanceled as exc:
        raise BoardError(f"{safe_url(url)}: sync stopped ({_scrubbed(str(exc), url)}); "
                         "nothing was synced") from exc
    except psycopg.OperationalError as exc:
        raise BoardError(f"{safe_url(url)}: server unreachable ({_scrubbed(str(exc), url)});"
                         " nothing was synced") from exc
    except psycopg.Error as exc:
        raise BoardError(f"{safe_url(url)}: the team server refused the sync "
                         f"({type(exc).__name__}: {_scrubbed(str(exc), url)}); nothing was "
                         "synced") from exc


# -- the server's schema ------------------------------------------------------------------
def _server_columns(table: Table) -> list[str]:
    # Laptops check every value before it leaves (the board's own CHECKs); the server keeps
    # what they agreed on, typed loosely so a newer laptop's column never breaks an older one.
    return [f'"{c.name}" {_NUMERIC.get(c.name, "text")}' for c in table.columns]


def _quoted(names: Any) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _create_v1(cursor: Any) -> None:
    cursor.execute("CREATE SEQUENCE team_seq")
    cursor.execute("CREATE TABLE team_board (version integer NOT NULL, created_at timestamptz "
                   "NOT NULL DEFAULT now())")
    cursor.execute("INSERT INTO team_board (version) VALUES (1)")
    for table in TABLES:
        columns = _server_columns(table) + [
            "seq bigint NOT NULL DEFAULT nextval('team_seq')", "origin text NOT NULL",
            f"PRIMARY KEY ({_quoted(table.key)})"]
        cursor.execute(f'CREATE TABLE "{table.name}" ({", ".join(columns)})')
        cursor.execute(f'CREATE INDEX "{table.name}_seq" ON "{table.name}" (seq)')
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


# Migrations of the team schema, by the version they lead to. Never edit one that shipped.
MIGRATIONS: dict[int, list[str]] = {
    2: [
        # Who wrote the kept version; whether the versions are two edits or a merge; who
        # resolved it (an origin) and how.
        "ALTER TABLE sync_conflicts ADD COLUMN kind text NOT NULL DEFAULT 'edit'",
        "ALTER TABLE sync_conflicts ADD COLUMN kept_origin text NOT NULL DEFAULT ''",
        "ALTER TABLE sync_conflicts ADD COLUMN resolved_by text",
        # A row merged into a same-name (same-source) row: its id, remembered, so rows that
        # still name it land on the row it became.
        """CREATE TABLE team_aliases (
            table_name text NOT NULL,
            old_id text NOT NULL,
            new_id text NOT NULL,
            merged_updated_at text NOT NULL,
            kind text NOT NULL DEFAULT 'name',
            seq bigint NOT NULL DEFAULT nextval('team_seq'),
            PRIMARY KEY (table_name, old_id))""",
        "CREATE INDEX team_aliases_seq ON team_aliases (seq)",
        "CREATE INDEX voices_source_key ON voices (source_key) WHERE source_key IS NOT NULL",
        # The board's own id, so a laptop knows a rebuilt or other database for what it is;
        # per laptop link, the token of the last cycle the server committed.
        "ALTER TABLE team_board ADD COLUMN board_id text NOT NULL "
        "DEFAULT gen_random_uuid()::text",
        """CREATE TABLE team_origins (
            origin text PRIMARY KEY,
            token text NOT NULL,
            pulled_seq bigint NOT NULL,
            synced_at timestamptz NOT NULL DEFAULT now())""",
        # Names compare as a laptop compares them (app.board.domain.name_key, casefolded:
        # "Straße" is "STRASSE"), not by the server's lower(), which depends on its locale.
        *(statement for table in ("cohorts", "customers", "themes") for statement in (
            f"ALTER TABLE {table} ADD COLUMN name_key text",  # filled by the next laptop
            f"CREATE INDEX {table}_name_key ON {table} (name_key) WHERE deleted_at IS NULL",
            f"CREATE INDEX {table}_no_name_key ON {table} (id) WHERE name_key IS NULL")),
        # Search with the laptop's own stems (storage/team_search.py), not Postgres'
        # english stemmer: version 1's column gave other answers than a laptop's search.
        "ALTER TABLE voices DROP COLUMN search",
        "ALTER TABLE voices ADD COLUMN search tsvector",
        "CREATE INDEX voices_search ON voices USING gin (search)",
        # Rows of version 1 have no terms yet: the next laptop to sync fills them in.
        "CREATE INDEX voices_unsearched ON voices (id) WHERE search IS NULL",
    ],
}


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
        fresh = not present
        if fresh:
            _create_v1(cursor)
        elif "team_board" not in present:
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
        if fresh:
            return f"{safe_url(url)}: a new team board (schema version {TEAM_VERSION})"
        if version == TEAM_VERSION:
            return f"{safe_url(url)}: already a team board (schema version {version})"
        return f"{safe_url(url)}: team board brought from version {version} to {TEAM_VERSION}"


def _check_server(cursor: Any, url: str) -> str:
    """The team board's own id, once it is known to be a team board this app syncs with."""
    try:
        cursor.execute("SELECT version FROM team_board")
        version = int(cursor.fetchone()[0])
    except Exception as exc:  # noqa: BLE001 - psycopg's UndefinedTable and kin
        raise BoardError(f"{safe_url(url)}: not a team board; run `empty-chair server init "
                         "URL` on it first") from exc
    if version != TEAM_VERSION:
        raise BoardError(
            f"{safe_url(url)}: a team board of schema version {version}; this app syncs "
            f"with version {TEAM_VERSION}: "
            + ("run `empty-chair server init URL` to bring it up to date"
               if version < TEAM_VERSION else "update the app"))
    cursor.execute("SELECT board_id FROM team_board")
    return str(cursor.fetchone()[0])


def search_server(url: str, typed: str, limit: int = 1000) -> list[str]:
    """Ids of the live voices on the server that the words find, newest first: the same
    voices a laptop's search finds in the same rows (storage/team_search.py)."""
    from storage.team_search import tsquery_text

    query = tsquery_text(typed)
    if query == "":
        return []
    where = "search @@ %s::tsquery AND " if query is not None else ""
    with _connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT id FROM voices WHERE {where}deleted_at IS NULL "
                       "ORDER BY heard_on DESC, id LIMIT %s",
                       [*([query] if query is not None else []), limit])
        return [r[0] for r in cursor.fetchall()]


# -- one laptop's side --------------------------------------------------------------------
@dataclass
class _Outgoing:
    rows: dict[str, list[tuple[Any, ...]]]  # table -> rows (its columns, then pending)
    marks: list[tuple[str, str, str, int]]  # (tbl, k1, k2, n) of every row read


@dataclass
class _Incoming:
    rows: dict[str, list[tuple[Any, ...]]]  # table -> rows (its columns)
    aliases: list[tuple[str, str, str, str]]  # (table, old id, new id, kind), oldest first
    conflicts: list[tuple[Any, ...]]
    resolved: list[tuple[int, str]]
    newest: int


@dataclass
class _Link:
    server: str
    origin: str
    pulled: int
    server_id: str
    token: str
    sending: str
    former: str = ""  # this board's earlier names on the server, before a relink


def _link(conn: sqlite3.Connection, path: object) -> _Link:
    row = conn.execute("SELECT server, origin, pulled_seq, server_id, token, sending, "
                       "former_origins FROM team_link").fetchone()
    if row is None:
        raise BoardError(f"{path}: not linked to a team server; run `empty-chair connect URL` "
                         "first")
    return _Link(str(row[0]), str(row[1]), int(row[2]), str(row[3]), str(row[4]), str(row[5]),
                 str(row[6]))


@contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every row read sees the board at one moment."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _outgoing(conn: sqlite3.Connection, everything: bool,
              replayed: list[str] | None = None) -> _Outgoing:
    """What this board sends: every row (a first sync), or the rows marked changed, less
    those a cycle cut after the server's commit (`replayed`) already sent unchanged."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    marks: list[tuple[str, str, str, int]] = []
    with _snapshot(conn):
        for table in TABLES:
            names = ", ".join(f't."{c.name}"' for c in table.columns)
            if everything:
                found = conn.execute(f'SELECT {names}, 0 FROM "{table.name}" t').fetchall()
            else:
                k2 = f't."{table.key[1]}"' if len(table.key) > 1 else "''"
                # CROSS JOIN: SQLite then reads the few marks and looks each row up,
                # rather than reading a 100k-row table to probe the marks.
                done = replayed or ["-"]
                found = conn.execute(
                    f'SELECT {names}, d.pending FROM team_dirty d CROSS JOIN "{table.name}" t '
                    f'ON t."{table.key[0]}" = d.k1 AND {k2} = d.k2 WHERE d.tbl = ? AND NOT '
                    f"(d.sent IN ({', '.join('?' * len(done))}) AND d.sent_n = d.n)",
                    [table.name, *done]).fetchall()
            if found:
                rows[table.name] = found
        marks = conn.execute("SELECT tbl, k1, k2, n FROM team_dirty").fetchall()
    return _Outgoing(rows, marks)


# -- the server's side of one cycle -------------------------------------------------------
def _temp(cursor: Any, table: Table, rows: list[tuple[Any, ...]]) -> str:
    """The pushed rows in a temporary table. A voice also carries its search terms,
    stemmed here as the laptop's own index stems them (storage/team_search.py); a named row
    its name as the laptop compares names (name_key)."""
    from app.board.domain import name_key

    name = f"push_{table.name}"
    voices, named = table.name == "voices", table.name in NAMED
    extra = (["_search"] if voices else []) + (["_name_key"] if named else [])
    cursor.execute(f'CREATE TEMP TABLE "{name}" ({", ".join(_server_columns(table))}, '
                   "_pending boolean NOT NULL DEFAULT false, "
                   "_team boolean NOT NULL DEFAULT false, "
                   "_aliased boolean NOT NULL DEFAULT false"
                   + "".join(f", {e} {'tsvector' if e == '_search' else 'text'}" for e in extra)
                   + ") ON COMMIT DROP")
    columns = [c.name for c in table.columns]
    vectors: list[str] = []
    if voices:
        from storage.team_search import search_vectors

        at = columns.index("text")
        vectors = search_vectors([str(row[at]) for row in rows])
    at_name = columns.index("name") if named else 0
    listed = ", ".join([_quoted(columns), "_pending", *extra])
    with cursor.copy(f'COPY "{name}" ({listed}) FROM STDIN') as copy:
        for i, row in enumerate(rows):
            copy.write_row((*row[:-1], bool(row[-1]), *((vectors[i],) if voices else ()),
                            *((name_key(str(row[at_name])),) if named else ())))
    return name


def _on(table: Table, a: str = "p", b: str = "s") -> str:
    return " AND ".join(f'{a}."{k}" = {b}."{k}"' for k in table.key)


def _columns_of(alias: str, columns: list[str]) -> str:
    return ", ".join(f'{alias}."{c}"' for c in columns)


def _row_json(alias: str, extra: str = "") -> str:
    return (f"to_jsonb({alias}) - 'seq' - 'origin' - '_pending' - '_team' - '_aliased' - "
            f"'search' - '_search' - 'name_key' - '_name_key'{extra}")


def _key_text(table: Table, alias: str) -> str:
    return " || '|' || ".join(f'{alias}."{k}"' for k in table.key)


def _push(cursor: Any, out: _Outgoing, origin: str, pulled: int, join: bool = False,
          ) -> tuple[int, int, int]:
    """Every outgoing row upserted (the caller holds the team lock). `join`: the board's
    first sync with this team board (or its first after being copied or restored): a row
    the server already holds otherwise keeps the server's version live, and the board's is
    kept in sync_conflicts. Returns (rows written, versions kept, rows merged)."""
    written = kept = merged = 0
    for table in TABLES:
        rows = out.rows.get(table.name)
        if not rows:
            continue
        p = _temp(cursor, table, rows)
        columns = [c.name for c in table.columns]
        named = table.name in NAMED
        # Seen: the laptop had the server's version when it wrote its own. A row that came
        # here through a merge (its key mapped) never saw the survivor's.
        seen = "((s.origin = %s OR (s.seq <= %s AND NOT p._pending)) AND NOT p._aliased)"
        if table.name == "customers":
            # A customer merged away by hand, edited (kept live) by a laptop that never saw
            # the merge, stays retired: what that laptop sent is kept. Made live again by
            # one that saw it (the merge undone), its id is its own again.
            unseen = (f"{_on(table)} AND p.deleted_at IS NULL AND s.deleted_at IS NOT NULL "
                      "AND EXISTS (SELECT 1 FROM team_aliases a WHERE a.table_name = "
                      "'customers' AND a.kind = 'hand' AND a.old_id = s.id AND a.seq > %s)")
            kept += _keep(cursor, table, p, "merge", "s", unseen, [pulled], origin)
            _server_wins(cursor, table, p, unseen, [pulled])
            cursor.execute(f"DELETE FROM team_aliases a USING \"{p}\" p WHERE a.table_name = "
                           "'customers' AND a.kind = 'hand' AND a.old_id = p.id AND "
                           "p.deleted_at IS NULL")
        if table.name in NAMED:
            # A row another one was merged into (by name or by hand) is not retired by a
            # laptop that never saw that merge (its own opposite merge, say): it stays, and
            # what that laptop sent is kept.
            survivor = (f"{_on(table)} AND p.deleted_at IS NOT NULL AND s.deleted_at IS NULL "
                        "AND EXISTS (SELECT 1 FROM team_aliases a WHERE a.table_name = %s "
                        "AND a.new_id = s.id AND a.seq > %s)")
            kept += _keep(cursor, table, p, "merge", "s", survivor, [table.name, pulled],
                          origin)
            _server_wins(cursor, table, p, survivor, [table.name, pulled])
        if table.name == "voices" and "customers" in out.rows:
            _hand_merges(cursor, p)
        # 1. Ids of rows merged away land on the row they became. A merged row's own later
        #    edit is an edit of that row, under that row's name (the version merged is
        #    already in sync_conflicts).
        if table.name in _NATURAL:
            cursor.execute(
                f'DELETE FROM "{p}" p USING team_aliases a WHERE a.table_name = %s AND '
                "p.id = a.old_id AND p.updated_at <= a.merged_updated_at", [table.name])
        for column in table.columns:
            target = column.refers if column.refers else (
                table.name if column.name == "id" and table.name in _NATURAL else None)
            if target is None or target not in _NATURAL:
                continue
            # A row's own id follows a merge by name only: a customer merged by hand keeps
            # its own (retired) row, which another laptop may retire again.
            aliased, by_name = ((", _aliased = true", " AND a.kind = 'name'")
                                if column.name == "id" else
                                (", _aliased = true" if column.name in table.key else "", ""))
            cursor.execute(
                f'UPDATE "{p}" p SET "{column.name}" = a.new_id, _team = true{aliased} FROM '
                f'team_aliases a WHERE a.table_name = %s AND p."{column.name}" = a.old_id'
                f"{by_name}", [target])
        if named:
            cursor.execute(f'UPDATE "{p}" p SET name = s.name, _name_key = s.name_key FROM '
                           f'"{table.name}" s WHERE s.id = p.id AND p._aliased')
        if len(table.key) > 1:  # two links that became one
            cursor.execute(f'DELETE FROM "{p}" a USING "{p}" b WHERE a.ctid < b.ctid AND '
                           f"{_on(table, 'a', 'b')}")
        elif table.name in _NATURAL:
            # A late edit of a row merged away, pushed with an edit of the row it became:
            # the survivor's own edit is the one written, the other is kept.
            cursor.execute(
                "INSERT INTO sync_conflicts (table_name, row_key, kind, kept, kept_origin, "
                f"replaced, replaced_origin) SELECT %s, b.id, 'merge', {_row_json('b')}, %s, "
                f'{_row_json("a")}, %s FROM "{p}" a JOIN "{p}" b ON a.id = b.id AND '
                "a._aliased AND NOT b._aliased", [table.name, origin, origin])
            kept += cursor.rowcount
            cursor.execute(f'DELETE FROM "{p}" a USING "{p}" b WHERE a.id = b.id AND '
                           "a._aliased AND NOT b._aliased")
            cursor.execute(f'DELETE FROM "{p}" a USING "{p}" b WHERE a.id = b.id AND '
                           "a.ctid < b.ctid")
        if named:
            # A name from a laptop that never saw the row's current name (renamed elsewhere
            # since) is not a rename: the row keeps the server's name, so an ordinary edit
            # never merges two customers. The version as sent is kept.
            stale = (f"{_on(table)} AND NOT {seen} AND p._name_key IS DISTINCT FROM "
                     "s.name_key AND NOT p._aliased")
            kept += _keep(cursor, table, p, "edit", "s", stale, [origin, pulled], origin)
            cursor.execute(f'UPDATE "{p}" p SET name = s.name, _name_key = s.name_key, '
                           f'_team = true FROM "{table.name}" s WHERE {stale}',
                           [origin, pulled])
        # 2. A new name (or source) a live server row already has: merged into that row.
        for match in _NATURAL.get(table.name, []):
            cursor.execute(
                f"WITH m AS (SELECT DISTINCT ON (p.id) p.id AS old_id, s.id AS new_id, "
                f"{_row_json('p')} AS mine, {_row_json('s')} AS theirs, s.origin, "
                f'p.updated_at FROM "{p}" p JOIN "{table.name}" s ON {match} AND s.id <> p.id '
                # A row this very push renames (or retires) is judged by its new version:
                # swapping two names, or renaming one away and another onto it, merges none.
                f'AND NOT EXISTS (SELECT 1 FROM "{p}" q WHERE q.id = s.id) '
                "ORDER BY p.id, s.seq), "
                "a AS (INSERT INTO team_aliases (table_name, old_id, new_id, "
                "merged_updated_at) SELECT %s, old_id, new_id, updated_at FROM m "
                "ON CONFLICT (table_name, old_id) DO UPDATE SET new_id = EXCLUDED.new_id, "
                "merged_updated_at = EXCLUDED.merged_updated_at, seq = nextval('team_seq')), "
                "c AS (INSERT INTO sync_conflicts (table_name, row_key, kind, kept, "
                "kept_origin, replaced, replaced_origin) SELECT %s, new_id, 'merge', theirs, "
                "origin, mine, %s FROM m) "
                "SELECT old_id, new_id FROM m", [table.name, table.name, origin])
            pairs = cursor.fetchall()
            if not pairs:
                continue
            merged += len(pairs)
            olds = [old for old, _new in pairs]
            cursor.execute(f'DELETE FROM "{p}" WHERE id = ANY(%s)', [olds])
            _flatten_aliases(cursor)
            _merge_on_server(cursor, table, pairs)
        # 3. A closed meeting is read-only: a push that never saw it closed (an offline
        #    laptop's edit of its meeting or decisions, or its own close) changes nothing
        #    of it; what that push held is kept in sync_conflicts.
        if table.name == "meetings":
            where = f"{_on(table)} AND s.status = 'closed' AND NOT {seen}"
            differs = (f'({_columns_of("p", columns)}) IS DISTINCT FROM '
                       f'({_columns_of("s", columns)})')
            kept += _keep(cursor, table, p, "closed", "s", f"{where} AND {differs}",
                          [origin, pulled], origin)
            _server_wins(cursor, table, p, where, [origin, pulled])
        if table.name == "decisions":
            kept += _closed_decisions(cursor, p, origin, pulled)
        # 4. Rows the server already has as they are: nothing to write.
        cursor.execute(
            f'DELETE FROM "{p}" p USING "{table.name}" s WHERE {_on(table)} AND '
            f"({_columns_of('p', columns)}) IS NOT DISTINCT FROM ({_columns_of('s', columns)})")
        # 5. A version this board never saw, about to be replaced: kept. Joining, the
        #    server's version stays live instead, and the board's is the one kept.
        if join:
            kept += _keep(cursor, table, p, "edit", "s", _on(table), [], origin)
            cursor.execute(f'DELETE FROM "{p}" p USING "{table.name}" s WHERE {_on(table)}')
        else:
            kept += _keep(cursor, table, p, "edit", "p", f"{_on(table)} AND NOT {seen}",
                          [origin, pulled], origin)
        # 6. The rows themselves.
        extra = {"voices": ["search"], **{t: ["name_key"] for t in NAMED}}.get(table.name, [])
        written_columns = columns + extra
        values = _quoted(columns) + "".join(f", _{e}" for e in extra)
        updates = ", ".join(f'"{n}" = EXCLUDED."{n}"' for n in written_columns
                            if n not in table.key)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({_quoted(written_columns)}, origin) SELECT '
            f"{values}, CASE WHEN _team THEN %s ELSE %s END FROM \"{p}\" "
            f"ON CONFLICT ({_quoted(table.key)}) DO UPDATE SET {updates}, "
            "origin = EXCLUDED.origin, seq = nextval('team_seq')", [TEAM, origin])
        written += cursor.rowcount
        if cursor.rowcount >= 5000:  # a first connect: the planner needs the new sizes, or
            cursor.execute(f'ANALYZE "{table.name}"')  # every pull scans the whole table
    return written, kept, merged


# What the room decided: a closed meeting keeps these; its follow-through (delivery) goes on.
_ROOM_FIELDS = ("meeting_id", "position", "title", "description", "owner", "outcome",
                "rationale", "decided_at", "deferred_from", "frozen", "deleted_at")


def _closed_decisions(cursor: Any, p: str, origin: str, pulled: int) -> int:
    """Decisions pushed by a laptop that never saw their meeting closed (the meeting's
    closed row is newer than its last pull, and not its own; or the laptop kept its own
    edit over the closed decision it pulled): what the room decided stays
    as the room left it, and a decision it adds is retired; what it sent is kept. Their
    follow-through (delivery) still lands. Returns the versions kept."""
    unseen = ("EXISTS (SELECT 1 FROM meetings m WHERE m.id = p.meeting_id AND m.status = "
              "'closed' AND ((m.seq > %s AND m.origin <> %s) OR p._pending))")
    decisions = BY_NAME["decisions"]
    room = " OR ".join(f's."{f}" IS DISTINCT FROM p."{f}"' for f in _ROOM_FIELDS)
    kept = _keep(cursor, decisions, p, "closed", "s", f"s.id = p.id AND {unseen} AND ({room})",
                 [pulled, origin], origin)
    # Its follow-through unchanged, nothing of the push is left: the server's row stays as
    # it is and goes back to the laptop (no "two edits" differing in stamps kept as well).
    same_follow = "s.delivery IS NOT DISTINCT FROM p.delivery AND s.delivery_on IS NOT " \
                  "DISTINCT FROM p.delivery_on"
    cursor.execute(
        f'UPDATE "{p}" p SET {", ".join(f"{f} = s.{f}" for f in _ROOM_FIELDS)}, _team = true '
        f"FROM decisions s WHERE s.id = p.id AND {unseen} AND ({room})", [pulled, origin])
    _server_wins(cursor, decisions, p, f"s.id = p.id AND {unseen} AND {same_follow}",
                 [pulled, origin])
    cursor.execute(
        "INSERT INTO sync_conflicts (table_name, row_key, kind, kept, kept_origin, replaced, "
        f"replaced_origin) SELECT 'decisions', p.id, 'closed', '{{}}'::jsonb, %s, "
        f'{_row_json("p")}, %s FROM "{p}" p WHERE {unseen} AND NOT EXISTS (SELECT 1 FROM '
        "decisions s WHERE s.id = p.id)", [TEAM, origin, pulled, origin])
    kept += int(cursor.rowcount)
    # Written as a tombstone, the server's: the laptop that added it gets it back, retired.
    cursor.execute(f'UPDATE "{p}" p SET deleted_at = %s, _team = true WHERE {unseen} AND NOT '
                   "EXISTS (SELECT 1 FROM decisions s WHERE s.id = p.id)",
                   [now_utc(), pulled, origin])
    return kept


def _server_wins(cursor: Any, table: Table, p: str, where: str, params: list[Any]) -> None:
    """The server's rows stay as they are where `where` holds, and the pushed ones are
    dropped; the server's are marked anew, so the pushing laptop (which may have taken
    them already, and changed its own over them) gets them back in this cycle's pull."""
    cursor.execute(f'UPDATE "{table.name}" s SET seq = nextval(\'team_seq\'), origin = %s '
                   f'FROM "{p}" p WHERE {where}', [TEAM, *params])
    cursor.execute(f'DELETE FROM "{p}" p USING "{table.name}" s WHERE {where}', params)


def _keep(cursor: Any, table: Table, p: str, kind: str, live: str, where: str,
          params: list[Any], origin: str) -> int:
    """Versions kept in sync_conflicts, for the pushed rows (alias p) meeting the server's
    (s) where `where` holds: `live` names the one that stays live (p or s), the other is the
    one kept as replaced. Returns how many were kept."""
    lost = "s" if live == "p" else "p"

    def who(alias: str) -> str:
        return "%s" if alias == "p" else "s.origin"

    cursor.execute(
        "INSERT INTO sync_conflicts (table_name, row_key, kind, kept, kept_origin, replaced, "
        f"replaced_origin) SELECT %s, {_key_text(table, 's')}, %s, {_row_json(live)}, "
        f"{who(live)}, {_row_json(lost)}, {who(lost)} FROM \"{p}\" p JOIN \"{table.name}\" s "
        f"ON {where}", [table.name, kind, *([origin] if live == "p" else []),
                         *([origin] if lost == "p" else []), *params])
    return int(cursor.rowcount)


def _hand_merges(cursor: Any, p: str) -> None:
    """A customer merged by hand (Edit > Merge customer): this push retires it and moves
    its voices, all to one customer. Remembered as an alias, so what another laptop still
    puts on it lands on that customer, and what the server holds on it is moved now."""
    cursor.execute(
        "INSERT INTO team_aliases (table_name, old_id, new_id, merged_updated_at, kind) "
        "SELECT 'customers', s.customer_id, min(p.customer_id), max(c.updated_at), 'hand' "
        f'FROM "{p}" p JOIN voices s ON s.id = p.id JOIN push_customers c ON '
        "c.id = s.customer_id AND c.deleted_at IS NOT NULL WHERE s.customer_id <> "
        "p.customer_id GROUP BY s.customer_id HAVING count(DISTINCT p.customer_id) = 1 "
        "ON CONFLICT (table_name, old_id) DO NOTHING RETURNING old_id, new_id")
    pairs = cursor.fetchall()
    if pairs:
        _flatten_aliases(cursor)
        _move_children(cursor, BY_NAME["customers"], [old for old, _new in pairs],
                       pushed=p)


def _flatten_aliases(cursor: Any) -> None:
    """An alias to a row that was itself merged since points straight at the row that
    lives (A→B and B→C make A→C), so one step of mapping is always enough."""
    for _hop in range(8):
        cursor.execute("UPDATE team_aliases a SET new_id = b.new_id, seq = nextval('team_seq') "
                       "FROM team_aliases b WHERE b.table_name = a.table_name AND "
                       "b.old_id = a.new_id AND b.new_id <> a.old_id")
        if not cursor.rowcount:
            break


def _fill_name_keys(cursor: Any) -> None:
    """Named rows with no compared name yet (a team board of schema version 1), keyed here
    as a laptop keys names, before any push compares names with them."""
    from app.board.domain import name_key

    for table in NAMED:
        cursor.execute(f"SELECT id, name FROM {table} WHERE name_key IS NULL")
        found = cursor.fetchall()
        if found:
            cursor.executemany(f"UPDATE {table} SET name_key = %s WHERE id = %s",
                               [(name_key(str(name)), i) for i, name in found])


def _fill_search(cursor: Any, limit: int = 20_000) -> None:
    """Voices with no search terms yet (rows of a team board of schema version 1), stemmed
    here, some thousands a cycle; the rows themselves do not change."""
    from storage.team_search import search_vectors

    cursor.execute("SELECT id, text FROM voices WHERE search IS NULL LIMIT %s", [limit])
    found = cursor.fetchall()
    if found:
        vectors = search_vectors([str(text) for _id, text in found])
        cursor.executemany("UPDATE voices SET search = %s::tsvector WHERE id = %s",
                           [(v, i) for (i, _t), v in zip(found, vectors, strict=True)])


def _merge_on_server(cursor: Any, table: Table, pairs: list[tuple[str, str]]) -> None:
    """A merged row the server already held (renamed, offline, to a name in use): it is
    tombstoned, and the rows naming it name the row it became."""
    stamp = now_utc()
    olds = [old for old, _new in pairs]
    cursor.execute(f'UPDATE "{table.name}" SET deleted_at = %s, seq = nextval(\'team_seq\'), '
                   "origin = %s WHERE id = ANY(%s) AND deleted_at IS NULL", [stamp, TEAM, olds])
    _move_children(cursor, table, olds)


def _move_children(cursor: Any, table: Table, olds: list[str], origin: str = TEAM,
                   pushed: str = "") -> None:
    """Rows on the server that name a row merged away name the row it became (written as
    the server's, so every laptop pulls them). Rows this very push writes (`pushed`, a
    temporary table of the same child) are left to it. Two impacts of one decision that
    now name one customer become one: the survivor's stays, the other is merged into it."""
    for child, column in _children(table.name):
        others = [k for k in child.key if k != column]
        if len(child.key) > 1:
            same = " AND ".join(f'd."{k}" = c."{k}"' for k in others)
            cursor.execute(
                f'DELETE FROM "{child.name}" c USING team_aliases a WHERE a.table_name = %s '
                f'AND c."{column}" = a.old_id AND a.old_id = ANY(%s) AND EXISTS (SELECT 1 '
                f'FROM "{child.name}" d WHERE d."{column}" = a.new_id AND {same})',
                [table.name, olds])
        skip = (f' AND NOT EXISTS (SELECT 1 FROM "{pushed}" q WHERE q.id = c.id)'
                if pushed and pushed == f"push_{child.name}" else "")
        cursor.execute(
            f'UPDATE "{child.name}" c SET "{column}" = a.new_id, seq = nextval(\'team_seq\'), '
            f"origin = %s FROM team_aliases a WHERE a.table_name = %s AND "
            f'c."{column}" = a.old_id AND a.old_id = ANY(%s){skip} '
            + ("RETURNING c.id" if child.name == "impacts" else ""),
            [TEAM, table.name, olds])
        if child.name != "impacts":
            continue
        moved = [r[0] for r in cursor.fetchall()]
        if not moved:
            continue
        cursor.execute(
            f"WITH m AS (SELECT DISTINCT ON (x.id) x.id AS old_id, k.id AS new_id, "
            f"{_row_json('x')} AS mine, {_row_json('k')} AS theirs, k.origin, x.updated_at "
            "FROM impacts x JOIN impacts k ON k.decision_id = x.decision_id AND "
            f"k.{column} = x.{column} AND k.id <> x.id AND NOT k.id = ANY(%s) "
            "WHERE x.id = ANY(%s) ORDER BY x.id, k.seq), "
            "a AS (INSERT INTO team_aliases (table_name, old_id, new_id, merged_updated_at) "
            "SELECT 'impacts', old_id, new_id, updated_at FROM m ON CONFLICT (table_name, "
            "old_id) DO UPDATE SET new_id = EXCLUDED.new_id, seq = nextval('team_seq')), "
            "c AS (INSERT INTO sync_conflicts (table_name, row_key, kind, kept, kept_origin, "
            "replaced, replaced_origin) SELECT 'impacts', new_id, 'merge', theirs, origin, "
            "mine, %s FROM m) SELECT old_id FROM m", [moved, moved, origin])
        twins = [r[0] for r in cursor.fetchall()]
        if twins:
            _move_children(cursor, BY_NAME["impacts"], twins, origin)
            cursor.execute("DELETE FROM impacts WHERE id = ANY(%s)", [twins])


def _incoming(cursor: Any, origin: str, pulled: int, known: int,
              unresolved: list[int]) -> _Incoming:
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES:
        cursor.execute(f'SELECT {_quoted(c.name for c in table.columns)} FROM '
                       f'"{table.name}" WHERE seq > %s AND origin <> %s ORDER BY seq',
                       [pulled, origin])
        found = cursor.fetchall()
        if found:
            rows[table.name] = found
    cursor.execute("SELECT table_name, old_id, new_id, kind FROM team_aliases WHERE seq > %s "
                   "ORDER BY seq", [pulled])
    aliases = cursor.fetchall()
    cursor.execute("SELECT id, table_name, row_key, kind, kept::text, kept_origin, "
                   "replaced::text, replaced_origin, "
                   "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                   "resolved FROM sync_conflicts WHERE id > %s ORDER BY id", [known])
    conflicts = cursor.fetchall()
    cursor.execute("SELECT id, resolved FROM sync_conflicts WHERE id = ANY(%s) AND "
                   "resolved IS NOT NULL", [unresolved])
    resolved = cursor.fetchall()
    # Under the team lock no other push is between its nextval and its commit: every
    # change numbered up to here is committed, or is this board's own.
    cursor.execute("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM team_seq")
    newest = max(pulled, int(cursor.fetchone()[0]))
    return _Incoming(rows, aliases, conflicts, resolved, newest)


# -- the laptop's side of the pull --------------------------------------------------------
def _local(name: str, value: Any) -> Any:
    if name in _INTEGER and value is not None:
        return int(value)
    return value


def _apply(conn: sqlite3.Connection, out: _Outgoing, inc: _Incoming, pushed_resolutions:
           list[int], link: _Link) -> tuple[int, set[str]]:
    """Everything pulled, written in the caller's local transaction, and the link as the
    server now knows it. Returns the rows taken and the tables they went to."""
    conn.executemany("DELETE FROM team_dirty WHERE tbl = ? AND k1 = ? AND k2 = ? AND n = ?",
                     out.marks)
    conn.execute("UPDATE team_link SET applying = 1")
    conn.execute("PRAGMA defer_foreign_keys = ON")
    tables = set()
    for table_name, old, new, kind in inc.aliases:
        _merge_here(conn, table_name, old, new, keep_old=kind == "hand")
        conn.execute("INSERT OR REPLACE INTO team_aliases (table_name, old_id, new_id) "
                     "VALUES (?, ?, ?)", [table_name, old, new])
        tables |= {table_name} | {child.name for child, _ in _children(table_name)}
    taken = 0
    for table in TABLES:
        rows = inc.rows.get(table.name)
        if not rows:
            continue
        names = [c.name for c in table.columns]
        index = {n: i for i, n in enumerate(names)}
        values = [tuple(_local(n, v) for n, v in zip(names, r, strict=True)) for r in rows]
        keys = [(table.name, row[index[table.key[0]]],
                 row[index[table.key[1]]] if len(table.key) > 1 else "") for row in values]
        if table.name in NAMED:
            # Names pulled together may be swapped or chained (A→B, B→A): the rows about to
            # be written give up their names first, so no two live rows ever share one.
            conn.executemany(
                f'UPDATE "{table.name}" SET name = char(1) || id WHERE id = ? AND NOT EXISTS '
                "(SELECT 1 FROM team_dirty WHERE tbl = ? AND k1 = ? AND k2 = ?)",
                [(key[1], *key) for key in keys])
        incoming = {row[index["id"]] for row in values} if "id" in index else set()
        for row in values:
            _merge_local_twin(conn, table, index, row, incoming)
        conn.executemany("UPDATE team_dirty SET pending = 1 WHERE tbl = ? AND k1 = ? AND "
                         "k2 = ?", keys)
        updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in table.key)
        conn.executemany(
            f'INSERT INTO "{table.name}" ({_quoted(names)}) SELECT {", ".join("?" * len(names))}'
            f" WHERE NOT EXISTS (SELECT 1 FROM team_dirty WHERE tbl = ? AND k1 = ? AND "
            f"k2 = ?) ON CONFLICT ({_quoted(table.key)}) DO UPDATE SET {updates}",
            [(*row, *key) for row, key in zip(values, keys, strict=True)])
        taken += len(rows)
        tables.add(table.name)
    conn.executemany(
        "INSERT OR IGNORE INTO team_conflicts (id, table_name, row_key, kind, kept, "
        "kept_origin, replaced, replaced_origin, at, resolved) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", inc.conflicts)
    conn.executemany("UPDATE team_conflicts SET resolved = ? WHERE id = ? AND "
                     "resolution_pushed = 1", [(r, i) for i, r in inc.resolved])
    conn.executemany("UPDATE team_conflicts SET resolution_pushed = 1 WHERE id = ?",
                     [(i,) for i in pushed_resolutions])
    conn.execute("UPDATE team_link SET applying = 0, pulled_seq = ?, synced_at = ?, server = ?, "
                 "origin = ?, server_id = ?, token = ?, sending = '', former_origins = ?",
                 [inc.newest, now_utc(), link.server, link.origin, link.server_id, link.token,
                  link.former])
    return taken, tables


def _merge_here(conn: sqlite3.Connection, table_name: str, old: str, new: str,
                keep_old: bool = False) -> None:
    """A row the server merged into another: what names it names the other; it goes."""
    if old == new:
        return
    for child, column in _children(table_name):
        conn.execute(f'UPDATE OR IGNORE "{child.name}" SET "{column}" = ? WHERE "{column}" = ?',
                     [new, old])
        if len(child.key) > 1:  # the same link already there: one is enough
            conn.execute(f'DELETE FROM "{child.name}" WHERE "{column}" = ?', [old])
            continue
        # A row that could not follow (its twin already names the new row): merged too.
        for (left,) in conn.execute(f'SELECT id FROM "{child.name}" WHERE "{column}" = ?',
                                    [old]).fetchall():
            for where, fields in _LOCAL_NATURAL.get(child.name, []):
                if column not in fields:
                    continue
                row = conn.execute(f'SELECT {_quoted(fields)} FROM "{child.name}" WHERE id = ?',
                                   [left]).fetchone()
                args = [new if f == column else row[i] for i, f in enumerate(fields)]
                twin = conn.execute(f'SELECT id FROM "{child.name}" WHERE {where} AND id <> ?',
                                    [*args, left]).fetchone()
                if twin is not None:
                    _merge_here(conn, child.name, left, twin[0])
    if not keep_old:  # a customer merged by hand keeps its tombstone, as on its laptop
        conn.execute(f'DELETE FROM "{table_name}" WHERE id = ?', [old])


def _merge_local_twin(conn: sqlite3.Connection, table: Table, index: dict[str, int],
                      row: tuple[Any, ...], incoming: set[Any]) -> None:
    """A pulled row whose name (source) a row made here since the push already has: the
    row made here is merged into the pulled one, as the server would have merged it."""
    if row[index["deleted_at"]] is not None and table.name in ("cohorts", "customers",
                                                                "themes"):
        return
    for where, fields in _LOCAL_NATURAL.get(table.name, []):
        args = [row[index[f]] for f in fields]
        if any(a is None for a in args):
            continue
        if fields == ("name",):
            args = name_params(str(args[0]))
        twin = conn.execute(f'SELECT id FROM "{table.name}" WHERE {where} AND id <> ?',
                            [*args, row[index["id"]]]).fetchone()
        if twin is not None and twin[0] not in incoming:  # (one pulled too has a new name)
            # The server never saw this merge: what it moves is this board's own change,
            # marked so the next push sends it.
            conn.execute("UPDATE team_link SET applying = 0")
            try:
                _merge_here(conn, table.name, twin[0], row[index["id"]])
            finally:
                conn.execute("UPDATE team_link SET applying = 1")


# -- a cycle --------------------------------------------------------------------------------
def sync_board(store: SqliteBoard, url: str | None = None, *, everything: bool = False,
               on_connection: Callable[[Any], None] | None = None) -> SyncReport:
    """One cycle: push this board's changes, then pull everyone else's (see the module).
    `everything`: the first sync of a new link. `on_connection` is handed the server
    connection, so a window closing can cancel a cycle waiting on the network."""
    import uuid

    conn = store.conn
    link = _link(conn, store.path)
    url = url or link.server
    notes: list[str] = []
    with _connect(url) as remote, remote.cursor() as cursor, _talking(url):
        if on_connection is not None:
            on_connection(remote)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])
        # Read again under the team lock: another cycle of this very file (the window's,
        # and one from a terminal) may have ended while this one waited for it.
        link = _link(conn, store.path)
        board_id = _check_server(cursor, url)
        sent = link.sending.split()  # tokens of cycles sent since the last one ended here
        replayed: list[str] = []
        why, other_board = "", bool(link.server_id) and link.server_id != board_id
        if other_board:
            why = "this is not the team board it synced with (rebuilt, or another database)"
        elif not everything:
            cursor.execute("SELECT token FROM team_origins WHERE origin = %s", [link.origin])
            found = cursor.fetchone()
            if found is None:
                why = "the team server has no record of this board's link"
            elif found[0] in sent:
                # Cut after the server's commit: that cycle's rows, and those of the cycles
                # before it that they stood in for, are on the server.
                replayed = sent[:sent.index(found[0]) + 1]
            elif found[0] != link.token:
                why = "this board is a copy, or a restored backup, of a linked board"
        join = everything or bool(why)
        if why:  # linked afresh, under a name of its own: the team's rows stay live
            former = " ".join(o for o in (link.former, link.origin) if o)
            link = _Link(link.server, str(uuid.uuid4()), 0, board_id, "", "", former)
            sent, replayed = [], []
            notes.append(f"linked afresh ({why}): rows the server also holds kept the team's "
                         "version, this board's is kept in sync_conflicts")
        link.server_id, link.server = board_id, safe_url(url)
        out = _outgoing(conn, join, replayed)
        if other_board:
            with store.connection.write():
                conn.execute("DELETE FROM team_conflicts")  # another server's numbering
        resolutions = conn.execute("SELECT id, resolved FROM team_conflicts WHERE "
                                   "resolution_pushed = 0").fetchall()
        known = int(conn.execute("SELECT coalesce(max(id), 0) FROM team_conflicts"
                                 ).fetchone()[0])
        unresolved = [int(r[0]) for r in conn.execute(
            "SELECT id FROM team_conflicts WHERE resolved IS NULL").fetchall()]
        token = str(uuid.uuid4())
        # Said here before the server hears it: should this cycle be cut after the server's
        # commit, the next one knows these rows arrived. A row still unchanged since an
        # earlier cycle that may have committed keeps that cycle's token.
        sent.append(token)
        marks = ", ".join("?" * len(sent))
        with store.connection.write():
            conn.execute("UPDATE team_link SET sending = ?", [" ".join(sent)])
            conn.executemany(
                "UPDATE team_dirty SET sent = ?, sent_n = n WHERE tbl = ? AND k1 = ? AND "
                f"k2 = ? AND n = ? AND NOT (sent_n IS n AND sent IN ({marks}))",
                [(token, *m, *sent) for m in out.marks])
        _fill_name_keys(cursor)  # before a push compares names with rows of version 1
        pushed, kept, merged = _push(cursor, out, link.origin, link.pulled, join)
        for conflict_id, resolution in resolutions:
            cursor.execute("UPDATE sync_conflicts SET resolved = %s, resolved_by = %s "
                           "WHERE id = %s AND resolved IS NULL",
                           [resolution, link.origin, conflict_id])
        _fill_search(cursor)
        inc = _incoming(cursor, link.origin, link.pulled, known, unresolved)
        cursor.execute("INSERT INTO team_origins (origin, token, pulled_seq) VALUES "
                       "(%s, %s, %s) ON CONFLICT (origin) DO UPDATE SET token = "
                       "EXCLUDED.token, pulled_seq = EXCLUDED.pulled_seq, synced_at = now()",
                       [link.origin, token, inc.newest])
        remote.commit()
    link.token = token
    # The server has committed; what follows needs no network. Should it fail, the next
    # cycle knows (the server holds this cycle's token) and pulls the same again.
    try:
        with store.connection.write():
            taken, tables = _apply(conn, out, inc, [int(r[0]) for r in resolutions], link)
    except sqlite3.IntegrityError as exc:
        raise BoardError(f"{store.path}: a row from the team server clashes with this "
                         f"board ({exc}); nothing was pulled") from exc
    return SyncReport(str(store.path), pushed, taken, kept, merged, notes=tuple(notes),
                      tables=tuple(t.name for t in TABLES if t.name in tables))


def probe(url: str) -> str:
    """The team board's id at `url`, or the one-line reason it cannot be synced with."""
    with _connect(url) as remote, remote.cursor() as cursor, _talking(url):
        return _check_server(cursor, url)


def connect_board(url: str, store: SqliteBoard) -> SyncReport:
    """Link a board to a team server and run the first sync: an empty server receives the
    board, an empty board receives the server's, both non-empty are merged (a row both
    hold keeps the team's version live; the board's is kept in sync_conflicts). A board
    already linked to this team board keeps its link: only the URL changes."""
    import uuid

    board_id = probe(url)  # before the board is changed at all
    note = keep_password(url)
    linked = store.conn.execute("SELECT server_id FROM team_link").fetchone()
    if linked is not None and linked[0] == board_id:
        with store.connection.write():
            store.conn.execute("UPDATE team_link SET server = ?", [safe_url(url)])
        report = sync_board(store, url)
    else:
        with store.connection.write():
            store.conn.execute("DELETE FROM team_link")
            store.conn.execute("DELETE FROM team_dirty")
            store.conn.execute("DELETE FROM team_conflicts")
            # A name of its own on the server for this link: two copies of one board file
            # share a board id, never an origin.
            store.conn.execute("INSERT INTO team_link (server, origin, server_id) VALUES "
                               "(?, ?, ?)", [safe_url(url), str(uuid.uuid4()), board_id])
        report = sync_board(store, url, everything=True)
    if note:
        from dataclasses import replace

        report = replace(report, notes=(*report.notes, note))
    return report


# -- a conflict resolved -------------------------------------------------------------------
def resolve_conflict(store: SqliteBoard, conflict_id: int, keep: Keep) -> None:
    """Keep the version the sync kept, or bring the replaced one back as this board's own
    edit (it travels at the next sync); either way the server hears the choice."""
    conn = store.conn
    found = conflicts(conn, unresolved_only=False, conflict_id=conflict_id)
    if not found:
        raise BoardError(f"{store.path}: no sync conflict #{conflict_id}")
    conflict = found[0]
    table = next((t for t in TABLES if t.name == conflict.table), None)
    if table is None:
        raise BoardError(f"{store.path}: sync conflict #{conflict_id} names an unknown table "
                         f"{conflict.table!r}")
    if keep is Keep.REPLACED and conflict.kind == "merge":
        raise BoardError(f"sync conflict #{conflict_id} is a merge of two rows of one name: "
                         "it can only be kept (edit the merged row instead)")
    if keep is Keep.REPLACED and conflict.kind == "closed":
        raise BoardError(f"sync conflict #{conflict_id} is a laptop's change to a meeting "
                         "already closed: a closed meeting is read-only and its record is "
                         "never rewritten, so it can only be kept (reopen the meeting to "
                         "change it)")
    with store.connection.write():
        if keep is Keep.REPLACED:
            names = [c.name for c in table.columns]
            values = {n: _local(n, conflict.replaced.get(n)) for n in names}
            values["updated_at"] = now_utc()
            for column in table.columns:  # what it named may have been merged since
                target = column.refers or (table.name if column.name == "id" else None)
                if target is None or values.get(column.name) is None:
                    continue
                for _hop in range(8):
                    found = conn.execute("SELECT new_id FROM team_aliases WHERE table_name = ? "
                                         "AND old_id = ?", [target, values[column.name]]
                                         ).fetchone()
                    if found is None:
                        break
                    values[column.name] = found[0]
            updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in table.key)
            conn.execute(
                f'INSERT INTO "{table.name}" ({_quoted(names)}) VALUES '
                f'({", ".join("?" * len(names))}) ON CONFLICT ({_quoted(table.key)}) '
                f"DO UPDATE SET {updates}", [values[n] for n in names])
        conn.execute("UPDATE team_conflicts SET resolved = ?, resolution_pushed = 0 "
                     "WHERE id = ?", [keep.value, conflict_id])
