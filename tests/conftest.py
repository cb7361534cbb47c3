"""Shared fixtures: offscreen Qt, a fresh board per test, writers for CSV files."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("EMPTY_CHAIR_DB", None)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real exports beside the checkout; tests skip with a reason where absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real CSV exports not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def board_path(tmp_path: Path) -> Path:
    return tmp_path / "board.db"


@pytest.fixture
def store(board_path: Path) -> Iterator[object]:
    """A fresh, migrated, empty board in tmp_path."""
    from ui.composition import open_store

    board = open_store(board_path, create=True)
    yield board
    board.close()


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Write text (in an encoding) or bytes to a file in tmp_path and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    """QSettings and the default board never touch the real user folders."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
