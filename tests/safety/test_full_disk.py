"""A full disk says so, and leaves no half-written file (issue 11, items 13 and 14). On a
real small file system (a tmpfs mounted for the test, where the machine allows it)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "EMPTY_CHAIR_AUTO_BACKUP": "0"}
    return subprocess.run([sys.executable, "-m", "ui", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> None:
    """Fill the small disk, leaving about `leave` bytes free."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
        chunk = b"\0" * 4096
        while free - leave >= 4096:
            try:
                os.write(fd, chunk)
            except OSError:
                break
            free -= 4096
    finally:
        os.close(fd)


def test_every_command_says_the_disk_is_full_and_leaves_nothing(small_disk, tmp_path):
    board = small_disk / "board.db"
    assert run("demo", "--db", str(board), "--voices", "100").returncode == 0
    before = hashlib.sha256(board.read_bytes()).hexdigest()
    fill(small_disk)
    outs = {"export": small_disk / "out.csv", "backup": small_disk / "copy.db",
            "report": small_disk / "review.html", "log": small_disk / "log.csv"}
    for command in (["search", "invoice"], *([c, str(o)] for c, o in outs.items())):
        result = run(*command, "--db", str(board))
        assert result.returncode == 1, (command, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, (command, result.stderr)
        assert "the disk is full" in lines[0], (command, lines[0])
        assert "Traceback" not in result.stderr
    for out in outs.values():
        assert not out.exists()
    assert not [p for p in small_disk.iterdir() if p.name.startswith(".")]  # no partial file
    assert hashlib.sha256(board.read_bytes()).hexdigest() == before
    (small_disk / "filler").unlink()
    assert run("search", "invoice", "--db", str(board)).returncode == 0


def test_an_export_onto_a_full_disk_leaves_no_truncated_file(small_disk, tmp_path):
    board = tmp_path / "board.db"
    assert run("demo", "--db", str(board), "--voices", "300").returncode == 0
    fill(small_disk, leave=40 * 1024)  # room for a little, not for the export
    for command, out in (("export", small_disk / "voices.csv"),
                         ("report", small_disk / "review.html")):
        result = run(command, str(out), "--db", str(board))
        assert result.returncode == 1, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "disk is full" in result.stderr
        assert not out.exists()
    assert not [p for p in small_disk.iterdir() if p.name.startswith(".")]
