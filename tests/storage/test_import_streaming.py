"""A big import is read twice as a stream: the write pass gives the same rows and keys as a
plan kept in memory, and refuses a file that changed in between."""

from __future__ import annotations

import json

import pytest

import app.board.csv_import as csv_import
import app.board.importing as importing
from app.board import json_chunks
from app.board.csv_import import ImportOptions
from app.board.filters import VoiceFilter
from app.board.importing import prepare_import, run_import
from app.errors import ImportFileError

# Identical rows far apart: their keys count how many came before, across the point where
# a plan stops keeping rows.
ROWS = "customer,text,themes\n" + "".join(
    f"Firm {i % 5},{'same words' if i % 40 == 0 else f'row {i} about exports'},Speed\n"
    for i in range(400))


def _plan(path, budget, monkeypatch):
    monkeypatch.setattr(csv_import, "ROWS_IN_MEMORY_BYTES", budget)
    return prepare_import(path, ImportOptions())


@pytest.mark.parametrize("budget", [0, 20_000])  # streams at once / after ~40 rows
def test_a_streamed_plan_gives_the_rows_and_keys_of_a_kept_one(write_file, monkeypatch,
                                                               budget):
    path = write_file("a.csv", ROWS)
    kept = _plan(path, 10**9, monkeypatch)
    streamed = _plan(path, budget, monkeypatch)
    assert not kept.rows.streamed
    assert streamed.rows.streamed
    assert len(streamed.rows) == len(kept.rows) == 400
    assert list(streamed.rows) == list(kept.rows)
    assert list(streamed.rows) == list(streamed.rows)  # each write pass reads it again
    assert streamed.rows[7] == kept.rows[7]
    keys = [r.source_key for r in streamed.rows]
    assert len(set(keys)) == 400
    assert [k for k in keys if k.endswith(":10")] == [kept.rows[360].source_key]


def test_a_streamed_import_writes_everything_once(store, write_file, monkeypatch):
    path = write_file("a.csv", ROWS)
    plan = _plan(path, 0, monkeypatch)
    assert run_import(store, plan, skip_invalid=False).result.added == 400
    assert store.count(VoiceFilter(text='"same words"')) == 10
    # Kept in memory or streamed, a re-import recognises every row.
    again = run_import(store, _plan(path, 10**9, monkeypatch), skip_invalid=False)
    assert (again.result.added, again.result.already_present) == (0, 400)


def test_a_file_changed_between_check_and_write_writes_nothing(store, write_file,
                                                               monkeypatch):
    path = write_file("a.csv", ROWS)
    plan = _plan(path, 0, monkeypatch)
    path.write_text(ROWS.replace("about exports", "about =cmd|' /C calc'!A0"))
    with pytest.raises(ImportFileError, match="changed while it was being imported"):
        run_import(store, plan, skip_invalid=False)
    assert store.count(VoiceFilter()) == 0
    assert store.customers() == []


def test_invalid_rows_are_counted_past_those_kept_to_list(write_file, monkeypatch):
    monkeypatch.setattr(csv_import, "KEPT_PROBLEMS", 3)
    path = write_file("a.csv", "customer,text\n" + "Acme,\n" * 10 + 'Beta,"open\n')
    plan = prepare_import(path, ImportOptions())
    assert plan.problem_count == 11
    assert [p.line for p in plan.problems] == [12, 2, 3, 4]  # the unreadable one first
    assert importing.problem_lines(plan)[-1] == "... and 7 more invalid row(s)"


def test_too_many_rows_are_refused_while_counting(write_file, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 50)
    with pytest.raises(ImportFileError, match="more than 50 rows"):
        prepare_import(write_file("a.csv", ROWS), ImportOptions())


def test_a_csv_too_big_to_import_is_refused_from_its_size(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as out:
        out.write(b"customer,text\nAcme,hello\n")
        out.truncate(csv_import.MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ImportFileError, match="512 MiB is larger than the 512 MiB"):
        prepare_import(path, ImportOptions())


def _json_export(path, count):
    records = [{"id": f"0190abcd-0000-7000-8000-{i:012d}", "kind": "need",
                "text": f"need {i} \u2014 \"quoted\", {{braces}} [and brackets]",
                "customer": f"Firm {i % 3}", "heard_on": "2024-02-03", "channel": "email",
                "severity": 1 + i % 5, "need_depth": "real", "themes": "Billing; Speed",
                "source_line": i + 2} for i in range(count)]
    path.write_text("[\r\n" + ",\r\n".join(json.dumps(r, ensure_ascii=False, indent=1)
                                           for r in records) + "\r\n]\r\n", encoding="utf-8")
    return records


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_json_records_are_read_across_chunk_boundaries(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(json_chunks, "CHUNK", chunk)
    records = _json_export(tmp_path / "e.json", 30)
    plan = prepare_import(tmp_path / "e.json", ImportOptions())
    assert plan.problem_count == 0
    assert [(r.voice_id, r.text, r.severity, r.themes, r.source_line) for r in plan.rows] == [
        (r["id"], r["text"], r["severity"], ("Billing", "Speed"), r["source_line"])
        for r in records]


@pytest.mark.parametrize(("content", "reason"), [
    ("", "the file is empty"),
    ('{"text": "x"}', "a JSON export is a list of voices"),
    ('[{"text": "x"}', "it ends inside the list, after record 1"),
    ('[{"text": "x"},', "it ends inside the list, after record 1"),
    ('[{"text": "x"}, ]', "a ',' after record 1 is followed by ']'"),
    ('[{"text": "x"} {"text": "y"}]', "after record 1: expected ',' or ']'"),
    ('[{"text": "x"}] [', "there is more after the list's closing ']'"),
    ('[{"text": "x", ]', "record 1: Expecting property name"),
    ("[" + "[" * 100_000 + "]" * 100_000 + "]", "record 1 is nested too deeply"),
])
def test_a_broken_json_file_is_refused_with_its_reason(tmp_path, monkeypatch, content, reason):
    monkeypatch.setattr(json_chunks, "CHUNK", 4)
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        prepare_import(path, ImportOptions())


def test_an_empty_json_list_has_no_rows(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(" [ \n ] \n", encoding="utf-8")
    assert prepare_import(path, ImportOptions()).record_count == 0


def test_a_json_source_line_beyond_sqlite_is_a_row_problem(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"text": "x", "customer": "Acme", "heard_on": "2024-01-01",
                                 "source_line": 10**30}]), encoding="utf-8")
    plan = prepare_import(path, ImportOptions())
    assert [p.message for p in plan.problems] == [
        f"record 1: source_line: {10**30} is not a line number"]
