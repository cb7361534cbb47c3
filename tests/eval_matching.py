"""Matching quality on real labelled exports: the engine against a naive bm25 baseline.

`make bench` runs it (`python tests/eval_matching.py` alone prints the same table). Each
labelled export in ../shared/data is imported into a new board with the app's own import,
and each decision below, worded as a product manager would, is matched by the engine. The
customers whose own words carry the decision's label (read independently from the CSV) are
the truth. The baseline is one FTS5 table with the porter tokenizer, the decision's words
OR-ed, bm25, each customer ranked by its best voice and cut at the true number of labelled
customers: it is handed the count, the engine finds its own.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sqlite3
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

# Ordinary English function words: the baseline leaves these out and nothing else.
BASELINE_STOP = frozenset(str.split("""a about above after again against all am an and any are
as at be
because been before being below between both but by can could did do does doing down during
each few for from further had has have having he her here hers him his how i if in into is it
its itself just me more most my no nor not now of off on once only or other our ours out over
own same she should so some such than that the their them then there these they this those
through to too under until up very was we were what when where which while who whom why will
with would you your yours"""))


@dataclass(frozen=True)
class Case:
    title: str
    labels: frozenset[str]


@dataclass(frozen=True)
class LabelledExport:
    name: str
    file: str
    import_args: tuple[str, ...]
    customer_column: str
    text_columns: tuple[str, ...]
    label_column: str
    cases: tuple[Case, ...]


def _case(title: str, *labels: str) -> Case:
    return Case(title, frozenset(labels))


EXPORTS = (
    LabelledExport(
        "airline tweets (negativereason)", "twitter_airline_Tweets_excelmangled15col.csv",
        ("--map", "name=customer", "--map", "airline=cohort"), "name", ("text",),
        "negativereason", (
            _case("Rebook passengers automatically when a flight is cancelled",
                  "Cancelled Flight"),
            _case("Track lost bags and deliver delayed luggage to the customer's door",
                  "Lost Luggage"),
            _case("Call customers back instead of keeping them on hold for hours",
                  "Customer Service Issue"),
            _case("Warn passengers early about delays and compensate late arrivals",
                  "Late Flight"),
            _case("Let travellers change or fix a reservation online without calling",
                  "Flight Booking Problems"),
            _case("Retrain cabin crew to treat passengers with courtesy",
                  "Flight Attendant Complaints"),
            _case("Staff more check-in desks to shorten queues at the airport", "longlines"),
            _case("Pay for suitcases broken in transit", "Damaged Luggage"),
        )),
    LabelledExport(
        "CFPB complaints (Issue)", "cfpb_complaints_sample.csv",
        ("--map", "Complaint ID=customer", "--map", "Product=cohort", "--skip-invalid"),
        "Complaint ID", ("Consumer complaint narrative",), "Issue", (
            _case("Let consumers correct wrong entries on their credit report",
                  "Incorrect information on your report"),
            _case("Answer credit bureau dispute investigations within 30 days",
                  "Problem with a credit reporting company's investigation into an existing "
                  "problem"),
            _case("Stop collectors chasing debts people do not owe",
                  "Attempts to collect debt not owed"),
            _case("Offer forbearance and payment plans to homeowners behind on their mortgage",
                  "Struggling to pay mortgage"),
            _case("Send a written validation notice before collecting any debt",
                  "Written notification about debt"),
            _case("Forbid collectors from threatening lawsuits, arrests or wage garnishment",
                  "Took or threatened to take negative or legal action"),
            _case("Stop pulling credit reports without a permissible purpose",
                  "Improper use of your report"),
        )),
)


@dataclass(frozen=True)
class Score:
    returned: int
    labelled: int
    precision: float
    recall: float
    f1: float
    p20: float


def score(ranked: list[str], returned: int, truth: set[str]) -> Score:
    chosen = set(ranked[:returned])
    hits = len(chosen & truth)
    precision = hits / len(chosen) if chosen else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    top = ranked[:20]
    p20 = sum(1 for c in top if c in truth) / len(top) if top else 0.0
    return Score(len(chosen), len(truth), precision, recall, f1, p20)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def truth_of(export: LabelledExport) -> dict[str, set[str]]:
    """Label -> the customers who have a voice carrying it, read straight from the CSV."""
    labels: dict[str, set[str]] = {}
    path = DATA / export.file
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as fh:
        for row in csv.DictReader(fh):
            text = " ".join((row.get(c) or "").strip() for c in export.text_columns).strip()
            customer = (row.get(export.customer_column) or "").strip()
            label = (row.get(export.label_column) or "").strip()
            if text and customer and label:
                labels.setdefault(label, set()).add(_key(customer))
    return labels


class Baseline:
    """One porter FTS5 table of the board's voices; OR of the words, bm25, best voice."""

    def __init__(self, board: Path) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, customer UNINDEXED, "
                          "tokenize='porter')")
        source = sqlite3.connect(board)
        self.conn.executemany("INSERT INTO t (text, customer) VALUES (?, ?)", source.execute(
            "SELECT v.text, c.name FROM voices v JOIN customers c ON c.id = v.customer_id "
            "WHERE v.deleted_at IS NULL"))
        source.close()

    def ranked(self, title: str) -> list[str]:
        words = [w for w in re.findall(r"[^\W_]+", title.casefold()) if w not in BASELINE_STOP]
        if not words:
            return []
        query = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        best: dict[str, float] = {}
        for customer, value in self.conn.execute(
                "SELECT customer, -bm25(t) FROM t WHERE t MATCH ?", [query]):
            best[customer] = max(value, best.get(customer, value))
        return [_key(c) for c in sorted(best, key=lambda c: (-best[c], c))]


def build_board(export: LabelledExport, folder: Path) -> Path:
    from ui.cli import main

    board = folder / f"{Path(export.file).stem}.db"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["import", str(DATA / export.file), *export.import_args, "--db",
                     str(board)])
    if code != 0:
        raise SystemExit(f"import of {export.file} failed ({code})")
    return board


def engine_ranked(store: object, title: str) -> tuple[list[str], int]:
    """The engine's customers, strongest first, and how many it says are affected."""
    from app.meeting.matching import DecisionSpec, match_decision

    result = match_decision(store, DecisionSpec(title))  # type: ignore[arg-type]
    everyone = sorted(result.customers, key=lambda a: (-a.score, -a.customer.weight,
                                                       a.customer.name.casefold()))
    return [_key(a.customer.name) for a in everyone], len(everyone)


def evaluate(quiet: bool = False) -> dict[str, float] | None:
    """Print the table; return the means (None when ../shared/data is absent)."""
    if not DATA.is_dir():
        print(f"matching quality: skipped, {DATA} is absent (the labelled exports live there)")
        return None
    from ui.composition import open_store

    rows: list[tuple[str, Score, Score]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for export in EXPORTS:
            if not (DATA / export.file).exists():
                print(f"matching quality: {export.file} is absent, skipped")
                continue
            board = build_board(export, Path(tmp))
            truth = truth_of(export)
            baseline = Baseline(board)
            store = open_store(board)
            try:
                for case in export.cases:
                    labelled = set().union(*(truth.get(label, set()) for label in case.labels))
                    ranked = baseline.ranked(case.title)
                    base = score(ranked, len(labelled), labelled)
                    mine, returned = engine_ranked(store, case.title)
                    rows.append((f"{export.name}: {case.title}", score(mine, returned, labelled),
                                 base))
            finally:
                store.close()
    if not rows:
        return None
    means = {f"{who} {what}": statistics.fmean(getattr(r[i], what) for r in rows)
             for i, who in ((1, "engine"), (2, "baseline")) for what in ("f1", "p20",
                                                                        "precision", "recall")}
    if not quiet:
        print("\n## Matching quality on labelled real exports "
              f"({len(rows)} decisions; baseline handed the true count)\n")
        print("| decision | labelled | engine returned | P | R | F1 | P@20 "
              "| baseline P = R = F1 | P@20 |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for title, mine, base in rows:
            print(f"| {title} | {mine.labelled:,} | {mine.returned:,} | {mine.precision:.2f} | "
                  f"{mine.recall:.2f} | {mine.f1:.2f} | {mine.p20:.2f} | {base.f1:.2f} | "
                  f"{base.p20:.2f} |")
        ratio = means["engine f1"] / means["baseline f1"] if means["baseline f1"] else 0.0
        print(f"| **mean** | | | {means['engine precision']:.2f} | {means['engine recall']:.2f}"
              f" | **{means['engine f1']:.3f}** | **{means['engine p20']:.3f}** | "
              f"{means['baseline f1']:.3f} | {means['baseline p20']:.3f} |")
        print(f"\nF1 {means['engine f1']:.3f} vs {means['baseline f1']:.3f}: {ratio:.2f}x the "
              "baseline (target >= 1.1x); P@20 "
              f"{means['engine p20'] - means['baseline p20']:+.3f} against it (target >= +0.15)")
    return means


if __name__ == "__main__":
    evaluate()
