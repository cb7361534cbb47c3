"""Imports land whole or not at all, and never twice."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from app.board.csv_import import ImportOptions
from app.board.filters import VoiceFilter
from app.board.importing import InvalidRows, prepare_import, run_import
from app.board.ports import ImportCancelled

ROWS = "customer,comment,date,cohort,themes\n" + "".join(
    f"Customer {i % 7},Complaint number {i} about exports,2024-0{1 + i % 9}-1{i % 10},"
    f"Retail,Exports;Speed\n" for i in range(50))


def do_import(store, path, **options):
    skip = options.pop("skip_invalid", False)
    dry = options.pop("dry_run", False)
    return run_import(store, prepare_import(path, ImportOptions(**options)), skip_invalid=skip,
                      dry_run=dry)


def test_import_adds_voices_customers_cohorts_and_themes(store, write_file):
    report = do_import(store, write_file("a.csv", ROWS))
    assert (report.result.added, report.result.customers_created) == (50, 7)
    assert store.count(VoiceFilter()) == 50
    assert {c.name for c in store.customers()} == {f"Customer {i}" for i in range(7)}
    assert {c.cohort_name for c in store.customers()} == {"Retail"}
    assert [t.name for t in store.themes()] == ["Exports", "Speed"]
    assert store.count(VoiceFilter(theme="speed")) == 50
    assert report.changes.voices


def test_reimport_adds_nothing_twice(store, write_file):
    path = write_file("a.csv", ROWS)
    do_import(store, path)
    again = do_import(store, path)
    assert (again.result.added, again.result.already_present) == (0, 50)
    assert store.count(VoiceFilter()) == 50


def test_grown_export_adds_only_its_new_rows(store, write_file):
    do_import(store, write_file("a.csv", ROWS))
    grown = do_import(store, write_file("b.csv", ROWS + "Customer 9,A new one,2024-03-03,,\n"))
    assert (grown.result.added, grown.result.already_present) == (1, 50)


def test_customers_match_case_insensitively(store, write_file):
    do_import(store, write_file("a.csv", "customer,text\nACME Corp,one\nacme corp,two\n"))
    assert [c.name for c in store.customers()] == ["ACME Corp"]
    assert store.customers()[0].voice_count == 2


def test_invalid_rows_mean_nothing_is_imported(store, write_file):
    path = write_file("bad.csv", ROWS + "Customer 1,,2024-01-01,,\n")
    with pytest.raises(InvalidRows, match="1 invalid row"):
        do_import(store, path)
    assert store.count(VoiceFilter()) == 0
    report = do_import(store, path, skip_invalid=True)
    assert report.result.added == 50
    assert report.plan.problems[0].line == 52


def test_dry_run_counts_but_writes_nothing(store, write_file):
    report = do_import(store, write_file("a.csv", ROWS), dry_run=True)
    assert report.result.added == 50
    assert store.count(VoiceFilter()) == 0
    assert store.customers() == []


def test_cancel_rolls_back_everything(store, write_file):
    plan = prepare_import(write_file("a.csv", ROWS * 100), ImportOptions())
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 1  # after the first batch has been written

    with pytest.raises(ImportCancelled):
        store.import_rows(plan.rows, len(plan.rows), cancelled=cancelled)
    assert store.count(VoiceFilter()) == 0
    assert store.customers() == []


def test_json_export_reimports_losslessly(store, write_file, tmp_path):
    from app.board.exporting import export_to
    from ui.composition import open_store

    text = 'Multi\nline "quoted" <b>bold</b> =1+1 🙂'
    do_import(store, write_file("a.csv", f'customer,text,kind,themes\nAcme,"'
                                f'{text.replace(chr(34), chr(34) * 2)}",need,Billing\n'))
    export_to(tmp_path / "out.json", store.export_rows(VoiceFilter()))
    other = open_store(tmp_path / "other.db", create=True)
    do_import(other, tmp_path / "out.json")
    [a], [b] = store.search(VoiceFilter(), limit=5), other.search(VoiceFilter(), limit=5)
    assert (b.id, b.text, b.kind, b.customer_name, b.themes, b.heard_on) == (
        a.id, text, a.kind, "Acme", ("Billing",), a.heard_on)
    assert do_import(other, tmp_path / "out.json").result.added == 0
    other.close()


def test_a_killed_import_leaves_the_board_intact(board_path, store, write_file):
    do_import(store, write_file("first.csv", ROWS))
    big = write_file("big.csv", ROWS.replace("exports", "invoices") * 200)
    store.close()
    child = textwrap.dedent(f"""
        import os, signal
        from app.board.csv_import import ImportOptions
        from app.board.importing import prepare_import
        from ui.composition import open_store
        store = open_store({str(board_path)!r})
        plan = prepare_import({str(big)!r}, ImportOptions())
        def progress(done, total):
            if done >= 4000:  # two batches are in the open transaction: die now
                os.kill(os.getpid(), signal.SIGKILL)
        store.import_rows(plan.rows, len(plan.rows), progress=progress)
    """)
    result = subprocess.run([sys.executable, "-c", child], cwd=os.getcwd(), check=False)
    assert result.returncode == -signal.SIGKILL
    from ui.composition import open_store

    reopened = open_store(board_path)
    assert reopened.count(VoiceFilter()) == 50
    assert reopened.count(VoiceFilter(text="invoices")) == 0
    assert reopened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reopened.close()


def _schema(store):
    return sorted(store.conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def _many(count, word):
    return "customer,text,cohort\n" + "".join(
        f"Firm {i % 900},Row {i} says the {word} report is slow,Mid-market\n"
        for i in range(count))


def test_a_big_import_rebuilds_what_it_took_down(store, write_file):
    # 6,000 rows into a board of 50: the import drops the text-index triggers and the
    # secondary indexes, and must put back exactly the schema it found.
    do_import(store, write_file("small.csv", ROWS))
    before = _schema(store)
    report = do_import(store, write_file("big.csv", _many(6000, "quarterly")))
    assert report.result.added == 6000
    assert _schema(store) == before
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.count(VoiceFilter(text="quarterly")) == 6000
    assert store.count(VoiceFilter(text='"Firm 899"')) == 6  # customer names are indexed
    assert do_import(store, write_file("big.csv", _many(6000, "quarterly"))).result.added == 0
    # A later small import goes through the triggers again.
    do_import(store, write_file("one.csv", "customer,text\nNew Firm,a zeppelin delivery\n"))
    assert store.count(VoiceFilter(text="zeppelin")) == 1
    assert store.count(VoiceFilter(text='"New Firm"')) == 1


def test_a_big_import_into_a_bigger_board_keeps_its_indexes(store, write_file):
    do_import(store, write_file("first.csv", _many(7000, "weekly")))
    before = _schema(store)
    second = write_file("second.csv", _many(5000, "monthly"))
    assert do_import(store, second).result.added == 5000
    assert do_import(store, second).result.already_present == 5000
    assert _schema(store) == before
    assert store.count(VoiceFilter(text="monthly")) == 5000


def test_a_cancelled_big_import_restores_the_schema(store, write_file):
    do_import(store, write_file("small.csv", ROWS))
    before = _schema(store)
    plan = prepare_import(write_file("big.csv", _many(6000, "yearly")), ImportOptions())
    with pytest.raises(ImportCancelled):
        store.import_rows(plan.rows, len(plan.rows), cancelled=iter([False, False, True]).__next__)
    assert _schema(store) == before
    assert store.count(VoiceFilter()) == 50
    assert store.count(VoiceFilter(text="yearly")) == 0
