"""The period review a leader prints: a year of decisions, read back from the PDF itself."""

from __future__ import annotations

import datetime as dt

import pypdf
import pytest

from app.board.domain import Channel, CustomerSeed, Kind, VoiceDraft
from app.history import log as history
from app.meeting.domain import Delivery, Outcome
from app.meeting.session import MeetingSession
from tests.storage.test_follow_through import Clock
from ui.cli import main
from ui.history.reports import review_html, write_report

YEAR = dt.date(2026, 1, 1)


@pytest.fixture
def year(store):
    """Twelve monthly meetings of five decisions, voices all year (one with emoji), one
    decision shipped, one action item overdue."""
    store.ensure_customers([CustomerSeed(f"Shop {i}", ("Retail", "Health")[i % 2], 1 + i)
                            for i in range(8)])
    for day in range(0, 360, 3):
        store.insert_voice(VoiceDraft(f"Refunds are slow again ({day}) 😂🚀", Kind.COMPLAINT,
                                      f"Shop {day % 8}", YEAR + dt.timedelta(days=day),
                                      Channel.SUPPORT, themes=("Refunds",)))
    session = MeetingSession(store)
    for month in range(12):
        held = dt.date(2026, month + 1, 10)
        session.clock = Clock(held)
        session.new_meeting(f"Council {held:%B}", held)
        for n in range(5):
            session.add_decision(f"Decision {month}-{n} about refunds", themes=("Refunds",))
            session.record_outcome(Outcome.APPROVED, f"Because of month {month}")
        if month == 2:
            session.step(-4)
            session.set_delivery(Delivery.SHIPPED)
            session.add_action("Follow up with the shops", "Ana", dt.date(2026, 4, 1))
    return store


def _lines(page: pypdf.PageObject) -> list[str]:
    """The page's lines as read back (ligatures and tabs of the PDF's text undone)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", page.extract_text()).replace("\t", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_review_pdf_keeps_headings_with_their_content(year, tmp_path, qapp):
    out = write_report(review_html(year, history.Period(YEAR, dt.date(2026, 12, 31))),
                       tmp_path / "review.pdf")
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) >= 4
    headings = {"Decisions by effect", "Voices by kind", "Theme gaps", "Representation",
                "Time to answer", "Decision log", "Overdue action items",
                "Oldest unanswered complaints and needs"}
    text = " ".join(" ".join(_lines(p)) for p in reader.pages)
    for heading in headings:
        assert heading in text
    # No page ends on a heading: below the lowest heading of each page there is more of the
    # page (a chart, a table, text). Positions come from the PDF itself (pdfium).
    import pypdfium2

    document = pypdfium2.PdfDocument(str(out))
    for number in range(len(document) - 1):
        page = document[number]
        chars = page.get_textpage()
        lowest = None  # the bottom edge of the lowest heading (PDF y grows upwards)
        for heading in headings | {"Shipped: did it help?"}:
            searcher = chars.search(heading)
            while (found := searcher.get_next()) is not None:
                bottom = min(chars.get_charbox(i)[1] for i in range(found[0],
                                                                    found[0] + found[1]))
                lowest = bottom if lowest is None else min(lowest, bottom)
        if lowest is None:
            continue
        below = [obj for obj in page.get_objects()
                 if obj.get_bounds()[3] < lowest - 2]  # its top lies under the heading
        assert below, f"page {number + 1} ends on a heading"
    document.close()
    assert "Shipped: did it help?" in text
    # 🚀: no installed font draws it, so it is named instead of printing as a box; 😂 is
    # one DejaVu Sans draws, and stays.
    assert "[rocket]" in text
    assert "[face with tears of joy]" not in text
    # And the pages themselves, drawn to pixels: every page has ink on it.
    import pypdfium2
    from PySide6.QtGui import QImage

    document = pypdfium2.PdfDocument(str(out))
    for index in range(len(document)):
        bitmap = document[index].render(scale=0.5)
        image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride,
                       QImage.Format.Format_BGR888 if bitmap.n_channels == 3
                       else QImage.Format.Format_ARGB32)
        png = tmp_path / f"page{index + 1}.png"
        assert image.save(str(png))
        dark = sum(1 for y in range(0, image.height(), 7) for x in range(0, image.width(), 7)
                   if image.pixelColor(x, y).lightness() < 200)  # ink, not paper
        assert dark > 5, f"page {index + 1} is blank"
    document.close()


def test_an_empty_period_says_nothing_in_this_period(year, qapp):
    page = review_html(year, history.Period(dt.date(2030, 1, 1), dt.date(2030, 12, 31)))
    assert page.count("Nothing in this period.") >= 8  # every chart and section
    assert "data:image/png" not in page


def test_the_command_line_refuses_a_reversed_or_empty_period(year, tmp_path, capsys, qapp):
    path = year.path
    year.close()
    out = tmp_path / "r.pdf"
    assert main(["report", str(out), "--db", str(path), "--from", "2026-05-01",
                 "--to", "2026-01-01"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["empty-chair: period: --from 2026-05-01 is after --to 2026-01-01: give "
                   "the earlier day first"]
    assert main(["report", str(out), "--db", str(path), "--from", "2031-01-01"]) == 1
    assert "nothing to review from 2031-01-01 to today" in capsys.readouterr().err
    assert not out.exists()
