"""Two laptops and one real PostgreSQL: connect, sync, a conflict kept, nothing lost."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.board.commands import EditVoice, draft_of
from app.board.filters import VoiceFilter
from tests.team.boards import two_edits
from tests.ui.conftest import seed_board
from ui.cli import main
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


@pytest.fixture
def laptops(team_db, tmp_path):
    assert main(["server", "init", team_db]) == 0
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    store = open_store(a, create=True)
    seed_board(store)
    meeting = store.create_meeting("Council", dt.date(2026, 2, 1))
    store.add_decision(meeting, "Split invoices per department", themes=("Billing",))
    store.close()
    open_store(b, create=True).close()
    return team_db, a, b


def _texts(path) -> list[str]:
    store = open_store(path)
    try:
        return sorted(v.text for v in store.search(VoiceFilter(), limit=100))
    finally:
        store.close()


def test_an_empty_laptop_receives_the_board_and_edits_travel_both_ways(laptops, capsys):
    url, a, b = laptops
    assert main(["connect", url, "--db", str(a)]) == 0
    assert "rows pushed, 0 pulled" in capsys.readouterr().out
    assert main(["connect", url, "--db", str(b)]) == 0
    said = capsys.readouterr().out
    assert ": 0 rows pushed, " in said  # an empty laptop has nothing of its own to send
    assert ", 0 pulled" not in said
    assert _texts(b) == _texts(a)  # the whole board, voices searchable on the new laptop
    store = open_store(b)
    assert [d.title for m in store.meetings() for d in store.decisions(m.id)] == [
        "Split invoices per department"]
    voice = store.search(VoiceFilter(text="invoice"))[0]
    EditVoice(voice.id, draft_of(voice), dataclasses.replace(
        draft_of(voice), text="The invoice was wrong three times")).apply(store)
    store.close()
    assert main(["sync", "--db", str(b)]) == 0
    assert main(["sync", "--db", str(a)]) == 0
    assert "The invoice was wrong three times" in _texts(a)
    assert main(["sync", "--db", str(a)]) == 0  # nothing to do: nothing sent back
    assert "0 rows pushed, 0 pulled" in capsys.readouterr().out.splitlines()[-1]


def test_two_edits_of_one_voice_offline_keep_both_versions(laptops, capsys):
    url, a, b = laptops
    main(["connect", url, "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    two_edits(a, b, "invoice")
    assert main(["sync", "--db", str(a)]) == 0
    assert main(["sync", "--db", str(b)]) == 0  # the later one, in the server's order
    assert "1 conflicts kept in sync_conflicts" in capsys.readouterr().out
    assert main(["sync", "--db", str(a)]) == 0
    assert "Invoice wrong, says Tom" in _texts(a)
    assert _texts(a) == _texts(b)  # converged
    with psycopg.connect(url) as conn:
        [(kept, replaced)] = conn.execute(
            "SELECT kept->>'text', replaced->>'text' FROM sync_conflicts").fetchall()
    assert (kept, replaced) == ("Invoice wrong, says Tom", "Invoice wrong, says Priya")


def test_a_closed_meetings_frozen_record_is_never_rewritten(laptops, capsys):
    """Laptop b never saw the meeting closed on a: its offline edit of the decision (the
    owner, the outcome) and its own close of the meeting change nothing of the closed
    meeting; both are kept in sync_conflicts."""
    import dataclasses as dc

    from app.meeting.domain import Outcome
    from app.meeting.room import close_meeting

    url, a, b = laptops
    main(["connect", url, "--db", str(a)])
    main(["connect", url, "--db", str(b)])
    store = open_store(a)
    meeting = store.meetings()[0].id
    decision = store.decisions(meeting)[0]
    store.update_decision(dc.replace(decision, outcome=Outcome.APPROVED,
                                     decided_at="2026-02-01T10:00:00.000Z"))
    close_meeting(store, meeting)
    frozen = dict(store.frozen_records(meeting))
    store.close()
    assert main(["sync", "--db", str(a)]) == 0
    store = open_store(b)  # offline all along: the meeting is still open here
    decision = store.decisions(meeting)[0]
    store.update_decision(dc.replace(decision, title="Split invoices by team", owner="Tom"))
    close_meeting(store, meeting)  # closed here too, with the new title frozen
    assert store.frozen_records(meeting) != frozen
    store.close()
    capsys.readouterr()
    assert main(["sync", "--db", str(b)]) == 0
    assert "conflicts kept in sync_conflicts" in capsys.readouterr().out
    main(["sync", "--db", str(a)])
    for path in (a, b):
        store = open_store(path)
        assert store.frozen_records(meeting) == frozen, path
        [kept] = store.decisions(meeting)
        assert (kept.title, kept.owner, kept.outcome) == (
            "Split invoices per department", "", Outcome.APPROVED)  # as the room left it
        store.close()
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name, kind, replaced->>'title' FROM sync_conflicts "
                            "ORDER BY table_name").fetchall()
    assert ("decisions", "closed", "Split invoices by team") in rows  # b's edit, kept


def test_an_unreachable_server_is_one_line_and_the_board_keeps_working(laptops, capsys):
    url, a, _b = laptops
    main(["connect", url, "--db", str(a)])
    capsys.readouterr()
    store = open_store(a)
    store.conn.execute("UPDATE team_link SET server = 'postgresql://nobody@127.0.0.1:9/x'")
    store.close()
    assert main(["sync", "--db", str(a)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "server unreachable" in err[0]
    assert len(_texts(a)) == 5
