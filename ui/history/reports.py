"""Meeting minutes and period reviews as self-contained HTML (all customer text escaped)
and PDF (Qt's own writer)."""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import EmptyChairError
from app.history import log as history
from app.history.follow import HELP_DAYS, did_it_help, follow_through
from app.meeting.domain import Effect, ImpactStatus
from app.meeting.frozen import FrozenCustomer, FrozenDecision
from app.meeting.ports import MeetingStore
from app.meeting.session import MeetingSession, short_id

if TYPE_CHECKING:
    from ui.ports import Store

STYLE = """body{font-family:'DejaVu Sans',Arial,sans-serif;color:#1d1f23;max-width:60em;
margin:2em auto;line-height:1.4} h1{font-size:1.8em} h2{font-size:1.35em;margin-top:1.6em;
border-bottom:1px solid #d5d8de} h3{font-size:1.1em} .muted{color:#5a6070}
table{border-collapse:collapse;width:100%} td,th{border:1px solid #d5d8de;padding:4px 6px;
text-align:left;vertical-align:top} blockquote{margin:.4em 0 .4em 1em;padding-left:.6em;
border-left:3px solid #b3261e;white-space:pre-wrap} img{max-width:100%}"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _c(text: Any) -> str:
    """Customer text, escaped and isolated (U+2068 … U+2069): a right-to-left override or an
    Arabic name inside it never reverses the words around it."""
    return f"\u2068{_e(text)}\u2069"


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def _customer_html(c: FrozenCustomer) -> list[str]:
    why = f" — {_c(c.why)}" if c.why else ""
    note = f" — {_c(c.note)}" if c.note else ""
    lines = [f"<li><b>{_c(c.name)}</b> (effect {_e(c.effect.value)}){note}"
             f"<span class='muted'>{why}</span>"]
    for e in c.evidence:
        stance = f" [{_e(e.stance.value)}]" if e.stance else ""
        lines.append(f"<blockquote>{_c(e.text)}<br><span class='muted'>"
                     f"{_e(e.kind.value)}, {_e(e.heard_on)}{stance}</span></blockquote>")
    lines.append("</li>")
    return lines


def affected_html(record: FrozenDecision) -> list[str]:
    """Who a decision affects, from its frozen (or freshly built) record: the true totals,
    then per cohort the customers the room confirmed apart from the suggestions nobody
    reviewed."""
    cohorts = record.cohorts
    if not cohorts:
        return ["<p><i>No customer voice on this decision.</i></p>"]
    t = record.totals
    words = ", ".join(f"“{_e(w)}”" for w in record.words)
    related = ", ".join(f"“{_e(w)}”" for w in record.related)
    body = [
        f"<p><b>Affected:</b> {t.confirmed:,} customer{'s' if t.confirmed != 1 else ''} "
        f"confirmed by the room (weight {t.confirmed_weight:,.0f}); {t.suggested:,} more "
        f"suggested by matching and not reviewed · in {len(cohorts)} cohort"
        f"{'s' if len(cohorts) != 1 else ''} · {t.kinds.complaints:,} complaints · "
        f"{t.kinds.needs:,} needs · {t.kinds.quotes:,} quotes"
        + (f"<br><span class='muted'>searched for {words}" if words else "")
        + (f"; related words learned from the board {related}" if related else "")
        + ("</span>" if words else "") + "</p>"]
    for cohort in cohorts:
        confirmed = [c for c in cohort.customers if c.status is ImpactStatus.CONFIRMED]
        suggested = [c for c in cohort.customers if c.status is ImpactStatus.SUGGESTED]
        body.append(f"<h3>{_c(cohort.name)} — {cohort.confirmed:,} confirmed, "
                    f"{cohort.customers_total - cohort.confirmed:,} suggested · weight "
                    f"{cohort.total_weight:,.0f}</h3>")
        if confirmed:
            body.append("<p><b>Confirmed by the room</b></p><ul>")
            for c in confirmed:
                body.extend(_customer_html(c))
            body.append("</ul>")
        if suggested:
            rest = cohort.customers_total - cohort.confirmed
            body.append(f"<p class='muted'><b>Suggested, not reviewed</b> (the strongest "
                        f"{len(suggested):,} of {rest:,})</p><ul class='muted'>")
            for c in suggested:
                body.extend(_customer_html(c))
            body.append("</ul>")
    return body


def decision_html(record: FrozenDecision, description: str = "") -> list[str]:
    body = [f"<p><b>Outcome:</b> {_e(record.outcome.value)}"
            + (f" — {_e(record.rationale)}" if record.rationale else "") + "</p>"]
    if description:
        body.append(f"<p class='muted'>{_e(description)}</p>")
    return body + affected_html(record)


def minutes_html(session: MeetingSession) -> str:
    """Each decision with outcome, rationale, the customers the room confirmed (apart from
    the suggestions) with effects, and the verbatims shown: from the frozen record once
    the meeting is closed, else from the matches on screen (a decision not yet matched is
    matched now)."""
    from app.meeting.room import affected

    meeting = session.meeting
    if meeting is None:
        raise EmptyChairError("no meeting to write minutes of")
    body = [f"<h1>{_e(meeting.title)}</h1>",
            f"<p class='muted'>{meeting.held_on:%d %B %Y} · meeting #{short_id(meeting.id)} · "
            f"facilitator {_e(meeting.facilitator or '—')} · attendees "
            f"{_e(meeting.attendees or '—')} · {_e(meeting.status.value)}</p>"]
    for number, decision in enumerate(session.agenda, 1):
        record = session.frozen.get(decision.id) if session.closed else None
        if record is None:
            result = session.result_of(decision.id) or affected(session.store, decision)
            record = FrozenDecision.of(decision, result)
        body.append(f"<h2>{number}. {_e(decision.title)}</h2>")
        body.extend(decision_html(record, decision.description))
    return _page(f"Minutes: {meeting.title}", body)


def minutes_of(store: MeetingStore, meeting_id: str) -> str:
    """The minutes of a meeting by id (or the start of one), for the CLI and tests."""
    session = MeetingSession(store)
    session.open(store.get_meeting(meeting_id).id)
    return minutes_html(session)


Progress = Callable[[int, int], None]


def review_html(store: Store, period: history.Period, theme: str = "light",
                progress: Progress | None = None, days: int = HELP_DAYS) -> str:
    """The period review: every chart, the decision log, what shipped and whether it
    helped, what is overdue, and the oldest unanswered voices, all for the period. A section
    with nothing in it says so."""
    from ui.history.charts import CHARTS, help_chart, png_bytes

    entries = history.decision_log(store, history.LogFilter(date_from=period.date_from,
                                                            date_to=period.date_to))
    follow = follow_through(store)  # shipped, or due, in the period: of any meeting
    shipped = [f for f in follow.shipped
               if f.decision.delivery_on and period.keeps(f.decision.delivery_on)]
    overdue = [(i, f) for i, f in follow.overdue if i.due_on and period.keeps(i.due_on)]
    steps = len(CHARTS) + len(shipped) + 2
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps)

    nothing = "<p class='muted'><i>Nothing in this period.</i></p>"
    body = [f"<h1>Impact review, {_e(period.label())}</h1>",
            f"<p class='muted'>{len(entries)} decisions in "
            f"{len({e.meeting_id for e in entries})} meetings.</p>"]
    for name, build in CHARTS.values():
        figure = build(store, entries, theme, period)
        empty = getattr(figure, "empty_chart", False)
        body.append(f"<h2>{_e(name)}</h2>")
        body.append(nothing if empty else _image(name, png_bytes(figure)))
        step()
    body.append("<h2>Decision log</h2>")
    if entries:
        body.append("<table><tr><th>Date</th><th>Meeting</th><th>Decision</th>"
                    "<th>Outcome</th><th>Delivery</th><th>Customers</th><th>Helps</th>"
                    "<th>Hurts</th></tr>")
        for e in entries:
            body.append(f"<tr><td>{e.date}</td><td>{_e(e.meeting)}</td><td>{_e(e.title)}</td>"
                        f"<td>{_e(e.outcome.value)}</td><td>{_e(e.delivery.label)}</td>"
                        f"<td>{_e(', '.join(e.customers))}</td><td>{e.effects[Effect.HELPS]}"
                        f"</td><td>{e.effects[Effect.HURTS]}</td></tr>")
        body.append("</table>")
    else:
        body.append(nothing)
    step()
    body.append(f"<h2>Shipped: did it help? ({days} days either side)</h2>")
    if not shipped:
        body.append(nothing)
    for f in shipped:
        report = did_it_help(store, f.decision.id, days)
        body.append(f"<h3>{_e(f.decision.title)} — shipped {report.shipped_on}</h3>")
        body.append(f"<p>{_e(report.verdict())}</p>")
        if report.enough:
            body.append(_image(f"Did it help: {f.decision.title}",
                               png_bytes(help_chart(report, theme)), 560))
        step()
    body.append("<h2>Overdue action items</h2>")
    if overdue:
        body.append("<ul>")
        for item, f in overdue:
            body.append(f"<li><b>{_e(item.what)}</b> — {_e(item.owner or 'no owner')}, due "
                        f"{item.due_on} · {_e(f.decision.title)} ({_e(f.meeting.title)})</li>")
        body.append("</ul>")
    else:
        body.append(nothing)
    unanswered = history.unanswered(store, 25, period)
    body.append("<h2>Oldest unanswered complaints and needs</h2>")
    if unanswered:
        body.append("<ul>")
        for v in unanswered:
            body.append(f"<li>{_e(v['heard_on'])} · {_e(v['customer'])} "
                        f"({_e(v['cohort'] or '—')})<blockquote>{_e(v['text'])}</blockquote>"
                        "</li>")
        body.append("</ul>")
    else:
        body.append(nothing)
    step()
    return _page(f"Impact review {period.label()}", body)


def _image(name: str, png: bytes, width: int = 640) -> str:
    data = base64.b64encode(png).decode()
    # Width in pixels: Qt's PDF writer sizes images by it (the HTML scales it down).
    return f"<p><img alt='{_e(name)}' width='{width}' src='data:image/png;base64,{data}'></p>"


def write_report(content: str, out: Path) -> Path:
    """Write HTML as is, or a PDF rendered by Qt's own PDF writer. The report appears whole
    or not at all: it is written under a temporary name beside `out`, then renamed (a full
    disk leaves no truncated report)."""
    suffix = out.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise EmptyChairError(f"{out}: write reports to .html or .pdf")
    partial = out.with_name(f".{out.stem}.partial-{os.getpid()}{suffix}")
    try:
        if suffix == ".pdf":
            _write_pdf(content, partial)
        else:
            partial.write_text(content, encoding="utf-8")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def add_images(document: Any, content: str) -> None:
    """QTextDocument does not read data: URLs: hand it the embedded charts as resources."""
    from PySide6.QtCore import QByteArray, QUrl
    from PySide6.QtGui import QImage, QTextDocument

    for uri in set(re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", content)):
        image = QImage.fromData(QByteArray(base64.b64decode(uri.split(",", 1)[1])))
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(uri), image)


def _write_pdf(content: str, out: Path) -> None:
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

    writer = QPdfWriter(str(out))
    writer.setResolution(96)  # the default 1200 dpi would print a 640 px chart thumbnail-small
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setTitle("Empty Chair report")
    document = QTextDocument()
    add_images(document, content)
    document.setHtml(printable(content))  # our own HTML, with every customer text escaped
    document.setPageSize(QSizeF(writer.width(), writer.height()))
    keep_headings_with_content(document)
    document.print_(writer)
    del writer  # flushed and closed: only then is the file whole
    if not out.exists() or out.stat().st_size == 0:
        raise EmptyChairError(f"{out}: the PDF could not be written (a full disk?)")


# Fonts that draw emoji and symbols, when installed; DejaVu Sans draws many symbols too.
SYMBOL_FONTS = ("DejaVu Sans", "Noto Color Emoji", "Noto Emoji", "Symbola", "Noto Sans Symbols",
                "Noto Sans Symbols 2")


def printable(content: str) -> str:
    """The HTML with every character no installed font can draw named in words instead
    ("[face with tears of joy]"), so a PDF never prints a missing-glyph box."""
    from PySide6.QtGui import QFont, QFontDatabase, QRawFont

    wanted = {c for c in content if ord(c) > 0x2000}
    if not wanted:
        return content
    installed = set(QFontDatabase.families())
    fonts = [QRawFont.fromFont(QFont(f)) for f in SYMBOL_FONTS if f in installed]
    missing = {c for c in wanted if not any(f.supportsCharacter(ord(c)) for f in fonts)}
    if not missing:
        return content
    import unicodedata

    def name(c: str) -> str:
        if unicodedata.category(c) in ("Mn", "Me", "Cf") or c in "\ufe0f\u200d":
            return ""  # joiners and variation selectors: nothing to see
        return f"[{unicodedata.name(c, f'U+{ord(c):04X}').lower()}]"

    return "".join(name(c) if c in missing else c for c in content)


def keep_headings_with_content(document: Any, rounds: int = 60) -> int:
    """A heading never ends a page: a run of headings whose content (the first block after
    them: a chart, a table, a paragraph) starts on a later page moves to that page with it.
    One run at a time, each followed by a whole new layout (Qt's incremental layout after a
    format change stopped short, and printing then dropped the pages after it). Returns how
    many runs were moved."""
    from PySide6.QtGui import QTextCursor, QTextFormat

    always = QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore
    height = document.pageSize().height()
    moved = 0
    for _ in range(rounds):
        orphan = _first_orphan(document, height, always)
        if orphan is None:
            break
        fmt = orphan.blockFormat()
        fmt.setPageBreakPolicy(always)
        QTextCursor(orphan).setBlockFormat(fmt)
        _lay_out_again(document)
        moved += 1
    return moved


def _first_orphan(document: Any, height: float, always: Any) -> Any:
    layout = document.documentLayout()
    block = document.begin()
    while block.isValid():
        if block.blockFormat().headingLevel() <= 0:
            block = block.next()
            continue
        first, content = block, block.next()
        while content.isValid() and content.blockFormat().headingLevel() > 0:
            content = content.next()  # h2 then h3: they travel together
        if not content.isValid():
            return None
        if not first.blockFormat().pageBreakPolicy() & always and \
                int(_first_line_top(layout, content) // height) > \
                int(_first_line_top(layout, first) // height):
            return first
        block = content
    return None


def _lay_out_again(document: Any) -> None:
    from PySide6.QtCore import QSizeF

    page = QSizeF(document.pageSize())
    document.markContentsDirty(0, document.characterCount())
    document.setPageSize(QSizeF(page.width(), page.height() + 1))
    document.setPageSize(page)


def _first_line_top(layout: Any, block: Any) -> float:
    """Where a block's first line is drawn: a chart too tall for what is left of a page
    starts its block there but draws on the next page."""
    top = float(layout.blockBoundingRect(block).top())
    lines = block.layout()
    if lines is not None and lines.lineCount():
        top += float(lines.lineAt(0).position().y())
    return top
