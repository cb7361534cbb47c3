"""Every field of an imported row is checked like the rest: a bad one is an invalid row with
its line or record and its field, never an SQLite error; names are cleaned the same way from
CSV and JSON."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ui.cli import main


def _import(capsys, *args: object) -> tuple[int, list[str], str]:
    code = main(["import", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out


def _json(tmp_path, *records: dict) -> object:
    path = tmp_path / "voices.json"
    path.write_text(json.dumps(list(records), ensure_ascii=False), encoding="utf-8")
    return path


def _record(**fields: object) -> dict:
    return {"text": "the export is slow", "customer": "Acme", "kind": "quote",
            "heard_on": "2024-03-01", **fields}


def test_a_need_depth_on_a_json_quote_is_an_invalid_record(tmp_path, capsys):
    # It reached the table's CHECK: "internal error (IntegrityError: CHECK constraint
    # failed: need_depth ...); this is a bug".
    path = _json(tmp_path, _record(kind="need", need_depth="real"),
                 _record(kind="quote", need_depth="real"))
    board = tmp_path / "b.db"
    code, err, _ = _import(capsys, path, "--db", board)
    assert code == 1
    assert err[0] == (f"{path}:2: record 2: need_depth: 'real' is given for a quote; only "
                      "needs have a depth")
    assert not board.exists()
    code, err, out = _import(capsys, path, "--db", board, "--skip-invalid")
    assert code == 0
    assert "added 1," in out
    assert err[0].startswith(f"skipped {path}:2: record 2: need_depth:")


def test_a_need_depth_on_a_csv_complaint_is_an_invalid_row(tmp_path, capsys):
    # It was dropped without a word: the row was imported and its depth lost.
    path = tmp_path / "voices.csv"
    path.write_text("customer,text,kind,need_depth\nAcme,we need exports,need,secret\n"
                    "Beta,exports are broken,complaint,stated\nGamma,fine,quote,\n",
                    encoding="utf-8")
    board = tmp_path / "b.db"
    code, err, _ = _import(capsys, path, "--db", board)
    assert code == 1
    assert err[0] == (f"{path}:3: need_depth: 'stated' is given for a complaint; only needs "
                      "have a depth")
    assert not board.exists()


def test_a_huge_json_source_line_is_an_invalid_record(tmp_path, capsys):
    path = _json(tmp_path, _record(source_line=10**30), _record(source_line="line 7"))
    code, err, _ = _import(capsys, path, "--db", tmp_path / "b.db")
    assert code == 1
    assert err[:2] == [f"{path}:1: record 1: source_line: {10**30} is not a line number",
                       f"{path}:2: record 2: source_line: 'line 7' is not a line number"]


@pytest.mark.parametrize(("fields", "reason"), [
    ({"heard_on": "yesterday"}, "heard_on: 'yesterday' is not a date (YYYY-MM-DD)"),
    ({"heard_on": None}, "heard_on: is missing"),
    ({"severity": "high"}, "severity: 'high' is not a number from 1 to 5"),
    ({"severity": 1e400}, "severity: inf is not a number from 1 to 5"),
    ({"text": None}, "text: is empty"),
    ({"customer": None}, "customer: is empty"),
    ({"captured_by": "Pri\x00ya"}, "captured_by: contains a NUL character"),
    ({"source_file": "calls\x00.csv"}, "source_file: contains a NUL character"),
    ({"themes": "Billing; Bil\x00ling"}, "theme: contains a NUL character"),
    ({"themes": "x" * 201}, "theme: is longer than 200 characters"),
    ({"cohort": "\u200b"}, "cohort: is empty"),
    ({"customer": {"name": "Acme"}}, "customer: is not text"),
])
def test_a_bad_json_field_is_named(tmp_path, capsys, fields, reason):
    path = _json(tmp_path, _record(**fields))
    code, err, _ = _import(capsys, path, "--db", tmp_path / "b.db")
    assert code == 1
    assert err[0] == f"{path}:1: record 1: {reason}"


def test_json_names_are_cleaned_like_csv_names(tmp_path, capsys):
    # Themes were only trimmed and cohorts kept as written: "Bil\u200bling" was a second
    # Billing, a zero-width space a theme of its own, " Big  retail " a cohort of its own.
    path = _json(tmp_path,
                 _record(themes="Billing; Bil\u200bling;\u200b; ;Speed", cohort=" Big  retail ",
                         captured_by="Priya"),
                 _record(customer="Beta", themes="billing", cohort="Big retail"))
    board = tmp_path / "b.db"
    code, err, _ = _import(capsys, path, "--db", board)
    assert (code, err) == (0, [])
    with sqlite3.connect(board) as conn:
        themes = sorted(n for (n,) in conn.execute("SELECT name FROM themes"))
        cohorts = [n for (n,) in conn.execute("SELECT name FROM cohorts")]
        links = conn.execute("SELECT count(*) FROM voice_themes").fetchone()[0]
    assert themes == ["Billing", "Speed"]
    assert cohorts == ["Big retail"]
    assert links == 3  # Billing and Speed on the first voice, Billing on the second


def test_a_hand_edited_json_severity_is_never_rounded(tmp_path, capsys):
    import json

    from ui.cli import main

    path = tmp_path / "edited.json"
    path.write_text(json.dumps([{"text": "Slow", "customer": "Acme", "severity": 3.9,
                                 "heard_on": "2026-01-01"},
                                {"text": "Fast", "customer": "Acme", "severity": "4",
                                 "heard_on": "2026-01-01"}]),
                    encoding="utf-8")
    assert main(["import", str(path), "--db", str(tmp_path / "b.db")]) == 1
    err = capsys.readouterr().err
    assert "severity: 3.9 is not" in err
    assert not (tmp_path / "b.db").exists()
