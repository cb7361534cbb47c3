"""Impact history on a hand-built board, every figure checked against hand-made numbers."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.board.csv_import import ImportRow
from app.board.domain import Channel, CustomerSeed, Kind
from app.history import log as history
from app.meeting.domain import Effect, ImpactStatus, Outcome
from app.meeting.room import close_meeting

D = dt.date


@pytest.fixture
def board(store):
    store.ensure_customers([CustomerSeed("Acme", "Retail", 1000),
                            CustomerSeed("Beta", "Retail", 500),
                            CustomerSeed("Cura", "Health", 200)])
    voices = [("Acme", Kind.COMPLAINT, "Invoice wrong", D(2026, 1, 10), ("Billing",)),
              ("Acme", Kind.NEED, "Cheaper seats", D(2026, 2, 1), ("Pricing",)),
              ("Beta", Kind.COMPLAINT, "<script>alert(1)</script> costs $5", D(2026, 1, 20),
               ("Billing",)),
              ("Cura", Kind.COMPLAINT, "Nobody answers the phone", D(2026, 3, 5), ("Support",)),
              ("Cura", Kind.QUOTE, "Lovely people", D(2026, 3, 6), ())]
    store.import_rows([ImportRow(text, kind, who, day, Channel.SUPPORT, 3, None, themes, "",
                                 None, "h.csv", i + 2, f"h{i}")
                       for i, (who, kind, text, day, themes) in enumerate(voices)], 5)
    ids = {c.name: c.id for c in store.customers()}
    m1 = store.create_meeting("February council", D(2026, 2, 15), "Priya")
    d1 = store.add_decision(m1, "Split invoices", themes=("Billing",))
    d2 = store.add_decision(m1, "Phone line", themes=("Support",))
    store.record_impact(d1, ids["Acme"], status=ImpactStatus.CONFIRMED, effect=Effect.HELPS)
    store.record_impact(d1, ids["Beta"], status=ImpactStatus.CONFIRMED, effect=Effect.HURTS)
    store.update_decision(dataclasses.replace(store.get_decision(d1), outcome=Outcome.APPROVED,
                                              rationale="Finance asked"))
    store.update_decision(dataclasses.replace(store.get_decision(d2), outcome=Outcome.REJECTED))
    # The phone-line decision's suggestions are dismissed: nobody confirmed.
    store.record_impact(d2, ids["Cura"], status=ImpactStatus.DISMISSED)
    close_meeting(store, m1)
    m2 = store.create_meeting("April council", D(2026, 4, 10))
    d3 = store.add_decision(m2, "Price rise", themes=("Pricing",))
    store.record_impact(d3, ids["Acme"], status=ImpactStatus.CONFIRMED, effect=Effect.HURTS)
    store.update_decision(dataclasses.replace(store.get_decision(d3), outcome=Outcome.DEFERRED))
    return store


def test_decision_log_counts_and_weights(board):
    log = history.decision_log(board)
    assert [(e.title, e.outcome.value) for e in log] == [
        ("Split invoices", "approved"), ("Phone line", "rejected"), ("Price rise", "deferred")]
    split = log[0]
    assert split.effects == {Effect.HELPS: 1, Effect.HURTS: 1, Effect.NEUTRAL: 0,
                             Effect.UNKNOWN: 0}
    assert split.weighted[Effect.HELPS] == 1000
    assert split.weighted[Effect.HURTS] == 500
    assert split.cohorts == ("Retail",)
    assert log[1].customers == ()
    # Affected: everyone the room was shown at the close (frozen), not only the confirmed.
    assert [e.affected for e in log] == [2, 0, None]  # Cura was dismissed; April is open


def test_log_filters(board):
    def titles(**kw):
        return [e.title for e in history.decision_log(board, history.LogFilter(**kw))]

    assert titles(outcome=Outcome.APPROVED) == ["Split invoices"]
    assert titles(customer="acme") == ["Split invoices", "Price rise"]
    assert titles(cohort="Retail", effect=Effect.HURTS) == ["Split invoices", "Price rise"]
    assert titles(theme="support") == ["Phone line"]
    assert titles(date_from=D(2026, 3, 1)) == ["Price rise"]


def test_chart_series_match_hand_counts(board):
    log = history.decision_log(board)
    months, series = history.decisions_by_effect(log)
    # Every month from the first decision's to the last's: March had none, and is there.
    assert months == [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
    assert series[Effect.HELPS] == [1, 0, 0]
    assert series[Effect.HURTS] == [1, 0, 1]
    _, weighted = history.decisions_by_effect(log, weighted=True)
    assert weighted[Effect.HURTS] == [500, 0, 1000]
    months, kinds = history.voices_by_kind(board)
    assert months == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert kinds == {"complaint": [2, 0, 1], "need": [0, 1, 0], "quote": [0, 0, 1]}
    # The period limits every series: only February's voices, then only Q1's answers.
    months, kinds = history.voices_by_kind(board, history.Period(D(2026, 2, 1),
                                                                 D(2026, 2, 28)))
    assert (months, kinds["need"]) == ([D(2026, 2, 1)], [1])
    assert sorted(history.theme_gaps(board, log)) == [("Billing", 2, 1), ("Pricing", 1, 1),
                                                      ("Support", 1, 1)]
    assert [(t, share, n) for t, _, share, n in history.representation(log)] == [
        ("February council", 0.5, 2), ("April council", 1.0, 1)]
    # Acme's invoice (36 days), Beta's (26) and Acme's pricing need (68): median 36.
    assert history.answer_time(board) == [(D(2026, 1, 1), 36.0, 3)]
    assert history.answer_time(board, history.Period(D(2026, 4, 1))) == []


def test_unanswered_voices_and_timeline(board):
    [only] = history.unanswered(board)
    assert (only["customer"], only["text"]) == ("Cura", "Nobody answers the phone")
    items = history.timeline(board, history.decision_log(board), customer="Acme")
    assert [(i["date"], i["type"], i.get("effect")) for i in items] == [
        ("2026-01-10", "voice", None), ("2026-02-01", "voice", None),
        ("2026-02-15", "decision", "helps"), ("2026-04-10", "decision", "hurts")]
    cohort = history.timeline(board, history.decision_log(board), cohort="Retail")
    assert sum(1 for i in cohort if i["type"] == "voice") == 3


def test_log_export_is_formula_safe(board, tmp_path):
    from app.board.exporting import export_to

    board.update_decision(dataclasses.replace(
        next(d for d in board.decisions(board.meetings()[0].id)), rationale="=HYPERLINK(1)"))
    out = tmp_path / "log.csv"
    export_to(out, iter(history.log_records(history.decision_log(board))), history.LOG_FIELDS)
    assert "'=HYPERLINK(1)" in out.read_text(encoding="utf-8")
