"""A linked board's own view of its team sync, read from the board alone (no network, no
PostgreSQL client loaded): where it stands, and the versions syncs replaced."""

from __future__ import annotations

import json
import sqlite3

from app.team import Conflict, TeamState, differing


def waiting(conn: sqlite3.Connection) -> int:
    """Rows changed on this board since its last push."""
    return int(conn.execute("SELECT count(*) FROM team_dirty").fetchone()[0])


def team_state(conn: sqlite3.Connection) -> TeamState | None:
    row = conn.execute("SELECT server, origin, synced_at, former_origins FROM team_link"
                       ).fetchone()
    if row is None:
        return None
    conflicts = conn.execute("SELECT count(*) FROM team_conflicts WHERE resolved IS NULL"
                             ).fetchone()[0]
    return TeamState(str(row[0]), str(row[1]), waiting(conn), int(conflicts), str(row[2]),
                     tuple(str(row[3]).split()))


def conflicts(conn: sqlite3.Connection, *, unresolved_only: bool = True,
              conflict_id: int | None = None) -> list[Conflict]:
    """The versions syncs replaced, oldest first (or the one numbered `conflict_id`)."""
    where = [*(["resolved IS NULL"] if unresolved_only else []),
             *(["id = ?"] if conflict_id is not None else [])]
    rows = conn.execute(
        "SELECT id, table_name, row_key, kind, kept, kept_origin, replaced, replaced_origin, "
        "at, resolved FROM team_conflicts" + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY id", [] if conflict_id is None else [conflict_id]).fetchall()
    found = []
    for r in rows:
        kept, replaced = _fields(r[4]), _fields(r[6])
        found.append(Conflict(int(r[0]), r[1], r[2], r[3], kept, r[5], replaced, r[7], r[8],
                              r[9], differing(kept, replaced)))
    return found


def _fields(text: str) -> dict[str, object]:
    """A kept version's fields, without the server's own bookkeeping (its search terms,
    compared names, a sync's flags)."""
    row = json.loads(text)
    return {k: v for k, v in row.items() if not k.startswith("_") and k not in
            ("name_key", "search", "seq", "origin")} if isinstance(row, dict) else {}


def origin(conn: sqlite3.Connection) -> str | None:
    """This board's name on its team server (None when not linked)."""
    row = conn.execute("SELECT origin FROM team_link").fetchone()
    return str(row[0]) if row else None
