"""Search on a real board: ranking, filters, customer names, hostile input."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.board.csv_import import ImportRow
from app.board.domain import Channel, Kind
from app.board.filters import VoiceFilter


def row(i, text, customer="Acme", kind=Kind.COMPLAINT, day=1, channel=Channel.SUPPORT,
        severity=3, themes=(), cohort=None):
    return ImportRow(text, kind, customer, dt.date(2024, 1, day), channel, severity, None,
                     themes, "", cohort, "t.csv", i, f"k{i}")


def fill(store):
    rows = [
        row(1, "The invoice was wrong twice", day=3, severity=5, themes=("Billing",),
            cohort="Retail"),
        row(2, "Invoices arrive late every month", customer="Beta", day=5, kind=Kind.NEED),
        row(3, "Great onboarding call", customer="Gamma", kind=Kind.QUOTE, day=7,
            channel=Channel.INTERVIEW),
        row(4, "invoice invoice invoice: wrong again", customer="Beta", day=9, severity=2),
        row(5, "Café menus export with broken accents", customer="Delta Invoice Co", day=11),
    ]
    store.import_rows(rows, len(rows))


def texts(store, **kw):
    return [v.text for v in store.search(VoiceFilter(**kw), limit=50)]


def test_words_are_anded_and_ranked_by_bm25(store):
    fill(store)
    assert texts(store, text="invoice wrong") == ["invoice invoice invoice: wrong again",
                                                  "The invoice was wrong twice"]


def test_phrase_prefix_and_accents(store):
    fill(store)
    assert texts(store, text='"was wrong"') == ["The invoice was wrong twice"]
    assert set(texts(store, text="invoice*")) >= {"Invoices arrive late every month"}
    assert texts(store, text="cafe") == ["Café menus export with broken accents"]


def test_customer_names_are_searched_too(store):
    fill(store)
    # "Delta Invoice Co" matches by name; its voice never says "invoice".
    assert "Café menus export with broken accents" in texts(store, text="invoice")
    # Stemmed (porter): "invoice" finds "Invoices" too; plus Delta's voice by its name.
    assert store.count(VoiceFilter(text="invoice")) == 4
    assert "Invoices arrive late every month" in texts(store, text="invoicing")


def test_filters(store):
    fill(store)
    assert texts(store, kinds=(Kind.QUOTE,)) == ["Great onboarding call"]
    assert store.count(VoiceFilter(customer="beta")) == 2
    assert texts(store, cohort="retail") == ["The invoice was wrong twice"]
    assert texts(store, theme="BILLING") == ["The invoice was wrong twice"]
    assert texts(store, channel=Channel.INTERVIEW) == ["Great onboarding call"]
    assert store.count(VoiceFilter(date_from=dt.date(2024, 1, 5),
                                   date_to=dt.date(2024, 1, 9))) == 3
    assert texts(store, min_severity=5) == ["The invoice was wrong twice"]
    assert store.count(VoiceFilter(text="   ")) == 5  # blank text: no text filter


def test_newest_first_without_text_and_paging(store):
    fill(store)
    days = [v.heard_on.day for v in store.search(VoiceFilter(), limit=2, offset=1)]
    assert days == [9, 7]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(typed=st.text(max_size=40))
def test_hostile_queries_never_raise(store, typed):
    if not store.customers():
        fill(store)
    store.search(VoiceFilter(text=typed), limit=5)
    store.count(VoiceFilter(text=typed))


def _indexed(store, word):
    return store.conn.execute("SELECT count(*) FROM voices_fts WHERE voices_fts MATCH ?",
                              [word]).fetchone()[0]


def test_deleted_voices_leave_the_text_index_and_come_back(store):
    fill(store)
    [voice] = store.search(VoiceFilter(text="onboarding"))
    store.set_voices_deleted([voice.id], True)
    assert _indexed(store, "onboarding") == 0
    assert texts(store, text="onboarding") == []
    assert store.count(VoiceFilter(text="onboarding")) == 0
    store.set_voices_deleted([voice.id], False)
    assert _indexed(store, "onboarding") == 1
    assert texts(store, text="onboarding") == ["Great onboarding call"]


def test_equally_relevant_voices_come_newest_added_first(store):
    rows = [row(i, "Exports time out", customer=f"C{i}", day=10 - i) for i in range(1, 6)]
    store.import_rows(rows, len(rows))
    found = store.search(VoiceFilter(text="exports"), limit=3)
    assert [v.customer_name for v in found] == ["C5", "C4", "C3"]
    # The same order when a filter sends the search through the voices table.
    filtered = store.search(VoiceFilter(text="exports", kinds=(Kind.COMPLAINT,)), limit=3)
    assert [v.customer_name for v in filtered] == ["C5", "C4", "C3"]
    assert [v.customer_name for v in store.search(VoiceFilter(text="exports"), limit=2,
                                                  offset=3)] == ["C2", "C1"]


def test_sorting_by_customer_when_words_match_a_customer_name(store):
    fill(store)
    found = store.search(VoiceFilter(text="invoice"), order="customer")
    assert [v.customer_name for v in found] == ["Acme", "Beta", "Beta", "Delta Invoice Co"]


def test_a_prefix_longer_than_the_stem_still_finds_its_words(store):
    rows = [row(i, text, customer=f"C{i}") for i, text in enumerate(
        ["We are shipping late", "Runners run", "Invoicing is slow", "Happiness is rare",
         "Nothing here"], 1)]
    store.import_rows(rows, len(rows))
    # The index keeps stems ("ship", "runner", "invoic", "happi"); FTS5 stems the prefix too.
    assert texts(store, text="shipp*") == ["We are shipping late"]
    assert texts(store, text="runn*") == ["Runners run"]
    assert texts(store, text="invoicin*") == ["Invoicing is slow"]
    assert texts(store, text="happin*") == ["Happiness is rare"]
    assert texts(store, text="ship* late") == ["We are shipping late"]
