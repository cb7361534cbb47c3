"""Open a board file safely: refuse foreign, corrupt, newer or read-only files untouched."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app.errors import BoardError
from storage import files
from storage.errors import environment_message, translated
from storage.identity import APPLICATION_ID, SCHEMA_CODE, SCHEMA_VERSION

if TYPE_CHECKING:
    from sqlite_utils import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
FULL_CHECK_BYTES = 32 * 1024 * 1024  # boards up to this size get a full quick_check on open
CHECK_DELAY_S = 3.0  # a bigger board's full check waits this long (or for the first write)
BACKUP_DELAY_S = 5.0  # today's backup waits this long after the open (or for the close)


class _Later:
    """Work for a thread of its own that waits `delay` seconds first (a window's start is
    not slowed by it), runs at the lowest CPU priority, and can be asked to run now or to
    be skipped when it has not begun."""

    def __init__(self, name: str, work: Callable[[], None], delay: float) -> None:
        self._work = work
        self._now = threading.Event()
        self._skip = False
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(delay,), name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self, delay: float) -> None:
        try:
            self._now.wait(delay)
            if self._skip:
                return
            with contextlib.suppress(AttributeError, OSError):  # Linux: nice per thread
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
            self._work()
        finally:
            self.done.set()

    def run_now(self) -> None:
        self._now.set()

    def skip_unless_started(self) -> None:
        if not self._now.is_set():
            self._skip = True
        self._now.set()


class Connection:
    """One SQLite connection to a board (one per thread), with write transactions."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        self._db: Database | None = None
        self.notices: list[str] = []  # what opening the board did that the user should hear
        self._check: _Later | None = None  # the full check of a big board
        self._damage: str | None = None
        self._backup: _Later | None = None
        self._registered = False
        self._marked = False

    def check_in_background(self) -> None:
        """Read every page of a big board off the calling thread before it is first written:
        a damaged board is refused for writing, never written to (reads still work). It
        waits a few seconds (or for the first write) so a window's start is not slowed."""
        def check() -> None:
            try:
                conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
                try:
                    result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                finally:
                    conn.close()
                if result != "ok":
                    self._damage = "the board file is damaged (corrupt)"
            except sqlite3.DatabaseError as exc:
                # Only damage refuses writes; a busy or full disk is told by the write.
                code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
                if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
                    self._damage = "the board file is damaged (corrupt)"

        self._check = _Later("empty-chair check", check, CHECK_DELAY_S)

    def back_up_daily(self) -> None:
        """Today's backup in `<board>-backups/`, in a thread with its own connection, a
        while after the open (or at the close of a short command, which waits for it)."""
        def run() -> None:
            # A backup that cannot be made now is tried again at the next open.
            with contextlib.suppress(OSError, sqlite3.Error, BoardError):
                files.daily_backup(self.path, lambda: sqlite3.connect(self.path))

        self._backup = _Later("empty-chair backup", run, BACKUP_DELAY_S)

    def begin(self) -> None:
        """BEGIN IMMEDIATE for a write: refused on a damaged board; the session's first
        write also rewrites the board's row, so its -wal carries this board's id."""
        self.refuse_if_damaged()
        self.conn.execute("BEGIN IMMEDIATE")
        if not self._marked:
            self._marked = _mark_session(self.conn)

    def refuse_if_damaged(self) -> None:
        """Before the first write of a session: wait for the full check, refuse if damaged."""
        if self._check is None:
            return
        self._check.run_now()
        self._check.done.wait()
        if self._damage is not None:
            raise BoardError(
                f"{self.path}: {self._damage}; nothing was written. Copy out what is readable "
                f"with: empty-chair rescue {self.path} OUT.db")

    @property
    def db(self) -> Database:
        """The sqlite-utils view of this connection, made (and imported) on first use."""
        if self._db is None:
            from sqlite_utils import Database

            self._db = Database(self.conn, execute_plugins=False)
        return self._db

    @contextmanager
    def write(self) -> Iterator[Database]:
        """A write transaction: BEGIN IMMEDIATE takes the write lock up front, so a
        read-then-write never fails half-way with "database is locked" under WAL."""
        if self.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint inside the open transaction
                yield self.db
            return
        with translated(self.path):
            self.begin()
        try:
            yield self.db
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        with translated(self.path):
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        if self._backup is not None:
            self._backup.run_now()  # a short command waits for today's backup to land
            self._backup.done.wait()
        if self._check is not None:
            self._check.skip_unless_started()  # nothing more will be written
            self._check.done.wait()  # its connection closed: ours folds the -wal in
        self.conn.close()
        if self._registered:
            files.closed_here(self.path)
            self._registered = False


def now_utc() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _writable(path: Path) -> bool:
    """Writable for us, and not marked read-only: root may write anywhere, but a board the
    user made read-only (no write bits) is still theirs to keep unchanged."""
    return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)


def _check_file(path: Path) -> None:
    """Refuse what cannot be a board before SQLite ever opens it (so nothing is written)."""
    if path.is_dir():
        raise BoardError(f"{path}: is a folder, not a board file")
    if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or device would block or stream
        raise BoardError(f"{path}: is not a regular file, so it cannot be a board")
    try:
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise BoardError(f"{path}: cannot be read ({exc.strerror})") from exc
    if header != SQLITE_MAGIC:
        raise BoardError(f"{path}: is not an Empty Chair board (not an SQLite database)")
    if not _writable(path) or not _writable(path.parent):
        raise BoardError(
            f"{path}: the board file (or its folder) is read-only; "
            "copy it somewhere writable or fix its permissions"
        )


def _connect(path: Path, create: bool) -> sqlite3.Connection:
    mode = "rwc" if create else "rw"
    # isolation_level=None: we issue BEGIN ourselves; sqlite-utils uses savepoints inside.
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode={mode}", uri=True, isolation_level=None,
        check_same_thread=False,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA trusted_schema = OFF")  # until _check_schema_code has read the file
    return conn


def _check_identity(path: Path, conn: sqlite3.Connection) -> None:
    """Read-only checks of the header fields; nothing here writes to the file."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id != APPLICATION_ID:
        raise BoardError(f"{path}: is an SQLite database, but not an Empty Chair board")
    if version > SCHEMA_VERSION:
        raise BoardError(
            f"{path}: was written by a newer Empty Chair (board version {version}, "
            f"this app knows {SCHEMA_VERSION}); update the app to open it"
        )
    if path.stat().st_size <= FULL_CHECK_BYTES:
        problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    else:
        # quick_check reads every page (0.6 s for a 100k-voice board): too slow for every
        # start. Walk each table's b-tree instead; damage met later is still refused with
        # a clear message by storage.errors.
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND sql NOT LIKE 'CREATE VIRTUAL%'").fetchall():
            conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        problem = "ok"
    if problem != "ok":
        raise BoardError(f"{path}: the board file is damaged (corrupt); open a backup instead")


def _check_schema_code(path: Path, conn: sqlite3.Connection) -> None:
    """Only code we wrote may run from the schema.

    The FTS triggers must write to an FTS5 table, which SQLite allows only with
    trusted_schema=ON. So the file is read with it OFF, every trigger and view is compared
    with ours, and only a board whose schema code is exactly ours is trusted.
    """
    found = set(conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')").fetchall())
    foreign = sorted(name for name, _ in found - SCHEMA_CODE)
    if foreign:
        raise BoardError(f"{path}: holds triggers or views this app did not write "
                         f"({', '.join(foreign[:3])}); refusing to open it")


def _set_pragmas(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA foreign_keys = ON")  # must be outside a transaction
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA trusted_schema = ON")  # after _check_schema_code; see there


def _migrate(path: Path, connection: Connection, existing: bool) -> None:
    version = connection.conn.execute("PRAGMA user_version").fetchone()[0]
    if existing and version == SCHEMA_VERSION:
        return  # up to date: no need to load sqlite-utils and its migrations at all
    from storage.schema import migrations

    db = connection.db
    if not migrations.pending(db):
        return
    if existing:
        # Unique: two processes opening an old board at once each make their own backup.
        backup_to(connection, files.unique_name(
            path.parent, f"{path.stem}.before-migration-{files.stamp()}", ".db"))
    with connection.write():
        migrations.apply(db)  # under the write lock: a second process finds nothing to do
        connection.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _mark_session(conn: sqlite3.Connection) -> bool:
    """Inside a session's first write transaction: rewrite the board's row, so the -wal
    carries this board's id (see files.vet_wal). False on a board made before m010."""
    try:
        conn.execute("UPDATE board SET opened_at = ?", [now_utc()])
    except sqlite3.OperationalError:
        return False
    return True


def _connected(path: Path, create: bool) -> sqlite3.Connection:
    """_connect, its failures told as one line naming the board."""
    try:
        return _connect(path, create=create)
    except sqlite3.Error as exc:
        raise BoardError(f"{path}: {environment_message(exc, path) or exc}") from exc


def _build(path: Path) -> None:
    """A new, migrated board at `path` (a temporary name: see files.create_whole)."""
    conn = _connected(path, create=True)
    try:
        with translated(path):
            _set_pragmas(conn)
            _migrate(path, Connection(path, conn), existing=False)
    finally:
        conn.close()  # the last connection: the -wal is checkpointed and removed


def open_board(path: Path | str, *, create: bool = False) -> Connection:
    """Open (or with create=True, create) a board and bring its schema up to date.

    A new board is built under a temporary name and appears whole or not at all. An
    existing board's -wal is vetted before SQLite may apply it (files.vet_wal). Boards over
    FULL_CHECK_BYTES are read page by page in a thread before their first write."""
    # One name for the file: SQLite keeps the -wal beside the file a link points to.
    path = Path(path).expanduser().resolve()
    existing = path.exists()
    fresh = False
    if not existing and not create:
        raise BoardError(f"{path}: no board here; create one with 'empty-chair demo --db {path}'")
    if not existing:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise BoardError(f"{path}: cannot create the folder ({exc.strerror})") from exc
        try:
            fresh = files.create_whole(path, _build)
        except OSError as exc:
            raise BoardError(f"{path}: cannot create the board ({exc.strerror})") from exc
    if not files.is_open_here(path):
        # Read by Python only when no connection of ours is open on it: closing any
        # descriptor of a file drops the locks this process holds on it (POSIX).
        _check_file(path)
    notice = files.vet_wal(path)
    conn = _connected(path, create=False)
    try:
        with translated(path):
            _check_identity(path, conn)
            _check_schema_code(path, conn)
            _set_pragmas(conn)
            connection = Connection(path, conn)
            if path.stat().st_size > FULL_CHECK_BYTES:
                connection.check_in_background()  # a migration's write waits for it
            _migrate(path, connection, existing=True)
    except BaseException:
        conn.close()
        raise
    files.opened_here(path)
    connection._registered = True
    if notice:
        connection.notices.append(notice)
    if not fresh and files.auto_backups_on():
        connection.back_up_daily()
    return connection


def open_reader(path: Path) -> Connection:
    """A second connection to an already-opened board, for a worker thread."""
    conn = _connect(path, create=False)
    _check_schema_code(path, conn)
    _set_pragmas(conn)
    return Connection(path, conn)


def backup_to(connection: Connection, out: Path | str) -> Path:
    """A consistent copy of a live board (VACUUM INTO), never a file copy."""
    out = Path(out).expanduser()
    if out.exists():
        raise BoardError(f"{out}: already exists; choose another name")
    try:
        with translated(out):
            return files.vacuum_into(connection.conn, out)
    except OSError as exc:
        raise BoardError(f"{out}: cannot write the backup ({exc.strerror})") from exc
