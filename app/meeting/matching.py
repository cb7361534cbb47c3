"""Who a decision affects: named customers and cohorts, shared themes, and text relevance.

Text relevance is bm25 over the board's stemmed text index (SQLite's porter tokenizer), with
the decision's words widened by pseudo-relevance feedback in the style of RM3 (as Anserini
and Pyserini do it): the voices that match the decision best say which other words mean the
same thing on this board ("bags" brings "luggage" where customers write both). Every voice
that scores at least a fixed share of the best voices' mean is in the population, so the
room is told how many customers a decision really touches; the short list shows the
strongest first.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.board.domain import Kind
from app.meeting.domain import Effect, ImpactRecord, ImpactStatus, Route, Stance
from app.meeting.facts import CustomerFacts, VoiceHit, VoiceOwner

# Words that say nothing about who is affected (plus decision boilerplate). Only these are
# left out of a query: frequent words are weighted by bm25, never dropped.
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours move moving make making new use using decide decision drop add change start stop
plan next all every per via vs let lets get gets got im dont cant wont us it's i'm
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
FEEDBACK_DOCS = 20  # the best-matching voices that teach the expansion (RM3's fbDocs)
FEEDBACK_TERMS = 20  # words taken from them (fbTerms)
MIN_FEEDBACK_VOICES = 2  # ... each held by at least this many of those voices
ORIGINAL_WEIGHT = 0.5  # the decision's own words against the learned ones (originalQueryWeight)
RELEVANCE_CUT = 0.2  # a voice speaks to the decision at this share of the best voices' mean
# bm25's idf is zero for a word in half the voices or more (FTS5 floors it at 1e-6): such a
# word weighs nothing, so its voices are not read at all.
MAX_WEIGHED_SHARE = 0.5
EVIDENCE_PER_CUSTOMER = 3
WHY_RELATED = 3  # learned words named in a customer's "why", the heaviest first
MORE_VOICES = 0.6  # a customer's second and third matching voices add to its first
COHORT_PRIOR = 1.0  # how much the cohorts of the best-matching customers lift their peers
SHORTLIST = 12  # customers the chair cycles through; the console shows more
DETAIL = 200  # the strongest customers whose verbatims are read (everyone is counted)
_KIND_ORDER = {Kind.COMPLAINT: 0, Kind.NEED: 1, Kind.QUOTE: 2}
_WORD = re.compile(r"[^\W_]+")
_NOT_WORDS = re.compile(r"[@#][\w.]+|\bhttps?://\S+|\bwww\.\S+")  # handles, tags, links


class MatchStore(Protocol):
    def voice_total(self) -> int: ...
    def stems(self, words: Iterable[str]) -> dict[str, str]:
        """Each word as the text index keeps it; words it would split or drop left out."""
    def doc_counts(self, stems: Iterable[str]) -> dict[str, int]: ...
    def postings(self, word: str) -> dict[int, float]:
        """Voice key -> the word's bm25 weight in that voice, for every live voice with it."""
    def voice_owners(self, keys: Iterable[int]) -> dict[int, VoiceOwner]:
        """Whose each live voice is, its kind and date (no text), by key."""
    def voice_hits(self, keys: Iterable[int]) -> dict[int, VoiceHit]: ...
    def theme_voice_owners(self, themes: Iterable[str]) -> dict[int, VoiceOwner]:
        """Every live voice on any of the themes (no cap), by key."""
    def customers_named(self, names: Iterable[str]) -> list[CustomerFacts]: ...
    def cohort_customers(self, cohorts: Iterable[str]) -> list[CustomerFacts]: ...
    def customer_facts(self, ids: Iterable[str]) -> dict[str, CustomerFacts]: ...
    def voices_by_id(self, ids: Iterable[str]) -> list[VoiceHit]: ...


@dataclass(frozen=True, slots=True)
class DecisionSpec:
    title: str
    description: str = ""
    themes: tuple[str, ...] = ()
    named_customers: tuple[str, ...] = ()
    named_cohorts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Term:
    """One word of the query as it was searched."""

    word: str  # as people write it (the decision's own word, or the board's commonest form)
    stem: str  # as the text index keeps it
    weight: float  # 0 for a word too common to tell voices apart
    voices: int  # live voices holding it
    expanded: bool = False  # learned from the best-matching voices, not in the decision


@dataclass(frozen=True, slots=True)
class Evidence:
    voice: VoiceHit
    stance: Stance | None = None
    matched: tuple[str, ...] = ()  # the words of the query this voice holds
    themes: bool = False  # on one of the decision's themes


@dataclass(slots=True)
class AffectedCustomer:
    customer: CustomerFacts
    score: float
    routes: tuple[Route, ...]
    evidence: list[Evidence]  # the voices shown: matching ones first, then marked ones
    status: ImpactStatus
    effect: Effect = Effect.UNKNOWN
    note: str = ""
    words: tuple[str, ...] = ()  # the decision's own words its voices hold
    related: tuple[str, ...] = ()  # learned words its voices hold
    themes: tuple[str, ...] = ()  # the decision's themes its voices are on
    kinds: dict[Kind, int] = field(default_factory=dict)  # its matching voices by kind

    @property
    def voices(self) -> int:
        return sum(self.kinds.values())

    @property
    def why(self) -> str:
        """The route and the words, so a bad match can be dismissed at a glance."""
        parts = []
        if Route.NAMED in self.routes:
            parts.append("named on the agenda")
        if self.themes:
            parts.append("theme " + ", ".join(self.themes))
        if self.words or self.related:
            said = ", ".join(f"“{w}”" for w in self.words)
            related = ", ".join(f"“{w}”" for w in self.related[:WHY_RELATED])
            parts.append("said " + "; ".join(p for p in (said, f"related {related}"
                                                          if related else "") if p))
        elif Route.TEXT in self.routes:
            parts.append("said something relevant")
        return " · ".join(parts)


def _count(customers: Iterable[AffectedCustomer], kind: Kind) -> int:
    return sum(c.kinds.get(kind, 0) for c in customers)


def _kinds_line(customers: list[AffectedCustomer]) -> str:
    return (f"{_count(customers, Kind.COMPLAINT)} complaints · "
            f"{_count(customers, Kind.NEED)} needs · {_count(customers, Kind.QUOTE)} quotes")


@dataclass(slots=True)
class CohortRollup:
    name: str
    customers: list[AffectedCustomer] = field(default_factory=list)  # strongest first
    # What the cohort's members add up to (weight, voices by kind), kept between keys on
    # the impact list: a recorded status never changes them. MatchResult.apply forgets
    # them when a customer leaves or joins.
    _said: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    def forget(self) -> None:
        self._said.clear()

    @property
    def total_weight(self) -> float:
        weight = self._said.get("weight")
        if not isinstance(weight, float):
            weight = self._said["weight"] = float(sum(c.customer.weight
                                                      for c in self.customers))
        return weight

    @property
    def confirmed(self) -> list[AffectedCustomer]:
        return [c for c in self.customers if c.status is ImpactStatus.CONFIRMED]

    @property
    def confirmed_weight(self) -> float:
        return sum(c.customer.weight for c in self.confirmed)

    def count(self, kind: Kind) -> int:
        """Matching voices of this kind from the cohort's customers."""
        said = self._said.get(f"count {kind.value}")
        if not isinstance(said, int):
            said = self._said[f"count {kind.value}"] = _count(self.customers, kind)
        return said

    def count_kinds(self) -> str:
        return (f"{self.count(Kind.COMPLAINT)} complaints · {self.count(Kind.NEED)} needs · "
                f"{self.count(Kind.QUOTE)} quotes")


@dataclass(slots=True)
class MatchResult:
    cohorts: list[CohortRollup]  # every affected customer (the population), heaviest first
    dismissed: list[AffectedCustomer]
    terms: list[Term] = field(default_factory=list)
    _order: list[AffectedCustomer] | None = field(default=None, repr=False, compare=False)
    _everyone: list[AffectedCustomer] | None = field(default=None, repr=False, compare=False)

    @property
    def customers(self) -> list[AffectedCustomer]:
        if self._everyone is None:  # apply forgets it when who is affected changes
            self._everyone = [c for cohort in self.cohorts for c in cohort.customers]
        return self._everyone

    @property
    def total_weight(self) -> float:
        return sum(c.total_weight for c in self.cohorts)

    @property
    def confirmed(self) -> list[AffectedCustomer]:
        return [c for c in self.customers if c.status is ImpactStatus.CONFIRMED]

    @property
    def suggested(self) -> list[AffectedCustomer]:
        return [c for c in self.customers if c.status is ImpactStatus.SUGGESTED]

    @property
    def words(self) -> list[str]:
        return [t.word for t in self.terms if not t.expanded]

    @property
    def related(self) -> list[str]:
        return [t.word for t in self.terms if t.expanded]

    def count(self, kind: Kind) -> int:
        return _count(self.customers, kind)

    def count_kinds(self) -> str:
        return _kinds_line(self.customers)

    def _by_strength(self) -> list[AffectedCustomer]:
        """Every affected customer, strongest first. The order does not depend on what the
        room recorded, so it is sorted once per set of customers (a keypress re-reads it)."""
        if self._order is None:  # apply forgets it when who is affected changes
            self._order = sorted(self.customers, key=_strongest)
        return self._order

    def shortlist(self, size: int = SHORTLIST) -> list[AffectedCustomer]:
        """The confirmed customers, then the strongest suggested ones, `size` in all (more
        when more are confirmed)."""
        ordered = self._by_strength()
        confirmed = [c for c in ordered if c.status is ImpactStatus.CONFIRMED]
        return confirmed + self.strongest_suggested(max(0, size - len(confirmed)))

    def strongest_suggested(self, size: int) -> list[AffectedCustomer]:
        return [c for c in self._by_strength() if c.status is ImpactStatus.SUGGESTED][:size]

    @property
    def too_common(self) -> list[Term]:
        """The decision's words found in so many voices they cannot tell anyone apart."""
        return [t for t in self.terms if not t.expanded and t.weight == 0 and t.voices]

    def apply(self, customer_id: str, record: ImpactRecord | None) -> bool:
        """Show what the room just recorded for a customer without matching again: its
        status, effect, note and stances; a dismissed customer leaves its cohort, an
        undismissed one comes back. False when that cannot be told from this result (the
        customer or a voice attached to it is not in it): match again."""
        found = next((a for a in (*self.customers, *self.dismissed)
                      if a.customer.id == customer_id), None)
        if found is None:
            return False
        shown = {e.voice.voice_id for e in found.evidence}
        if record is None:
            if not found.routes or any(not e.matched and not e.themes
                                       for e in found.evidence):
                return False  # it was here for its record only
            record = ImpactRecord(customer_id, ImpactStatus.CONFIRMED if Route.NAMED in
                                  found.routes else ImpactStatus.SUGGESTED)
        elif not set(record.attached) <= shown or not set(record.stances) <= shown:
            return False
        was_dismissed = found.status is ImpactStatus.DISMISSED
        found.status, found.effect, found.note = record.status, record.effect, record.note
        found.evidence = [Evidence(e.voice, record.stances.get(e.voice.voice_id), e.matched,
                                   e.themes) for e in found.evidence]
        dismissed = record.status is ImpactStatus.DISMISSED
        if dismissed != was_dismissed:
            self._everyone = None
        if dismissed and not was_dismissed and self._order is not None:
            _drop(self._order, found)  # still strongest first without it
        elif dismissed != was_dismissed:
            self._order = None  # back among the affected: sorted again when next asked
        if dismissed and not was_dismissed:
            for cohort in self.cohorts:
                if _drop(cohort.customers, found):
                    cohort.forget()
            self.cohorts = sorted((c for c in self.cohorts if c.customers),
                                  key=lambda r: (-r.total_weight, r.name.casefold()))
            self.dismissed.append(found)
            self.dismissed.sort(key=lambda a: a.customer.name.casefold())
        elif was_dismissed and not dismissed:
            _drop(self.dismissed, found)
            name = found.customer.cohort or "No cohort"
            home = next((c for c in self.cohorts if c.name == name), None)
            if home is None:
                home = CohortRollup(name)
                self.cohorts.append(home)
            home.customers.append(found)
            home.customers.sort(key=_strongest)
            home.forget()
            self.cohorts.sort(key=lambda r: (-r.total_weight, r.name.casefold()))
        return True

    def summary(self) -> str:
        """'684 customers in 6 cohorts · weight 1,240 · 12 confirmed, 672 suggested'."""
        everyone = self.customers
        if not everyone:
            common = self.too_common
            if common and not any(t.weight > 0 for t in self.terms):
                # Not "nobody": everybody says these words, so they cannot tell who.
                words = ", ".join(f"“{t.word}”" for t in common)
                return (f"Too common to tell: {words} in {common[0].voices:,} voices or more "
                        "on this board. Add a theme, or name the customers or cohorts.")
            return "No customer voice on this decision yet."
        confirmed = len(self.confirmed)
        return (f"{len(everyone):,} customer{'s' if len(everyone) != 1 else ''} in "
                f"{len(self.cohorts)} cohort{'s' if len(self.cohorts) != 1 else ''} · weight "
                f"{self.total_weight:,.0f} · {confirmed:,} confirmed, "
                f"{len(everyone) - confirmed:,} suggested")


def _drop(customers: list[AffectedCustomer], customer: AffectedCustomer) -> bool:
    """Take this very customer out of the list (by identity: comparing every field of
    thousands of customers cost a dismiss 4 ms)."""
    for i, c in enumerate(customers):
        if c is customer:
            del customers[i]
            return True
    return False


def _strongest(c: AffectedCustomer) -> tuple[float, float, str]:
    # The same order match_decision gives its customers (name as written on a tie).
    return (-c.score, -c.customer.weight, c.customer.name)


def _fold(text: str) -> str:
    # As the index's unicode61 tokenizer with remove_diacritics 2 sees letters.
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """The words of a text as the index tokenizes them (letters and digits, folded)."""
    return _WORD.findall(_fold(text))


def query_terms(text: str) -> list[str]:
    """Distinct content words of a decision's title and description, in order."""
    return list(dict.fromkeys(w for w in words_of(text)
                              if len(w) > 1 and w not in STOP_WORDS and not w.isdigit()))


def _idf(voices: int, total: int) -> float:
    return math.log((total - voices + 0.5) / (voices + 0.5))


def _weighed(voices: int, total: int) -> bool:
    return 0 < voices < MAX_WEIGHED_SHARE * total


def _scores(postings: dict[str, dict[int, float]], terms: list[Term]) -> dict[int, float]:
    """bm25 of a weighted query, summed word by word."""
    scores: dict[int, float] = {}
    get = scores.get
    for term in terms:
        if term.weight <= 0:
            continue
        weight = term.weight
        for key, value in postings[term.stem].items():
            scores[key] = get(key, 0.0) + weight * value
    return scores


def _feedback(store: MatchStore, hits: dict[int, VoiceHit], top: list[int],
              ) -> tuple[dict[str, float], dict[str, str]]:
    """RM3's relevance model over the best voices: each stem's mean share of a voice, and
    the form people write it in most."""
    tokens = [[w for w in words_of(_NOT_WORDS.sub(" ", hits[key].text))
               if len(w) > 2 and w not in STOP_WORDS and not w.isdigit()]
              for key in top if key in hits]
    stems = store.stems({w for words in tokens for w in words} | STOP_WORDS)
    stopped = {stems[w] for w in STOP_WORDS if w in stems}  # "dropping" is "drop"
    stems = {w: s for w, s in stems.items() if s not in stopped}
    model: dict[str, float] = defaultdict(float)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    holders: Counter[str] = Counter()
    for words in tokens:
        known = [w for w in words if w in stems]
        for word in known:
            model[stems[word]] += 1 / len(known)
            forms[stems[word]][word] += 1
        holders.update({stems[w] for w in known})
    # A word only one of the best voices uses says something about that voice, not about
    # what the decision means ("woo-hoo" in one happy tweet).
    return ({s: v for s, v in model.items() if holders[s] >= MIN_FEEDBACK_VOICES},
            {stem: found.most_common(1)[0][0] for stem, found in forms.items()})


def text_terms(store: MatchStore, text: str, total: int | None = None,
               ) -> tuple[list[Term], dict[int, float], dict[str, dict[int, float]]]:
    """The query as searched (the decision's words, then learned ones), every voice's
    score, and each searched stem's postings. The caller applies the relevance cut."""
    total = max(1, store.voice_total() if total is None else total)
    words = query_terms(text)
    stems = store.stems(words)
    first: dict[str, str] = {}
    for word in words:
        if word in stems:
            first.setdefault(stems[word], word)
    counts = store.doc_counts(first)
    found = [s for s in first if _weighed(counts.get(s, 0), total)]

    terms = [Term(first[s], s, 1.0 / len(found) if s in found else 0.0, counts.get(s, 0))
             for s in first]
    if not found:
        return terms, {}, {}
    postings = {s: store.postings(first[s]) for s in found}
    scores = _scores(postings, terms)
    top = heapq.nlargest(FEEDBACK_DOCS, scores, key=lambda k: (scores[k], k))
    model, forms = _feedback(store, store.voice_hits(top), top)
    learned_counts = store.doc_counts(s for s in model if s not in first)
    ranked = sorted(((model[s] * _idf(n, total), s) for s, n in learned_counts.items()
                     if n >= 2 and _weighed(n, total)), reverse=True)[:FEEDBACK_TERMS]
    chosen = {s: model[s] for _, s in ranked} | {s: model[s] for s in found if s in model}
    mass = sum(chosen.values()) or 1.0
    final = [Term(t.word, t.stem, ORIGINAL_WEIGHT * t.weight
                  + (1 - ORIGINAL_WEIGHT) * chosen.get(t.stem, 0.0) / mass, t.voices)
             for t in terms]
    final += [Term(forms[s], s, (1 - ORIGINAL_WEIGHT) * model[s] / mass, learned_counts[s],
                   expanded=True) for _, s in ranked]
    for term in final:
        if term.expanded:
            postings[term.stem] = store.postings(term.word)
    return final, _scores(postings, final), postings


def _text_strength(voices: dict[str, list[int]], kept: dict[int, float]) -> dict[str, float]:
    """Each customer's text relevance, 1 for the best voice of the board: its best voice,
    plus a share of its next two (one who says it three times is likelier affected)."""
    best = max(kept.values(), default=0.0) or 1.0
    strength = {}
    for customer_id, keys in voices.items():
        scores = [kept[k] for k in keys if k in kept]
        if len(scores) > 1:
            scores = sorted(scores, reverse=True)[:3]
            strength[customer_id] = (scores[0] + MORE_VOICES * sum(scores[1:])) / best
        elif scores:
            strength[customer_id] = scores[0] / best
    return strength


def _cohort_prior(strength: dict[str, float], facts: dict[str, CustomerFacts],
                  ) -> dict[str | None, float]:
    """Cohorts over individuals: the cohorts of the most relevant customers are where the
    decision lands, so their other customers rank higher on the short list. It orders;
    it never adds or removes anyone."""
    top = sorted(strength, key=lambda c: (-strength[c], c))[:FEEDBACK_DOCS]
    cohorts = Counter(facts[c].cohort for c in top if c in facts)
    return {cohort: 1.0 + COHORT_PRIOR * n / len(top) for cohort, n in cohorts.items()}


def _distinct(hits: list[VoiceHit]) -> list[VoiceHit]:
    """The first voices with different words: the same tweet posted twice is shown once."""
    seen: set[str] = set()
    kept = []
    for hit in hits:
        words = " ".join(words_of(hit.text))
        if words not in seen:
            seen.add(words)
            kept.append(hit)
    return kept[:EVIDENCE_PER_CUSTOMER]


def _owner_order(owner: VoiceOwner) -> tuple[int, str]:
    return (_KIND_ORDER[owner.kind], _neg_date(owner.heard_on))


def _neg_date(day: str) -> str:
    # Newest first in an ascending sort, without parsing the date.
    return "".join(chr(0x10000 - ord(ch)) for ch in day)


def over_the_cut(scores: dict[int, float]) -> dict[int, float]:
    """The voices that speak to a decision: scored at RELEVANCE_CUT of the best voices'
    mean or more (a word found everywhere weighs nothing, so it never carries one over)."""
    best = heapq.nlargest(FEEDBACK_DOCS, scores.values())
    cut = RELEVANCE_CUT * (sum(best) / len(best)) if best else 0.0
    return {k: v for k, v in scores.items() if v >= cut and v > 0}


def speaking_voices(store: MatchStore, text: str) -> set[int]:
    """Keys of the voices whose words speak to `text`, as matching judges them."""
    _terms, scores, _postings = text_terms(store, text)
    return set(over_the_cut(scores))


def match_decision(store: MatchStore, spec: DecisionSpec,
                   records: dict[str, ImpactRecord] | None = None,
                   total: int | None = None, detail: int = DETAIL) -> MatchResult:
    """Every affected customer of one decision, rolled up by cohort, with evidence.

    `records` are what the facilitator already recorded (confirmed, dismissed, effects,
    stances, attached voices); a dismissed customer stays dismissed. `total` (live voices)
    may be passed in when a whole agenda is matched at once. Every customer is counted
    with its matching voices by kind; the `detail` strongest (and every one with a record)
    also carry their matching verbatims.
    """
    records = records or {}
    named: set[str] = set()
    facts: dict[str, CustomerFacts] = {}
    for customer in [*store.customers_named(spec.named_customers),
                     *store.cohort_customers(spec.named_cohorts)]:
        named.add(customer.id)
        facts[customer.id] = customer
    # Text: every voice over the cut, keyed by the store's voice key.
    terms, scores, postings = text_terms(store, f"{spec.title} {spec.description}", total)
    kept = over_the_cut(scores)
    owners = store.voice_owners(kept)
    theme_owners = store.theme_voice_owners(spec.themes) if spec.themes else {}
    voices: dict[str, list[int]] = {}
    kinds_of: dict[str, dict[Kind, int]] = {}
    for key, owner in owners.items():
        voices.setdefault(owner.customer_id, []).append(key)
    said = set(voices)
    raised: dict[str, int] = {}  # complaints and needs on the decision's themes
    for key, owner in theme_owners.items():
        customer_id = owner.customer_id
        raised[customer_id] = raised.get(customer_id, 0) + (owner.kind is not Kind.QUOTE)
        if key not in owners:
            voices.setdefault(customer_id, []).append(key)
    everything = owners | theme_owners
    for customer_id, keys in voices.items():
        counts: dict[Kind, int] = {}
        for key in keys:
            kind = everything[key].kind
            counts[kind] = counts.get(kind, 0) + 1
        kinds_of[customer_id] = counts
    for customer_id, record in records.items():
        if record.status is ImpactStatus.CONFIRMED and customer_id not in voices:
            named.add(customer_id)  # added by hand in the meeting
    # A customer the room confirmed by hand (a voice captured in the meeting) is affected
    # even when none of its voices match the words.
    everyone = named | set(voices) | {c for c, r in records.items()
                                      if r.status is ImpactStatus.CONFIRMED}
    facts.update(store.customer_facts(c for c in everyone if c not in facts))
    strength = _text_strength(voices, kept)
    prior = _cohort_prior(strength, facts)

    scored: dict[str, float] = {}
    for customer_id in everyone:
        known = facts.get(customer_id)
        if known is None:
            continue
        scored[customer_id] = round(
            (2.0 if customer_id in named else 0.0) + min(1.0, raised.get(customer_id, 0) / 3)
            + strength.get(customer_id, 0.0) * prior.get(known.cohort, 1.0), 4)
    order = sorted(scored, key=lambda c: (-scored[c], -facts[c].weight, facts[c].name))
    detailed = set(order[:detail]) | (set(records) & set(scored))
    # The verbatims: a detailed customer's matching voices, best first, then marked ones.
    chosen: dict[str, list[int]] = {}
    for customer_id in detailed:
        keys = voices.get(customer_id, [])
        text = sorted((k for k in keys if k in kept), key=lambda k: (-kept[k], -k))
        rest = sorted((k for k in keys if k not in kept),
                      key=lambda k: (_owner_order(everything[k]), -k))
        chosen[customer_id] = (text + rest)[:EVIDENCE_PER_CUSTOMER * 2]  # room for repeats
    hits = store.voice_hits(k for keys in chosen.values() for k in keys) if chosen else {}
    marked = {v for r in records.values() for v in (*r.attached, *r.stances)}
    marked_hits = {h.voice_id: h for h in store.voices_by_id(marked)} if marked else {}
    theme_names = tuple(spec.themes)

    cohorts: dict[str, CohortRollup] = {}
    dismissed: list[AffectedCustomer] = []
    searched = [t for t in terms if t.stem in postings]
    for customer_id in order:
        known = facts[customer_id]
        recorded = records.get(customer_id)
        stances = recorded.stances if recorded else {}
        keys = voices.get(customer_id, [])
        kinds = kinds_of.get(customer_id, {})
        evidence: list[Evidence] = []
        words: tuple[str, ...] = ()
        related: tuple[str, ...] = ()
        if customer_id in detailed:
            shown = _distinct([hits[k] for k in chosen.get(customer_id, ()) if k in hits])
            ids = {h.voice_id for h in shown}
            for v in (*stances, *(recorded.attached if recorded else ())):
                hit = marked_hits.get(v)
                if hit is None or hit.customer_id != customer_id or hit.voice_id in ids:
                    continue
                shown.append(hit)
                ids.add(hit.voice_id)
                if hit.key not in everything:
                    kinds[hit.kind] = kinds.get(hit.kind, 0) + 1
            text_keys = [k for k in keys if k in kept]
            held = [t for t in searched if any(k in postings[t.stem] for k in text_keys)]
            words = tuple(t.word for t in held if not t.expanded)
            related = tuple(t.word for t in sorted(held, key=lambda t: -t.weight) if t.expanded)
            evidence = [Evidence(h, stances.get(h.voice_id),
                                 tuple(t.word for t in held
                                       if h.key in kept and h.key in postings[t.stem]),
                                 h.key in theme_owners) for h in shown]
        is_named = customer_id in named
        found_routes = ((Route.NAMED,) if is_named else ()) + \
            ((Route.THEME,) if customer_id in raised else ()) + \
            ((Route.TEXT,) if customer_id in said else ())
        default_status = ImpactStatus.CONFIRMED if is_named else ImpactStatus.SUGGESTED
        affected = AffectedCustomer(
            customer=known, score=scored[customer_id], routes=found_routes, evidence=evidence,
            status=recorded.status if recorded else default_status,
            effect=recorded.effect if recorded else Effect.UNKNOWN,
            note=recorded.note if recorded else "", words=words, related=related,
            themes=theme_names if customer_id in raised else (), kinds=kinds)
        if affected.status is ImpactStatus.DISMISSED:
            dismissed.append(affected)
            continue
        cohort = known.cohort or "No cohort"
        cohorts.setdefault(cohort, CohortRollup(cohort)).customers.append(affected)
    ordered_cohorts = sorted(cohorts.values(), key=lambda r: (-r.total_weight,
                                                              r.name.casefold()))
    dismissed.sort(key=lambda a: a.customer.name.casefold())
    return MatchResult(ordered_cohorts, dismissed, terms)


class _AgendaCache:
    """A MatchStore that remembers what one agenda run reads more than once: agendas
    repeat words and themes, and the board does not change during the run."""

    def __init__(self, store: MatchStore) -> None:
        self._store = store
        self._themes: dict[tuple[str, ...], dict[int, VoiceOwner]] = {}
        self._facts: dict[str, CustomerFacts] = {}
        self._postings: dict[str, dict[int, float]] = {}
        self._stems: dict[str, str | None] = {}
        self._total: int | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def voice_total(self) -> int:
        if self._total is None:
            self._total = self._store.voice_total()
        return self._total

    def stems(self, words: Iterable[str]) -> dict[str, str]:
        words = list(words)
        missing = [w for w in words if w not in self._stems]
        if missing:
            found = self._store.stems(missing)
            self._stems.update({w: found.get(w) for w in missing})
        return {w: s for w in words if (s := self._stems[w]) is not None}

    def postings(self, word: str) -> dict[int, float]:
        if word not in self._postings:
            self._postings[word] = self._store.postings(word)
        return self._postings[word]

    def theme_voice_owners(self, themes: Iterable[str]) -> dict[int, VoiceOwner]:
        key = tuple(sorted(t.casefold() for t in themes))
        if key not in self._themes:
            self._themes[key] = self._store.theme_voice_owners(key)
        return self._themes[key]

    def customer_facts(self, ids: Iterable[str]) -> dict[str, CustomerFacts]:
        ids = list(ids)
        missing = [i for i in ids if i not in self._facts]
        if missing:
            self._facts.update(self._store.customer_facts(missing))
        return {i: self._facts[i] for i in ids if i in self._facts}


def match_agenda(store: MatchStore, specs: list[tuple[DecisionSpec, dict[str, ImpactRecord]]],
                 detail: int = DETAIL) -> list[MatchResult]:
    """Match every decision of an agenda, sharing what can be shared between them
    (`detail=0` when only the counts are wanted: no verbatim is read)."""
    cached = _AgendaCache(store)
    total = cached.voice_total()
    return [match_decision(cached, spec, records, total, detail)  # type: ignore[arg-type]
            for spec, records in specs]
