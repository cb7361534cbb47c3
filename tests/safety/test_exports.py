"""Exports are the user's files, and no cell of a CSV export runs as a formula (issue 11,
item 17)."""

from __future__ import annotations

import csv
import datetime as dt
import os
import stat

import pytest

from app.board.domain import Kind, VoiceDraft
from app.board.exporting import export_to
from ui.cli import main

UMASK = 0o027  # not the usual 0o022, so a mode that ignores the umask shows


@pytest.fixture
def umask():
    old = os.umask(UMASK)
    yield UMASK
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("name", ["voices.csv", "voices.json"])
def test_export_gets_the_users_normal_permissions(store, board_path, tmp_path, umask, capsys,
                                                 name):
    store.insert_voice(VoiceDraft("Invoices arrive late", Kind.COMPLAINT, "Acme",
                                  dt.date(2026, 1, 5)))
    out = tmp_path / name
    assert main(["export", str(out), "--db", str(board_path)]) == 0
    assert _mode(out) == 0o666 & ~umask  # 0o640 here: the group can read it, as with any file
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export-")] == []


def test_decision_log_gets_the_users_normal_permissions(store, board_path, tmp_path, umask,
                                                       capsys):
    meeting = store.create_meeting("Council", dt.date(2026, 2, 1))
    store.add_decision(meeting, "Split invoices")
    out = tmp_path / "decisions.csv"
    assert main(["log", str(out), "--db", str(board_path)]) == 0
    assert _mode(out) == 0o666 & ~umask


HOSTILE = {
    " =HYPERLINK(\"http://x\")": True,   # a space before the formula
    "\t=1+1": True,
    "  +SUM(A1:A9)": True,
    "\n-2+3": True,
    "\u3000@cmd": True,                   # an ideographic space
    "\u200b=1+1": True,                   # a zero-width space
    "＝cmd|' /C calc'!A0": True,          # full-width equals sign
    "＋1+1": True,
    "－1+1": True,
    "＠SUM(A1)": True,
    " plain words after a space": False,
    "a = b": False,
    "Ｆull-width letters are words": False,
}


def test_csv_cells_hiding_a_formula_are_guarded(tmp_path):
    records = [{"id": str(i), "text": text} for i, text in enumerate(HOSTILE)]
    out = tmp_path / "voices.csv"
    export_to(out, iter(records), ("id", "text"))
    with out.open(encoding="utf-8", newline="") as fh:
        cells = [row["text"] for row in csv.DictReader(fh)]
    for original, cell in zip(HOSTILE, cells, strict=True):
        if HOSTILE[original]:
            assert cell == "'" + original, f"{original!r} is not guarded"
        else:
            assert cell == original
