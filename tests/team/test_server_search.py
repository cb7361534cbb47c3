"""Search on the team server finds what a laptop's search finds in the same rows: the same
tokens, folds and Porter stems on both sides (storage/team_search.py), through the real
push, on texts written by us and on the real exports in ../shared/data."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import pytest

from app.board.csv_import import ImportRow
from app.board.domain import Channel, CustomerSeed, Kind
from app.board.filters import VoiceFilter
from storage.team import connect_board, init_server, search_server
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")
CUSTOMER = "Xq Holdings"  # a name no query below finds: a laptop's search also finds names


def _board(path, texts: list[str], customers: int = 0):
    """A board of these texts: one customer no query finds, or `customers` of them."""
    store = open_store(path, create=True)
    store.ensure_customers([CustomerSeed(CUSTOMER, "", 1, "Owner")])
    names = [f"Zq{n:03d}" for n in range(customers)] or [CUSTOMER]
    rows = [ImportRow(text, Kind.QUOTE, names[i % len(names)], dt.date(2026, 1, 1 + i % 28),
                      Channel.SUPPORT, 3, None, (), "", None, "ours.csv", i + 2, f"ours{i}")
            for i, text in enumerate(texts)]
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        store.import_rows(chunk, len(chunk))
    return store


def _differ(store, url: str, queries: list[str]) -> dict[str, tuple[int, int]]:
    differ = {}
    for typed in queries:
        laptop = {v.id for v in store.search(VoiceFilter(text=typed), limit=100_000)}
        server = set(search_server(url, typed, limit=100_000))
        if laptop != server:
            differ[typed] = (len(laptop), len(server))
    return differ


TEXTS = [  # written by us
    "The invoices were wrong twice",
    "We need one invoice per department",
    "Shipping was cancelled, then rescheduled",
    "The shipment was CANCELED again!",
    "Cancelling is hard; I cancel every month",
    "Café menus print badly — the naïve résumé looked fine",
    "Cafe printing works on the Zürich office laptops",
    "Don't charge me twice. It's the customer's fault? No!",
    "The e-mail re-sync broke our follow-up process",
    "Email sync is slow at 9am, fixed in v2.3 by 2024-01-05",
    "Error 404 on page 12; 3rd attempt worked",
    "Ελληνικά: η εφαρμογή κολλάει",
    "Приложение зависает при оплате",
    "日本語のレビューです",
    "Straße und Übergrößen fehlen",
    "Psychology of technology: responsibly and incredibly possible",
    "Happiness, happily, happier, the happiest users",
    "Generalizations about organizational relational issues",
    "Skiing and revving and trekking, all trekked",
    "Flies flying, flew; cities and city's ponies",
    "ALL CAPS COMPLAINT ABOUT BILLING ERRORS",
    "Dashboard's graphs don't load #bug @support 🙁",
    "Unrelated words: rabbit, lemonade, zebra",
]
QUERIES = [
    "invoice", "invoices", "Invoice department", "cancel", "cancelled", "canceled",
    "cancelling", "shipping", "ship", "shipment", "cafe", "café", "CAFÉ", "naive", "resume",
    "zurich", "don't", "dont", "don", "it's", "customer", "customers", "customer's", "email",
    "e-mail", "mail", "sync", "re-sync", "follow-up", "follow", "9am", "v2.3", "2024", "404",
    "3rd", "12", "εφαρμογή", "ΕΦΑΡΜΟΓΉ", "приложение", "ПРИЛОЖЕНИЕ", "日本語のレビューです",
    "strasse", "straße", "ubergrossen", "übergrößen", "psychology", "technologies",
    "responsible", "incredible", "possibly", "happy", "happiness", "happier", "general",
    "generalization", "organization", "relational", "relate", "ski", "skiing", "rev",
    "revved", "trek", "trekking", "fly", "flies", "city", "cities", "pony", "ALL caps",
    "billing errors", "bill", "error", "dashboard", "graphs", "bug", "support",
    "wrong twice", "twice", "the", "is", "at", "a", "i", "rabbit zebra", "rabbit invoice",
    "nothinglikethis", "'", "—", "🙁", "shipp*", "happ*", "cancel*", "invoic*",
    '"wrong twice"', '"twice wrong"', '"the invoices"',
]


@pytest.fixture
def both(team_db, tmp_path):
    """The same voices on a laptop and, pushed by its first sync, on the server."""
    init_server(team_db)
    store = _board(tmp_path / "board.db", TEXTS)
    connect_board(team_db, store)
    yield store, team_db
    store.close()


def test_the_server_finds_the_voices_a_laptop_finds(both):
    store, url = both
    assert _differ(store, url, QUERIES) == {}
    found = [len(search_server(url, q)) for q in QUERIES]
    assert sum(1 for n in found if 0 < n < len(TEXTS)) > len(QUERIES) * 3 // 4  # not trivial


def test_deleted_voices_are_not_found_and_an_edit_is_found_anew(both):
    from app.board.commands import DeleteVoices, EditVoice, draft_of
    from storage.team import sync_board

    store, url = both
    assert len(search_server(url, "invoice")) == 2
    [voice] = [v for v in store.search(VoiceFilter(text="department"))]
    DeleteVoices([voice.id]).apply(store)
    shipped = store.search(VoiceFilter(text="shipment"))[0]
    import dataclasses

    EditVoice(shipped.id, draft_of(shipped), dataclasses.replace(
        draft_of(shipped), text="The parcel was lost")).apply(store)
    sync_board(store)
    assert len(search_server(url, "invoice")) == 1
    assert search_server(url, "parcels") == [shipped.id]
    assert search_server(url, "shipment") == []
    assert _differ(store, url, QUERIES + ["parcel", "lost"]) == {}


# -- the real exports ---------------------------------------------------------------------
_TEXT_COLUMNS = {
    "cfpb_consumer_complaints.csv": ["Consumer complaint narrative"],
    "cfpb_complaints_sample.csv": ["Consumer complaint narrative"],
    "twitter_airline_Tweets_clean6col.csv": ["text"],
    "twitter_airline_Tweets_excelmangled15col.csv": ["text"],
    "twcs_customer_support_on_twitter_5000.csv": ["text"],
    "datafiniti_amazon_consumer_reviews_5000.csv": ["reviews.text", "reviews.title"],
    "chatgpt_ios_app_reviews.csv": ["title", "review"],
    "amazon_alexa_reviews.tsv": ["verified_reviews"],
}


def _shared_texts(folder: Path) -> list[str]:
    csv.field_size_limit(1 << 30)
    texts: list[str] = []
    for name, columns in _TEXT_COLUMNS.items():
        with open(folder / name, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t" if name.endswith(".tsv") else ","):
                texts.extend(row[c].replace("\x00", " ") for c in columns if row.get(c))
    return texts


def test_real_exports_find_the_same_voices_on_both_sides(shared_data, team_db, tmp_path):
    """2,000 real texts; 300 of their words, prefixes of them and pairs: same answers."""
    rng = random.Random(7)
    texts = [t for t in _shared_texts(shared_data) if t.strip()]
    sample = rng.sample(texts, 2000)
    init_server(team_db)
    store = _board(tmp_path / "real.db", sample)
    try:
        connect_board(team_db, store)
        words = sorted({w.strip(".,!?;:()\"'") for t in sample for w in t.split()} - {""})
        picked = rng.sample(words, 300)
        queries = picked + [w[:4] + "*" for w in picked[:60] if len(w) > 4] + [
            f"{a} {b}" for a, b in zip(picked[60:120], picked[120:180], strict=True)]
        assert _differ(store, team_db, queries) == {}
    finally:
        store.close()


def test_who_a_decision_affects_is_the_same_on_a_laptop_that_got_the_board_by_sync(
        team_db, tmp_path, shared_data):
    """Matching runs on each laptop's complete copy: on the board a sync brought, the same
    customers, weights, routes and verbatims as on the board they came from."""
    from app.meeting.room import affected

    rng = random.Random(3)
    texts = rng.sample([t for t in _shared_texts(shared_data) if t.strip()], 1500)
    init_server(team_db)
    a = _board(tmp_path / "a.db", texts, customers=120)
    meeting = a.create_meeting("Council", dt.date(2026, 2, 1))
    for title in ("Refund delayed flights within a week", "Fix the app crashing at login",
                  "Stop charging twice for one order"):
        a.add_decision(meeting, title)
    connect_board(team_db, a)
    b = open_store(tmp_path / "b.db", create=True)
    try:
        connect_board(team_db, b)
        for decision in a.decisions(meeting):
            here = affected(a, decision)
            there = affected(b, b.get_decision(decision.id))
            assert len(here.customers) > 5  # the decision does affect people

            def seen(result):
                return [(c.customer.id, round(c.score, 9), c.routes, c.words, c.voices,
                         [e.voice.voice_id for e in c.evidence]) for c in result.customers]
            assert seen(there) == seen(here)
    finally:
        a.close()
        b.close()
