"""Customer text never drives the terminal; a name has one spelling, in any case and any
script; NUL is refused in every field (issue 11, item 15)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from app.board.csv_import import ImportOptions
from app.board.domain import Customer, CustomerSeed, Kind, VoiceDraft
from app.board.filters import VoiceFilter
from app.board.importing import prepare_import
from app.errors import ValidationError
from app.meeting.matching import DecisionSpec, match_decision
from ui.cli import main

DAY = dt.date(2026, 3, 1)


def voice(store, text, customer, **fields):
    return store.insert_voice(VoiceDraft(text, fields.pop("kind", Kind.COMPLAINT), customer,
                                         DAY, **fields))


def names(store):
    return sorted(c.name for c in store.customers())


# -- the terminal ------------------------------------------------------------------------

HOSTILE_TEXT = ("Refunds never arrive \x1b[2J\x1b[31mscreen cleared\x1b[0m, title "
                "\x1b]0;owned\x07 and a C1 \x9b6n")
HOSTILE_NAME = "Evil\x1b[8m Corp"  # ESC[8m would hide everything printed after it


def _assert_shown_not_run(out):
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out
    assert "\\x1b[2J" in out  # made visible, so the reader sees what the customer sent


def test_search_prints_escape_sequences_visibly(store, board_path, capsys):
    voice(store, HOSTILE_TEXT, HOSTILE_NAME)
    voice(store, "Refunds \u202eevil.exe reads backwards", "Acme")
    assert main(["search", "refunds", "--db", str(board_path)]) == 0
    out = capsys.readouterr().out
    _assert_shown_not_run(out)
    assert "\\u202e" in out
    assert "Evil\\x1b[8m Corp" in out


def test_match_prints_escape_sequences_visibly(store, board_path, capsys):
    for who, text in ((HOSTILE_NAME, HOSTILE_TEXT), ("Acme", "Refunds take three weeks")):
        voice(store, text, who, cohort_name="Retail\x1b[2J", themes=("Refunds",))
    assert main(["match", "Refunds faster", "--theme", "Refunds", "--db", str(board_path)]) == 0
    out = capsys.readouterr().out
    _assert_shown_not_run(out)
    assert "Evil\\x1b[8m Corp" in out
    assert "Retail\\x1b[2J" in out


# -- one name, one spelling --------------------------------------------------------------

def test_invisible_characters_and_bidi_overrides_do_not_make_another_customer(store):
    for spelling in ("Acme", "Ac\u200bme", "\ufeffAcme", "Acme\u2060", "A\u200dcme",
                     "\u202aAcme\u202c", "\u2066Acme\u2069"):
        voice(store, f"Invoices wrong ({spelling!r})", spelling, cohort_name="Re\u200btail",
              themes=("Bill\u200cing",))
    # An RTL override would show "Acme Retail" on the projected chair as something else.
    voice(store, "Spoofed", "\u202elesaeR emcA", themes=("Billing",))
    assert names(store) == ["Acme", "lesaeR emcA"]
    assert [c.name for c in store.cohorts()] == ["Retail"]
    assert [t.name for t in store.themes()] == ["Billing"]


def test_composed_and_decomposed_accents_are_one_customer(store):
    voice(store, "Composed", "\u00c9mile Zola")
    voice(store, "Decomposed", "E\u0301mile Zola")
    store.ensure_customers([CustomerSeed("e\u0301mile zola", "Auteurs")])
    assert names(store) == ["\u00c9mile Zola"]


def test_an_import_merges_invisible_spellings(store, write_file):
    voice(store, "Typed by hand", "Acme")
    path = write_file("in.csv", "customer,text,themes\n"
                                "Ac\u200bme,From the file,Bill\u200bing\n"
                                "\ufeff\u202eAcme,Also from the file,Billing\n")
    plan = prepare_import(path, ImportOptions())
    store.import_rows(plan.rows, len(plan.rows))
    assert names(store) == ["Acme"]
    assert [t.name for t in store.themes()] == ["Billing"]


# -- any case, any script ----------------------------------------------------------------

@pytest.fixture
def european(store):
    voice(store, "Les factures arrivent en retard", "\u00c9mile Zola",
          cohort_name="\u00c9quipe Nord", themes=("\u00c9conomie",))
    voice(store, "Rechnung doppelt", "Stra\u00dfe GmbH", cohort_name="Gro\u00dfkunden",
          themes=("Stra\u00dfenbau",))
    voice(store, "Fine", "Acme")
    return store


@pytest.mark.parametrize(("flt", "customer"), [
    (VoiceFilter(customer="\u00e9mile zola"), "\u00c9mile Zola"),
    (VoiceFilter(customer="\u00c9MILE ZOLA"), "\u00c9mile Zola"),
    (VoiceFilter(customer="E\u0301mile Zola"), "\u00c9mile Zola"),  # decomposed, as typed on a Mac
    (VoiceFilter(customer="strasse gmbh"), "Stra\u00dfe GmbH"),
    (VoiceFilter(customer="STRASSE GMBH"), "Stra\u00dfe GmbH"),
    (VoiceFilter(customer="acme"), "Acme"),
    (VoiceFilter(cohort="\u00e9quipe nord"), "\u00c9mile Zola"),
    (VoiceFilter(cohort="GROSSKUNDEN"), "Stra\u00dfe GmbH"),
    (VoiceFilter(theme="\u00e9conomie"), "\u00c9mile Zola"),
    (VoiceFilter(theme="strassenbau"), "Stra\u00dfe GmbH"),
])
def test_filters_find_names_in_any_case(european, flt, customer):
    assert [v.customer_name for v in european.search(flt)] == [customer]
    assert european.count(flt) == 1


def test_cli_customer_filter_agrees_with_the_import(european, board_path, write_file, capsys):
    # The import already takes "STRASSE GMBH" for "Straße GmbH": the filter says the same.
    path = write_file("more.csv", "customer,text\nSTRASSE GMBH,Zweite Rechnung doppelt\n")
    assert main(["import", str(path), "--db", str(board_path)]) == 0
    assert names(european) == ["Acme", "Stra\u00dfe GmbH", "\u00c9mile Zola"]
    capsys.readouterr()
    for typed in ("strasse gmbh", "stra\u00dfe gmbh"):
        assert main(["search", "", "--customer", typed, "--json", "--db", str(board_path)]) == 0
        assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["search", "", "--customer", "\u00e9mile zola", "--json",
                 "--db", str(board_path)]) == 0
    assert [r["customer"] for r in json.loads(capsys.readouterr().out)] == ["\u00c9mile Zola"]


def test_agenda_named_customers_and_cohorts_in_any_case(european):
    named = match_decision(european, DecisionSpec("Anything at all",
                                                  named_customers=("\u00c9MILE ZOLA",),
                                                  named_cohorts=("grosskunden",)))
    assert sorted(a.customer.name for a in named.confirmed) == ["Stra\u00dfe GmbH",
                                                               "\u00c9mile Zola"]


def test_names_stay_unique_in_any_case(european):
    acme = next(c for c in european.customers() if c.name == "Acme")
    for clash in ("STRASSE GMBH", "\u00e9mile zola", "E\u0301MILE ZOLA"):
        with pytest.raises(ValidationError, match="another customer") as caught:
            european.update_customer(acme._replace(name=clash))
        assert caught.value.field == "name"
    european.update_customer(acme._replace(name="ACME\u200b"))  # its own name, recased
    assert names(european) == ["ACME", "Stra\u00dfe GmbH", "\u00c9mile Zola"]
    nord = next(h for h in european.cohorts() if h.name == "\u00c9quipe Nord")
    with pytest.raises(ValidationError, match="already exists"):
        european.rename_named("cohorts", nord.id, "grosskunden")
    keys = [c.name.casefold() for c in european.customers()]
    assert len(keys) == len(set(keys))
    indexes = {r[1] for r in european.conn.execute("PRAGMA index_list(customers)")}
    assert "customers_name" in indexes
    assert european.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- NUL -----------------------------------------------------------------------------------

def _meeting(store):
    return store.create_meeting("Council", DAY)


NUL_WRITES = {
    "text": lambda s: voice(s, "bad\x00text", "Acme"),
    "customer": lambda s: voice(s, "ok", "Ac\x00me"),
    "cohort": lambda s: voice(s, "ok", "Acme", cohort_name="Re\x00tail"),
    "theme": lambda s: voice(s, "ok", "Acme", themes=("Bill\x00ing",)),
    "captured by": lambda s: voice(s, "ok", "Acme", captured_by="Pri\x00ya"),
    "owner": lambda s: s.ensure_customers([CustomerSeed("Beta", owner="T\x00m")]),
    "notes": lambda s: s.ensure_customers([CustomerSeed("Beta", notes="n\x00")]),
    "name": lambda s: s.update_customer(Customer(s.customers()[0].id, "Ac\x00me")),
    "title": lambda s: s.create_meeting("Coun\x00cil", DAY),
    "facilitator": lambda s: s.create_meeting("Council", DAY, facilitator="P\x00"),
    "attendees": lambda s: s.create_meeting("Council", DAY, attendees="a\x00"),
    "description": lambda s: s.add_decision(_meeting(s), "Split", description="d\x00"),
    "rationale": lambda s: s.update_decision(dataclasses.replace(
        s.get_decision(s.add_decision(_meeting(s), "Split")), rationale="r\x00")),
    "note": lambda s: s.record_impact(s.add_decision(_meeting(s), "Split"),
                                      s.customers()[0].id, note="n\x00"),
}


@pytest.mark.parametrize("field", NUL_WRITES)
def test_nul_is_refused_in_every_field(store, field):
    voice(store, "The first voice", "Acme")
    before = (names(store), store.count(VoiceFilter()), [m.title for m in store.meetings()])
    with pytest.raises(ValidationError, match="NUL") as caught:
        NUL_WRITES[field](store)
    assert caught.value.field == field
    if field not in ("description", "rationale", "note"):  # those made a meeting first
        assert (names(store), store.count(VoiceFilter()),
                [m.title for m in store.meetings()]) == before


def test_nul_in_an_imported_name_theme_or_capturer_is_a_row_problem(write_file):
    path = write_file("nul.csv", "customer,text,themes,captured_by,cohort\n"
                                 "Ac\x00me,one,Billing,Priya,Retail\n"
                                 "Acme,two,Bill\x00ing,Priya,Retail\n"
                                 "Acme,three,Billing,Pri\x00ya,Retail\n"
                                 "Acme,four,Billing,Priya,Re\x00tail\n"
                                 "Acme,five,Billing,Priya,Retail\n")
    plan = prepare_import(path, ImportOptions())
    assert [r.text for r in plan.rows] == ["five"]
    problems = {p.line: p.message for p in plan.problems}
    assert problems == {2: "customer: contains a NUL character",
                        3: "themes: contains a NUL character",
                        4: "captured_by: contains a NUL character",
                        5: "cohort: contains a NUL character"}
