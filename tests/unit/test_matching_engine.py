"""The matching engine against a fake MatchStore: population, weights, stems, expansion,
evidence. No SQLite: the fake scores with bm25 as FTS5 does."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

from app.board.domain import Kind
from app.meeting.domain import Effect, ImpactRecord, ImpactStatus, Route, Stance
from app.meeting.facts import CustomerFacts, VoiceHit, VoiceOwner
from app.meeting.matching import DecisionSpec, match_decision, words_of


def stem(word: str) -> str:
    if word.startswith("cancel"):  # as porter: cancelled, cancellation(s) -> cancel
        return "cancel"
    for suffix in ("ation", "ing", "led", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


class FakeStore:
    """A board in memory: voices are (customer, kind, text, themes); customers have a
    cohort and weight."""

    def __init__(self, customers: dict[str, tuple[str | None, float]],
                 voices: list[tuple[str, Kind, str, tuple[str, ...]]]) -> None:
        self.facts = {name: CustomerFacts(name, name, cohort, weight)
                      for name, (cohort, weight) in customers.items()}
        self.hits = {key: VoiceHit(f"v{key}", customer, kind, text,
                                   dt.date(2026, 1, 1) + dt.timedelta(days=key), 3, key=key)
                     for key, (customer, kind, text, _) in enumerate(voices, 1)}
        self.themes = {key: {t.casefold() for t in themes}
                       for key, (_, _, _, themes) in enumerate(voices, 1)}
        self.terms = {key: Counter(stem(w) for w in words_of(hit.text))
                      for key, hit in self.hits.items()}
        self.read_postings: list[str] = []

    def voice_total(self) -> int:
        return len(self.hits)

    def stems(self, words):
        return {w: stem(w) for w in words}

    def doc_counts(self, stems):
        return {s: n for s in stems if (n := sum(1 for t in self.terms.values() if s in t))}

    def postings(self, word):
        self.read_postings.append(word)
        s = stem(word.casefold())
        n, total = self.doc_counts([s]).get(s, 0), len(self.hits)
        idf = max(math.log((total - n + 0.5) / (n + 0.5)), 1e-6)
        mean = sum(sum(t.values()) for t in self.terms.values()) / total
        out = {}
        for key, terms in self.terms.items():
            if terms[s]:
                size = sum(terms.values())
                out[key] = idf * terms[s] * 2.2 / (terms[s] + 1.2 * (0.25 + 0.75 * size / mean))
        return out

    def voice_owners(self, keys):
        return {k: VoiceOwner(self.hits[k].customer_id, self.hits[k].kind,
                              self.hits[k].heard_on.isoformat()) for k in keys}

    def voice_hits(self, keys):
        return {k: self.hits[k] for k in keys}

    def theme_voice_owners(self, themes):
        wanted = {t.casefold() for t in themes}
        return self.voice_owners(k for k, own in self.themes.items() if own & wanted)

    def customers_named(self, names):
        wanted = {n.casefold() for n in names}
        return [f for f in self.facts.values() if f.name.casefold() in wanted]

    def cohort_customers(self, cohorts):
        wanted = {c.casefold() for c in cohorts}
        return [f for f in self.facts.values() if (f.cohort or "").casefold() in wanted]

    def customer_facts(self, ids):
        return {i: self.facts[i] for i in ids if i in self.facts}

    def voices_by_id(self, ids):
        return [h for h in self.hits.values() if h.voice_id in set(ids)]


def filler(count: int) -> list[tuple[str, Kind, str, tuple[str, ...]]]:
    return [("Quiet Co", Kind.QUOTE, f"All good this week, number {i}", ()) for i in range(count)]


def board(voices, cohorts=None):
    names = {v[0] for v in voices}
    cohorts = cohorts or {}
    return FakeStore({n: (cohorts.get(n), 10.0 if n.startswith("Big") else 1.0) for n in names},
                     voices)


def names(result):
    return sorted(a.customer.name for a in result.customers)


def test_every_affected_customer_is_counted_by_cohort_and_kind():
    voices = [(f"Shop {i}", Kind.COMPLAINT if i % 3 else Kind.NEED,
               f"Invoice {i} came without the VAT line", ()) for i in range(70)]
    voices += [(f"Big {i}", Kind.COMPLAINT, "Every invoice misses the VAT line", ("Billing",))
               for i in range(5)]
    voices += filler(100)
    store = board(voices, {**{f"Shop {i}": "Retail" for i in range(70)},
                           **{f"Big {i}": "Enterprise" for i in range(5)}})
    result = match_decision(store, DecisionSpec("Put the VAT line on every invoice"))
    # More than the old caps (60 by text, 50 by theme) and no one twice.
    assert len(result.customers) == 75
    assert [(c.name, len(c.customers), c.total_weight) for c in result.cohorts] == [
        ("Retail", 70, 70.0), ("Enterprise", 5, 50.0)]
    retail = result.cohorts[0]
    assert (retail.count(Kind.COMPLAINT), retail.count(Kind.NEED)) == (46, 24)
    assert result.total_weight == 120
    assert {a.status for a in result.customers} == {ImpactStatus.SUGGESTED}


def test_a_frequent_key_word_is_weighed_not_dropped():
    voices = [(f"Flyer {i}", Kind.COMPLAINT, f"Flight {i} cancelled at the gate", ())
              for i in range(40)]  # 40% of the board says "cancelled"
    voices += [(f"Happy {i}", Kind.QUOTE, f"Smooth flight {i}, kind crew", ())
               for i in range(20)]
    voices += filler(40)
    result = match_decision(board(voices), DecisionSpec("Rebook when a flight is cancelled"))
    cancel = next(t for t in result.terms if t.word == "cancelled")
    assert cancel.weight > 0
    assert cancel.voices == 40
    assert names(result) == sorted(f"Flyer {i}" for i in range(40))


def test_a_word_in_over_half_the_voices_weighs_nothing_and_is_not_read():
    voices = [(f"C {i}", Kind.QUOTE, f"The app is fine {i}", ()) for i in range(30)]
    voices += [("Payer", Kind.COMPLAINT, "The app refund took a month", ())]
    store = board(voices)
    result = match_decision(store, DecisionSpec("Faster refund in the app"))
    app_term = next(t for t in result.terms if t.word == "app")
    assert app_term.weight == 0  # bm25's idf is zero there: it cannot tell anyone apart
    assert "app" not in store.read_postings
    assert names(result) == ["Payer"]


def test_word_forms_search_as_one_stem():
    voices = [("Ann", Kind.COMPLAINT, "The cancellation fee is absurd", ()),
              ("Bob", Kind.COMPLAINT, "They cancelled twice", ()),
              ("Cid", Kind.QUOTE, "Nice fees page", ())] + filler(20)
    result = match_decision(board(voices), DecisionSpec("Cancellations and cancelled orders"))
    stems = [t.stem for t in result.terms if not t.expanded]
    assert stems.count("cancel") == 1
    assert {"Ann", "Bob"} <= set(names(result))


def test_expansion_brings_the_words_the_board_uses_for_the_same_thing():
    voices = [(f"Packer {i}", Kind.COMPLAINT, text, ()) for i, text in enumerate([
        "Lost bags and the luggage desk shut", "Bags gone, luggage claim ignored",
        "Luggage lost, my bags still missing", "Two bags, zero luggage help",
        "Bags delayed and luggage tags torn"])]
    voices += [(f"Owner {i}", Kind.COMPLAINT, f"My luggage {i} never arrived", ())
               for i in range(4)]
    voices += filler(40)
    result = match_decision(board(voices), DecisionSpec("Find missing bags faster"))
    assert "luggage" in result.related
    owner = next(a for a in result.customers if a.customer.name == "Owner 0")
    assert owner.words == ()
    assert owner.related == ("luggage",)
    assert owner.why == "said related “luggage”"
    assert owner.evidence[0].matched == ("luggage",)


def test_the_verbatim_is_the_voice_that_matched_then_the_marked_ones():
    voices = [("Ann", Kind.COMPLAINT, "Outsource it all, the whole team is useless", ()),
              ("Ann", Kind.QUOTE, "Bag fees made me pick another airline", ()),
              ("Ann", Kind.COMPLAINT, "Seats are too narrow for anyone", ())] + filler(20)
    store = board(voices)
    ann = match_decision(store, DecisionSpec("Drop bag fees")).customers[0]
    # The severe complaint about outsourcing is Ann's "strongest" voice; it is not shown.
    assert [e.voice.text for e in ann.evidence] == ["Bag fees made me pick another airline"]
    record = ImpactRecord("Ann", ImpactStatus.CONFIRMED, Effect.HELPS,
                          stances={"v3": Stance.AGAINST})
    ann = match_decision(store, DecisionSpec("Drop bag fees"), {"Ann": record}).customers[0]
    assert [(e.voice.text, e.stance) for e in ann.evidence] == [
        ("Bag fees made me pick another airline", None),
        ("Seats are too narrow for anyone", Stance.AGAINST)]


def test_named_means_confirmed_and_a_dismissal_sticks():
    voices = [("Ann", Kind.COMPLAINT, "Bag fees are a scam", ()),
              ("Bob", Kind.COMPLAINT, "Bag fees again", ()),
              ("Cid", Kind.QUOTE, "Lovely lounge", ())] + filler(20)
    store = board(voices)
    spec = DecisionSpec("Drop bag fees", named_customers=("cid",))
    result = match_decision(store, spec, {
        "Bob": ImpactRecord("Bob", ImpactStatus.DISMISSED)})
    by_name = {a.customer.name: a for a in result.customers}
    assert by_name["Cid"].status is ImpactStatus.CONFIRMED
    assert by_name["Cid"].routes == (Route.NAMED,)
    assert by_name["Cid"].evidence == []  # nothing Cid said is about bag fees
    assert by_name["Ann"].status is ImpactStatus.SUGGESTED
    assert [a.customer.name for a in result.dismissed] == ["Bob"]
    assert "Bob" not in by_name
    assert (len(result.confirmed), len(result.suggested)) == (1, 1)


def test_themes_count_fully_and_say_so():
    voices = [(f"Shop {i}", Kind.NEED, f"Please {i}", ("Billing",)) for i in range(80)]
    voices += filler(10)
    result = match_decision(board(voices), DecisionSpec("Quarterly plans", themes=("Billing",)))
    assert len(result.customers) == 80  # the old engine kept the 50 who raised it most
    assert result.customers[0].why == "theme Billing"


def test_detail_limits_the_verbatims_read_never_the_counts():
    voices = [(f"Shop {i}", Kind.COMPLAINT, f"Invoice {i} is wrong", ()) for i in range(30)]
    voices += filler(40)
    store = board(voices)
    result = match_decision(store, DecisionSpec("Correct invoices"), detail=4)
    assert len(result.customers) == 30
    assert sum(1 for a in result.customers if a.evidence) == 4
    assert all(a.evidence for a in result.shortlist(4))
    assert result.count(Kind.COMPLAINT) == 30


def test_words_too_common_to_tell_say_so_instead_of_nobody():
    voices = [(f"Shop {i}", Kind.COMPLAINT, f"Refunds take ages at shop {i}", ())
              for i in range(60)]
    voices += filler(60)  # refunds are in exactly half the voices: bm25's idf is 0
    result = match_decision(board(voices), DecisionSpec("Refunds within a day"))
    assert result.customers == []
    assert [t.word for t in result.too_common] == ["refunds"]
    assert result.summary().startswith("Too common to tell: “refunds” in 60 voices")
