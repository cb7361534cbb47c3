"""The whole board as JSON (issue 12, item 7): exported and imported into an empty board it
gives the same board, every table and column; hand-edited files are refused field by field."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import sqlite3

import pytest

from app.board import json_chunks
from app.board.csv_import import ImportRow
from app.board.domain import Channel, CustomerSeed, Kind, NeedDepth
from app.errors import ImportFileError
from app.meeting.domain import Effect, ImpactStatus, Outcome, Stance
from app.meeting.room import close_meeting
from app.snapshot import FORMAT, TABLES, InvalidSnapshot, export_board, import_board
from ui.cli import main
from ui.composition import open_store

D = dt.date
NOT_DATA = {"board", "_sqlite_migrations", "team_link", "team_dirty", "team_conflicts",
            "team_aliases"}  # sync state


@pytest.fixture
def rich(store):
    """Every kind of row a board holds: weighted customers with owners and notes, a cohort
    with a description, a deleted theme and customer, live, deleted and merged voices, a
    closed meeting with frozen records, impacts on customers and a cohort with evidence and
    stances, a deferred decision carried onto a later agenda."""
    store.ensure_customers([
        CustomerSeed("Acme", "Retail", 829_800.5, "Priya", "Renewal in May"),
        CustomerSeed("Beta", "Retail", 500, "Tom", ""),
        CustomerSeed("Cura", "Health", 0.25, "", "Asked for SSO\nand a \"discount\""),
        CustomerSeed("Gone Ltd", None, 1)])
    store.conn.execute("UPDATE cohorts SET description = 'Shops with tills' "
                       "WHERE name = 'Retail'")
    voices = [
        ("Acme", Kind.COMPLAINT, "Invoice wrong", D(2026, 1, 10), ("Billing",), None),
        ("Acme", Kind.NEED, "Cheaper seats", D(2026, 2, 1), ("Pricing",), NeedDepth.SECRET),
        ("Beta", Kind.COMPLAINT, "<script>alert(1)</script> costs $5", D(2026, 1, 20),
         ("Billing", "Pricing"), None),
        ("Beta", Kind.COMPLAINT, "Invoice is wrong", D(2026, 1, 21), ("Billing",), None),
        ("Cura", Kind.COMPLAINT, "Nobody answers the phone", D(2026, 3, 5), ("Support",),
         None),
        ("Cura", Kind.QUOTE, "Lovely people ☺", D(2026, 3, 6), (), None),
        ("Gone Ltd", Kind.QUOTE, "=SUM(A1:A9) bye", D(2026, 3, 7), ("Billing",), None),
    ]
    store.import_rows([ImportRow(text, kind, who, day, Channel.SUPPORT, 1 + i % 5, depth,
                                 themes, "ana", None, "h.csv", i + 2, f"h{i}")
                       for i, (who, kind, text, day, themes, depth) in enumerate(voices)], 7)
    ids = {c.name: c.id for c in store.customers()}
    by_text = {v.text: v.id for v in store.search(_all(), limit=100)}
    store.merge_voices(by_text["Invoice wrong"], [by_text["Invoice is wrong"]])
    store.set_voices_deleted([by_text["Lovely people ☺"]], True)
    old_theme = store.create_named("themes", "Old theme")
    store.set_named_deleted("themes", old_theme, True)
    store.merge_customers(ids["Gone Ltd"], ids["Cura"])

    m1 = store.create_meeting("February council", D(2026, 2, 15), "Priya", "Tom, Ana")
    d1 = store.add_decision(m1, "Split invoices", "Per cost centre", "Jonas",
                            themes=("Billing",), cohorts=("Retail",))
    d2 = store.add_decision(m1, "Phone line", themes=("Support",))
    d3 = store.add_decision(m1, "Price rise", themes=("Pricing",))
    store.record_impact(d1, ids["Acme"], status=ImpactStatus.CONFIRMED, effect=Effect.HELPS,
                        note="Their CFO asked")
    store.record_impact(d1, ids["Beta"], status=ImpactStatus.CONFIRMED, effect=Effect.HURTS)
    store.set_evidence(d1, ids["Acme"], by_text["Invoice wrong"], Stance.FOR)
    store.set_evidence(d1, ids["Beta"], by_text["<script>alert(1)</script> costs $5"],
                       Stance.AGAINST)
    store.set_evidence(d1, ids["Beta"], by_text["Cheaper seats"], None)
    store.record_impact(d2, ids["Cura"], status=ImpactStatus.DISMISSED)
    store.update_decision(dataclasses.replace(
        store.get_decision(d1), outcome=Outcome.APPROVED, rationale="Finance asked",
        decided_at="2026-02-15T11:00:00+00:00"))
    store.update_decision(dataclasses.replace(store.get_decision(d2),
                                              outcome=Outcome.REJECTED))
    store.update_decision(dataclasses.replace(store.get_decision(d3),
                                              outcome=Outcome.DEFERRED))
    store.set_meeting(m1, anonymous=True, notes="Quarterly")
    close_meeting(store, m1)
    # Follow-through after the close: delivery, action items (one done), who was told.
    from app.meeting.domain import ActionItem, Delivery

    store.set_delivery(d1, Delivery.SHIPPED, D(2026, 3, 20))
    store.put_action_item(ActionItem("a1", d1, "Ship the split", "Jonas", D(2026, 3, 1),
                                     D(2026, 3, 18)))
    store.put_action_item(ActionItem("a2", d1, "Tell finance teams", "Ana", D(2026, 4, 1)))
    store.put_action_item(ActionItem("a3", d1, "A mistake"), deleted=True)
    store.set_told(d1, {ids["Acme"]: D(2026, 3, 25)})
    m2 = store.create_meeting("April council", D(2026, 4, 10))
    store.add_decision(m2, "Price rise", themes=("Pricing",), deferred_from=d3)
    dropped = store.add_decision(m2, "Dropped item")
    store.set_decision_deleted(dropped, True)
    return store


def _all():
    from app.board.filters import VoiceFilter

    return VoiceFilter()


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [n for (n,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE "
        "'CREATE VIRTUAL%' AND name NOT LIKE '%_fts_%' ORDER BY name")]


def _dump(path) -> dict[str, list[tuple]]:
    """Every row of every table (all columns, in the order rows were added)."""
    conn = sqlite3.connect(path)
    try:
        out = {}
        for table in _tables(conn):
            if table in NOT_DATA:
                continue
            columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
            out[table] = [(columns, row) for row in conn.execute(
                f'SELECT * FROM "{table}" ORDER BY rowid')]
        out["voices_fts_vocab"] = conn.execute(
            "SELECT term, doc, cnt FROM voices_fts_vocab ORDER BY term").fetchall()
        out["customers_fts"] = conn.execute(
            "SELECT c.id FROM customers_fts f JOIN customers c ON c.rowid = f.rowid "
            "WHERE customers_fts MATCH 'acme OR cura OR gone' ORDER BY c.id").fetchall()
        return out
    finally:
        conn.close()


def _schema(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    finally:
        conn.close()


def test_the_format_lists_every_column_of_every_data_table(store, board_path):
    conn = sqlite3.connect(board_path)
    try:
        assert {t.name for t in TABLES} == set(_tables(conn)) - NOT_DATA
        for table in TABLES:
            info = {r[1]: r for r in conn.execute(f'PRAGMA table_info("{table.name}")')}
            assert [c.name for c in table.columns] == list(info), table.name
            for column in table.columns:
                not_null = bool(info[column.name][3]) or info[column.name][5] > 0
                if column.name not in table.key:
                    assert column.nullable == (not not_null), (table.name, column.name)
    finally:
        conn.close()


def test_export_then_import_into_an_empty_board_gives_the_same_board(rich, board_path,
                                                                      tmp_path):
    out = tmp_path / "board.json"
    counts = export_board(rich, out)
    assert (counts["voices"], counts["impact_evidence"]) == (7, 3)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == (FORMAT, 1)
    before = _dump(board_path)
    source_board = sqlite3.connect(board_path).execute("SELECT id FROM board").fetchone()

    copy_path = tmp_path / "copy.db"
    target = open_store(copy_path, create=True)
    try:
        report = import_board(target, out)
        assert report.result.added == counts
        # Searches work on the copy as on the original: the text indexes were filled.
        assert [v.id for v in target.search(dataclasses.replace(_all(), text="invoice"))] == [
            v.id for v in rich.search(dataclasses.replace(_all(), text="invoice"))]
    finally:
        target.close()
    after = _dump(copy_path)
    assert _schema(copy_path) == _schema(board_path)  # indexes and triggers put back as ours
    open_store(copy_path).close()  # and the copy opens as a board
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    # The copy keeps its own board id.
    assert sqlite3.connect(copy_path).execute("SELECT id FROM board").fetchone() != source_board
    # Deleted and merged voices, weights, owners and frozen records came along as stored.
    voices = {r["text"]: r for r in doc["tables"]["voices"]}
    assert voices["Invoice is wrong"]["merged_into"] == voices["Invoice wrong"]["id"]
    assert voices["Lovely people ☺"]["deleted_at"]
    acme = next(c for c in doc["tables"]["customers"] if c["name"] == "Acme")
    assert (acme["weight"], acme["owner"], acme["notes"]) == (829_800.5, "Priya",
                                                              "Renewal in May")
    assert sum(1 for d in doc["tables"]["decisions"] if d["frozen"]) == 3


def test_a_demo_board_round_trips_too(tmp_path):
    from app.demo import write_demo

    first, second = tmp_path / "a.db", tmp_path / "b.db"
    store = open_store(first, create=True)
    try:
        write_demo(store, voices=400)
        export_board(store, tmp_path / "a.json")
    finally:
        store.close()
    store = open_store(second, create=True)
    try:
        import_board(store, tmp_path / "a.json")
    finally:
        store.close()
    assert _dump(first) == _dump(second)


def test_importing_again_adds_nothing_and_changed_rows_are_refused(rich, tmp_path):
    out = tmp_path / "board.json"
    export_board(rich, out)
    again = import_board(rich, out)
    assert again.added == 0
    assert again.result.already_present["voices"] == 7
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["tables"]["customers"][0]["notes"] = "edited elsewhere"
    acme_id = doc["tables"]["customers"][0]["id"]
    doc["tables"]["cohorts"].append({"id": "0190aaaa-0000-7000-8000-000000000001",
                                     "name": "Public sector", "created_at": "2026-05-01T00:00:00Z",
                                     "updated_at": "2026-05-01T00:00:00Z"})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(rich, edited)
    assert caught.value.lines() == [
        f"{edited}: table customers, record 1: id {acme_id!r} is already on the board with "
        "other content (fields notes); nothing imported (--keep-existing keeps the board's "
        "rows and adds the rest)"]
    assert "Public sector" not in {c.name for c in rich.cohorts()}
    kept = import_board(rich, edited, keep_existing=True)
    assert kept.result.kept["customers"] == 1
    assert kept.result.added["cohorts"] == 1
    assert next(c for c in rich.customers() if c.id == acme_id).notes == "Renewal in May"


def test_a_name_taken_on_the_board_by_another_id_is_refused(store, tmp_path):
    store.ensure_customers([CustomerSeed("Acme")])
    path = _write(tmp_path, {"customers": [_customer("c1", "ACME")]})
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(store, path)
    assert caught.value.lines() == [
        f"{path}: table customers, record 1: field name: 'ACME' is already the name of "
        "another live row on the board (names are unique in any case)"]


# -- hand-edited files -----------------------------------------------------------------
T0 = "2026-01-05T10:00:00.000Z"


def _customer(id_, name, **extra):
    return {"id": id_, "name": name, "created_at": T0, "updated_at": T0, **extra}


def _voice(id_, customer_id, **extra):
    return {"id": id_, "customer_id": customer_id, "kind": "complaint", "text": "Slow export",
            "heard_on": "2026-01-02", "created_at": T0, "updated_at": T0, **extra}


def _write(tmp_path, tables, name="hand.json", **header):
    path = tmp_path / name
    path.write_text(json.dumps({"format": FORMAT, "version": 1, **header, "tables": tables}),
                    encoding="utf-8")
    return path


def test_a_hand_written_file_with_defaults_loads(store, tmp_path):
    path = _write(tmp_path, {"voices": [_voice("v1", "c1")],  # a child before its parent
                             "customers": [_customer("c1", "Acme", weight=12)]})
    report = import_board(store, path)
    assert report.result.added == {"voices": 1, "customers": 1}
    [voice] = store.search(_all())
    assert (voice.channel, voice.severity, voice.captured_by) == (Channel.OTHER, 3, "")
    assert next(c for c in store.customers() if c.id == "c1").weight == 12.0


BAD_FIELDS = [
    ("customers", _customer("c1", "Acme", weight="1000"),
     'field weight: is "1000" (text), not a number'),
    ("customers", _customer("c1", "Acme", weight=True),
     "field weight: is true (a true/false value), not a number"),
    ("customers", _customer("c1", {"name": "Acme"}),
     "field name: is an object, not a name (text)"),
    ("customers", _customer("c1", "Acme", owner=None),
     None),  # owner may be null, as the schema allows
    ("voices", _voice("v1", "c0", text=None), "field text: is null; it is required"),
    ("voices", _voice("v1", "c0", severity=3.9),
     "field severity: is 3.9 (a number), not a whole number"),
    ("voices", _voice("v1", "c0", severity=9), "field severity: 9 is not between 1 and 5"),
    ("voices", _voice("v1", "c0", kind="Complaint"),
     'field kind: is "Complaint" (text), not one of: quote, complaint, need'),
    ("voices", _voice("v1", "c0", heard_on="2026-02-30"),
     'field heard_on: "2026-02-30" is not a date (YYYY-MM-DD)'),
    ("voices", _voice("v1", "c0", heard_on="20260102"),
     'field heard_on: "20260102" is not a date (YYYY-MM-DD)'),
    ("voices", _voice("v1", "c0", deleted_at="yesterday"),
     'field deleted_at: "yesterday" is not a time (ISO 8601, e.g. 2026-01-05T10:00:00.000Z)'),
    ("voices", _voice("v1", "c0", need_depth="secret"),
     "fields need_depth: 'secret' is given for a complaint; only needs have a depth"),
    ("voices", _voice("v1", "c0", colour="red"), 'field "colour": is not a column of voices'),
    ("voices", {k: v for k, v in _voice("v1", "c0").items() if k != "created_at"},
     "field created_at: is missing"),
    ("voices", _voice("v1", "nobody"),
     "field customer_id: no row of customers has the id 'nobody' (in the file or on the "
     "board)"),
    ("voices", _voice("v1", "c0", source_line=-1), "field source_line: -1 is not a line number"),
    ("voices", ["v1", "c0"], "is a list, not an object"),
    ("meetings", {"id": "m1", "title": "Council", "held_on": "2026-01-01", "anonymous": 2,
                  "created_at": T0, "updated_at": T0},
     "field anonymous: is 2 (a whole number), not 0 or 1"),
    ("impacts", {"id": "i1", "decision_id": "d0", "customer_id": "c0", "cohort_id": None,
                 "status": "maybe", "created_at": T0, "updated_at": T0},
     'field status: is "maybe" (text), not one of: suggested, confirmed, dismissed'),
]


@pytest.mark.parametrize(("table", "record", "reason"), BAD_FIELDS)
def test_a_wrong_field_is_an_invalid_record_never_coerced(store, tmp_path, table, record,
                                                          reason):
    base = {"customers": [_customer("c0", "Zed")],
            "meetings": [{"id": "m0", "title": "Council", "held_on": "2026-01-01",
                          "created_at": T0, "updated_at": T0}],
            "decisions": [{"id": "d0", "meeting_id": "m0", "position": 1, "title": "X",
                           "created_at": T0, "updated_at": T0}]}
    tables = copy.deepcopy(base)
    tables.setdefault(table, []).append(record)
    path = _write(tmp_path, tables)
    if reason is None:
        import_board(store, path)
        return
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(store, path)
    n = len(tables[table])
    assert caught.value.lines() == [f"{path}: table {table}, record {n}: {reason}"]
    assert store.customers() == []  # all or nothing


def test_every_bad_record_is_listed_and_nothing_is_written(store, board_path, tmp_path):
    schema = _schema(board_path)
    path = _write(tmp_path, {"customers": [_customer("c1", "Acme"), _customer("c1", "Beta"),
                                           _customer("c3", "", weight=float("nan"))]})
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(store, path)
    assert caught.value.lines() == [
        f"{path}: table customers, record 2: id 'c1' is an earlier record's too",
        f"{path}: table customers, record 3: field name: is empty",
        f"{path}: table customers, record 3: field weight: is NaN (not a number JSON "
        "allows), not a number"]
    assert str(caught.value) == f"{path}: 3 invalid record(s); nothing imported"
    assert store.customers() == []
    assert _schema(board_path) == schema


@pytest.mark.parametrize(("content", "reason"), [
    ('{"format": "something-else", "tables": {}}', 'its "format" is "something-else" (text)'),
    ('{"format": "empty-chair-board", "version": 9, "tables": {}}', "a newer Empty Chair"),
    ('{"format": "empty-chair-board", "tables": {"people": []}}',
     '"people" (text) is not a table of a board'),
    ('{"format": "empty-chair-board", "tables": {"voices": [{"id": "v1"}, ]}}',
     "a ',' followed by ']', in table voices, record 1"),
    ('{"format": "empty-chair-board", "tables": {"voices": [{"id": "v1"}',
     "in table voices, record 1"),
    ('{"format": "empty-chair-board"}', 'no "tables"'),
    ('{"tables": {}}', 'no "format"'),
    ('{"text": "x"}', 'it has a field "text"'),
    ('{"format": "empty-chair-board", "tables": {}} []', "there is more after"),
])
def test_a_broken_board_file_is_refused_with_its_reason(store, tmp_path, content, reason):
    path = tmp_path / "b.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFileError, match=None) as caught:
        import_board(store, path)
    assert reason in str(caught.value)
    assert store.customers() == []


def test_a_file_read_in_tiny_chunks_loads_the_same(rich, tmp_path, monkeypatch):

    out = tmp_path / "board.json"
    export_board(rich, out)
    monkeypatch.setattr(json_chunks, "CHUNK", 7)
    target = open_store(tmp_path / "copy.db", create=True)
    try:
        assert import_board(target, out).result.added["voices"] == 7
    finally:
        target.close()


def test_dry_run_writes_nothing(rich, tmp_path):
    out = tmp_path / "board.json"
    export_board(rich, out)
    target = open_store(tmp_path / "copy.db", create=True)
    try:
        report = import_board(target, out, dry_run=True)
        assert report.result.added["voices"] == 7
        assert target.customers() == []
    finally:
        target.close()


# -- the command line ------------------------------------------------------------------
def test_cli_round_trip(rich, board_path, tmp_path, capsys):
    out = tmp_path / "board.json"
    rich.close()
    assert main(["export", str(out), "--db", str(board_path)]) == 0
    said = capsys.readouterr().out
    assert said == (f"{out}: the whole board: 2 cohorts, 4 customers, 4 themes, 7 voices, "
                    "7 voice themes, 2 meetings, 5 decisions, 3 action items, 1 customers told, "
                    "1 meeting events, 4 decision themes, 4 impacts, 3 impact evidence\n")
    copy_path = tmp_path / "copy.db"
    assert main(["import", str(out), "--db", str(copy_path)]) == 0
    said = capsys.readouterr().out
    assert f"{out} -> {copy_path}: the whole board: added" in said
    assert _dump(copy_path) == _dump(board_path)
    # A filter makes it a view of the voices, as before.
    view = tmp_path / "view.json"
    assert main(["export", str(view), "--db", str(board_path), "--customer", "Acme"]) == 0
    assert {r["customer"] for r in json.loads(view.read_text(encoding="utf-8"))} == {"Acme"}
    voices = tmp_path / "voices.json"
    assert main(["export", str(voices), "--db", str(board_path), "--voices"]) == 0
    assert len(json.loads(voices.read_text(encoding="utf-8"))) == 5  # the live voices


def test_cli_refuses_a_bad_file_in_lines_naming_each_record(store, board_path, tmp_path,
                                                            capsys):
    path = _write(tmp_path, {"customers": [_customer("c1", "Acme", weight="lots")]})
    assert main(["import", str(path), "--db", str(board_path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f'{path}: table customers, record 1: field weight: is "lots" (text), '
                   "not a number",
                   f"empty-chair: {path}: 1 invalid record(s); nothing imported"]


def test_cli_a_refused_or_dry_run_board_import_creates_no_board(rich, board_path, tmp_path,
                                                                capsys):
    out = tmp_path / "board.json"
    export_board(rich, out)
    missing = tmp_path / "new" / "board.db"
    missing.parent.mkdir()
    assert main(["import", str(out), "--db", str(missing), "--dry-run"]) == 0
    assert "the whole board: would add 2 cohorts, 4 customers" in capsys.readouterr().out
    bad = _write(tmp_path, {"customers": [_customer("c1", "Acme", weight="lots")]})
    assert main(["import", str(bad), "--db", str(missing)]) == 1
    assert main(["import", str(out), "--db", str(missing), "--skip-invalid"]) == 1
    assert "--skip-invalid apply to voice imports only" in capsys.readouterr().err
    assert list(missing.parent.iterdir()) == []
    # The same file again into the board it came from adds nothing; an edited one with
    # --keep-existing keeps the board's rows and adds the new ones.
    rich.close()
    assert main(["import", str(out), "--db", str(board_path)]) == 0
    said = capsys.readouterr().out
    assert "added nothing; already on the board: 2 cohorts" in said
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["tables"]["customers"][0]["weight"] = 1
    doc["tables"]["themes"].append({"id": "t-new", "name": "Onboarding", "created_at": T0,
                                    "updated_at": T0})
    out.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["import", str(out), "--db", str(board_path)]) == 1
    assert "record 1: id" in capsys.readouterr().err
    assert main(["import", str(out), "--db", str(board_path), "--keep-existing"]) == 0
    said = capsys.readouterr().out
    assert "added 1 themes" in said
    assert "kept the board's own version of 1 customers" in said


def test_export_and_import_stream_rather_than_hold_the_document(store, tmp_path):
    import tracemalloc

    count = 6000
    store.import_rows([ImportRow(f"Voice number {i} about invoices and the export " * 3,
                                 Kind.COMPLAINT, f"Customer {i % 500}", D(2026, 1, 1 + i % 28),
                                 Channel.EMAIL, 3, None, ("Billing", "Speed"), "", None,
                                 "big.csv", i + 2, f"k{i}") for i in range(count)], count)
    out = tmp_path / "board.json"
    tracemalloc.start()
    try:
        export_board(store, out)
        _, export_peak = tracemalloc.get_traced_memory()
        target = open_store(tmp_path / "copy.db", create=True)
        try:
            tracemalloc.reset_peak()  # the new board's schema is not the import's memory
            assert import_board(target, out).result.added["voices"] == count
            _, import_peak = tracemalloc.get_traced_memory()
        finally:
            target.close()
    finally:
        tracemalloc.stop()
    size = out.stat().st_size
    assert export_peak < size / 20  # a row at a time (json.dumps of it all: several x size)
    # One record at a time, the ids references need and a chunk of the file: 20 MB for a
    # 100k-voice board's 80 MB (json.load of it: 354 MB, 4.4 x the file).
    assert import_peak < 2 * size


def test_a_repeated_link_row_is_named_by_its_record(store, tmp_path):
    link = {"voice_id": "v1", "theme_id": "t1", "created_at": T0, "updated_at": T0}
    path = _write(tmp_path, {
        "customers": [_customer("c1", "Acme")], "voices": [_voice("v1", "c1")],
        "themes": [{"id": "t1", "name": "Billing", "created_at": T0, "updated_at": T0}],
        "voice_themes": [link, dict(link)]})
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(store, path)
    assert caught.value.lines() == [
        f"{path}: table voice_themes, record 2: fields voice_id, theme_id: another row "
        "already has voice_id 'v1', theme_id 't1'"]


def test_a_field_given_twice_is_named(store, tmp_path):
    path = tmp_path / "twice.json"
    record = f'{{"id": "c1", "name": "Acme", "name": "Beta", "created_at": "{T0}", ' \
        f'"updated_at": "{T0}"}}'
    path.write_text(f'{{"format": "empty-chair-board", "tables": {{"customers": [{record}]}}}}',
                    encoding="utf-8")
    with pytest.raises(InvalidSnapshot) as caught:
        import_board(store, path)
    assert caught.value.lines() == [
        f"{path}: table customers, record 1: field name: is given twice"]
