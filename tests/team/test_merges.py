"""Two laptops naming the same customer, cohort or theme offline (or importing the same
export) end with one live row and every voice on it; versions lose nothing; a choice made
in File > Sync conflicts travels."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.board.commands import EditVoice, draft_of
from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter
from app.snapshot import TABLES
from app.team import Keep
from storage.team import resolve_conflict, sync_board
from storage.team_local import conflicts, team_state
from tests.team.boards import two_edits
from tests.ui.conftest import seed_board
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


def _voice(text: str, customer: str, themes: tuple[str, ...] = (), key: str = "",
           cohort: str | None = None) -> ImportRow:
    return ImportRow(text, Kind.COMPLAINT, customer, dt.date(2026, 3, 1), Channel.EMAIL, 3,
                     None, themes, "", cohort, "typed.csv", 2, key or f"k-{text}")


def _add(path, *rows: ImportRow) -> None:
    store = open_store(path)
    try:
        store.import_rows(list(rows), len(rows))
    finally:
        store.close()


def _live(path) -> dict[str, list[str]]:
    """Customer name -> the texts of its live voices, as a person browsing would see it."""
    conn = open_store(path)
    try:
        rows = conn.conn.execute(
            "SELECT c.name, v.text FROM voices v JOIN customers c ON c.id = v.customer_id "
            "WHERE v.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY c.name, v.text"
        ).fetchall()
        orphans = conn.conn.execute(
            "SELECT count(*) FROM voices v JOIN customers c ON c.id = v.customer_id "
            "WHERE v.deleted_at IS NULL AND c.deleted_at IS NOT NULL").fetchone()[0]
        assert orphans == 0  # no live voice left on a customer merged away
        out: dict[str, list[str]] = {}
        for name, text in rows:
            out.setdefault(name, []).append(text)
        return out
    finally:
        conn.close()


def _names(path, table: str) -> list[str]:
    store = open_store(path)
    try:
        return sorted(r[0] for r in store.conn.execute(
            f"SELECT name FROM {table} WHERE deleted_at IS NULL"))
    finally:
        store.close()


@pytest.fixture
def two(team_db, tmp_path):
    assert main(["server", "init", team_db]) == 0
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path in (a, b):
        open_store(path, create=True).close()
    return team_db, a, b


def test_the_same_export_imported_on_two_laptops_offline_lands_once(two, capsys):
    url, a, b = two
    for path in (a, b):  # each imports the same file before they ever meet
        store = open_store(path)
        seed_board(store)
        store.close()
    assert main(["connect", url, "--db", str(a)]) == 0
    capsys.readouterr()
    assert main(["connect", url, "--db", str(b)]) == 0
    said = capsys.readouterr().out
    assert "merged into a row of the same name" in said
    assert main(["sync", "--db", str(a)]) == 0
    assert _live(a) == _live(b)
    assert sum(len(v) for v in _live(a).values()) == 5  # not 10
    assert _names(a, "customers") == _names(b, "customers") == ["Acme Retail", "Beta Clinic"]
    assert _names(b, "themes") == ["Billing", "Onboarding", "Performance"]
    with psycopg.connect(url) as conn:  # b's copies are kept, as merges, not lost
        kinds = conn.execute("SELECT kind, table_name, count(*) FROM sync_conflicts GROUP BY "
                             "kind, table_name ORDER BY table_name").fetchall()
    assert ("merge", "voices", 5) in kinds
    assert ("merge", "customers", 2) in kinds


def test_one_customer_named_offline_on_both_laptops_ends_as_one_with_every_voice(two):
    url, a, b = two
    main(["connect", url, "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    _add(a, _voice("Exports drop the last row", "Gamma Labs", ("Exports",), cohort="Labs"))
    _add(b, _voice("Exports are slow on Fridays", "GAMMA LABS", ("exports",), cohort="labs"))
    for path in (a, b, a):
        assert main(["sync", "--db", str(path)]) == 0
    assert _live(a) == _live(b) == {"Gamma Labs": ["Exports are slow on Fridays",
                                                   "Exports drop the last row"]}
    assert _names(a, "themes") == _names(b, "themes") == ["Exports"]
    assert _names(a, "cohorts") == _names(b, "cohorts") == ["Labs"]
    store = open_store(b)  # the merged theme's links follow: both voices under "Exports"
    theme = store.conn.execute("SELECT id FROM themes WHERE deleted_at IS NULL").fetchone()[0]
    tagged = store.conn.execute("SELECT count(*) FROM voice_themes WHERE theme_id = ? AND "
                                "deleted_at IS NULL", [theme]).fetchone()[0]
    store.close()
    assert tagged == 2


def test_a_rename_offline_onto_a_name_in_use_merges_and_late_edits_still_land(two):
    url, a, b = two
    main(["connect", url, "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    _add(b, _voice("Gamma B wants SSO", "Gamma B"))
    main(["sync", "--db", str(b)])
    main(["sync", "--db", str(a)])  # a has "Gamma B" too now
    _add(a, _voice("Gamma wants audit logs", "Gamma"))
    main(["sync", "--db", str(a)])
    store = open_store(b)  # offline: b never saw a's "Gamma", and renames its own to it
    gb = next(c for c in store.customers() if c.name == "Gamma B")
    store.update_customer(gb._replace(name="Gamma"))
    store.close()
    _add(a, _voice("Gamma B asks for a refund", "Gamma B"))  # a late voice on the old row
    for path in (b, a, b):
        assert main(["sync", "--db", str(path)]) == 0
    assert _live(a) == _live(b) == {"Gamma": ["Gamma B asks for a refund", "Gamma B wants SSO",
                                              "Gamma wants audit logs"]}


def test_keep_the_replaced_version_brings_it_back_everywhere(linked):
    url, a, b = linked
    two_edits(a, b)
    for path in (a, b, a):
        main(["sync", "--db", str(path)])
    store = open_store(a)
    [conflict] = conflicts(store.conn)
    assert (conflict.kept["text"], conflict.replaced["text"]) == (
        "Invoice wrong, says Tom", "Invoice wrong, says Priya")
    assert "text" in conflict.differs
    state = team_state(store.conn)
    assert state is not None
    assert state.conflicts == 1
    resolve_conflict(store, conflict.id, Keep.REPLACED)  # a keeps its own (Priya's) words
    assert team_state(store.conn).waiting == 1
    assert conflicts(store.conn) == []
    store.close()
    for path in (a, b):
        main(["sync", "--db", str(path)])
    store = open_store(b)
    assert store.search(VoiceFilter(text="priya"))[0].text == "Invoice wrong, says Priya"
    assert conflicts(store.conn) == []  # resolved on a: resolved everywhere
    store.close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT resolved FROM sync_conflicts").fetchall() == [("replaced",)]


def test_an_edit_made_while_a_sync_runs_is_kept_and_the_pulled_version_too(two, monkeypatch):
    """A window edits a voice after the sync read the board, while the server hands back
    another laptop's edit of it: the window's edit stands, the other is kept as a conflict."""
    import storage.team as team

    url, a, b = two
    store = open_store(a)
    seed_board(store)
    store.close()
    main(["connect", url, "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    store = open_store(b)
    voice = store.search(VoiceFilter(text="onboarding"))[0]
    EditVoice(voice.id, draft_of(voice), dataclasses.replace(
        draft_of(voice), text="Onboarding took a week")).apply(store)
    store.close()
    main(["sync", "--db", str(b)])
    real = team._incoming

    def meanwhile(*args, **kwargs):
        found = real(*args, **kwargs)
        other = open_store(a)  # another connection: the window, editing during the sync
        v = other.search(VoiceFilter(text="onboarding"))[0]
        EditVoice(v.id, draft_of(v), dataclasses.replace(
            draft_of(v), text="Onboarding was painless, mostly")).apply(other)
        other.close()
        return found

    monkeypatch.setattr(team, "_incoming", meanwhile)
    main(["sync", "--db", str(a)])
    monkeypatch.setattr(team, "_incoming", real)
    store = open_store(a)
    assert store.search(VoiceFilter(text="mostly"))[0].id == voice.id  # the edit stands
    store.close()
    main(["sync", "--db", str(a)])  # pushes it: b's version is kept, not silently replaced
    main(["sync", "--db", str(b)])
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT kept->>'text', replaced->>'text' FROM sync_conflicts "
                            "WHERE kind = 'edit'").fetchall()
    assert rows == [("Onboarding was painless, mostly", "Onboarding took a week")]
    assert _live(a) == _live(b)


def test_a_sync_with_nothing_to_do_changes_nothing(two):
    url, a, _b = two
    store = open_store(a)
    seed_board(store)
    store.close()
    main(["connect", url, "--db", str(a)])
    store = open_store(a)
    try:
        before = store.conn.execute("SELECT pulled_seq FROM team_link").fetchone()
        report = sync_board(store)
        assert (report.pushed, report.pulled, report.conflicts) == (0, 0, 0)
        assert store.conn.execute("SELECT pulled_seq FROM team_link").fetchone() == before
    finally:
        store.close()


def test_the_command_line_lists_conflicts_and_keeps_theirs(linked, capsys):
    url, a, b = linked
    two_edits(a, b)
    for path in (a, b):
        main(["sync", "--db", str(path)])
    capsys.readouterr()
    assert main(["conflicts", "--db", str(b)]) == 0  # b's version won; a's was replaced
    listed = capsys.readouterr().out.splitlines()
    assert listed[-1] == "1 sync conflict not resolved"
    number = int(listed[0].split()[0].lstrip("#"))
    assert "live from this laptop" in listed[0]
    assert "differs in text" in listed[0]
    with pytest.raises(SystemExit) as usage:
        main(["conflicts", str(number), "--keep", "bogus", "--db", str(b)])
    assert usage.value.code == 2
    assert main(["conflicts", str(number + 5), "--keep", "mine", "--db", str(b)]) == 1
    assert f"no sync conflict #{number + 5}" in capsys.readouterr().err
    assert main(["conflicts", str(number), "--keep", "theirs", "--db", str(b)]) == 0
    assert "the replaced version is back" in capsys.readouterr().out
    for path in (b, a):
        main(["sync", "--db", str(path)])
    for path in (a, b):
        store = open_store(path)
        assert store.search(VoiceFilter(text="priya"))[0].text == "Invoice wrong, says Priya"
        store.close()
    capsys.readouterr()
    assert main(["conflicts", "--db", str(a)]) == 0
    assert capsys.readouterr().out.splitlines() == ["0 sync conflicts not resolved"]


def test_a_customer_merged_by_hand_takes_what_another_laptop_still_puts_on_it(two):
    from app.board.commands import MergeCustomers

    url, a, b = two
    main(["connect", url, "--db", str(a)])
    _add(a, _voice("Acme Inc wants SSO", "Acme Inc"), _voice("Acme wants audit logs", "Acme"))
    store = open_store(a)
    meeting = store.create_meeting("Weekly", dt.date(2026, 3, 2))
    decision = store.add_decision(meeting, "Raise prices")
    store.close()
    main(["sync", "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    store = open_store(a)  # on a: "Acme Inc" is "Acme" (Edit > Merge customer)
    by_name = {c.name: c.id for c in store.customers()}
    command = MergeCustomers(by_name["Acme Inc"], by_name["Acme"])
    command.apply(store)
    store.close()
    _add(b, _voice("Acme Inc asks for a refund", "Acme Inc"))  # b, offline, on the old one
    store = open_store(b)
    store.record_impact(decision, by_name["Acme Inc"], note="hurts them")
    store.close()
    for path in (a, b, a):
        assert main(["sync", "--db", str(path)]) == 0
    assert _live(a) == _live(b) == {"Acme": ["Acme Inc asks for a refund",
                                             "Acme Inc wants SSO", "Acme wants audit logs"]}
    for path in (a, b):
        store = open_store(path)
        [impact] = store.conn.execute("SELECT customer_id, note FROM impacts").fetchall()
        assert impact == (by_name["Acme"], "hurts them")  # the room's record followed too
        assert _names(path, "customers") == ["Acme"]
        store.close()
    store = open_store(a)  # undone on a afterwards: Acme Inc is its own customer again
    command.revert(store)
    store.close()
    _add(b, _voice("Acme Inc is back", "Acme Inc"))
    for path in (a, b, a):
        main(["sync", "--db", str(path)])
    assert _names(a, "customers") == _names(b, "customers") == ["Acme", "Acme Inc"]
    assert "Acme Inc wants SSO" in _live(b)["Acme Inc"]


def test_a_kept_version_holds_the_rows_fields_and_nothing_of_the_servers(linked):
    url, a, b = linked
    two_edits(a, b)
    _add(a, _voice("Gamma wants SSO", "Gamma Labs"))
    _add(b, _voice("Gamma wants exports", "GAMMA LABS"))
    for path in (b, a):
        main(["sync", "--db", str(path)])
    store = open_store(a)
    try:
        found = conflicts(store.conn)
        assert {c.kind for c in found} == {"merge", "edit"}
        for conflict in found:
            table = next(t for t in TABLES if t.name == conflict.table)
            names = {c.name for c in table.columns}
            assert set(conflict.kept) == names
            assert set(conflict.replaced) == names
        [edit] = [c for c in found if c.kind == "edit"]
        assert edit.differs == ("text",)
    finally:
        store.close()
    with psycopg.connect(url) as conn:
        [(keys,)] = conn.execute("SELECT array_agg(DISTINCT k) FROM sync_conflicts, "
                                 "jsonb_object_keys(kept || replaced) k").fetchall()
    assert not [k for k in keys if k.startswith("_") or k in ("name_key", "search")]
