"""The matching engine on a hand-built board: routes, roll-up, cut-off, dismissal, order."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.board.csv_import import ImportRow
from app.board.domain import Channel, Customer, CustomerSeed, Kind
from app.meeting.domain import Effect, ImpactStatus, Outcome, Stance
from app.meeting.matching import DecisionSpec, Route, match_decision, query_terms
from app.meeting.room import (
    affected,
    close_meeting,
    confirmed_counts,
    pseudonyms,
    room_indicator,
)
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


def test_a_word_in_most_voices_weighs_nothing_and_the_rest_still_match(board):
    result = match_decision(board, DecisionSpec("Move support to chat only"))
    support, chat = result.terms
    assert (support.word, support.weight) == ("support", 0)  # in 43 of 46 voices: bm25 idf 0
    assert chat.word == "chat"
    assert chat.weight > 0
    assert names(result) == ["Acme Retail", "Dana Labs"]
    acme = result.customers[0]
    assert acme.routes == (Route.TEXT,)
    assert acme.status is ImpactStatus.SUGGESTED
    # The verbatim shown is the voice that matched, not Acme's other one about support.
    assert [e.voice.text for e in acme.evidence] == [
        "Chat only support means nobody answers when the till breaks"]
    assert acme.evidence[0].matched == ("chat",)
    assert acme.why == "said “chat”"


def test_theme_route_counts_every_voice_on_the_theme(board):
    result = match_decision(board, DecisionSpec("Support hours", themes=("support",)))
    assert [c.name for c in result.cohorts] == ["Retail"]
    retail = result.cohorts[0]
    assert [a.customer.name for a in retail.customers] == ["Acme Retail", "Bolt Shops"]
    assert retail.total_weight == 6000
    assert (retail.count(Kind.COMPLAINT), retail.count(Kind.NEED), retail.count(Kind.QUOTE)) \
        == (1, 1, 1)
    assert all(Route.THEME in a.routes for a in retail.customers)
    assert retail.customers[0].why == "theme support"


def test_named_customer_and_cohort_are_confirmed_without_unrelated_verbatims(board):
    result = match_decision(board, DecisionSpec("Raise prices", named_customers=("echo freight",),
                                                named_cohorts=("Health",)))
    assert sorted(names(result)) == ["Cura Clinic", "Dana Labs", "Echo Freight"]
    assert {a.status for a in result.customers} == {ImpactStatus.CONFIRMED}
    assert all(a.routes == (Route.NAMED,) for a in result.customers)
    echo = next(a for a in result.customers if a.customer.name == "Echo Freight")
    assert echo.evidence == []  # nothing Echo said is about prices: nothing is projected
    assert echo.why == "named on the agenda"
    assert [c.name for c in result.cohorts] == ["Health", "No cohort"]  # by total weight


def test_cut_off_keeps_weak_matches_out(board):
    # "invoices" is strong for Cura; nothing else mentions it.
    result = match_decision(board, DecisionSpec("Invoices by email"))
    assert names(result) == ["Cura Clinic"]


def test_no_match_says_nothing_rather_than_everyone(board):
    result = match_decision(board, DecisionSpec("The product"))
    assert result.customers == []  # "product" is in 40 of 46 voices: it tells nobody apart
    assert result.summary().startswith("Too common to tell: “product” in 40 voices")
    nothing = match_decision(board, DecisionSpec("Zeppelin landing pads"))
    assert nothing.summary() == "No customer voice on this decision yet."


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
    frozen = json.loads(board.frozen_records(meeting)[decision_id])
    customer = frozen["cohorts"][0]["customers"][0]
    assert (customer["name"], customer["weight"], customer["effect"]) == ("Cura Clinic", 3000,
                                                                          "helps")
    assert customer["evidence"][0]["text"] == "Invoices arrive late"
    assert customer["evidence"][0]["matched"] == ["invoices"]
    assert frozen["totals"] == {"customers": 1, "weight": 3000, "confirmed": 1,
                                "confirmed_weight": 3000, "suggested": 0, "complaints": 1,
                                "needs": 0, "quotes": 0}
    assert frozen["cohorts"][0]["customers_total"] == 1
    assert frozen["outcome"] == "approved"
    assert board.get_meeting(meeting).status.value == "closed"
    assert room_indicator(board.decisions(meeting), confirmed_counts(
        board, board.decisions(meeting))) == (1, 0)


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
    assert [(t["word"], t["weight"] > 0) for t in data["terms"]] == [("support", False),
                                                                      ("chat", True)]
    assert data["totals"]["customers"] == 2
    assert data["totals"]["suggested"] == 2
    assert {a["customer"] for a in data["shortlist"]} == {"Acme Retail", "Dana Labs"}
    scores = [a["score"] for a in data["shortlist"]]
    assert scores == sorted(scores, reverse=True)  # strongest first
    acme = next(a for a in data["shortlist"] if a["customer"] == "Acme Retail")
    assert acme["words"] == ["chat"]
    assert acme["why"] == "said “chat”"
    assert acme["evidence"][0]["matched"] == ["chat"]
    assert main(["match", "Move support to chat only", "--db", str(board_path)]) == 0
    out = capsys.readouterr().out
    assert "2 customers in 2 cohorts" in out
    assert "The strongest 2 of 2:" in out
    assert main(["match", "Nothing relevant whatsoever", "--db", str(board_path)]) == 0
    assert "No customer voice on this decision yet." in capsys.readouterr().out


# -- a board shaped like real feedback: the decision's key word is frequent ---------------
def _import(store, voices):
    customers = sorted({(c, cohort) for c, cohort, _, _ in voices})
    store.ensure_customers([CustomerSeed(c, cohort, 1) for c, cohort in customers])
    rows = [ImportRow(text, kind, customer, dt.date(2026, 2, 1) + dt.timedelta(days=i % 20),
                      Channel.SOCIAL, 3, None, (), "", None, "real.csv", i + 2, f"r{i}")
            for i, (customer, _, kind, text) in enumerate(voices)]
    store.import_rows(rows, len(rows))


def _airline(store):
    voices = []
    for i in range(30):  # a third of the board: "cancelled" is anything but rare
        voices.append((f"Traveller {i}", "Coach", Kind.COMPLAINT,
                       f"My flight {i} was cancelled and nobody called"))
    bags = ["Lost my bags in Denver, luggage tag torn", "My bags went missing, luggage claim "
            "form useless", "Two bags lost again, where is my luggage", "Bags lost at the gate "
            "and luggage office shut", "Lost bags twice this year, luggage tracking broken",
            "Bags never arrived, luggage hotline rang out", "Lost my bags on the transfer, "
            "luggage compensation refused", "Both bags lost, luggage people shrugged",
            "Bags lost after landing, luggage belt empty", "Lost bags in Boston, luggage "
            "staff rude", "My bags lost for a week, luggage report ignored", "Lost bags, "
            "luggage apology never came"]
    for i, text in enumerate(bags):  # bags and luggage, said together: the board links them
        voices.append((f"Packer {i}", "Coach", Kind.COMPLAINT, text))
    for i in range(6):  # ... and luggage alone
        voices.append((f"Owner {i}", "Business", Kind.COMPLAINT,
                       f"Luggage never showed up at the carousel {i}"))
    for i in range(42):
        voices.append((f"Flyer {i}", "Coach", Kind.QUOTE,
                       f"Lovely crew and a smooth flight number {i}"))
    voices.append(("Lena Park", "Business", Kind.QUOTE, "The snacks on board were stale"))
    voices.append(("Lena Park", "Business", Kind.COMPLAINT, "Rebooking after they cancelled "
                   "took me three days"))
    _import(store, voices)


def test_a_frequent_key_word_finds_everyone_who_said_it(store):
    _airline(store)
    result = match_decision(store, DecisionSpec("Rebook passengers when a flight is cancelled"))
    found = set(names(result))
    assert {f"Traveller {i}" for i in range(30)} <= found  # the old 5% rule dropped the word
    assert "Lena Park" in found
    assert not any(n.startswith("Flyer") for n in found)  # "flight" alone is not enough
    assert len(result.customers) == 31
    assert result.count(Kind.COMPLAINT) == 31


def test_stemming_joins_word_forms(store):
    _airline(store)
    result = match_decision(store, DecisionSpec("Cancellation without a phone call"))
    assert "Traveller 3" in names(result)  # "cancelled", "called" by the stem
    words = {t.word: t.stem for t in result.terms if not t.expanded}
    assert words["cancellation"] == "cancel"


def test_expansion_learns_luggage_for_bags_from_the_board(store):
    _airline(store)
    result = match_decision(store, DecisionSpec("Lost bags"))
    assert "luggage" in result.related
    owners = [a for a in result.customers if a.customer.name.startswith("Owner")]
    assert len(owners) == 6  # they never wrote "bags" or "lost"
    assert owners[0].words == ()
    assert "luggage" in owners[0].related
    assert "related “luggage”" in owners[0].why


def test_the_exact_subject_is_found_beside_customers_matching_more_words(store):
    _airline(store)
    result = match_decision(store, DecisionSpec("Fresh snacks on every flight",
                                                "crew, flight number, smooth"))
    # Flyers match three words of the description; Lena only "snacks", the subject itself.
    assert "Lena Park" in names(result)
    lena = next(a for a in result.customers if a.customer.name == "Lena Park")
    assert [e.voice.text for e in lena.evidence] == ["The snacks on board were stale"]


def test_a_short_list_and_the_true_totals(store):
    _airline(store)
    result = match_decision(store, DecisionSpec("Rebook passengers when a flight is cancelled"),
                            detail=5)
    assert len(result.customers) == 31
    shortlist = result.shortlist(5)
    assert len(shortlist) == 5
    assert all(a.evidence for a in shortlist)  # the strongest carry their verbatims
    assert sum(1 for a in result.customers if a.evidence) == 5  # the rest are only counted
    assert result.summary() == ("31 customers in 2 cohorts · weight 31 · 0 confirmed, "
                                "31 suggested")


def test_agenda_counts_match_single_matches(store):
    from app.meeting.matching import match_agenda

    _airline(store)
    store.add_decision(store.create_meeting("m", dt.date(2026, 3, 1)), "tag",
                       themes=("Baggage",))  # makes the theme; no voice is on it
    specs = [DecisionSpec("Lost bags"), DecisionSpec("Rebook when cancelled"),
             DecisionSpec("Lost bags", named_customers=("Owner 1",)),
             DecisionSpec("Lost bags", themes=("Baggage",))]
    together = match_agenda(store, [(s, {}) for s in specs], detail=0)
    alone = [match_decision(store, s) for s in specs]
    assert [len(r.customers) for r in together] == [len(r.customers) for r in alone]
    assert [r.count_kinds() for r in together] == [r.count_kinds() for r in alone]
