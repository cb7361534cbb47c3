"""Exports a spreadsheet cannot be tricked by, and JSON that keeps every character."""

import csv
import json

import pytest

from app.board.exporting import export_to, spreadsheet_safe


@pytest.mark.parametrize("cell", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_starts_are_neutralised(cell):
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "a=b", "", 5, -3])
def test_other_cells_are_untouched(cell):
    assert spreadsheet_safe(cell) == cell


def test_csv_and_json_files(tmp_path):
    records = [{"id": "1", "text": '=cmd|"/c calc"!A1', "customer": "Ünïcode 🙂"},
               {"id": "2", "text": "line\nbreak", "customer": "B"}]
    assert export_to(tmp_path / "o.csv", iter(records), ("id", "text", "customer")) == 2
    with (tmp_path / "o.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["text"] == "'" + records[0]["text"]
    assert rows[1]["text"] == "line\nbreak"
    export_to(tmp_path / "o.json", iter(records))
    assert json.loads((tmp_path / "o.json").read_text(encoding="utf-8")) == records


def test_unknown_ending_is_refused(tmp_path):
    with pytest.raises(Exception, match=r"\.csv or \.json"):
        export_to(tmp_path / "o.xlsx", iter([]))
