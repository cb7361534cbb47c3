"""Customers merged by hand and meetings closed, across laptops that did not see it: one
live customer with every voice and record, a closed meeting as the room left it, and no
conflict where nothing conflicted (scenarios from the third review)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.meeting.domain import Outcome
from app.meeting.room import close_meeting
from storage.team import sync_board
from tests.team.test_links import _add, _live, _sync
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")


def _id(path, name: str) -> str:
    store = open_store(path)
    try:
        return next(c.id for c in store.customers() if c.name == name)
    finally:
        store.close()


def _merge(path, source: str, target: str) -> None:
    store = open_store(path)
    try:
        store.merge_customers(source, target)
    finally:
        store.close()


def _orphans(path) -> list[tuple[str, str]]:
    store = open_store(path)
    try:
        return store.conn.execute(
            "SELECT v.text, c.name FROM voices v JOIN customers c ON c.id = v.customer_id "
            "WHERE v.deleted_at IS NULL AND c.deleted_at IS NOT NULL").fetchall()
    finally:
        store.close()


def _two_impacts(a, b, acme: str, beta: str) -> str:
    """A decision on a that the room marked for both customers, synced to b; its id."""
    store = open_store(a)
    try:
        meeting = store.create_meeting("Weekly", dt.date(2026, 3, 2))
        decision = store.add_decision(meeting, "Raise prices")
        store.record_impact(decision, acme, note="acme note")
        store.record_impact(decision, beta, note="beta note")
    finally:
        store.close()
    _sync(a)
    _sync(b)
    return decision


@pytest.fixture
def acme_beta(empty_pair):
    url, a, b = empty_pair
    _add(a, "acme says", "Acme")
    _add(a, "beta says", "Beta")
    _sync(a)
    _sync(b)
    return url, a, b, _id(a, "Acme"), _id(a, "Beta")


@pytest.mark.parametrize("b_merges", ["the same way", "the other way"])
def test_a_merge_made_on_two_laptops_offline_leaves_one_live_customer(acme_beta, b_merges):
    _url, a, b, acme, beta = acme_beta
    _merge(a, acme, beta)
    if b_merges == "the same way":
        _merge(b, acme, beta)
    else:
        _merge(b, beta, acme)
    for path in (a, b, a, b):
        _sync(path)
    assert _orphans(a) == _orphans(b) == []
    assert _live(a) == _live(b)
    assert len({name for name, _text in _live(a)}) == 1
    assert len(_live(a)) == 2


def test_a_chain_of_merges_takes_a_voice_captured_offline_for_the_first(empty_pair, tmp_path):
    from ui.cli import main

    url, a, b = empty_pair
    c = tmp_path / "c.db"
    assert main(["connect", url, "--db", str(c)]) == 0
    for text, name in (("acme says", "Acme"), ("beta says", "Beta"), ("gamma says", "Gamma")):
        _add(a, text, name)
    for path in (a, b, c):
        _sync(path)
    _add(c, "acme again", "Acme")  # c, offline all along
    _merge(a, _id(a, "Acme"), _id(a, "Beta"))
    _sync(a)
    _sync(b)
    _merge(b, _id(b, "Beta"), _id(b, "Gamma"))
    for path in (b, c, a, b, c):
        _sync(path)
    assert _live(a) == _live(b) == _live(c) == [
        ("Gamma", "acme again"), ("Gamma", "acme says"), ("Gamma", "beta says"),
        ("Gamma", "gamma says")]


def test_a_merge_by_hand_alone_is_no_conflict(acme_beta):
    url, a, _b, acme, beta = acme_beta
    _merge(a, acme, beta)
    report = _sync(a)
    assert report.conflicts == 0
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM sync_conflicts").fetchone()[0] == 0


def test_impacts_on_both_customers_merge_into_the_survivors_keeping_the_other(acme_beta):
    url, a, b, acme, beta = acme_beta
    _two_impacts(a, b, acme, beta)
    _merge(a, acme, beta)
    for path in (a, b, a):
        _sync(path)
    for path in (a, b):
        store = open_store(path)
        rows = store.conn.execute("SELECT customer_id, note FROM impacts WHERE deleted_at "
                                  "IS NULL").fetchall()
        store.close()
        assert rows == [(beta, "beta note")], path  # the survivor's own record
    with psycopg.connect(url) as conn:
        live = conn.execute("SELECT note FROM impacts WHERE deleted_at IS NULL").fetchall()
        kept = conn.execute("SELECT replaced->>'note' FROM sync_conflicts WHERE table_name "
                            "= 'impacts' AND kind = 'merge'").fetchall()
    assert live == [("beta note",)]
    assert kept == [("acme note",)]  # the other, kept


def test_a_swap_of_names_and_a_plain_edit_elsewhere_merge_nothing(acme_beta):
    url, a, b, acme, beta = acme_beta
    store = open_store(a)
    for row_id, name in ((acme, "Tmp"), (beta, "Acme"), (acme, "Beta")):
        customer = next(c for c in store.customers() if c.id == row_id)
        store.update_customer(customer._replace(name=name))
    store.close()
    _sync(a)
    store = open_store(b)  # offline: only Beta's weight
    customer = next(c for c in store.customers() if c.id == beta)
    store.update_customer(customer._replace(weight=5.0))
    store.close()
    assert _sync(b).merged == 0
    _sync(a)
    assert _live(a) == _live(b) == [("Acme", "beta says"), ("Beta", "acme says")]
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM customers WHERE deleted_at IS NULL"
                            ).fetchone()[0] == 2


def _meeting(path) -> tuple[str, str]:
    store = open_store(path)
    try:
        meeting = store.create_meeting("Weekly", dt.date(2026, 3, 2))
        return meeting, store.add_decision(meeting, "Split invoices")
    finally:
        store.close()


def _title(path, decision: str, title: str) -> None:
    store = open_store(path)
    try:
        store.update_decision(dataclasses.replace(store.get_decision(decision), title=title))
    finally:
        store.close()


def _titles(path, meeting: str) -> list[str]:
    store = open_store(path)
    try:
        return [d.title for d in store.decisions(meeting)]
    finally:
        store.close()


def test_a_reopened_meetings_decision_edited_on_two_laptops_is_an_ordinary_conflict(
        empty_pair):
    from app.team import Keep
    from storage.team import resolve_conflict
    from storage.team_local import conflicts

    url, a, b = empty_pair
    meeting, decision = _meeting(a)
    store = open_store(a)
    close_meeting(store, meeting)
    store.close()
    _sync(a)
    _sync(b)
    store = open_store(a)
    store.reopen_meeting(meeting, "one more decision")
    store.close()
    _sync(a)
    _sync(b)
    _title(a, decision, "Split invoices per team")
    _title(b, decision, "Split invoices per site")
    _sync(a)
    _sync(b)  # b's edit arrives later: it is live, a's is kept
    _sync(a)
    store = open_store(a)
    try:
        [found] = [c for c in conflicts(store.conn) if c.table == "decisions"]
        assert found.kind == "edit"  # not "a change to a closed meeting": it is open
        assert found.replaced["title"] == "Split invoices per team"
        resolve_conflict(store, found.id, Keep.REPLACED)  # a keeps its own: that works
    finally:
        store.close()
    _sync(a)
    _sync(b)
    assert _titles(a, meeting) == _titles(b, meeting) == ["Split invoices per team"]


def test_an_edit_made_during_the_sync_that_brings_the_close_gives_way(empty_pair,
                                                                       monkeypatch):
    import storage.team as team

    url, a, b = empty_pair
    meeting, decision = _meeting(a)
    _sync(a)
    _sync(b)
    store = open_store(a)
    close_meeting(store, meeting)
    store.close()
    _sync(a)
    real = team._incoming

    def meanwhile(*args, **kwargs):
        _title(b, decision, "edited on b during the sync")  # still open on b, for now
        return real(*args, **kwargs)

    monkeypatch.setattr(team, "_incoming", meanwhile)
    _sync(b)
    monkeypatch.setattr(team, "_incoming", real)
    for path in (b, a, b):
        store = open_store(path)
        sync_board(store)
        store.close()
    assert _titles(a, meeting) == _titles(b, meeting) == ["Split invoices"]
    store = open_store(b)
    assert store.frozen_records(meeting)  # b holds the closed record, as a does
    store.close()
    with psycopg.connect(url) as conn:
        assert ("edited on b during the sync",) in conn.execute(
            "SELECT replaced->>'title' FROM sync_conflicts WHERE kind = 'closed'").fetchall()


@pytest.fixture
def three(empty_pair, tmp_path):
    from ui.cli import main

    url, a, b = empty_pair
    c = tmp_path / "c.db"
    assert main(["connect", url, "--db", str(c)]) == 0
    return url, a, b, c


def _settle(*paths) -> None:
    for _round in range(2):
        for path in paths:
            _sync(path)
    for path in paths:  # nothing left to send or take: no churn
        report = _sync(path)
        assert (report.pushed, report.pulled) == (0, 0), path


def test_a_merge_by_name_then_the_opposite_merge_by_hand_offline(three):
    url, a, b, c = three
    _add(a, "beta says", "Beta")
    for path in (a, b, c):
        _sync(path)
    _add(b, "gamma says", "Gamma")
    _sync(b)
    _sync(c)
    store = open_store(a)  # a, offline: Beta renamed Gamma (merged by name into b's)
    beta = next(x for x in store.customers() if x.name == "Beta")
    store.update_customer(beta._replace(name="Gamma"))
    store.close()
    _sync(a)
    _merge(c, _id(c, "Gamma"), _id(c, "Beta"))  # c, offline: Gamma into Beta, by hand
    _sync(c)
    _settle(a, b, c)
    for path in (a, b, c):
        assert _orphans(path) == []
    assert _live(a) == _live(b) == _live(c)
    assert len({name for name, _t in _live(a)}) == 1


def test_an_offline_edit_of_a_customer_merged_away_does_not_bring_it_back(acme_beta):
    url, a, b, acme, beta = acme_beta
    _merge(a, acme, beta)
    _sync(a)
    store = open_store(b)  # offline: Acme's weight
    customer = next(x for x in store.customers() if x.id == acme)
    store.update_customer(customer._replace(weight=4.0))
    store.close()
    _sync(b)
    _settle(a, b)
    for path in (a, b):
        store = open_store(path)
        assert [x.name for x in store.customers()] == ["Beta"], path  # Acme stays retired
        store.close()
    with psycopg.connect(url) as conn:  # b's edit is kept, not lost
        assert (4.0,) in conn.execute("SELECT (replaced->>'weight')::float FROM "
                                      "sync_conflicts WHERE table_name = 'customers'"
                                      ).fetchall()


def test_follow_through_of_a_closed_meetings_decision_is_an_ordinary_edit(three):
    from app.meeting.domain import Delivery

    url, a, b, c = three
    meeting, decision = _meeting(a)
    store = open_store(a)
    store.update_decision(dataclasses.replace(store.get_decision(decision),
                                              outcome=Outcome.APPROVED))
    close_meeting(store, meeting)
    store.close()
    for path in (a, b, c):
        _sync(path)
    store = open_store(b)
    store.set_delivery(decision, Delivery.IN_PROGRESS, None)
    store.close()
    _sync(b)
    store = open_store(c)  # c saw the close too: it ships it
    store.set_delivery(decision, Delivery.SHIPPED, dt.date(2026, 4, 1))
    store.close()
    _sync(c)
    _settle(a, b, c)
    for path in (a, b, c):
        store = open_store(path)
        assert store.get_decision(decision).delivery is Delivery.SHIPPED, path
        store.close()
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT count(*) FROM sync_conflicts WHERE kind = 'closed'"
                            ).fetchone()[0] == 0


def test_a_decision_added_offline_to_a_meeting_closed_meanwhile_is_retired(three):
    url, a, b, c = three
    meeting, _decision = _meeting(a)
    for path in (a, c):
        _sync(path)
    store = open_store(a)
    close_meeting(store, meeting)
    store.close()
    _sync(a)
    store = open_store(c)  # offline all along: the meeting is open here
    store.add_decision(meeting, "c's new decision")
    store.close()
    _sync(c)
    _settle(a, b, c)
    assert _titles(a, meeting) == _titles(b, meeting) == _titles(c, meeting) == [
        "Split invoices"]
    with psycopg.connect(url) as conn:
        assert ("c's new decision",) in conn.execute(
            "SELECT replaced->>'title' FROM sync_conflicts WHERE kind = 'closed'").fetchall()


def test_a_late_edit_of_an_impact_merged_away_keeps_the_survivors_version(acme_beta):
    url, a, b, acme, beta = acme_beta
    decision = _two_impacts(a, b, acme, beta)
    _merge(a, acme, beta)
    _sync(a)
    store = open_store(b)  # offline, on the impact of the customer merged away
    store.record_impact(decision, acme, note="acme note, later")
    store.close()
    _sync(b)
    _settle(a, b)
    with psycopg.connect(url) as conn:
        notes = {r for (r,) in conn.execute(
            "SELECT kept->>'note' FROM sync_conflicts WHERE table_name = 'impacts' UNION "
            "SELECT replaced->>'note' FROM sync_conflicts WHERE table_name = 'impacts' UNION "
            "SELECT note FROM impacts WHERE deleted_at IS NULL")}
    assert {"beta note", "acme note", "acme note, later"} <= notes  # every version kept
