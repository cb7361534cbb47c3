"""An export is one snapshot of the board, read in time linear in it (issue 11, item 5)."""

from __future__ import annotations

import datetime as dt

from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from ui.composition import open_store


def rows(prefix: str, count: int, day: dt.date) -> list[ImportRow]:
    return [ImportRow(f"{prefix} {i}", Kind.COMPLAINT, f"Customer {i % 7}", day, Channel.EMAIL,
                      3, None, (), "", None, f"{prefix}.csv", i + 2, f"{prefix}{i}")
            for i in range(count)]


def test_an_export_does_not_see_an_import_that_commits_while_it_runs(store, board_path):
    store.import_rows(rows("before", 2500, dt.date(2026, 5, 1)), 2500)
    exporting = store.export_rows(VoiceFilter())
    first = [next(exporting) for _ in range(1200)]  # the export is under way ...
    other = open_store(board_path)  # ... when another window imports older voices
    other.import_rows(rows("during", 800, dt.date(2020, 1, 1)), 800)
    other.close()
    texts = [r["text"] for r in first] + [r["text"] for r in exporting]
    assert len(texts) == 2500
    assert len(set(texts)) == 2500  # no voice twice (pages by OFFSET shifted under it)
    assert all(t.startswith("before") for t in texts)  # nothing half of the import
    assert store.count(VoiceFilter()) == 3300  # and the import itself landed
