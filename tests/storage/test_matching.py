"""The matching engine on a hand-built board: routes, roll-up, cut-off, dismissal, order."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.csv_import import ImportRow
from app.domain import Channel, Customer, CustomerSeed, Kind
from app.matching import DecisionSpec, Route, match_decision, query_terms
from app.meeting_room import affected, close_meeting, pseudonyms, room_indicator
from app.meetings import Effect, ImpactStatus, Outcome, Stance
from ui.cli import main

CUSTOMERS = [CustomerSeed("Acme Retail", "Retail", 5000), CustomerSeed("Bolt Shops", "Retail",
             1000), CustomerSeed("Cura Clinic", "Health", 3000), CustomerSeed("Dana Labs",
             "Health", 200), CustomerSeed("Echo Freight", None, 50)]
VOICES = [
    ("Acme Retail", Kind.COMPLAINT, "Chat only support means nobody answers when the till "
     "breaks", ("Support",)),
    ("Acme Retail", Kind.QUOTE, "Phone support saved our holiday weekend", ("Support",)),
    ("Bolt Shops", Kind.NEED, "We need phone support for outages", ("Support",)),
    ("Cura Clinic", Kind.COMPLAINT, "Invoices arrive late", ("Billing",)),
    ("Dana Labs", Kind.QUOTE, "Great onboarding, the chat widget is handy", ("Onboarding",)),
    ("Echo Freight", Kind.COMPLAINT, "Reports are slow", ("Reporting",)),
]
# Filler so that frequent words ("the", "support") cross the 5% line and rare ones do not.
FILLER = [("Echo Freight", Kind.QUOTE, f"The product works fine week {i} support", ())
          for i in range(40)]


@pytest.fixture
def board(store):
    store.ensure_customers(CUSTOMERS)
    rows = [ImportRow(text, kind, customer, dt.date(2026, 1, 1) + dt.timedelta(days=i),
                      Channel.SUPPORT, 3, None, themes, "", None, "t.csv", i + 2, f"v{i}")
            for i, (customer, kind, text, themes) in enumerate(VOICES + FILLER)]
    store.import_rows(rows, len(rows))
    return store


def names(result):
    return [a.customer.name for a in result.customers]


def test_query_terms_drop_stop_words():
    assert query_terms("Move support to chat only!") == ["support", "chat"]


def test_text_route_finds_relevant_customers_with_frequent_words_left_out(board):
    result = match_decision(board, DecisionSpec("Move support to chat only"))
    assert "support" not in result.terms  # in more than 5% of voices
    assert result.terms == ["chat"]
    assert names(result) == ["Acme Retail", "Dana Labs"]
    acme = result.customers[0]
    assert acme.routes == (Route.TEXT,)
    assert acme.status is ImpactStatus.SUGGESTED
    assert acme.evidence[0].voice.kind is Kind.COMPLAINT  # complaints before quotes


def test_theme_route_and_rollup_by_cohort(board):
    result = match_decision(board, DecisionSpec("Support hours", themes=("support",)))
    assert [c.name for c in result.cohorts] == ["Retail"]
    retail = result.cohorts[0]
    assert [a.customer.name for a in retail.customers] == ["Acme Retail", "Bolt Shops"]
    assert retail.total_weight == 6000
    assert (retail.count(Kind.COMPLAINT), retail.count(Kind.NEED), retail.count(Kind.QUOTE)) \
        == (1, 1, 1)
    assert all(Route.THEME in a.routes for a in retail.customers)


def test_named_customer_and_cohort_are_confirmed(board):
    result = match_decision(board, DecisionSpec("Raise prices", named_customers=("echo freight",),
                                                named_cohorts=("Health",)))
    assert sorted(names(result)) == ["Cura Clinic", "Dana Labs", "Echo Freight"]
    assert {a.status for a in result.customers} == {ImpactStatus.CONFIRMED}
    assert all(a.routes == (Route.NAMED,) for a in result.customers)
    echo = next(a for a in result.customers if a.customer.name == "Echo Freight")
    assert echo.evidence[0].voice.text == "Reports are slow"  # complaints first
    assert [c.name for c in result.cohorts] == ["Health", "No cohort"]  # by total weight


def test_cut_off_keeps_weak_matches_out(board):
    # "invoices" is strong for Cura; nothing else mentions it.
    result = match_decision(board, DecisionSpec("Invoices by email"))
    assert names(result) == ["Cura Clinic"]


def test_no_match_says_nothing_rather_than_everyone(board):
    result = match_decision(board, DecisionSpec("The product"))
    assert result.customers == []


def test_dismissal_sticks_and_stances_show_both_sides(board):
    meeting = board.create_meeting("Support review", dt.date(2026, 5, 1))
    decision_id = board.add_decision(meeting, "Move support to chat only")
    decision = board.get_decision(decision_id)
    first = affected(board, decision)
    acme, dana = first.customers
    board.record_impact(decision_id, dana.customer.id, status=ImpactStatus.DISMISSED)
    board.record_impact(decision_id, acme.customer.id, status=ImpactStatus.CONFIRMED,
                        effect=Effect.HURTS, note="Tills break on weekends")
    quote = board.search_voice_id("Phone support saved our holiday weekend")
    board.set_evidence(decision_id, acme.customer.id, quote, Stance.AGAINST)
    board.set_evidence(decision_id, acme.customer.id, acme.evidence[0].voice.voice_id,
                       Stance.AGAINST)
    again = affected(board, decision)
    assert names(again) == ["Acme Retail"]
    assert [d.customer.name for d in again.dismissed] == ["Dana Labs"]
    acme = again.customers[0]
    assert (acme.status, acme.effect, acme.note) == (ImpactStatus.CONFIRMED, Effect.HURTS,
                                                     "Tills break on weekends")
    assert {e.voice.text: e.stance for e in acme.evidence}[
        "Phone support saved our holiday weekend"] is Stance.AGAINST


def test_ordering_is_stable(board):
    spec = DecisionSpec("Support by phone", themes=("Support", "Billing"))
    runs = [[(a.customer.name, a.score) for a in match_decision(board, spec).customers]
            for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]


def test_closing_a_meeting_freezes_what_the_room_saw(board):
    meeting = board.create_meeting("Q2 review", dt.date(2026, 5, 1))
    decision_id = board.add_decision(meeting, "Invoices by email", themes=("Billing",))
    decision = board.get_decision(decision_id)
    cura = affected(board, decision).customers[0]
    board.record_impact(decision_id, cura.customer.id, status=ImpactStatus.CONFIRMED,
                        effect=Effect.HELPS)
    board.update_decision(_with(decision))
    close_meeting(board, meeting)
    # Later edits to the board...
    board.update_customer(Customer(cura.customer.id, "Cura Health", weight=9))
    frozen = json.loads(board.get_decision(decision_id).frozen)
    customer = frozen["cohorts"][0]["customers"][0]
    assert (customer["name"], customer["weight"], customer["effect"]) == ("Cura Clinic", 3000,
                                                                          "helps")
    assert customer["evidence"][0]["text"] == "Invoices arrive late"
    assert frozen["outcome"] == "approved"
    assert board.get_meeting(meeting).status.value == "closed"
    assert room_indicator(board, meeting) == (1, 0)


def _with(decision):
    import dataclasses

    return dataclasses.replace(decision, outcome=Outcome.APPROVED, rationale="Finance asked")


def test_pseudonyms_are_stable_and_per_cohort():
    pairs = [("c1", "Retail"), ("c2", "Retail"), ("c3", None)]
    first = pseudonyms(pairs, "meeting-1")
    assert first == pseudonyms(list(reversed(pairs)), "meeting-1")
    assert sorted(first.values()) == ["Customer 1", "Retail customer 1", "Retail customer 2"]


def test_match_command(board, board_path, capsys):
    board.close()
    assert main(["match", "Move support to chat only", "--db", str(board_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["terms"] == ["chat"]
    assert [a["customer"] for c in data["cohorts"] for a in c["affected"]] == ["Acme Retail",
                                                                               "Dana Labs"]
    assert main(["match", "Nothing relevant whatsoever", "--db", str(board_path)]) == 0
    assert "No customer voice on this decision yet." in capsys.readouterr().out
