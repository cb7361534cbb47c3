"""`make bench`, the team board: a throwaway PostgreSQL on 127.0.0.1 (tests/pg.py), the
bench's 100k-voice board, and baselines measured in the same run:

- the first `connect` of the board to an empty server, beside a bare COPY of the same rows
  into the same tables (what any client must pay to move them);
- a sync cycle with 1,000 changes on each of two laptops;
- a sync with nothing to do, beside a bare connect plus one query.
"""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path
from typing import Any


def phase_team_connect(url: str, board: str) -> dict[str, float]:
    from storage.repository import SqliteBoard
    from storage.team import connect_board

    store = SqliteBoard.open(board, create=not Path(board).exists())
    started = time.perf_counter()
    report = connect_board(url, store)
    seconds = time.perf_counter() - started
    store.close()
    return {"seconds": seconds, "pushed": report.pushed}


def phase_team_floor(url: str, board: str) -> dict[str, float]:
    """Every row of every table COPYed into the server's tables, nothing else."""
    import sqlite3

    import psycopg

    from app.snapshot import TABLES
    from storage.team import init_server

    init_server(url)
    local = sqlite3.connect(board)
    started = time.perf_counter()
    rows = 0
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        for table in TABLES:
            names = [c.name for c in table.columns]
            quoted = ", ".join(f'"{n}"' for n in names)
            with cursor.copy(f'COPY "{table.name}" ({quoted}, origin) FROM STDIN') as copy:
                for row in local.execute(f'SELECT {quoted} FROM "{table.name}"'):
                    copy.write_row((*row, "floor"))
                    rows += 1
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "rows": rows}


def _edit(store: Any, offset: int, count: int, words: str) -> None:
    """`count` voices re-worded, as a person editing them would (one write each)."""
    ids = [r[0] for r in store.conn.execute(
        "SELECT id FROM voices WHERE deleted_at IS NULL ORDER BY rowid LIMIT ? OFFSET ?",
        [count, offset])]
    with store.connection.write():
        for voice_id in ids:
            store.conn.execute("UPDATE voices SET text = text || ?, updated_at = "
                               "strftime('%Y-%m-%dT%H:%M:%fZ') WHERE id = ?", [words, voice_id])


def phase_team_cycles(url: str, a: str, b: str) -> dict[str, object]:
    import psycopg

    from storage.repository import SqliteBoard
    from storage.team import sync_board

    laptop_a, laptop_b = SqliteBoard.open(a), SqliteBoard.open(b)
    out: dict[str, object] = {}
    _edit(laptop_a, 0, 1000, " (edited on a)")
    _edit(laptop_b, 5000, 1000, " (edited on b)")
    for name, store in (("a pushes 1,000", laptop_a), ("b pushes 1,000, pulls 1,000",
                                                         laptop_b),
                        ("a pulls 1,000", laptop_a)):
        started = time.perf_counter()
        report = sync_board(store)
        out[name] = [time.perf_counter() - started, report.pushed, report.pulled]
    idle, bare = [], []
    for _ in range(20):
        started = time.perf_counter()
        sync_board(laptop_a)
        idle.append(time.perf_counter() - started)
        started = time.perf_counter()
        with psycopg.connect(url) as conn:
            conn.execute("SELECT 1").fetchone()
        bare.append(time.perf_counter() - started)
    out["idle"], out["bare"] = idle, bare
    laptop_a.close()
    laptop_b.close()
    return out


def team_section(board: Path, child: Any) -> None:
    from tests.pg import NoServer, new_database, throwaway_server

    print(f"\nTeam board (PostgreSQL on 127.0.0.1, the board above: "
          f"{board.stat().st_size / 1e6:.0f} MB)")
    try:
        server_cm = throwaway_server()
        server = server_cm.__enter__()
    except NoServer as exc:
        print(f"  skipped: {exc}")
        return
    try:
        work = board.with_name("team")
        work.mkdir(exist_ok=True)
        connects, floors = [], []
        for i in range(2):
            floors.append(child("team_floor", new_database(server, f"floor{i}"),
                                str(board))["seconds"])
            copy = work / f"a{i}.db"
            shutil.copy(board, copy)
            url = new_database(server, f"team{i}")
            child_init(url)
            connects.append(child("team_connect", url, str(copy)))
        connect_s = statistics.median(r["seconds"] for r in connects)
        floor_s = statistics.median(floors)
        print(f"  first connect, {int(connects[0]['pushed']):,} rows to an empty server  "
              f"{connect_s:6.2f} s   bare COPY of the same rows {floor_s:5.2f} s   "
              f"ratio {connect_s / floor_s:.2f}x (target <= 30 s)")
        # A second laptop: a new board that receives the whole team board.
        a, b = work / "a1.db", work / "b1.db"
        b.unlink(missing_ok=True)
        second = child("team_connect", url, str(b))
        print(f"  a second laptop's first connect (it receives the board)  "
              f"{second['seconds']:6.2f} s")
        cycles = child("team_cycles", url, str(a), str(b))
        for name in ("a pushes 1,000", "b pushes 1,000, pulls 1,000", "a pulls 1,000"):
            seconds, pushed, pulled = cycles[name]
            print(f"  sync, {name:<28} {seconds:6.2f} s   ({pushed:,} pushed, "
                  f"{pulled:,} pulled; target <= 2 s)")
        idle, bare = cycles["idle"], cycles["bare"]
        print(f"  sync with nothing to do   median {statistics.median(idle) * 1e3:6.1f} ms   "
              f"max {max(idle) * 1e3:6.1f} ms   bare connect + SELECT 1 "
              f"{statistics.median(bare) * 1e3:5.1f} ms (target <= 100 ms)")
        print("  the GUI thread never waits on the network: syncs run in a worker thread "
              "(tests/team/test_gui_sync.py holds the server's lock and works the window)")
    finally:
        server_cm.__exit__(None, None, None)


def child_init(url: str) -> None:
    from storage.team import init_server

    init_server(url)
