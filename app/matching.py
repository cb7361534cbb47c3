"""Who a decision affects: named customers and cohorts, shared themes, and text relevance."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from app.domain import Kind
from app.match_facts import CustomerFacts, VoiceHit
from app.meetings import Effect, ImpactRecord, ImpactStatus, Route, Stance

# Words that say nothing about who is affected (plus decision boilerplate).
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers him his how i if in into is it its itself just
me more most my no nor not now of off on once only or other our ours out over own same she
should so some such than that the their them then there these they this those through to too
under until up very was we were what when where which while who whom why will with would you
your yours move moving make making new use using decide decision drop add change start stop
plan next all every per via vs
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
MAX_DOC_SHARE = 0.05  # a word in more than 5% of voices finds everyone: leave it out
MIN_DOC_LIMIT = 25  # ... but on a small board every word may count
TEXT_CUTOFF = 0.55  # keep text matches at least this relevant relative to the best one;
# a voice sharing one word of two ("every single day" for "single sign-on") falls below
MAX_TEXT_HITS = 250  # enough for the 60 most relevant customers
MAX_TEXT_CUSTOMERS = 60  # the most relevant customers by text; a meeting cannot read more
MAX_THEME_CUSTOMERS = 50  # on a big board a theme touches everyone: keep those who raise it most
EVIDENCE_PER_CUSTOMER = 3
_KIND_ORDER = {Kind.COMPLAINT: 0, Kind.NEED: 1, Kind.QUOTE: 2}


class MatchStore(Protocol):
    def voice_total(self) -> int: ...
    def term_counts(self, terms: list[str]) -> dict[str, int]: ...
    def text_hits(self, terms: list[str], limit: int) -> list[VoiceHit]: ...
    def theme_hits(self, themes: Iterable[str], limit: int) -> list[VoiceHit]:
        """Voices on the themes from the `limit` customers who raise them most."""
    def customers_named(self, names: Iterable[str]) -> list[CustomerFacts]: ...
    def cohort_customers(self, cohorts: Iterable[str]) -> list[CustomerFacts]: ...
    def customer_facts(self, ids: Iterable[str]) -> dict[str, CustomerFacts]: ...
    def voices_of(self, customer_ids: Iterable[str], per_customer: int) -> list[VoiceHit]: ...
    def voices_by_id(self, ids: Iterable[str]) -> list[VoiceHit]: ...


@dataclass(frozen=True, slots=True)
class DecisionSpec:
    title: str
    description: str = ""
    themes: tuple[str, ...] = ()
    named_customers: tuple[str, ...] = ()
    named_cohorts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Evidence:
    voice: VoiceHit
    stance: Stance | None = None


@dataclass(slots=True)
class AffectedCustomer:
    customer: CustomerFacts
    score: float
    routes: tuple[Route, ...]
    evidence: list[Evidence]
    status: ImpactStatus
    effect: Effect = Effect.UNKNOWN
    note: str = ""

    @property
    def why(self) -> str:
        labels = {Route.NAMED: "named on the agenda", Route.THEME: "shares a theme",
                  Route.TEXT: "said something relevant"}
        return ", ".join(labels[r] for r in self.routes)


@dataclass(slots=True)
class CohortRollup:
    name: str
    customers: list[AffectedCustomer] = field(default_factory=list)

    @property
    def total_weight(self) -> float:
        return sum(c.customer.weight for c in self.customers)

    def count(self, kind: Kind) -> int:
        return sum(1 for c in self.customers for e in c.evidence if e.voice.kind is kind)

    def count_kinds(self) -> str:
        return (f"{self.count(Kind.COMPLAINT)} complaints · {self.count(Kind.NEED)} needs · "
                f"{self.count(Kind.QUOTE)} quotes")


@dataclass(slots=True)
class MatchResult:
    cohorts: list[CohortRollup]
    dismissed: list[AffectedCustomer]
    terms: list[str]

    @property
    def customers(self) -> list[AffectedCustomer]:
        return [c for cohort in self.cohorts for c in cohort.customers]

    @property
    def total_weight(self) -> float:
        return sum(c.total_weight for c in self.cohorts)


def query_terms(text: str) -> list[str]:
    """Distinct content words of a decision's title and description, in order."""
    words = re.findall(r"[^\W_]+", text.casefold())
    # A light plural fold: "mondays" searches as monday*, "invoices" as invoice*.
    folded = (w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w
              for w in words if len(w) > 2 and w not in STOP_WORDS)
    return list(dict.fromkeys(folded))


def useful_terms(store: MatchStore, text: str, total: int | None = None) -> list[str]:
    """Terms rare enough to tell customers apart (the ~5% rule keeps 20 decisions < 1 s)."""
    terms = query_terms(text)
    if not terms:
        return []
    total = max(1, store.voice_total() if total is None else total)
    counts = store.term_counts(terms)
    limit = max(MAX_DOC_SHARE * total, MIN_DOC_LIMIT)
    return [t for t in terms if 0 < counts.get(t, 0) <= limit]


def _evidence_key(hit: VoiceHit) -> tuple[int, float, int, str]:
    # Complaints and needs first, then quotes; then the most relevant and severe.
    return (_KIND_ORDER[hit.kind], -hit.relevance, -hit.severity, hit.voice_id)


def match_decision(store: MatchStore, spec: DecisionSpec,
                   records: dict[str, ImpactRecord] | None = None,
                   total: int | None = None) -> MatchResult:
    """The affected customers of one decision, rolled up by cohort, with evidence.

    `records` are what the facilitator already recorded (confirmed, dismissed, effects,
    stances, attached voices); a dismissed customer stays dismissed. `total` (live voices)
    may be passed in when a whole agenda is matched at once.
    """
    records = records or {}
    routes: dict[str, set[Route]] = defaultdict(set)
    hits: dict[str, list[VoiceHit]] = defaultdict(list)
    facts: dict[str, CustomerFacts] = {}
    for customer in [*store.customers_named(spec.named_customers),
                     *store.cohort_customers(spec.named_cohorts)]:
        routes[customer.id].add(Route.NAMED)
        facts[customer.id] = customer
    if spec.themes:
        for hit in store.theme_hits(spec.themes, MAX_THEME_CUSTOMERS):
            routes[hit.customer_id].add(Route.THEME)
            hits[hit.customer_id].append(hit)
    terms = useful_terms(store, f"{spec.title} {spec.description}", total)
    text_best: dict[str, float] = {}
    if terms:
        found = store.text_hits(terms, MAX_TEXT_HITS)
        best = max((h.relevance for h in found), default=0.0)
        kept: set[str] = set()
        for hit in found:  # best first
            if best <= 0 or hit.relevance < TEXT_CUTOFF * best:
                continue
            if hit.customer_id not in kept and len(kept) >= MAX_TEXT_CUSTOMERS:
                continue
            kept.add(hit.customer_id)
            routes[hit.customer_id].add(Route.TEXT)
            hits[hit.customer_id].append(hit)
            text_best[hit.customer_id] = max(text_best.get(hit.customer_id, 0.0),
                                             hit.relevance / best)
    for customer_id, record in records.items():
        if record.status is ImpactStatus.CONFIRMED and customer_id not in routes:
            routes[customer_id].add(Route.NAMED)  # added by hand in the meeting
    facts.update(store.customer_facts(c for c in routes if c not in facts))
    named_only = [c for c in routes if not hits.get(c)]
    for hit in store.voices_of(named_only, EVIDENCE_PER_CUSTOMER):
        hits[hit.customer_id].append(hit)
    attached = [v for r in records.values() for v in r.attached]
    attached_hits = {h.voice_id: h for h in store.voices_by_id(attached)} if attached else {}

    cohorts: dict[str, CohortRollup] = {}
    dismissed: list[AffectedCustomer] = []
    for customer_id, found_routes in routes.items():
        known = facts.get(customer_id)
        if known is None:
            continue
        recorded = records.get(customer_id)
        theme_count = sum(1 for h in hits[customer_id] if h.relevance == 0)
        score = (2.0 if Route.NAMED in found_routes else 0.0) + min(1.0, theme_count / 3) \
            + text_best.get(customer_id, 0.0)
        unique = {h.voice_id: h for h in hits[customer_id]}
        for voice_id in (recorded.attached if recorded else ()):
            if voice_id in attached_hits:
                unique[voice_id] = attached_hits[voice_id]
        chosen = sorted(unique.values(), key=_evidence_key)
        keep = [h for h in chosen if recorded and (h.voice_id in recorded.stances
                                                 or h.voice_id in recorded.attached)]
        keep += [h for h in chosen if h not in keep][: max(0, EVIDENCE_PER_CUSTOMER - len(keep))]
        keep.sort(key=_evidence_key)
        stances = recorded.stances if recorded else {}
        default_status = ImpactStatus.CONFIRMED if Route.NAMED in found_routes \
            else ImpactStatus.SUGGESTED
        affected = AffectedCustomer(
            customer=known, score=round(score, 4),
            routes=tuple(r for r in Route if r in found_routes),
            evidence=[Evidence(h, stances.get(h.voice_id)) for h in keep],
            status=recorded.status if recorded else default_status,
            effect=recorded.effect if recorded else Effect.UNKNOWN,
            note=recorded.note if recorded else "")
        if affected.status is ImpactStatus.DISMISSED:
            dismissed.append(affected)
            continue
        cohort = known.cohort or "No cohort"
        cohorts.setdefault(cohort, CohortRollup(cohort)).customers.append(affected)
    for rollup in cohorts.values():
        rollup.customers.sort(key=lambda a: (-a.score, -a.customer.weight,
                                             a.customer.name.casefold()))
    ordered = sorted(cohorts.values(), key=lambda r: (-r.total_weight, r.name.casefold()))
    dismissed.sort(key=lambda a: a.customer.name.casefold())
    return MatchResult(ordered, dismissed, terms)


class _AgendaCache:
    """A MatchStore that remembers theme hits and the voice total for one agenda run:
    agendas repeat themes (Pricing twice, Security twice) and the total does not change."""

    def __init__(self, store: MatchStore) -> None:
        self._store = store
        self._themes: dict[tuple[str, ...], list[VoiceHit]] = {}
        self._total: int | None = None

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    def voice_total(self) -> int:
        if self._total is None:
            self._total = self._store.voice_total()
        return self._total

    def theme_hits(self, themes: Iterable[str], limit: int) -> list[VoiceHit]:
        key = tuple(sorted(t.casefold() for t in themes))
        if key not in self._themes:
            self._themes[key] = self._store.theme_hits(key, limit)
        return self._themes[key]


def match_agenda(store: MatchStore, specs: list[tuple[DecisionSpec, dict[str, ImpactRecord]]],
                 ) -> list[MatchResult]:
    """Match every decision of an agenda, sharing what can be shared between them."""
    cached = _AgendaCache(store)
    total = cached.voice_total()
    return [match_decision(cached, spec, records, total)  # type: ignore[arg-type]
            for spec, records in specs]
