"""A board file and its neighbours: a write-ahead log that belongs to it, boards made whole or
not at all, daily backups, restore, and rescue of what a damaged board still holds."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from app.errors import BoardError
from storage.errors import environment_message
from storage.identity import APPLICATION_ID, SCHEMA_VERSION

# Paths this process has open through open_board: their -wal is live and ours.
_open_here: dict[Path, int] = {}
_open_lock = threading.Lock()
DAILY_BACKUPS = 7
WEEKLY_BACKUPS = 4
# SQLite's unix VFS: every live connection holds a shared lock on this byte of the -shm file
# (UNIX_SHM_DMS, the "dead man switch").
_SHM_DMS_BYTE = 128


def wal_of(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def shm_of(path: Path) -> Path:
    return path.with_name(path.name + "-shm")


def stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")


def unique_name(folder: Path, stem: str, suffix: str) -> Path:
    """A name in `folder` nothing else has, however many processes ask at once."""
    import uuid

    candidate = folder / f"{stem}{suffix}"
    if not candidate.exists():
        return candidate
    return folder / f"{stem}-{uuid.uuid4().hex[:8]}{suffix}"


def opened_here(path: Path) -> None:
    with _open_lock:
        key = path.resolve()
        _open_here[key] = _open_here.get(key, 0) + 1


def closed_here(path: Path) -> None:
    with _open_lock:
        key = path.resolve()
        if _open_here.get(key, 0) <= 1:
            _open_here.pop(key, None)
        else:
            _open_here[key] -= 1


def is_open_here(path: Path) -> bool:
    with _open_lock:
        return path.resolve() in _open_here


@contextlib.contextmanager
def held_alone(path: Path) -> Iterator[bool]:
    """Hold the board against every other SQLite connection while its files are looked at
    and moved: an exclusive lock on the -shm's dead-man byte, which each connection must
    share to open a WAL board (theirs wait, then open after). Yields False, holding
    nothing, when another process has the board open now (its -wal is live and belongs).

    Never used for a board this process has open: POSIX locks belong to the process, and
    closing our descriptor would drop the locks SQLite holds for us on the same file."""
    try:
        import fcntl
    except ImportError:  # not a unix VFS: assume the worst, touch nothing
        yield False
        return
    shm = shm_of(path)
    made = not shm.exists()
    try:
        fd = os.open(shm, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SHM_DMS_BYTE)
        except OSError:
            yield False
            return
        try:
            yield True
        finally:
            with contextlib.suppress(OSError):
                fcntl.lockf(fd, fcntl.LOCK_UN, 1, _SHM_DMS_BYTE)
            if made:  # a -shm we made only to hold the lock leaves with us
                with contextlib.suppress(OSError):
                    if shm.stat().st_size == 0:
                        shm.unlink()
    finally:
        os.close(fd)


def in_use_elsewhere(path: Path) -> bool:
    """True when another process has the board open (it holds the -shm's dead-man lock)."""
    if not shm_of(path).exists():
        return False
    with held_alone(path) as alone:
        return not alone


def _read_only(path: Path) -> sqlite3.Connection:
    """The file alone, as it is on disk: no -wal applied, no -shm made, nothing written."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True,
                           isolation_level=None)


def _identity(conn: sqlite3.Connection, full: bool) -> tuple[int, int, bool]:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    healthy = conn.execute("PRAGMA quick_check(1)").fetchone()[0] == "ok" if full else True
    return app_id, version, healthy


def board_id(conn: sqlite3.Connection) -> str | None:
    """The board's own id (migration m010), or None on a board made before it."""
    try:
        # opened_at makes SQLite read the row itself: the id alone is answered from the
        # primary key's index, which a session's log does not rewrite.
        row = conn.execute("SELECT id, opened_at FROM board").fetchone()
    except sqlite3.DatabaseError:
        return None
    return str(row[0]) if row else None


def _check_version(path: Path, app_id: int, version: int) -> None:
    if app_id != APPLICATION_ID:
        raise BoardError(f"{path}: is an SQLite database, but not an Empty Chair board")
    if version > SCHEMA_VERSION:
        raise BoardError(
            f"{path}: was written by a newer Empty Chair (board version {version}, "
            f"this app knows {SCHEMA_VERSION}); update the app to open it")


def _pair_belongs(path: Path, own_id: str | None) -> tuple[bool, int, int]:
    """Open the board with its -wal on a copy beside it (same disk: room for the board is
    room for its copy) and read it whole. (belongs, application id, version). Only damage
    or another board's id say "does not belong"; any other fault (no room for the copy, an
    I/O error) is raised as BoardError and nothing is moved."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.wal-check-", dir=path.parent))
    try:
        copy = folder / "board.db"
        try:
            shutil.copyfile(path, copy)
            shutil.copyfile(wal_of(path), wal_of(copy))
        except OSError as exc:
            raise BoardError(f"{path}: cannot check its write-ahead log ({exc.strerror}); "
                             "nothing was changed") from exc
        try:
            pair = sqlite3.connect(copy, isolation_level=None)
            try:
                app_id, version = _identity(pair, full=False)[:2]
                # integrity_check, not quick_check: a stale log from the same board
                # leaves indexes that disagree with their tables.
                healthy = pair.execute("PRAGMA integrity_check(1)").fetchone()[0] == "ok"
                if healthy and _has_table(pair, "voices_fts"):
                    pair.execute("INSERT INTO voices_fts (voices_fts) VALUES "
                                 "('integrity-check')")
                # Every session rewrites the board row, so the log holds its board's id.
                same = own_id is None or board_id(pair) == own_id
            finally:
                pair.close()
        except sqlite3.DatabaseError as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code not in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                raise BoardError(f"{path}: cannot check its write-ahead log "
                                 f"({environment_message(exc, path) or exc}); nothing was "
                                 "changed") from exc
            return False, 0, 0
        return healthy and same, app_id, version
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", [name]).fetchone() \
        is not None


def vet_wal(path: Path) -> str | None:
    """Make sure the board's -wal belongs to it before SQLite applies it.

    A -wal left by a process that died before a checkpoint is applied by the next open. If
    the board file was replaced meanwhile (a backup restored by hand, a file copied over it)
    or the -wal came from another board, applying it corrupts the board. So, holding the
    board against every other connection, the pair is tried on a copy first; a -wal that
    would damage the board is set aside under a clear name, and the returned line says
    so. A board refused here is left byte for byte.
    """
    path = path.resolve()  # a link: SQLite uses the -wal beside the file it points to
    wal = wal_of(path)
    if not wal.exists() or wal.stat().st_size == 0 or is_open_here(path):
        return None
    with held_alone(path) as alone:
        if not alone:
            return None  # another process is writing it: that log is live and belongs
        seen = wal.stat()
        try:
            conn = _read_only(path)
            try:
                app_id, version, _ = _identity(conn, full=False)
                own_id = board_id(conn)
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise BoardError(f"{path}: {environment_message(exc, path) or exc}") from exc
        _check_version(path, app_id, version)
        belongs, pair_id, pair_version = _pair_belongs(path, own_id)
        if belongs:
            _check_version(path, pair_id, pair_version)
            return None  # the log belongs: SQLite applies it as usual
        conn = _read_only(path)
        try:
            file_ok = conn.execute("PRAGMA integrity_check(1)").fetchone()[0] == "ok"
        finally:
            conn.close()
        if not file_ok:
            raise BoardError(f"{path}: the board file is damaged (corrupt); nothing was "
                             f"changed. Copy out what is readable with: empty-chair rescue "
                             f"{path} OUT.db")
        now = wal.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) != (seen.st_ino, seen.st_size,
                                                          seen.st_mtime_ns):
            raise BoardError(f"{path}: its write-ahead log changed while it was checked; "
                             "nothing was changed, try again")
        aside = unique_name(path.parent, f"{path.name}-wal.set-aside-{stamp()}", "")
        os.replace(wal, aside)
    return (f"{path}: a write-ahead log that does not belong to this board (left by a crash "
            f"before the board file was replaced?) was set aside as {aside.name}")


def create_whole(path: Path, build: Callable[[Path], None]) -> bool:
    """Make a new board at `path` whole or not at all: `build` writes it under a temporary
    name beside it, and only a finished board takes the name. False when another process
    made the board first (then that one is used)."""
    import uuid

    temp = path.with_name(f".{path.name}.creating-{uuid.uuid4().hex[:8]}")
    try:
        build(temp)
        try:
            os.link(temp, path)  # fails if the name exists: never replaces a board
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
                raise
            if path.exists():  # a file system without hard links
                return False
            os.replace(temp, path)
        _sync_folder(path.parent)
        return True
    finally:
        for leftover in (temp, wal_of(temp), shm_of(temp)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def vacuum_into(conn: sqlite3.Connection, out: Path) -> Path:
    """A consistent copy of the board into `out`, which only appears when it is complete:
    a copy that fails (a full disk) leaves nothing behind, not even an empty file."""
    import uuid

    partial = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        conn.execute("VACUUM INTO ?", (str(partial),))
        os.replace(partial, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return out


# -- daily backups ---------------------------------------------------------------------------
def backup_folder(path: Path) -> Path:
    return path.with_name(f"{path.stem}-backups")


def auto_backups_on() -> bool:
    return os.environ.get("EMPTY_CHAIR_AUTO_BACKUP", "1") != "0"


def daily_backup(path: Path, connect: Callable[[], sqlite3.Connection],
                 today: dt.date | None = None) -> Path | None:
    """At most one backup a day, kept in `<board>-backups/` beside the board: the last 7
    days that have one, and one a week for the 4 weeks before. None when today's exists."""
    today = today or dt.date.today()
    folder = backup_folder(path)
    out = folder / f"{path.stem}-{today.isoformat()}.db"
    if out.exists():
        return None
    folder.mkdir(exist_ok=True)
    conn = connect()
    try:
        vacuum_into(conn, out)
    finally:
        conn.close()
    prune_backups(path, today)
    return out


def prune_backups(path: Path, today: dt.date) -> list[Path]:
    """Keep the 7 newest daily backups and the newest of each of the 4 weeks before."""
    folder = backup_folder(path)
    dated: list[tuple[dt.date, Path]] = []
    for file in folder.glob(f"{path.stem}-*.db"):
        try:
            dated.append((dt.date.fromisoformat(file.stem[len(path.stem) + 1:]), file))
        except ValueError:
            continue
    dated.sort(reverse=True)
    keep = {file for _, file in dated[:DAILY_BACKUPS]}
    older = dated[DAILY_BACKUPS:]
    weeks: dict[tuple[int, int], Path] = {}
    for day, file in older:
        week = day.isocalendar()[:2]
        if week not in weeks and len(weeks) < WEEKLY_BACKUPS:
            weeks[week] = file
    keep |= set(weeks.values())
    removed = []
    for _, file in dated:
        if file not in keep:
            file.unlink()
            removed.append(file)
    for stale in folder.glob(f".{path.stem}-*.partial-*"):  # a copy cut short by a crash
        with contextlib.suppress(OSError):
            stale.unlink()
    return removed


# -- restore and rescue ------------------------------------------------------------------------
def vet_backup(backup: Path) -> None:
    """A backup worth restoring: an Empty Chair board this app can open, undamaged."""
    if not backup.is_file():
        raise BoardError(f"{backup}: no such backup file")
    with backup.open("rb") as fh:
        if fh.read(16) != b"SQLite format 3\x00":
            raise BoardError(f"{backup}: is not an Empty Chair board (not an SQLite database)")
    try:
        conn = _read_only(backup)
        try:
            app_id, version, healthy = _identity(conn, full=True)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BoardError(f"{backup}: {environment_message(exc, backup) or exc}") from exc
    _check_version(backup, app_id, version)
    if not healthy:
        raise BoardError(f"{backup}: the backup is damaged (corrupt); choose another one")


def restore(backup: Path, board: Path) -> Path | None:
    """Put `backup` in place of `board`. The board it replaces is kept aside, with its own
    -wal and -shm renamed along so they stay a pair; no stale log is left beside the
    restored board. Returns where the old board was kept (None when there was none)."""
    import shutil
    import uuid

    vet_backup(backup)
    with _open_lock:
        if board.resolve() in _open_here:
            raise BoardError(f"{board}: is open in this window; restore from the File menu")
    if in_use_elsewhere(board):
        raise BoardError(f"{board}: is open in another window or program; close it, then "
                         "restore")
    if board.exists() and board.resolve() == backup.resolve():
        raise BoardError(f"{backup}: is the board itself")
    if board.exists() and not board.is_file():
        raise BoardError(f"{board}: is not a board file (a folder?); nothing was changed")
    board = board.resolve()
    board.parent.mkdir(parents=True, exist_ok=True)
    temp = board.with_name(f".{board.name}.restoring-{uuid.uuid4().hex[:8]}")
    try:
        shutil.copyfile(backup, temp)
        with temp.open("rb+") as fh:
            os.fsync(fh.fileno())
        kept = None
        if board.exists():
            kept = unique_name(board.parent, f"{board.stem}.before-restore-{stamp()}",
                               board.suffix or ".db")
            os.replace(board, kept)
        # The -wal and -shm go with the board they belong to, or aside when it is gone:
        # never left beside the restored one.
        keep = kept or unique_name(board.parent, f"{board.stem}.orphan-{stamp()}", ".db")
        for old, new in ((wal_of(board), wal_of(keep)), (shm_of(board), shm_of(keep))):
            with contextlib.suppress(FileNotFoundError):
                os.replace(old, new)
        os.replace(temp, board)
        _sync_folder(board.parent)
        return kept
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def _drop_broken_links(conn: sqlite3.Connection) -> None:
    """A reference whose row was lost: an optional one is cleared, a link row dropped,
    until every foreign key holds (dropping a row can break the links of its children)."""
    while broken := conn.execute("PRAGMA foreign_key_check").fetchall():
        for table, rowid, _parent, key in broken:
            column = next(r[3] for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')
                          if r[0] == key)
            required = next(bool(r[3] or r[5]) for r in conn.execute(  # NOT NULL, or the key
                f'PRAGMA table_info("{table}")') if r[1] == column)
            if required:
                conn.execute(f'DELETE FROM "{table}" WHERE rowid = ?', [rowid])
            else:
                conn.execute(f'UPDATE "{table}" SET "{column}" = NULL WHERE rowid = ?', [rowid])


# Our tables, parents before children, as a rescue copies them.
RESCUED_TABLES = ("cohorts", "customers", "themes", "voices", "voice_themes", "meetings",
                  "decisions", "decision_themes", "impacts", "impact_evidence")


def _readable_rows(conn: sqlite3.Connection, table: str, columns: list[str],
                   ) -> tuple[list[tuple[object, ...]], int]:
    """Every row of `table` SQLite can still read, and how many stretches of rowids it could
    not: a scan that hits a damaged page goes on past it, halving rowid ranges around the
    damage (SQLite's .recover reads pages; this reads what the b-tree still gives)."""
    select = f"SELECT rowid, {', '.join(columns)} FROM \"{table}\""
    try:
        return [r[1:] for r in conn.execute(select)], 0
    except sqlite3.DatabaseError:
        pass
    try:
        top = conn.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0
    except sqlite3.DatabaseError:
        return [], 1  # its root page is gone: nothing of the table can be reached
    rows: list[tuple[object, ...]] = []
    lost: list[tuple[int, int]] = []
    ranges = [(1, top)]
    while ranges:
        low, high = ranges.pop()
        try:
            rows += [r[1:] for r in conn.execute(f"{select} WHERE rowid BETWEEN ? AND ?",
                                                 [low, high])]
        except sqlite3.DatabaseError:
            if high == low:  # halved down to one row: only the unreadable ones are lost
                lost.append((low, high))
                continue
            middle = (low + high) // 2
            ranges += [(middle + 1, high), (low, middle)]
    lost.sort()
    stretches = sum(1 for i, (low, _) in enumerate(lost) if i == 0 or lost[i - 1][1] + 1 < low)
    return rows, stretches


def rescue(damaged: Path, out: Path, make_board: Callable[[Path], sqlite3.Connection],
           ) -> dict[str, tuple[int, int]]:
    """Copy everything readable from a damaged board into a new board at `out`.

    Returns per table the rows the new board holds (placeholders included) and the
    damaged stretches of rowids that could not be read.

    The damaged file is only read (immutable: no -wal applied, nothing written). Rows land
    in a fresh board with our schema; a voice whose customer row was lost gets a placeholder
    customer ("Recovered customer …"), so no voice is dropped; links whose ends are gone are
    left out. Returns per table (rows copied, damaged ranges skipped)."""
    if not damaged.is_file():
        raise BoardError(f"{damaged}: no such board file")
    if out.exists():
        raise BoardError(f"{out}: already exists; choose another name")
    source = _read_only(damaged)
    target = make_board(out)
    report: dict[str, tuple[int, int]] = {}
    try:
        target.execute("PRAGMA foreign_keys = OFF")  # parents may arrive after children
        target.execute("BEGIN IMMEDIATE")
        for table in RESCUED_TABLES:
            columns = [r[1] for r in target.execute(f'PRAGMA table_info("{table}")')]
            try:
                have = {r[1] for r in source.execute(f'PRAGMA table_info("{table}")')}
            except sqlite3.DatabaseError:
                have = set()
            wanted = [c for c in columns if c in have]
            if not wanted:
                report[table] = (0, 1)
                continue
            rows, lost = _readable_rows(source, table, wanted)
            target.executemany(
                f'INSERT OR IGNORE INTO "{table}" ({", ".join(wanted)}) VALUES '
                f'({", ".join("?" * len(wanted))})', rows)
            report[table] = (len(rows), lost)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        target.execute(
            "INSERT INTO customers (id, name, created_at, updated_at) SELECT DISTINCT "
            "v.customer_id, 'Recovered customer ' || v.customer_id, ?, ? FROM "
            "voices v WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = v.customer_id)",
            [now, now])  # the whole id: time-ordered ids share their first characters
        target.execute(
            "INSERT INTO meetings (id, title, held_on, created_at, updated_at) SELECT DISTINCT "
            "d.meeting_id, 'Recovered meeting ' || d.meeting_id, "
            "substr(d.created_at, 1, 10), ?, ? FROM decisions d WHERE NOT EXISTS (SELECT 1 "
            "FROM meetings m WHERE m.id = d.meeting_id)", [now, now])
        _drop_broken_links(target)
        if not any(copied for copied, _ in report.values()):
            raise BoardError(f"{damaged}: nothing of it could be read (its schema is damaged); "
                             "no board was made")
        # What is there now, after placeholders came in and links to lost rows went.
        report = {table: (int(target.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]),
                          lost) for table, (_, lost) in report.items()}
        target.execute("COMMIT")
        target.execute("PRAGMA foreign_keys = ON")
        problems = target.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise BoardError(f"{out}: the rescued rows still break {len(problems)} links")
    except BaseException:
        if target.in_transaction:
            target.execute("ROLLBACK")
        target.close()
        source.close()
        for leftover in (out, wal_of(out), shm_of(out)):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
        raise
    target.close()
    source.close()
    return report
