"""The empty chair: the current decision projected for the room, driven from the keyboard."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import Kind
from app.meeting.domain import ImpactStatus, Outcome
from app.meeting.facts import VoiceHit
from app.meeting.matching import SHORTLIST, AffectedCustomer, MatchResult
from app.meeting.session import MeetingSession
from ui.theme import chair_stylesheet

MAX_TILES = 4
MAX_QUOTE_CHARS = 320  # one verbatim must fit the screen without scrolling


def _label(name: str, text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)  # customer words are never HTML
    label.setWordWrap(True)
    # Its width comes from the screen, never from the text: a 200-letter name without a
    # space once made the chair 4,625 px wide.
    label.setMinimumWidth(1)
    return label


TILE_LINE_CHARS = 20  # what one line of a tile holds at 1920 px without wrapping


def _packed(parts: list[str]) -> list[str]:
    """Short facts joined with ' · ' into lines a tile shows whole (wrapped labels in a
    grid do not always get the height they need)."""
    lines: list[str] = []
    for part in parts:
        if lines and len(lines[-1]) + 3 + len(part) <= TILE_LINE_CHARS:
            lines[-1] += f" · {part}"
        else:
            lines.append(part)
    return lines


class Tile(QFrame):
    """One cohort. Its labels take the tile's width and never ask for more than a line of
    TILE_LINE_CHARS: a cohort name wraps over two lines at most, breaking inside a word too
    long for the tile, then is elided with the whole name on hover (one long name without
    spaces made its tile 5,000 px wide, and wrapped labels in the grid clipped and
    overlapped)."""

    def __init__(self, title: str, lines: list[str]) -> None:
        from ui.elide import ElidedLabel

        super().__init__()
        self.setObjectName("tile")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 18)
        self.title = ElidedLabel(title, max_lines=2, hint_chars=TILE_LINE_CHARS)
        self.title.setObjectName("tileTitle")
        layout.addWidget(self.title)
        self.lines: list[ElidedLabel] = []
        for line in lines:
            label = ElidedLabel(line, max_lines=1, hint_chars=TILE_LINE_CHARS)
            label.setObjectName("tileLine")
            layout.addWidget(label)  # packed to fit one line
            self.lines.append(label)
        layout.addStretch(1)

    def shows(self, title: str, lines: list[str]) -> bool:
        """Show these words if the tile has the same shape; False: build a new tile."""
        if self.title.text() != title or len(lines) != len(self.lines):
            return False
        for label, line in zip(self.lines, lines, strict=True):
            if label.text() != line:
                label.setText(line)
        return True


class ChairWindow(QWidget):
    """A pure view of the session's current decision, for the room. Right/Left or
    PageDown/PageUp: next/previous decision; Space: next verbatim; F: full screen; B: blank;
    A: anonymous; Esc: leave. It reads only the session; `step`, `anonymous` and `screen`
    are what its keys ask of whoever drives the meeting."""

    def __init__(self, session: MeetingSession, changed: SignalInstance | None = None,
                 step: Callable[[int], object] | None = None,
                 anonymous: Callable[[], object] | None = None,
                 screen: Callable[[], object] | None = None) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.session = session
        self._step = step or session.step
        self._anonymous = anonymous or (lambda: None)
        self._screen = screen
        self.setWindowTitle("The empty chair")
        self.setObjectName("chair")
        self.setStyleSheet(chair_stylesheet())
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.verbatim_index = 0
        self.stack = QStackedLayout(self)
        page = QWidget()
        page.setObjectName("chair")
        page.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(72, 56, 72, 40)
        layout.setSpacing(28)
        self.title = _label("chairTitle")
        layout.addWidget(self.title)
        self.outcome = _label("chairOutcome")  # the room's decision, once recorded
        layout.addWidget(self.outcome)
        self.count = _label("chairCount")
        layout.addWidget(self.count)
        self.tiles = QGridLayout()
        self.tiles.setSpacing(24)
        layout.addLayout(self.tiles)
        self.empty = _label("chairEmpty", "No customer voice on this decision yet")
        layout.addWidget(self.empty)
        self.quote = _label("chairQuote")
        layout.addWidget(self.quote, 1)
        self.who = _label("chairWho")
        layout.addWidget(self.who)
        self.status = _label("chairStatus")
        layout.addWidget(self.status)
        self.stack.addWidget(page)
        self.blank = QWidget()
        self.blank.setObjectName("chairBlank")
        self.blank.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.stack.addWidget(self.blank)
        if changed is not None:
            changed.connect(self.refresh)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.refresh()

    # -- content -----------------------------------------------------------------------
    def evidence(self) -> list[tuple[AffectedCustomer, VoiceHit]]:
        """(customer, voice) pairs of the short list (confirmed customers first, then the
        strongest suggested), each customer's best matching voice in turn."""
        result = self.session.result
        if result is None:
            return []
        shown = result.shortlist(SHORTLIST)
        rounds = max((len(a.evidence) for a in shown), default=0)
        return [(a, a.evidence[i].voice) for i in range(rounds) for a in shown
                if i < len(a.evidence)]

    def refresh(self) -> None:
        decision = self.session.current
        result = self.session.result
        self.title.setText(decision.title if decision else "No decision on the agenda")
        outcome = decision.outcome if decision is not None else Outcome.PENDING
        self.outcome.setText(
            f"Decided: {outcome.value}" + (f" — {decision.rationale}" if decision and
                                           decision.rationale else "")
            if outcome is not Outcome.PENDING else "")
        self.outcome.setVisible(outcome is not Outcome.PENDING)
        cohorts = result.cohorts if result else []
        confirmed_weight = sum(c.confirmed_weight for c in cohorts)
        wanted: list[tuple[str, list[str], tuple[int, int, int, int]]] = []
        for i, cohort in enumerate(cohorts[:MAX_TILES]):
            confirmed = len(cohort.confirmed)
            suggested = len(cohort.customers) - confirmed
            kinds = [f"{n:,} {kind.value}{'s' if n != 1 else ''}" for kind in
                     (Kind.COMPLAINT, Kind.NEED, Kind.QUOTE) if (n := cohort.count(kind))]
            # Confirmed customers are the ones the room says are affected; suggested ones
            # are the matching's guess, not yet reviewed, and are never counted as affected.
            lines = [f"{confirmed:,} confirmed",  # and their share of the confirmed weight
                     *([f"({cohort.confirmed_weight / confirmed_weight:.0%} by weight)"]
                       if confirmed and confirmed_weight else []),
                     f"{suggested:,} suggested", *_packed(kinds)]
            wanted.append((cohort.name, lines, (0, i, 1, 1)))
        if len(cohorts) > MAX_TILES:
            rest = cohorts[MAX_TILES:]
            wanted.append((f"+{len(rest)} more cohorts", [
                f"{sum(len(c.confirmed) for c in rest):,} confirmed · "
                f"{sum(len(c.customers) - len(c.confirmed) for c in rest):,} suggested"],
                (1, 0, 1, MAX_TILES)))
        self._show_tiles(wanted)
        matching = decision is not None and result is None
        self.empty.setText("Finding who this decision affects…" if matching else
                           result.summary().rstrip(".") if result is not None else
                           "No customer voice on this decision yet")
        self.empty.setVisible(not cohorts)
        self.count.setText(self._count_line(result) if result and cohorts else "")
        self.count.setVisible(bool(cohorts))
        pairs = self.evidence()
        self.verbatim_index = 0 if not pairs else min(self.verbatim_index, len(pairs) - 1)
        self.show_verbatim(pairs)
        anonymous = self.session.meeting is not None and self.session.meeting.anonymous
        self.status.setText(f"Decision {self.session.position + 1} of "
                            f"{len(self.session.agenda)}"
                            + ("  ·  closed meeting" if self.session.closed else "")
                            + ("  ·  anonymous" if anonymous else ""))

    @staticmethod
    def _count_line(result: MatchResult) -> str:
        """'12 confirmed customers · 672 suggested, not yet reviewed · showing 12 of 684'."""
        everyone, confirmed = len(result.customers), len(result.confirmed)
        shown = len(result.shortlist(SHORTLIST))
        return (f"{confirmed:,} confirmed customer{'s' if confirmed != 1 else ''}  ·  "
                f"{everyone - confirmed:,} suggested, not yet reviewed  ·  in "
                f"{len(result.cohorts)} cohort{'s' if len(result.cohorts) != 1 else ''}"
                f"  ·  showing {shown:,} of {everyone:,}")

    def _show_tiles(self, wanted: list[tuple[str, list[str], tuple[int, int, int, int]]],
                    ) -> None:
        """The cohorts' tiles: the same tiles get new words (a key on the impact list
        changes a count), different ones are built anew."""
        shown = [self.tiles.itemAt(i).widget() for i in range(self.tiles.count())]  # type: ignore[union-attr]
        if len(shown) == len(wanted) and all(
                isinstance(tile, Tile) and tile.shows(title, lines)
                for tile, (title, lines, _) in zip(shown, wanted, strict=True)):
            return
        while self.tiles.count():
            item = self.tiles.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for title, lines, (row, column, rows, columns) in wanted:
            self.tiles.addWidget(Tile(title, lines), row, column, rows, columns)

    def show_verbatim(self, pairs: list[tuple[AffectedCustomer, VoiceHit]] | None = None,
                      ) -> None:
        pairs = self.evidence() if pairs is None else pairs
        if not pairs:
            self.quote.setText("")
            self.who.setText("")
            return
        customer, voice = pairs[self.verbatim_index % len(pairs)]
        text = " ".join(voice.text.split())
        if len(text) > MAX_QUOTE_CHARS:
            text = text[: MAX_QUOTE_CHARS - 1].rsplit(" ", 1)[0] + " …"
        self.quote.setText(f"“{text}”")
        name = self.session.name_of(customer)
        cohort = customer.customer.cohort or "no cohort"
        status = "confirmed" if customer.status is ImpactStatus.CONFIRMED else "suggested"
        self.who.setText(f"— {name} ({cohort}, {status}), {voice.kind.value}, heard "
                         f"{voice.heard_on:%d %B %Y}  ·  {self.verbatim_index % len(pairs) + 1}"
                         f" of {len(pairs)}")

    # -- presenting ----------------------------------------------------------------------
    def target_screen(self) -> QScreen:
        chosen = self._screen() if self._screen is not None else None
        return chosen if isinstance(chosen, QScreen) else QGuiApplication.primaryScreen()

    def present(self) -> None:
        screen = self.target_screen()
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        if len(QGuiApplication.screens()) > 1:
            self.showFullScreen()
        else:
            self.show()  # no projector connected: a window the facilitator can drag
        self.raise_()
        self.activateWindow()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):
            self._step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp):
            self._step(-1)
        elif key == Qt.Key.Key_Space:
            self.verbatim_index += 1
            self.show_verbatim()
        elif key == Qt.Key.Key_F:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.showFullScreen()
        elif key == Qt.Key.Key_B:
            self.stack.setCurrentIndex(1 - self.stack.currentIndex())
        elif key == Qt.Key.Key_A:
            self._anonymous()
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    @property
    def blanked(self) -> bool:
        return self.stack.currentIndex() == 1
