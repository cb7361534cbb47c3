"""The command line does what it says: the global --db, no file written over, no demo into
a real board, restore and rescue, and a table of hostile invocations that each get one line
on stderr, no traceback, no hang (issue 11, items 2, 6, 7, 8, 11, 12, 13, 14)."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.board import open_board

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 120,
        ) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True,
                          cwd=ROOT, env=environment, timeout=timeout, errors="replace")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    board = tmp_path / "board.db"
    assert run("demo", "--db", str(board), "--voices", "60").returncode == 0
    return board


def one_line_refusal(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_the_global_db_option_is_the_board_written(tmp_path, monkeypatch):
    default = tmp_path / "default.db"
    chosen = tmp_path / "chosen.db"
    csv = tmp_path / "in.csv"
    csv.write_text("customer,text\nAcme,Refunds are slow\n", encoding="utf-8")
    result = run("--db", str(chosen), "import", str(csv),
                 env={"EMPTY_CHAIR_DB": str(default)})
    assert result.returncode == 0, result.stderr
    assert str(chosen) in result.stdout  # the summary names the board it wrote to
    assert chosen.exists()
    assert not default.exists()


def test_no_command_writes_over_its_board_or_an_existing_file(demo, tmp_path):
    before = digest(demo)
    for command in (["export", str(demo)], ["log", str(demo)], ["backup", str(demo)],
                    ["report", str(demo)]):
        line = one_line_refusal(run(*command, "--db", str(demo)))
        assert "is the board itself" in line
    assert digest(demo) == before
    out = tmp_path / "voices.csv"
    assert run("export", str(out), "--db", str(demo)).returncode == 0
    kept = out.read_bytes()
    assert "already exists; use --force" in one_line_refusal(
        run("export", str(out), "--db", str(demo)))
    assert out.read_bytes() == kept
    assert run("export", str(out), "--db", str(demo), "--force").returncode == 0


def voice_count(board: Path) -> int:
    conn = sqlite3.connect(board)
    try:
        return int(conn.execute("SELECT count(*) FROM voices").fetchone()[0])
    finally:
        conn.close()


def test_demo_refuses_a_board_that_holds_voices(demo):
    assert "already holds 60 voices" in one_line_refusal(run("demo", "--db", str(demo)))
    assert voice_count(demo) == 60
    assert run("demo", "--db", str(demo), "--force", "--voices", "80").returncode == 0
    assert voice_count(demo) > 60


def test_restore_puts_a_backup_back_and_keeps_the_board_it_replaced(demo, tmp_path):
    backup = tmp_path / "monday.db"
    assert run("backup", str(backup), "--db", str(demo)).returncode == 0
    csv = tmp_path / "more.csv"
    csv.write_text("customer,text\nZed,Added after the backup\n", encoding="utf-8")
    assert run("import", str(csv), "--db", str(demo)).returncode == 0
    result = run("restore", str(backup), "--db", str(demo))
    assert result.returncode == 0, result.stderr
    assert "restored from" in result.stdout
    assert "(60 voices)" in result.stdout
    kept = list(tmp_path.glob("board.before-restore-*.db"))
    assert len(kept) == 1
    board = open_board(kept[0])
    assert board.conn.execute("SELECT count(*) FROM voices").fetchone()[0] == 61
    board.close()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(backup.read_bytes()[:8192])
    assert "damaged" in one_line_refusal(run("restore", str(damaged), "--db", str(demo)))


def test_rescue_copies_what_a_damaged_board_still_holds(demo, tmp_path):
    conn = sqlite3.connect(demo)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'meetings'"
                        ).fetchone()[0]
    voices = conn.execute("SELECT count(*) FROM voices").fetchone()[0]
    conn.close()
    with demo.open("r+b") as fh:  # the meetings table's root page is scribbled over
        fh.seek((root - 1) * 4096)
        fh.write(b"\x42" * 64)
    out = tmp_path / "rescued.db"
    result = run("rescue", str(demo), str(out))
    assert result.returncode == 0, result.stderr
    assert f"voices: {voices:,} rows" in result.stdout
    meetings = next(line for line in result.stdout.splitlines() if "meetings:" in line)
    assert "1 damaged stretch could not be read" in meetings
    rescued_meetings = sqlite3.connect(out).execute(
        "SELECT count(*), min(title) FROM meetings").fetchone()
    assert meetings.strip().startswith(f"meetings: {rescued_meetings[0]} rows")
    assert rescued_meetings[1].startswith("Recovered meeting ")  # its decisions kept
    rescued = open_board(out)
    assert rescued.conn.execute("SELECT count(*) FROM voices").fetchone()[0] == voices
    assert rescued.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert rescued.conn.execute("SELECT count(*) FROM voices_fts WHERE voices_fts MATCH "
                                "'invoice'").fetchone()[0] > 0  # searchable again
    rescued.close()


def test_interrupted_after_the_commit_says_what_was_written(tmp_path, monkeypatch, capsys):
    import app.board.importing
    from ui.cli import main

    real = app.board.importing.run_import

    def then_interrupted(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt  # Ctrl+C right after the commit

    monkeypatch.setattr(app.board.importing, "run_import", then_interrupted)
    csv = tmp_path / "in.csv"
    csv.write_text("customer,text\nAcme,One\nBeta,Two\n", encoding="utf-8")
    assert main(["import", str(csv), "--db", str(tmp_path / "b.db")]) == 130
    err = capsys.readouterr().err
    assert "the import was committed: 2 voices were added" in err
    assert "nothing partial" not in err


def hostile(tmp_path: Path, demo: Path) -> list[tuple[list[str], int, str]]:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    db = ["--db", str(demo)]
    return [
        (["search", "x", "--db", str(fifo)], 1, "not a regular file"),
        (["import", str(deep), *db], 1, ""),
        (["search", "caf\udce9", *db], 2, "not valid UTF-8"),
        (["search", "x", "--limit", str(2**63), *db], 2, "more than"),
        (["report", str(tmp_path / "missing" / "r.html"), *db], 1, "does not exist"),
        (["export", str(tmp_path), *db], 1, "is a folder"),
        (["screenshot", "meeting", str(tmp_path / "m.png"), "--meeting", "nosuch", *db], 1,
         "no meeting"),
        (["screenshot", "board", str(tmp_path / "b.png"), "--size", "100000x100000", *db], 1,
         "200 to 8192"),
        (["screenshot", "board", str(tmp_path / "missing" / "b.png"), *db], 1,
         "does not exist"),
        (["backup", str(tmp_path / "missing" / "b.db"), *db], 1, "does not exist"),
        (["restore", str(tmp_path / "nothing.db"), *db], 1, "no such backup"),
        (["rescue", str(tmp_path / "nothing.db"), str(tmp_path / "r.db")], 1, "no such"),
        (["no-such-command"], 2, "invalid choice"),
    ]


def test_hostile_invocations_get_one_line_never_a_traceback_or_a_hang(tmp_path, demo):
    for args, code, words in hostile(tmp_path, demo):
        result = run(*args, timeout=60)  # a hang fails here
        line = one_line_refusal(result, code)
        assert words in line, (args, line)


def test_search_for_a_word_that_starts_with_a_dash(demo):
    result = run("search", "-refund", "--db", str(demo))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("voices")


def test_a_json_record_with_a_number_too_big_is_an_invalid_row(tmp_path, demo):
    records = [{"text": "Fine", "customer": "Acme", "source_line": 10**30}]
    path = tmp_path / "big.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    result = run("import", str(path), "--db", str(demo))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr


def test_rescue_keeps_every_voice_when_their_customers_are_lost(demo, tmp_path):
    conn = sqlite3.connect(demo)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'customers'"
                        ).fetchone()[0]
    voices = conn.execute("SELECT count(*) FROM voices").fetchone()[0]
    customers = conn.execute("SELECT count(DISTINCT customer_id) FROM voices").fetchone()[0]
    conn.close()
    with demo.open("r+b") as fh:
        fh.seek((root - 1) * 4096)
        fh.write(b"\x42" * 64)
    out = tmp_path / "rescued.db"
    result = run("rescue", str(demo), str(out))
    assert result.returncode == 0, result.stderr
    rescued = sqlite3.connect(out)
    assert rescued.execute("SELECT count(*) FROM voices").fetchone()[0] == voices
    assert rescued.execute("SELECT count(*) FROM customers WHERE name LIKE 'Recovered "
                           "customer %'").fetchone()[0] == customers  # one each, never merged
    assert rescued.execute("SELECT count(*) FROM voice_themes WHERE theme_id IS NULL"
                           ).fetchone()[0] == 0
    rescued.close()


def test_rescue_of_an_unreadable_file_says_so_and_makes_nothing(tmp_path, demo):
    broken = tmp_path / "broken.db"
    data = bytearray(demo.read_bytes())
    data[100:4096] = b"\x42" * (4096 - 100)  # sqlite_master's page
    broken.write_bytes(bytes(data))
    out = tmp_path / "rescued.db"
    line = one_line_refusal(run("rescue", str(broken), str(out)))
    assert "could not be read" in line or "damaged" in line
    assert not out.exists()


def test_restore_never_replaces_a_folder(tmp_path, demo):
    backup = tmp_path / "b.db"
    assert run("backup", str(backup), "--db", str(demo)).returncode == 0
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "letter.txt").write_text("keep me", encoding="utf-8")
    assert "not a board file" in one_line_refusal(
        run("restore", str(backup), "--db", str(folder)))
    assert (folder / "letter.txt").read_text(encoding="utf-8") == "keep me"
