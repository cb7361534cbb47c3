"""The facilitator's console: agenda, the current decision's customers, outcome."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.board.commands import CreateVoice
from app.errors import EmptyChairError
from app.meeting.commands import (
    AddDecision,
    EditDecision,
    RecordImpact,
    RemoveDecision,
    ReorderAgenda,
)
from app.meeting.domain import (
    Decision,
    Effect,
    ImpactStatus,
    Meeting,
    MeetingStatus,
    Outcome,
    Stance,
)
from app.meeting.matching import DETAIL, AffectedCustomer, MatchResult
from app.meeting.room import AgendaCount, close_meeting, pseudonyms, room_indicator
from ui.meeting.agenda_model import AgendaModel
from ui.meeting.matcher import MatchRunner
from ui.plain import tooltip
from ui.table_model import form_rows
from ui.theme import PRIMARY, styled
from ui.undo import UndoableCommand, step

LIST_STEP = 40  # customers listed per decision, and how many more "Show more" adds
CustomerRole = Qt.ItemDataRole.UserRole + 1
VoiceRole = Qt.ItemDataRole.UserRole + 2
EFFECT_KEYS = {Qt.Key.Key_H: Effect.HELPS, Qt.Key.Key_U: Effect.HURTS,
               Qt.Key.Key_N: Effect.NEUTRAL, Qt.Key.Key_Question: Effect.UNKNOWN}


def _plain(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return styled(label, name) if name else label


class DecisionDialog(QDialog):
    """Add a decision: title, description, themes, named customers and cohorts."""

    def __init__(self, parent: QWidget, on_save: Callable[[AddDecision], None],
                 meeting_id: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a decision")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.on_save = on_save
        self.meeting_id = meeting_id
        form = QFormLayout(self)
        self.title = QLineEdit(placeholderText="Drop the free tier")
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.themes = QLineEdit(placeholderText="Pricing, Billing")
        self.customers = QLineEdit(placeholderText="Names of customers, comma separated")
        self.cohorts = QLineEdit(placeholderText="Cohorts, comma separated")
        self.error = form_rows(form, [("Title", self.title), ("Description", self.description),
                                      ("Themes", self.themes), ("Customers", self.customers),
                                      ("Cohorts", self.cohorts)], self)

    @staticmethod
    def _names(edit: QLineEdit) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n.strip() for n in edit.text().split(",") if n.strip()))

    def save(self) -> None:
        command = AddDecision(self.meeting_id, self.title.text(),
                              self.description.toPlainText().strip(), self._names(self.themes),
                              self._names(self.customers), self._names(self.cohorts),
                              text=f"Add {self.title.text().strip()}")
        try:
            self.on_save(command)
        except EmptyChairError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class MeetingConsole(QMainWindow):
    """Left: agenda. Centre: who the current decision affects and why. Right: outcome."""

    decision_changed = Signal()
    closed = Signal()

    def __init__(self, store: Any, meeting_id: str | None = None,
                 capture: Callable[..., Any] | None = None,
                 open_reader: Callable[[Any], Any] | None = None) -> None:
        super().__init__()
        self.store = store
        self.capture = capture
        self.undo_stack = QUndoStack(self)
        self.meeting: Meeting | None = None
        self.result: MatchResult | None = None  # the current decision's, once matched
        self.chair: Any = None
        self.list_size = LIST_STEP
        self._counts: dict[str, AgendaCount] = {}
        self._results: dict[str, MatchResult] = {}  # matched since the last edit
        self._shown_for: str | None = None  # the decision whose result the tree shows
        self._stale_counts: set[str] = set()  # agenda counts asked for and not yet in
        if open_reader is None:
            from ui.composition import open_reader
        reader = open_reader
        self.matcher = MatchRunner(lambda: reader(store.path), self)
        self.matcher.matched.connect(self._matched)
        self.matcher.counted.connect(self._counted)
        self.matcher.failed.connect(self._failed_text)
        self.setWindowTitle("Empty Chair — Meeting room")
        self.resize(1500, 900)
        self._build()
        self._build_actions()
        meetings = store.meetings()
        chosen = meeting_id or (meetings[0].id if meetings else None)
        self.reload_meetings(chosen)

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        top = QHBoxLayout()
        self.meeting_box = QComboBox()
        self.meeting_box.setAccessibleName("Meeting")
        self.meeting_box.setMinimumContentsLength(30)
        self.meeting_box.currentIndexChanged.connect(self._meeting_chosen)
        top.addWidget(self.meeting_box)
        for text, handler in (("New meeting…", self.new_meeting),
                              ("Duplicate meeting", self.duplicate_meeting),
                              ("Close meeting", self.close_meeting),
                              ("Export minutes…", self.export_minutes)):
            button = QPushButton(text)
            button.clicked.connect(handler)
            top.addWidget(button)
        self.indicator = _plain("", "muted")
        top.addWidget(self.indicator, 1)
        self.screen_box = QComboBox()
        self.screen_box.setAccessibleName("Projector screen")
        self.screen_box.setToolTip("The screen the empty chair is projected on")
        self._fill_screens()
        top.addWidget(self.screen_box)
        self.project_button = QPushButton("Project the empty chair (F5)")
        styled(self.project_button, PRIMARY)
        self.project_button.clicked.connect(self.open_chair)
        top.addWidget(self.project_button)
        outer.addLayout(top)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        # Left: agenda.
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(_plain("Agenda", "laneTitle"))
        self.agenda_model = AgendaModel(self)
        self.agenda_model.reordered.connect(self._reordered)
        self.agenda = QListView()
        self.agenda.setModel(self.agenda_model)
        self.agenda.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.agenda.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.agenda.setAccessibleName("Agenda")
        self.agenda.selectionModel().currentRowChanged.connect(lambda *_: self.show_decision())
        left_layout.addWidget(self.agenda)
        row = QHBoxLayout()
        for text, handler in (("Add…", self.add_decision), ("Remove", self.remove_decision)):
            button = QPushButton(text)
            button.clicked.connect(handler)
            row.addWidget(button)
        self.deferred_button = QPushButton("")
        self.deferred_button.clicked.connect(self.add_deferred)
        row.addWidget(self.deferred_button)
        left_layout.addLayout(row)
        splitter.addWidget(left)
        # Centre: the decision and its customers.
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        self.decision_title = _plain("", "detailTitle")
        centre_layout.addWidget(self.decision_title)
        self.summary = _plain("", "muted")
        centre_layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Cohort / customer / what they said", "Why", "Status",
                                   "Effect"])
        self.tree.setAccessibleName("Affected customers")
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.header().resizeSection(0, 470)
        self.tree.header().resizeSection(1, 250)  # why, in words: wide enough to read
        self.tree.installEventFilter(self)
        centre_layout.addWidget(self.tree, 1)
        self.more_button = QPushButton(f"Show {LIST_STEP} more customers")
        self.more_button.clicked.connect(self.show_more)
        self.more_button.setVisible(False)
        centre_layout.addWidget(self.more_button)
        keys = _plain("Keys: C confirm · X dismiss · H helps · U hurts · N neutral · ? unknown · "
                      "F / A evidence for / against · Ctrl+N capture a voice · Ctrl+Right next "
                      "decision · F5 project", "muted")
        centre_layout.addWidget(keys)
        hand = QHBoxLayout()
        self.add_name = QLineEdit(placeholderText="Add a customer or cohort by name…")
        self.add_name.returnPressed.connect(self.add_by_hand)
        hand.addWidget(self.add_name)
        self.note = QLineEdit(placeholderText="Note for the selected customer (Enter saves)")
        self.note.returnPressed.connect(self.save_note)
        hand.addWidget(self.note)
        centre_layout.addLayout(hand)
        splitter.addWidget(centre)
        # Right: outcome.
        right = QWidget()
        right_layout = QFormLayout(right)
        self.outcome = QComboBox()
        self.outcome.addItems([o.value for o in Outcome])
        self.outcome.setAccessibleName("Outcome")
        self.rationale = QPlainTextEdit()
        self.rationale.setTabChangesFocus(True)
        self.rationale.setAccessibleName("Rationale")
        save = QPushButton("Record outcome (Ctrl+Enter)")
        save.clicked.connect(self.record_outcome)
        next_button = QPushButton("Next decision (Ctrl+Right)")
        next_button.clicked.connect(lambda: self.step(1))
        right_layout.addRow(_plain("Outcome", "laneTitle"))
        right_layout.addRow("Outcome", self.outcome)
        right_layout.addRow("Rationale", self.rationale)
        right_layout.addRow(save)
        right_layout.addRow(next_button)
        splitter.addWidget(right)
        splitter.setSizes([330, 850, 320])
        outer.addWidget(splitter, 1)
        self.setCentralWidget(central)

    def _build_actions(self) -> None:
        specs: list[tuple[str, Any, Callable[[], Any]]] = [
            ("Undo", QKeySequence.StandardKey.Undo, lambda: step(self.undo_stack, undo=True)),
            ("Redo", QKeySequence.StandardKey.Redo, lambda: step(self.undo_stack, undo=False)),
            ("Next decision", "Ctrl+Right", lambda: self.step(1)),
            ("Previous decision", "Ctrl+Left", lambda: self.step(-1)),
            ("Move decision up", "Ctrl+Up", lambda: self.move_current(-1)),
            ("Move decision down", "Ctrl+Down", lambda: self.move_current(1)),
            ("Add decision", "Ctrl+D", self.add_decision),
            ("Record outcome", "Ctrl+Return", self.record_outcome),
            ("Capture a voice", "Ctrl+N", self.capture_voice),
            ("Project", "F5", self.open_chair),
            ("Anonymous mode", "Ctrl+Shift+A", self.toggle_anonymous),
        ]
        menu = self.menuBar().addMenu("&Meeting")
        self.actions_by_name: dict[str, QAction] = {}
        for text, key, handler in specs:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.triggered.connect(handler)
            menu.addAction(action)
            self.actions_by_name[text] = action

    def _fill_screens(self) -> None:
        from PySide6.QtGui import QGuiApplication

        screens = QGuiApplication.screens()
        self.screen_box.clear()
        for index, screen in enumerate(screens):
            size = screen.geometry()
            self.screen_box.addItem(f"Screen {index + 1}: {screen.name()} "
                                    f"({size.width()}×{size.height()})", index)
        # The projector is usually the second screen.
        self.screen_box.setCurrentIndex(1 if len(screens) > 1 else 0)

    # -- data --------------------------------------------------------------------------
    def reload_meetings(self, select: str | None = None) -> None:
        meetings = self.store.meetings()
        self.meeting_box.blockSignals(True)
        self.meeting_box.clear()
        for m in meetings:
            self.meeting_box.addItem(f"{m.held_on} · {m.title} ({m.status.value})", m.id)
        index = self.meeting_box.findData(select) if select else 0
        self.meeting_box.setCurrentIndex(max(0, index))
        self.meeting_box.blockSignals(False)
        self._meeting_chosen()

    def _meeting_chosen(self) -> None:
        meeting_id = self.meeting_box.currentData()
        self.meeting = self.store.get_meeting(meeting_id) if meeting_id else None
        self.undo_stack.clear()
        self.refresh_agenda(select_row=0)

    def refresh_agenda(self, select_row: int | None = None, only: str | None = None) -> None:
        """Reload the agenda. `only` names the one decision an edit can have changed: the
        others keep their counts. Matching runs in the background, the current decision
        first, so the console never waits on the whole agenda."""
        current = self.agenda.currentIndex().row()
        if only is None:
            self._results.clear()
        else:
            self._results.pop(only, None)
        if self.meeting is None:
            self._counts = {}
            self.agenda_model.set_agenda([], {})
            self.show_decision()
            return
        decisions = self.store.decisions(self.meeting.id)
        known = {d.id for d in decisions}
        if only is None:
            self._counts = {k: v for k, v in self._counts.items() if k in known}
        self.agenda_model.set_agenda(decisions, self._counts)
        row = select_row if select_row is not None else current
        if decisions:
            self.agenda.setCurrentIndex(self.agenda_model.index(
                min(max(row, 0), len(decisions) - 1)))
        deferred = self.store.deferred_decisions(self.meeting.id)
        self.deferred_button.setText(f"Add deferred ({len(deferred)})")
        self.deferred_button.setEnabled(bool(deferred))
        with_customer, without = room_indicator(self.store, self.meeting.id)
        discussed = with_customer + without
        self.indicator.setText(
            f"Was the customer in the room? {with_customer} of {discussed} decided "
            f"decision{'s' if discussed != 1 else ''} had a confirmed customer"
            + (" · anonymous mode" if self.meeting.anonymous else ""))
        self.show_decision()  # the current decision, on its own worker ...
        # ... and the counts an edit can have changed, on the other. Every decision whose
        # count is out of date is asked again until a count for it lands.
        self._stale_counts |= {d.id for d in decisions} if only is None else {only}
        self._stale_counts |= {d.id for d in decisions if d.id not in self._counts}
        stale = [d for d in decisions if d.id in self._stale_counts]
        if stale:
            self.matcher.count(stale)

    def board_changed(self) -> None:
        """Voices or customers changed (here or in the board window): every match is out of
        date. The decision on screen stays until its new match lands."""
        self._results.clear()
        self.refresh_agenda(only=None)

    def _counted(self, counts: dict[str, AgendaCount]) -> None:
        self._counts.update(counts)
        self._stale_counts -= set(counts)
        if self.meeting is not None:
            self.agenda_model.set_counts(self._counts)

    @property
    def matching(self) -> bool:
        """True while the current decision (or an agenda count) is still being matched."""
        return self.matcher.busy

    def current_decision(self) -> Decision | None:
        return self.agenda_model.decision(self.agenda.currentIndex().row())

    def names(self) -> dict[str, str]:
        """Customer display names: real, or stable pseudonyms in anonymous mode."""
        if self.result is None:
            return {}
        everyone = [*self.result.customers, *self.result.dismissed]
        if self.meeting is not None and self.meeting.anonymous:
            return pseudonyms([(a.customer.id, a.customer.cohort) for a in everyone],
                              self.meeting.id)
        return {a.customer.id: a.customer.name for a in everyone}

    def show_decision(self) -> None:
        decision = self.current_decision()
        if decision is None:
            self.result = None
            self._shown_for = None
            self.tree.clear()
            self.more_button.setVisible(False)
            self.decision_title.setText("No decision on the agenda yet: add one (Ctrl+D)")
            self.summary.setText("")
            self.decision_changed.emit()
            return
        if self._shown_for != decision.id:
            self.list_size = LIST_STEP  # "Show more" is for one decision, not the meeting
        self.decision_title.setText(decision.title)
        self.outcome.setCurrentText(decision.outcome.value)
        self.rationale.setPlainText(decision.rationale)
        known = self._results.get(decision.id)
        if known is not None:
            self._show_result(known)
            return
        self.matcher.match(decision)
        if self._shown_for == decision.id and self.result is not None:
            # An edit to this decision: its customers stay on screen until the new match
            # lands; the chair shows the edit (an outcome, a title) at once.
            self.decision_changed.emit()
            return
        self.result = None
        self._shown_for = None
        self.tree.clear()
        self.more_button.setVisible(False)
        self.summary.setText("Finding the customers this decision affects…")
        self.decision_changed.emit()

    def _matched(self, decision_id: str, result: MatchResult) -> None:
        self._results[decision_id] = result
        current = self.current_decision()
        if current is not None and current.id == decision_id:
            self._show_result(result)

    def show_more(self) -> None:
        self.list_size = min(self.list_size + LIST_STEP, DETAIL)  # those with verbatims
        if self.result is not None:
            self._show_result(self.result)

    def _show_result(self, result: MatchResult, keep: str | None = None) -> None:
        """Fill the tree: every cohort with its true totals, under each the customers of the
        short list (confirmed first, then the strongest suggested), then the dismissed."""
        selected = keep or (self.selected_customer().customer.id
                            if self.selected_customer() is not None else None)
        self.result = result
        current = self.current_decision()
        self._shown_for = current.id if current is not None else None
        self.tree.clear()
        names = self.names()
        listed = {a.customer.id for a in result.shortlist(self.list_size)}
        everyone = len(result.customers)
        self.summary.setText(result.summary() + (
            f" · listing the strongest {len(listed):,}" if len(listed) < everyone else ""))
        for cohort in result.cohorts:
            confirmed = len(cohort.confirmed)
            top = QTreeWidgetItem([
                f"{cohort.name} — {len(cohort.customers):,} customers ({confirmed:,} "
                f"confirmed) · weight {cohort.total_weight:,.0f} · {cohort.count_kinds()}",
                "", "", ""])
            self.tree.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)  # the cohort's totals are one line across
            shown = [a for a in cohort.customers if a.customer.id in listed]
            for a in shown:
                self._add_customer(top, a, names)
            if len(shown) < len(cohort.customers):
                rest = QTreeWidgetItem([f"… and {len(cohort.customers) - len(shown):,} more "
                                        "suggested", "", "", ""])
                rest.setDisabled(True)
                top.addChild(rest)
                rest.setFirstColumnSpanned(True)
            top.setExpanded(True)
        for a in result.dismissed:
            item = self._add_customer(None, a, names)
            item.setDisabled(True)
        self.more_button.setVisible(len(listed) < min(everyone, DETAIL))
        if selected is None or not self._reselect(selected):
            first = self.tree.topLevelItem(0)
            if first is not None and first.childCount() and \
                    first.child(0).data(0, CustomerRole) is not None:
                self.tree.setCurrentItem(first.child(0))
        self.decision_changed.emit()

    def _add_customer(self, parent: QTreeWidgetItem | None, a: AffectedCustomer,
                      names: dict[str, str]) -> QTreeWidgetItem:
        item = QTreeWidgetItem([
            f"{names.get(a.customer.id, a.customer.name)} · weight {a.customer.weight:,.0f}"
            + (f" · {a.note}" if a.note else ""), a.why, a.status.value, a.effect.value])
        item.setToolTip(1, tooltip(a.why))
        item.setData(0, CustomerRole, a)
        for evidence in a.evidence:
            stance = f"[{evidence.stance.value}] " if evidence.stance else ""
            text = " ".join(evidence.voice.text.split())
            matched = ", ".join(evidence.matched)
            child = QTreeWidgetItem([f"{stance}{evidence.voice.kind.value}, "
                                     f"{evidence.voice.heard_on}: {text}",
                                     f"matches {matched}" if matched else
                                     "on the theme" if evidence.themes else "marked", "", ""])
            child.setData(0, VoiceRole, evidence.voice)
            child.setData(0, CustomerRole, a)
            child.setToolTip(0, tooltip(evidence.voice.text))
            item.addChild(child)
        if parent is None:
            self.tree.addTopLevelItem(item)
        else:
            parent.addChild(item)
        item.setExpanded(True)
        return item

    # -- commands ----------------------------------------------------------------------
    def run(self, command: Any) -> None:
        command.apply(self.store)
        # Impact and decision edits touch one decision; agenda edits touch the agenda.
        only = command.decision_id if isinstance(command, RecordImpact) else \
            command.before.id if isinstance(command, EditDecision) else None
        self.undo_stack.push(UndoableCommand(
            command, self.store, lambda _c: self.refresh_agenda(only=only), self._failed,
            self.undo_stack))
        self.refresh_agenda(only=only)

    def _try(self, command: Any) -> bool:
        try:
            self.run(command)
        except EmptyChairError as exc:
            self._failed(exc)
            return False
        return True

    def _failed_text(self, message: str) -> None:
        self._failed(EmptyChairError(message))

    def _failed(self, exc: Exception) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Meeting room", str(exc), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def add_decision(self) -> None:
        if self.meeting is None:
            self.new_meeting()
            return
        dialog = DecisionDialog(self, self.run, self.meeting.id)
        dialog.open()

    def remove_decision(self) -> None:
        decision = self.current_decision()
        if decision is not None:
            self._try(RemoveDecision(decision.id, text=f"Remove {decision.title}"))

    def add_deferred(self) -> None:
        if self.meeting is None:
            return
        for d in self.store.deferred_decisions(self.meeting.id):
            self._try(AddDecision(self.meeting.id, d.title, d.description, d.themes,
                                  d.named_customers, d.named_cohorts, deferred_from=d.id,
                                  text=f"Carry over {d.title}"))

    def _reordered(self, after: list[str]) -> None:
        if self.meeting is None:
            return
        before = [d.id for d in self.store.decisions(self.meeting.id)]
        if before != after:
            moved = self.agenda.currentIndex().row()
            self._try(ReorderAgenda(self.meeting.id, before, after))
            del moved

    def move_current(self, step: int) -> None:
        row = self.agenda.currentIndex().row()
        if self.agenda_model.move(row, row + step):
            self.agenda.setCurrentIndex(self.agenda_model.index(row + step))

    def step(self, delta: int) -> None:
        row = self.agenda.currentIndex().row() + delta
        if 0 <= row < self.agenda_model.rowCount():
            self.agenda.setCurrentIndex(self.agenda_model.index(row))

    def selected_customer(self) -> AffectedCustomer | None:
        item = self.tree.currentItem()
        return item.data(0, CustomerRole) if item is not None else None

    def set_impact(self, status: ImpactStatus | None = None, effect: Effect | None = None,
                   note: str | None = None) -> None:
        decision, a = self.current_decision(), self.selected_customer()
        if decision is None or a is None or self.result is None:
            return
        before = (a.status, a.effect, a.note)
        after = (status or (ImpactStatus.CONFIRMED if effect else a.status),
                 effect or a.effect, a.note if note is None else note)
        name = self.names().get(a.customer.id, a.customer.name)
        # After a dismiss the next customer is selected, not the first of the list.
        keep = a.customer.id if after[0] is not ImpactStatus.DISMISSED else \
            self._customer_after(a.customer.id)
        if not self._try(RecordImpact(decision.id, a.customer.id, before, after,
                                      text=f"{after[0].value} {name}")):
            return  # nothing was written: nothing changes on screen
        # Shown at once; the background match that follows only confirms it.
        a.status, a.effect, a.note = after
        if a.status is ImpactStatus.DISMISSED:
            for cohort in self.result.cohorts:
                if a in cohort.customers:
                    cohort.customers.remove(a)
            self.result.cohorts = [c for c in self.result.cohorts if c.customers]
            self.result.dismissed.append(a)
        self._show_result(self.result, keep=keep)

    def _customer_items(self) -> list[QTreeWidgetItem]:
        items = []
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            items += [item for item in [top] + [top.child(j) for j in range(top.childCount())]
                      if item.data(0, CustomerRole) is not None
                      and item.data(0, VoiceRole) is None]
        return items

    def _customer_after(self, customer_id: str) -> str | None:
        ids = [item.data(0, CustomerRole).customer.id for item in self._customer_items()
               if not item.isDisabled()]
        if customer_id not in ids:
            return None
        rest = ids[ids.index(customer_id) + 1:] or ids[:ids.index(customer_id)][-1:]
        return rest[0] if rest else None

    def _reselect(self, customer_id: str) -> bool:
        for item in self._customer_items():
            if item.data(0, CustomerRole).customer.id == customer_id:
                self.tree.setCurrentItem(item)
                return True
        return False

    def set_stance(self, stance: Stance) -> None:
        decision, item = self.current_decision(), self.tree.currentItem()
        if decision is None or item is None or item.data(0, VoiceRole) is None:
            return
        voice, a = item.data(0, VoiceRole), item.data(0, CustomerRole)
        self.store.set_evidence(decision.id, a.customer.id, voice.voice_id, stance)
        self.refresh_agenda(only=decision.id)

    def save_note(self) -> None:
        self.set_impact(note=self.note.text())
        self.note.clear()

    def add_by_hand(self) -> None:
        decision = self.current_decision()
        name = self.add_name.text().strip()
        if decision is None or not name:
            return
        customers = {c.name.casefold(): c for c in self.store.customers()}
        cohorts = {c.name.casefold() for c in self.store.cohorts()}
        after = dataclasses.replace(decision)
        if name.casefold() in customers:
            after = dataclasses.replace(decision, named_customers=tuple(dict.fromkeys(
                (*decision.named_customers, customers[name.casefold()].name))))
        elif name.casefold() in cohorts:
            after = dataclasses.replace(decision, named_cohorts=tuple(dict.fromkeys(
                (*decision.named_cohorts, name))))
        else:
            self._failed(EmptyChairError(f"No customer or cohort called {name!r}"))
            return
        self._try(EditDecision(decision, after, text=f"Add {name}"))
        self.add_name.clear()

    def _mark_running(self) -> None:
        """A planned meeting is running once its chair is projected or an outcome recorded."""
        if self.meeting is not None and self.meeting.status is MeetingStatus.PLANNED:
            self.store.set_meeting(self.meeting.id, status=MeetingStatus.RUNNING.value)
            self.meeting = self.store.get_meeting(self.meeting.id)
            index = self.meeting_box.currentIndex()
            self.meeting_box.setItemText(index, f"{self.meeting.held_on} · {self.meeting.title}"
                                         f" ({self.meeting.status.value})")

    def record_outcome(self) -> None:
        decision = self.current_decision()
        if decision is None:
            return
        self._mark_running()
        outcome = Outcome(self.outcome.currentText())
        after = dataclasses.replace(
            decision, outcome=outcome, rationale=self.rationale.toPlainText().strip(),
            decided_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            if outcome is not Outcome.PENDING else None)
        self._try(EditDecision(decision, after, text=f"{outcome.value} {decision.title}"))

    def capture_voice(self) -> None:
        """Log a voice raised in the meeting and attach it to the current decision."""
        if self.capture is None:
            return
        decision = self.current_decision()

        def save(draft: Any) -> None:
            command = CreateVoice(draft)
            command.apply(self.store)
            if decision is not None and command.voice_id is not None:
                voice = self.store.get_voice(command.voice_id)
                self.store.record_impact(decision.id, voice.customer_id,
                                         status=ImpactStatus.CONFIRMED)
                self.store.set_evidence(decision.id, voice.customer_id, voice.id, None)
            self.board_changed()  # a new voice can match other decisions too

        dialog = self.capture(save, self)
        dialog.open()

    # -- meetings ----------------------------------------------------------------------
    def new_meeting(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("New meeting")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form = QFormLayout(dialog)
        title = QLineEdit(placeholderText="Product council")
        date = QDateEdit(QDate.currentDate(), calendarPopup=True)
        date.setDisplayFormat("yyyy-MM-dd")
        facilitator = QLineEdit()
        attendees = QLineEdit()
        for label, widget in (("Title", title), ("Date", date), ("Facilitator", facilitator),
                              ("Attendees", attendees)):
            form.addRow(label, widget)
        error = _plain("", "fieldError")
        form.addRow(error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        form.addRow(buttons)

        def save() -> None:
            day = date.date()
            try:
                meeting_id = self.store.create_meeting(
                    title.text(), dt.date(day.year(), day.month(), day.day()),
                    facilitator.text(), attendees.text())
            except EmptyChairError as exc:
                error.setText(str(exc))
                return
            dialog.accept()
            self.reload_meetings(meeting_id)

        buttons.accepted.connect(save)
        buttons.rejected.connect(dialog.reject)
        dialog.open()
        self.new_meeting_dialog = dialog
        self.new_meeting_fields = (title, date, facilitator, attendees)

    def duplicate_meeting(self) -> None:
        if self.meeting is None:
            return
        new_id = self.store.duplicate_meeting(self.meeting.id, self.meeting.title,
                                              self.meeting.held_on + dt.timedelta(days=7))
        self.reload_meetings(new_id)

    def toggle_anonymous(self) -> None:
        if self.meeting is None:
            return
        self.store.set_meeting(self.meeting.id, anonymous=not self.meeting.anonymous)
        self.meeting = self.store.get_meeting(self.meeting.id)
        if self.result is not None:
            self._show_result(self.result)  # names change at once: nothing to match again
        self.refresh_agenda(only=self._shown_for)

    def close_meeting(self) -> None:
        if self.meeting is None or self.meeting.status is MeetingStatus.CLOSED:
            return
        close_meeting(self.store, self.meeting.id)
        self.reload_meetings(self.meeting.id)

    def export_minutes(self, path: str | None = None) -> None:
        """Minutes of this meeting as HTML or PDF (escaped customer text throughout)."""
        from pathlib import Path

        from PySide6.QtWidgets import QFileDialog

        from ui.history.reports import minutes_html, write_report

        if self.meeting is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export minutes", "minutes.pdf",
                                                  "PDF (*.pdf);;HTML (*.html)")
        if path:
            try:
                write_report(minutes_html(self.store, self.meeting.id), Path(path))
            except EmptyChairError as exc:
                self._failed(exc)

    def open_chair(self) -> None:
        from ui.meeting.chair import ChairWindow

        self._mark_running()
        if self.chair is None:
            self.chair = ChairWindow(self)
        self.chair.present()

    def closeEvent(self, event: Any) -> None:  # noqa: N802
        if self.chair is not None:
            self.chair.close()
        self.matcher.stop()
        self.closed.emit()
        super().closeEvent(event)

    # -- keys --------------------------------------------------------------------------
    def eventFilter(self, watched: Any, event: Any) -> bool:  # noqa: N802
        from PySide6.QtCore import QEvent

        if watched is self.tree and event.type() == QEvent.Type.KeyPress and \
                not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                         | Qt.KeyboardModifier.AltModifier):
            key = event.key()
            if key == Qt.Key.Key_C:
                self.set_impact(status=ImpactStatus.CONFIRMED)
                return True
            if key == Qt.Key.Key_X:
                self.set_impact(status=ImpactStatus.DISMISSED)
                return True
            if key in EFFECT_KEYS or event.text() == "?":
                self.set_impact(effect=EFFECT_KEYS.get(key, Effect.UNKNOWN))
                return True
            if key == Qt.Key.Key_F:
                self.set_stance(Stance.FOR)
                return True
            if key == Qt.Key.Key_A:
                self.set_stance(Stance.AGAINST)
                return True
        return super().eventFilter(watched, event)
