"""The history charts as standalone matplotlib Figures (never pyplot), following the theme."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.history import log as history
from app.meeting.domain import Effect
from ui.theme import tokens

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from app.history.follow import HelpReport

MAX_LABEL = 28


def _label(text: str, limit: int = MAX_LABEL) -> str:
    """Tick labels from customer data: shortened, with `$` escaped (tick labels have no
    parse_math switch, and "$x^2$ costs $$" would otherwise be read as mathtext)."""
    short = text if len(text) <= limit else text[: limit - 1] + "…"
    return short.replace("$", r"\$")


def _figure(theme: str, title: str, xlabel: str, ylabel: str) -> tuple[Figure, Any]:
    from matplotlib.figure import Figure  # imported on first chart, not at start

    t = tokens(theme)
    figure = Figure(figsize=(8, 4.2), dpi=100, facecolor=t["surface"])
    # Fixed margins sized for 45° labels of up to MAX_LABEL characters: a layout engine cost
    # 0.12 s per chart, and every chart must draw in under a second on a big board.
    figure.subplots_adjust(left=0.09, right=0.91, top=0.88, bottom=0.3)
    axes = figure.add_subplot()
    axes.set_facecolor(t["surface"])
    axes.set_title(title, color=t["text"], fontsize=13, parse_math=False)
    axes.set_xlabel(xlabel, color=t["muted"], parse_math=False)
    axes.set_ylabel(ylabel, color=t["muted"], parse_math=False)
    axes.tick_params(colors=t["muted"])
    for spine in axes.spines.values():
        spine.set_color(t["border"])
    axes.grid(axis="y", color=t["border"], linewidth=0.6, alpha=0.6)
    from matplotlib.ticker import MaxNLocator

    axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole numbers
    return figure, axes


def _no_data(figure: Any, axes: Any, theme: str) -> Any:
    figure.empty_chart = True  # the review says "nothing in this period" instead of it
    axes.set_xticks([])
    axes.set_yticks([])
    axes.text(0.5, 0.5, "No data yet", ha="center", va="center", fontsize=16,
              color=tokens(theme)["muted"], transform=axes.transAxes, parse_math=False)
    return figure


def _legend(axes: Any, theme: str) -> None:
    t = tokens(theme)
    legend = axes.legend(facecolor=t["surface"], edgecolor=t["border"], labelcolor=t["text"],
                         loc="best")
    legend.get_frame().set_alpha(0.9)


def _date_axis(axes: Any, days: list[dt.date]) -> None:
    """A real time axis: dates placed by their day, every month a tick's worth of room, so
    2018 never sits next to 2023 and a missing month is a gap."""
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=12)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if len(days) == 1:  # one point: a month either side, never a zero-width axis
        axes.set_xlim(days[0] - dt.timedelta(days=45), days[0] + dt.timedelta(days=45))


def decisions_chart(entries: list[history.LogEntry], theme: str,
                    weighted: bool = False) -> Figure:
    t = tokens(theme)
    figure, axes = _figure(theme, "Decisions per month by effect on customers", "Month",
                           "Customer weight" if weighted else "Decisions")
    months, series = history.decisions_by_effect(entries, weighted)
    if not months:
        return _no_data(figure, axes, theme)
    shift = dt.timedelta(days=7)
    axes.bar([m + dt.timedelta(days=8) - shift for m in months], series[Effect.HELPS],
             width=12, color=t["quote"], label="helps")
    axes.bar([m + dt.timedelta(days=8) + shift for m in months], series[Effect.HURTS],
             width=12, color=t["complaint"], label="hurts")
    _date_axis(axes, months)
    axes.set_ylim(bottom=0)
    _legend(axes, theme)
    return figure


def voices_chart(store: history.HistoryStore, theme: str,
                 period: history.Period = history.EVERYTHING) -> Figure:
    t = tokens(theme)
    figure, axes = _figure(theme, "Voices per month by kind", "Month", "Voices")
    months, series = history.voices_by_kind(store, period)
    if not months:
        return _no_data(figure, axes, theme)
    for kind in ("complaint", "need", "quote"):
        # NaN months break the line: a month nobody was heard is a gap, not a fall to 0.
        axes.plot(months, series[kind], color=t[kind], linewidth=2, marker="o",
                  markersize=3 if len(months) > 24 else 5, label=kind + "s")
    _date_axis(axes, months)
    axes.set_ylim(bottom=0)
    _legend(axes, theme)
    return figure


def themes_chart(store: history.HistoryStore, entries: list[history.LogEntry], theme: str,
                 period: history.Period = history.EVERYTHING) -> Figure:
    t = tokens(theme)
    figure, axes = _figure(theme, "Themes: complaints and needs heard vs decisions taken",
                           "Theme", "Count")
    rows = history.theme_gaps(store, entries, period)[:12]
    if not rows:
        return _no_data(figure, axes, theme)
    x = range(len(rows))
    axes.bar([i - 0.2 for i in x], [r[1] for r in rows], width=0.4, color=t["complaint"],
             label="complaints and needs heard")
    twin = axes.twinx()
    twin.bar([i + 0.2 for i in x], [r[2] for r in rows], width=0.4, color=t["accent"],
             label="decisions taken")
    twin.set_ylabel("Decisions", color=t["muted"], parse_math=False)
    twin.tick_params(colors=t["muted"])
    axes.set_xticks(list(x), [_label(r[0]) for r in rows], rotation=45, ha="right")
    handles = axes.get_legend_handles_labels()
    twin_handles = twin.get_legend_handles_labels()
    axes.legend(handles[0] + twin_handles[0], handles[1] + twin_handles[1],
                facecolor=t["surface"], edgecolor=t["border"], labelcolor=t["text"],
                loc="upper left", framealpha=0.85)
    from matplotlib.ticker import MaxNLocator

    twin.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(bottom=0)
    twin.set_ylim(0, max(1, max(r[2] for r in rows) * 1.15))  # decisions never go below 0
    return figure


def representation_chart(entries: list[history.LogEntry], theme: str) -> Figure:
    t = tokens(theme)
    figure, axes = _figure(theme, "Was the customer in the room? (per meeting)", "Meeting",
                           "% of decisions with a customer")
    rows = history.representation(entries)
    if not rows:
        return _no_data(figure, axes, theme)
    labels = [_label(f"{r[1]:%Y-%m-%d} {r[0]}", 16) for r in rows]
    axes.bar(range(len(rows)), [r[2] * 100 for r in rows], color=t["accent"])
    axes.set_ylim(0, 100)
    step = max(1, len(rows) // 16)  # 200 meetings cannot all carry a label
    axes.set_xticks(range(0, len(rows), step), labels[::step], rotation=45, ha="right")
    return figure


def answer_time_chart(store: history.HistoryStore, theme: str,
                      period: history.Period = history.EVERYTHING) -> Figure:
    t = tokens(theme)
    figure, axes = _figure(theme, "Median days from a voice to the first decision that "
                           "answered it", "Quarter heard", "Days (median)")
    rows = history.answer_time(store, period)
    if not rows:
        return _no_data(figure, axes, theme)
    quarters = [r[0] + dt.timedelta(days=45) for r in rows]  # the middle of the quarter
    axes.plot(quarters, [r[1] for r in rows], marker="o", color=t["need"], linewidth=2)
    _date_axis(axes, quarters)
    axes.set_ylim(0, max(1.0, max(r[1] for r in rows) * 1.15))  # days are never negative
    return figure


def help_chart(report: HelpReport, theme: str, weighted: bool = True) -> Figure:
    """Did it help: per cohort, the complaints and needs (weighted) before and after it
    shipped."""
    t = tokens(theme)
    figure, axes = _figure(theme, f"Complaints and needs {report.days} days before and after "
                           f"it shipped ({report.shipped_on})", "Cohort",
                           "Customer weight" if weighted else "Voices")
    if not report.cohorts:
        return _no_data(figure, axes, theme)
    rows = report.cohorts[:10]
    x = range(len(rows))
    before = [c.before_weight if weighted else c.before for c in rows]
    after = [c.after_weight if weighted else c.after for c in rows]
    axes.bar([i - 0.2 for i in x], before, width=0.4, color=t["muted"], label="before")
    axes.bar([i + 0.2 for i in x], after, width=0.4, color=t["accent"], label="after")
    axes.set_xticks(list(x), [_label(c.cohort) for c in rows], rotation=45, ha="right")
    axes.set_ylim(bottom=0)
    if not weighted:
        from matplotlib.ticker import MaxNLocator

        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(axes, theme)
    return figure


KIND_ROWS = {"quote": 0, "need": 1, "complaint": 2}


def timeline_chart(items: list[dict[str, Any]], theme: str, who: str) -> Figure:
    """One customer's (or cohort's) voices by kind, and the decisions that touched it, on
    one time axis: dots per voice on a lane per kind, a line per decision."""
    t = tokens(theme)
    figure, axes = _figure(theme, f"Timeline: {_label(who, 60)}", "When", "")
    voices = [i for i in items if i["type"] == "voice"]
    decisions = [i for i in items if i["type"] == "decision"]
    if not voices and not decisions:
        return _no_data(figure, axes, theme)
    for kind, row in KIND_ROWS.items():
        days = [dt.date.fromisoformat(v["date"]) for v in voices if v["kind"] == kind]
        axes.scatter(days, [row] * len(days), s=18, color=t[kind], alpha=0.8,
                     label=f"{kind}s ({len(days):,})", zorder=3)
    colours = {"helps": t["quote"], "hurts": t["complaint"]}
    shown = decisions[-12:]  # the latest 12: more would be a fence, not a picture
    first = min(dt.date.fromisoformat(i["date"]) for i in items)
    last = max(dt.date.fromisoformat(i["date"]) for i in items)
    near = max((last - first).days, 1) / 8  # labels closer than this stack up
    previous: dt.date | None = None
    level = 0
    for d in shown:
        day = dt.date.fromisoformat(d["date"])
        effect = str(d.get("effect", ""))
        colour = next((c for word, c in colours.items() if word in effect), t["accent"])
        axes.axvline(day, ymax=0.72, color=colour, linewidth=1.4, alpha=0.8, zorder=2)
        level = level + 1 if previous is not None and (day - previous).days < near else 0
        previous = day
        axes.annotate(_label(f"{day:%d %b} {d['text']}", 34), (day, 2.55 + 0.3 * (level % 4)),
                      fontsize=7, color=colour, ha="left", va="bottom",
                      annotation_clip=False)
    axes.set_yticks(list(KIND_ROWS.values()), [f"{k}s" for k in KIND_ROWS])
    axes.set_ylim(-0.6, 3.9)
    axes.grid(axis="y", visible=False)
    days = [dt.date.fromisoformat(i["date"]) for i in items]
    _date_axis(axes, sorted(set(days)))
    if voices:
        _legend(axes, theme)
    return figure


ChartBuild = Callable[[Any, list[history.LogEntry], str, history.Period], "Figure"]
CHARTS: dict[str, tuple[str, ChartBuild]] = {
    "decisions": ("Decisions by effect", lambda s, e, th, p: decisions_chart(e, th)),
    "voices": ("Voices by kind", lambda s, e, th, p: voices_chart(s, th, p)),
    "themes": ("Theme gaps", lambda s, e, th, p: themes_chart(s, e, th, p)),
    "representation": ("Representation", lambda s, e, th, p: representation_chart(e, th)),
    "answer_time": ("Time to answer", lambda s, e, th, p: answer_time_chart(s, th, p)),
}


def png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor=figure.get_facecolor())
    return buffer.getvalue()
