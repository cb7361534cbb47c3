"""History screen, charts and reports: escaping, a real PDF, themes and empty boards."""

from __future__ import annotations

import pypdf
import pytest

from app.history import log as history
from tests.storage.test_history import board  # noqa: F401 - the hand-built board fixture
from ui.cli import main
from ui.history import charts
from ui.history.reports import minutes_of, review_html, write_report
from ui.history.window import HistoryWindow


def _meeting_id(store, title):
    return next(m.id for m in store.meetings() if m.title == title)


def test_minutes_escape_customer_text(board):  # noqa: F811
    page = minutes_of(board, _meeting_id(board, "February council"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "Split invoices" in page
    assert "effect helps" in page
    assert ("<b>Affected:</b> 2 customers confirmed by the room (weight 1,500); 0 more "
            "suggested by matching and not reviewed · in 1 cohort") in page
    assert "<p><b>Confirmed by the room</b></p>" in page


def test_minutes_keep_suggestions_apart_from_confirmed_customers(store):
    import datetime as dt

    from app.board.csv_import import ImportRow
    from app.board.domain import Channel, CustomerSeed, Kind
    from app.meeting.domain import ImpactStatus
    from app.meeting.room import close_meeting

    store.ensure_customers([CustomerSeed(f"Shop {i}", "Retail", 1) for i in range(6)])
    rows = [ImportRow(f"Refunds take weeks at shop {i}", Kind.COMPLAINT, f"Shop {i}",
                      dt.date(2026, 1, 1), Channel.EMAIL, 3, None, (), "", None, "r.csv", i + 2,
                      f"r{i}") for i in range(6)]
    rows += [ImportRow(f"All fine {i}", Kind.QUOTE, "Shop 0", dt.date(2026, 1, 2),
                       Channel.EMAIL, 3, None, (), "", None, "r.csv", i + 20, f"f{i}")
             for i in range(12)]
    store.import_rows(rows, len(rows))
    meeting = store.create_meeting("Refund council", dt.date(2026, 2, 1))
    decision = store.add_decision(meeting, "Refunds within a day")
    shop = next(c.id for c in store.customers() if c.name == "Shop 3")
    store.record_impact(decision, shop, status=ImpactStatus.CONFIRMED)
    close_meeting(store, meeting)
    page = minutes_of(store, meeting)
    assert ("1 customer confirmed by the room (weight 1); 5 more suggested by matching and "
            "not reviewed · in 1 cohort") in page
    confirmed, suggested = page.split("Suggested, not reviewed")
    assert "Shop 3" in confirmed.split("Confirmed by the room")[1]
    assert "Shop 3" not in suggested
    assert all(f"Shop {i}" in suggested for i in (0, 1, 2, 4, 5))


def test_pdf_holds_the_decisions_and_verbatims(board, tmp_path, qapp):  # noqa: F811
    out = write_report(minutes_of(board, _meeting_id(board, "February council")),
                       tmp_path / "minutes.pdf")
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(out).pages)
    assert "Split invoices" in text
    assert "Phone line" in text
    assert "<script>alert(1)</script> costs $5" in text  # shown as text, exactly
    assert "Invoice wrong" in text


def test_period_review_and_cli(board, board_path, tmp_path, capsys, qapp):  # noqa: F811
    page = review_html(board, history.Period())
    assert page.count("data:image/png;base64,") == len(charts.CHARTS)
    assert "Nobody answers the phone" in page  # the unanswered complaint
    board.close()
    assert main(["report", str(tmp_path / "review.pdf"), "--db", str(board_path),
                 "--from", "2026-01-01", "--to", "2026-12-31"]) == 0
    assert len(pypdf.PdfReader(tmp_path / "review.pdf").pages) >= 2
    assert main(["report", str(tmp_path / "m.html"), "--db", str(board_path), "--meeting",
                 "nope"]) == 1
    assert "no meeting nope" in capsys.readouterr().err
    assert main(["log", str(tmp_path / "log.json"), "--db", str(board_path), "--outcome",
                 "approved"]) == 0
    assert "1 decisions" in capsys.readouterr().out


@pytest.mark.parametrize("theme", ["light", "dark", "projector"])
def test_every_chart_renders_in_every_theme_and_exports(board, tmp_path, theme):  # noqa: F811
    entries = history.decision_log(board)
    for key, (_name, build) in charts.CHARTS.items():
        figure = build(board, entries, theme, history.Period())
        assert figure.axes[0].get_title()
        assert figure.axes[0].get_xlabel()
        figure.savefig(tmp_path / f"{key}.svg", format="svg")
        assert (tmp_path / f"{key}.svg").read_text().startswith("<?xml")
        assert charts.png_bytes(figure).startswith(b"\x89PNG")


def test_empty_board_says_no_data_yet(store):
    for _key, (_name, build) in charts.CHARTS.items():
        figure = build(store, [], "light", history.Period())
        texts = [t.get_text() for t in figure.axes[0].texts]
        assert texts == ["No data yet"]


def test_labels_with_dollars_and_long_names_render(board):  # noqa: F811
    board.create_named("themes", "$$ Price $x^2$ and a very long theme name indeed " * 3)
    voice_id = board.search_voice_id("Cheaper seats")
    from app.board.commands import EditVoice, draft_of

    voice = board.get_voice(voice_id)
    after = draft_of(voice).__class__(**{**{f: getattr(draft_of(voice), f) for f in (
        "text", "kind", "customer_name", "heard_on", "channel", "severity", "need_depth",
        "captured_by")}, "themes": ("$$ Price $x^2$",)})
    EditVoice(voice_id, draft_of(voice), after).apply(board)
    figure = charts.themes_chart(board, history.decision_log(board), "light")
    charts.png_bytes(figure)  # mathtext would raise on "$x^2$ ... $$" if it were parsed
    labels = [t.get_text().replace("\\$", "$") for t in figure.axes[0].get_xticklabels()]
    assert "$$ Price $x^2$" in labels


def test_history_window(qtbot, board, qtmodeltester):  # noqa: F811
    window = HistoryWindow(board)
    qtbot.addWidget(window)
    window.show()
    qtmodeltester.check(window.log_model)
    assert window.count.text() == "3 of 3 decisions"
    window.f_outcome.setCurrentText("approved")
    assert window.count.text() == "1 of 3 decisions"
    window.f_outcome.setCurrentIndex(0)
    from PySide6.QtCore import QDate

    window.f_from.setDate(QDate(2026, 3, 1))
    assert window.count.text() == "1 of 3 decisions"  # only April's price rise
    window.f_from.setDate(QDate(2000, 1, 1))
    window.log_view.sortByColumn(2, __import__("PySide6.QtCore").QtCore.Qt.SortOrder
                                 .AscendingOrder)
    assert window.log_model.index(0, 2).data() == "Phone line"
    window.tabs.setCurrentIndex(2)
    assert "Nobody answers the phone" in window.unanswered_list.item(0).text()
    window.tabs.setCurrentIndex(1)
    picker = window.timeline_who
    qtbot.keyClicks(picker.search, "acm")  # type-ahead: any case, anywhere in the name
    assert picker.count.text() == "1 of 5"
    qtbot.keyClick(picker.search, __import__("PySide6.QtCore").QtCore.Qt.Key.Key_Return)
    assert any("DECISION Split invoices" in window.timeline_list.item(i).text()
               for i in range(window.timeline_list.count()))
    timeline = window.timeline_canvas.figure.axes[0]  # drawn too: voices and decisions
    assert timeline.get_title() == "Timeline: customer Acme"
    assert len(timeline.lines) == 2  # the two decisions that touched Acme
    window.tabs.setCurrentIndex(3)
    assert len(window.canvases) == len(charts.CHARTS)
    window.weighted.setChecked(True)
    assert window.canvases["decisions"].figure.axes[0].get_ylabel() == "Customer weight"
    window.log_view.doubleClicked.emit(window.log_model.index(0, 0))
    from PySide6.QtWidgets import QTextBrowser

    record = window.decision_box.findChild(QTextBrowser).toPlainText()
    assert "Phone line" in record
    window.close()


def test_exports_from_the_gui(qtbot, board, tmp_path):  # noqa: F811
    from app.meeting.session import MeetingSession
    from ui.composition import open_reader
    from ui.meeting.console import MeetingConsole

    window = HistoryWindow(board)
    qtbot.addWidget(window)
    job = window.export_review(str(tmp_path / "review.html"))
    with qtbot.waitSignal(job.done, timeout=30_000):
        pass
    assert "Impact review" in (tmp_path / "review.html").read_text(encoding="utf-8")
    console = MeetingConsole(MeetingSession(board), lambda: open_reader(board.path),
                             meeting_id=_meeting_id(board, "February council"))
    qtbot.addWidget(console)
    console.export_minutes(str(tmp_path / "minutes.pdf"))
    text = " ".join(pypdf.PdfReader(tmp_path / "minutes.pdf").pages[0].extract_text().split())
    assert "February council" in text
