"""An import's memory stays bounded, whatever the file: real files, the real command in a
child process, its peak resident memory read back with getrusage.

Each command runs under a small wrapper process, so RUSAGE_CHILDREN is that one command's
peak and not the largest child this test session ever waited for. Bounds are the growth over
a two-row import measured the same way (the interpreter, the app, SQLite), so they hold on
any machine; the numbers in the comments are this machine's.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

import pytest

from app.board.csv_import import MAX_FILE_BYTES, ROWS_IN_MEMORY_BYTES

ROOT = Path(__file__).resolve().parents[2]
MIB = 2**20
BITMAP = 16 * MIB  # the fixed bitmap a plan past its budget marks row digests in
SLACK = 32 * MIB  # allocator and interpreter noise

_WRAPPER = textwrap.dedent("""
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[2:], check=False)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with open(sys.argv[1], "w") as out:
        json.dump({"rc": done.returncode, "peak": peak}, out)
""")

pytestmark = pytest.mark.skipif(not sys.platform.startswith(("linux", "darwin")),
                                reason="ru_maxrss is read on Linux and macOS")


class Run(NamedTuple):
    rc: int
    peak: int  # bytes
    out: str
    err: str


def _cli(tmp_path: Path, *args: str) -> Run:
    report = tmp_path / "rusage.json"
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(report), sys.executable, "-m", "ui", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    result = json.loads(report.read_text())
    unit = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Run(result["rc"], result["peak"] * unit, done.stdout, done.stderr)


def _baseline(tmp_path: Path) -> int:
    """Peak memory of importing two rows into a new board."""
    small = tmp_path / "two.csv"
    small.write_text("customer,text\nAcme,the export is slow\nBeta,billing is confusing\n")
    run = _cli(tmp_path, "import", str(small), "--db", str(tmp_path / "baseline.db"))
    assert run.rc == 0, run.err
    return run.peak


def _tiny_rows(path: Path, rows: int, *, broken_last: bool = False) -> None:
    """The worst case per byte: millions of rows of a few characters each (5 million such
    rows, 20 MiB, took 3.3 GB)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("customer,text\n")
        out.writelines(f"c{i % 50},t{i}\n" for i in range(rows))
        if broken_last:
            out.write("c1,\n")  # no text: the import is refused after every row is checked


def _one_line_refusal(run: Run) -> None:
    assert run.rc == 1
    assert "Traceback" not in run.err
    assert len(run.err.splitlines()) == 1, run.err


def test_checking_a_csv_of_300k_tiny_rows_keeps_memory_bounded(tmp_path):
    # Every row is read and checked before the refusal. The old reader held the decoded
    # file, a record per row and a voice per row: 211 MB over the baseline here, growing
    # ~740 bytes a row. Now rows are kept only up to ROWS_IN_MEMORY_BYTES (then read again
    # for the write), so the growth stops there: 67 MB.
    base = _baseline(tmp_path)
    path = tmp_path / "tiny.csv"
    _tiny_rows(path, 300_000, broken_last=True)
    run = _cli(tmp_path, "import", str(path), "--db", str(tmp_path / "b.db"))
    assert run.rc == 1
    assert "Traceback" not in run.err
    assert f"{path}:300002: text: is missing" in run.err
    assert "1 invalid row(s); nothing imported" in run.err
    assert run.peak - base < ROWS_IN_MEMORY_BYTES + BITMAP + SLACK


def test_importing_200k_tiny_rows_needs_little_more_than_sqlites_cache(tmp_path):
    # One transaction keeps the pages it writes in SQLite's cache (at most the new board's
    # size, capped at 256 MiB), so that is allowed on top of the plan's own budget. The old
    # import grew by 295 MB for a 121 MB board; now 172 MB.
    base = _baseline(tmp_path)
    path = tmp_path / "tiny.csv"
    _tiny_rows(path, 200_000)
    board = tmp_path / "b.db"
    run = _cli(tmp_path, "import", str(path), "--db", str(board))
    assert run.rc == 0, run.err
    assert "added 200,000" in run.out
    conn = sqlite3.connect(board)
    try:
        assert conn.execute("SELECT count(*) FROM voices").fetchone()[0] == 200_000
        board_bytes = conn.execute("SELECT page_count * page_size FROM pragma_page_count, "
                                   "pragma_page_size").fetchone()[0]
    finally:
        conn.close()
    assert run.peak - base < board_bytes + ROWS_IN_MEMORY_BYTES + BITMAP + SLACK


def test_a_json_export_is_read_as_a_stream(tmp_path):
    # 150,000 voices in our own JSON format, the last one without text. json.load held
    # every record as a dict (147 MB over the baseline here); the stream holds one record
    # and the rows that fit the budget (65 MB).
    base = _baseline(tmp_path)
    path = tmp_path / "export.json"
    count = 150_000
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for i in range(count):
            record = {"id": f"0190abcd-0000-7000-8000-{i:012d}", "kind": "quote",
                      "text": f"t{i}" if i < count - 1 else "", "customer": f"c{i % 50}",
                      "heard_on": "2024-01-01", "channel": "email", "severity": 3}
            out.write((",\n " if i else "\n ") + json.dumps(record))
        out.write("\n]\n")
    run = _cli(tmp_path, "import", str(path), "--db", str(tmp_path / "b.db"))
    assert run.rc == 1
    assert "Traceback" not in run.err
    assert f"{path}:{count}: record {count}: text: is empty" in run.err
    assert run.peak - base < ROWS_IN_MEMORY_BYTES + SLACK


def test_a_json_file_too_big_to_import_is_refused_before_it_is_read(tmp_path):
    # A 512 MiB + 1 byte file (sparse: it costs no disk). The old import read all of it and
    # peaked at 1.07 GB before saying it was not JSON; now it is refused from its size.
    path = tmp_path / "huge.json"
    with path.open("w", encoding="utf-8") as out:
        out.write('[{"text": "a voice", "customer": "Acme", "heard_on": "2024-01-01"},\n')
        out.truncate(MAX_FILE_BYTES + 1)
    base = _baseline(tmp_path)
    board = tmp_path / "b.db"
    run = _cli(tmp_path, "import", str(path), "--db", str(board))
    assert run.peak - base < SLACK
    _one_line_refusal(run)
    assert run.err.startswith(f"empty-chair: {path}: ")
    assert f"larger than the {MAX_FILE_BYTES // MIB} MiB an import takes" in run.err
    assert not board.exists()
