"""`empty-chair publish`: a real Datasette process serving a board read-only."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.ui.conftest import seed_board
from ui.composition import open_store


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def published(tmp_path):
    pytest.importorskip("datasette", reason="publishing needs Datasette installed")
    board = tmp_path / "board.db"
    store = open_store(board, create=True)
    seed_board(store)
    store.close()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ui", "publish", "--db", str(board), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if _get(f"{base}/-/versions.json")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"datasette did not start: {process.stderr.read() if process.stderr else ''}")
    yield base, board
    process.terminate()
    process.wait(10)
    # Stopping publish stops its server: nothing is left serving the board.
    with pytest.raises(urllib.error.URLError, match="refused"):
        _get(f"{base}/-/versions.json")


def test_publish_serves_the_board_read_only_with_search(published):
    base, board = published
    status, page = _get(f"{base}/board/voices.json?_shape=array")
    assert status == 200
    assert {v["text"] for v in json.loads(page)} >= {"The invoice was wrong twice"}
    # Search as the app does: "invoices" finds "invoice" (the same stemmed index).
    status, page = _get(f"{base}/board/voices.json?_shape=array&_search=invoices")
    assert status == 200
    assert sorted(v["text"] for v in json.loads(page)) == ["The invoice was wrong twice",
                                                           "We need invoices per department"]
    # No SQL box, no download of the file, nothing that writes.
    assert _get(f"{base}/board.json?sql=select+1")[0] in (400, 403)
    assert _get(f"{base}/board.db")[0] in (403, 404)
    status, page = _get(f"{base}/board.json")
    tables = {t["name"]: t for t in json.loads(page)["tables"]}
    assert tables["board"]["hidden"]  # internals out of sight
    assert not tables["voices"]["hidden"]
    status, page = _get(f"{base}/-/metadata.json")
    assert "What customers said" in page
    # The board was never written: its file is as the app left it.
    store = open_store(board)
    assert len(store.customers()) == 2
    store.close()


def test_publish_refuses_a_file_that_is_not_a_board(tmp_path, capsys):
    from ui.cli import main

    other = tmp_path / "notes.db"
    other.write_bytes(b"not a database at all" * 100)
    assert main(["publish", "--db", str(other)]) == 1
    assert "notes.db" in capsys.readouterr().err
