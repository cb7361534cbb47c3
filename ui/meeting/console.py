"""The facilitator's console: the layout over a MeetingSession. Left: the agenda. Centre:
who the current decision affects and why (AffectedModel). Right: the outcome."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import cast

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import VoiceDraft
from app.changes import Changes
from app.errors import BoardError, EmptyChairError
from app.history.follow import FollowStore, LoopRow
from app.meeting.commands import SetDelivery, SetTold
from app.meeting.domain import (
    Decision,
    Delivery,
    Effect,
    Meeting,
    MeetingStatus,
    Outcome,
    Stance,
)
from app.meeting.matching import DETAIL, AffectedCustomer, MatchResult, MatchStore
from app.meeting.ports import MeetingStore
from app.meeting.room import AgendaCount
from app.meeting.session import MeetingSession, Step, short_id
from ui.actions import MEETING_ACTIONS
from ui.fields import window_shortcuts_win
from ui.meeting.affected_model import AffectedModel, CustomerRole, VoiceRole
from ui.meeting.agenda_model import AgendaModel
from ui.meeting.dialogs import (
    ActionDialog,
    CarryOverDialog,
    DecisionDialog,
    LoopDialog,
    MeetingDialog,
    ReopenDialog,
)
from ui.meeting.matcher import MatchRunner
from ui.theme import PRIMARY, styled
from ui.undo import UndoableCommand, step

LIST_STEP = 40  # customers listed per decision, and how many more "Show more" adds
EFFECT_KEYS = {Qt.Key.Key_H: Effect.HELPS, Qt.Key.Key_U: Effect.HURTS,
               Qt.Key.Key_N: Effect.NEUTRAL, Qt.Key.Key_Question: Effect.UNKNOWN}
Broadcast = Callable[[Changes, object], None]
CaptureFactory = Callable[[Callable[[VoiceDraft], None], QWidget], QDialog]

__all__ = ["CustomerRole", "DecisionDialog", "MeetingConsole", "VoiceRole"]


def _plain(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return styled(label, name) if name else label


def meeting_label(held_on: dt.date, title: str, status: MeetingStatus, meeting_id: str) -> str:
    return f"{held_on} · {title} ({status.value}) · #{short_id(meeting_id)}"


class MeetingConsole(QMainWindow):
    """Every action goes to the session, which writes and says what changed; the console
    pushes the step for undo, refreshes what the step names and tells the shell."""

    decision_changed = Signal()  # the chair follows this
    closed = Signal()

    def __init__(self, session: MeetingSession, open_reader: Callable[[], MatchStore],
                 broadcast: Broadcast | None = None,
                 capture: CaptureFactory | None = None,
                 meeting_id: str | None = None, follow: FollowStore | None = None) -> None:
        super().__init__()
        self.session = session
        # Who to tell reads the board's voices through the history's port; the composition
        # root's store is both (ui.ports.Store).
        self.follow: FollowStore = follow or cast("FollowStore", session.store)
        self.broadcast = broadcast or (lambda changes, initiator: None)
        self.capture = capture
        self.undo_stack = QUndoStack(self)
        self.chair: QWidget | None = None
        self.list_size = LIST_STEP
        self.dialog: QDialog | None = None  # the dialog open now (tests drive it)
        self._asked: tuple[str, int] | None = None  # the match on its way
        self._asked_counts: list[tuple[str, int]] = []
        self._listed_for: str | None = None
        self._form_for: tuple[str, Outcome, str] | None = None  # the outcome form shows
        self._gone = False  # closed: its store may be closed too, nothing more is written
        self.matcher = MatchRunner(open_reader, self)
        self.matcher.matched.connect(self._matched)
        self.matcher.counted.connect(self._counted)
        self.matcher.failed.connect(self._failed_text)
        self.setWindowTitle("Empty Chair — Meeting room")
        self.resize(1500, 900)
        self._build()
        self._build_actions()
        session.open(meeting_id)
        self.refresh(Changes(meetings=True, decisions=True, impacts=True))

    # -- layout ------------------------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        top = QHBoxLayout()
        self.meeting_box = QComboBox()
        self.meeting_box.setAccessibleName("Meeting")
        self.meeting_box.setMinimumContentsLength(40)
        self.meeting_box.currentIndexChanged.connect(self._meeting_chosen)
        top.addWidget(self.meeting_box)
        self.buttons: dict[str, QPushButton] = {}
        # clicked(checked) never reaches a handler's arguments: it once landed in
        # export_minutes(path) and exported nothing.
        self._button_row((("new", "New meeting…", self.new_meeting),
                          ("edit", "Edit meeting…", self.edit_meeting),
                          ("duplicate", "Duplicate", self.duplicate_meeting),
                          ("close", "Close meeting…", self.close_meeting),
                          ("minutes", "Export minutes…", self.export_minutes)), top)
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
        self.banner = _plain("", "fieldError")  # a closed meeting says so, in words
        self.banner.setAccessibleName("Meeting status")
        outer.addWidget(self.banner)
        # Customers of earlier decisions (shipped, dropped or rejected) not told how they
        # ended: the next meeting sees who has not heard back.
        self.loop_note = _plain("", "muted")
        self.loop_note.setAccessibleName("Not told yet")
        outer.addWidget(self.loop_note)
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
        self.agenda.selectionModel().currentRowChanged.connect(self._agenda_row_chosen)
        left_layout.addWidget(self.agenda)
        left_layout.addLayout(self._button_row((("add", "Add…", self.add_decision),
                                                ("edit_decision", "Edit…", self.edit_decision),
                                                ("remove", "Remove", self.remove_decision))))
        self.deferred_button = QPushButton("")
        self.deferred_button.clicked.connect(self.carry_over)
        left_layout.addWidget(self.deferred_button)
        splitter.addWidget(left)
        # Centre: the decision and its customers.
        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        self.decision_title = _plain("", "detailTitle")
        centre_layout.addWidget(self.decision_title)
        self.summary = _plain("", "muted")
        centre_layout.addWidget(self.summary)
        self.affected_model = AffectedModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.affected_model)
        self.tree.setAccessibleName("Affected customers")
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        header = self.tree.header()
        header.resizeSection(0, 430)
        header.resizeSection(1, 230)  # why, in words: wide enough to read
        header.resizeSection(2, 90)  # status and effect always show whole
        header.resizeSection(3, 80)
        self.tree.installEventFilter(self)
        self.affected_model.modelReset.connect(self._expand)
        self.affected_model.rowsInserted.connect(self._expand_rows)
        centre_layout.addWidget(self.tree, 1)
        self.more_button = QPushButton(f"Show {LIST_STEP} more customers")
        self.more_button.clicked.connect(self.show_more)
        self.more_button.setVisible(False)
        centre_layout.addWidget(self.more_button)
        keys = _plain("Keys: C confirm · X dismiss · H helps · U hurts · N neutral · ? unknown · "
                      "F / A evidence for / against · Ctrl+N capture a voice · Ctrl+Right next "
                      "decision · F2 edit decision · F5 project", "muted")
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
        self.save_button = QPushButton("Record outcome (Ctrl+Enter)")
        self.save_button.clicked.connect(self.record_outcome)
        next_button = QPushButton("Next decision (Ctrl+Right)")
        next_button.clicked.connect(lambda: self.step(1))
        right_layout.addRow(_plain("Outcome", "laneTitle"))
        right_layout.addRow("Outcome", self.outcome)
        right_layout.addRow("Rationale", self.rationale)
        right_layout.addRow(self.save_button)
        right_layout.addRow(next_button)
        # Follow-through: after the meeting too (a closed meeting's decisions still ship).
        right_layout.addRow(_plain("Follow-through", "laneTitle"))
        self.delivery = QComboBox()
        for delivery in Delivery:
            self.delivery.addItem(delivery.label, delivery.value)
        self.delivery.setAccessibleName("Delivery")
        self.delivery.activated.connect(self._delivery_chosen)
        right_layout.addRow("Delivery", self.delivery)
        self.delivery_note = _plain("", "muted")
        right_layout.addRow(self.delivery_note)
        self.action_list = QListWidget()
        self.action_list.setAccessibleName("Action items")
        self.action_list.setWordWrap(True)
        self.action_list.itemChanged.connect(self._action_ticked)
        self.action_list.itemActivated.connect(lambda _item: self.edit_action())
        right_layout.addRow(self.action_list)
        right_layout.addRow(self._button_row((("add_action", "Add action…", self.add_action),
                                              ("remove_action", "Remove", self.remove_action))))
        self.tell_button = QPushButton("Who to tell…")
        self.tell_button.clicked.connect(self.close_the_loop)
        right_layout.addRow(self.tell_button)
        splitter.addWidget(right)
        splitter.setSizes([330, 850, 320])
        outer.addWidget(splitter, 1)
        self.setCentralWidget(central)
        # Ctrl+Right/Left/Enter in a text field go to the console, not the cursor.
        window_shortcuts_win(self.rationale, self.note, self.add_name)

    def _button_row(self, specs: tuple[tuple[str, str, Callable[[], object]], ...],
                    row: QHBoxLayout | None = None) -> QHBoxLayout:
        """Buttons in a row, each kept in self.buttons by its key."""
        row = QHBoxLayout() if row is None else row
        for key, text, handler in specs:
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, h=handler: h())
            row.addWidget(button)
            self.buttons[key] = button
        return row

    def _build_actions(self) -> None:
        handlers: dict[str, Callable[[], object]] = {
            "undo": lambda: self._undo(True), "redo": lambda: self._undo(False),
            "new_meeting": self.new_meeting, "edit_meeting": self.edit_meeting,
            "duplicate_meeting": self.duplicate_meeting,
            "export_minutes": lambda: self.export_minutes(),
            "close_meeting": self.close_meeting, "reopen_meeting": self.reopen_meeting,
            "project": self.open_chair, "anonymous": self.toggle_anonymous,
            "next": lambda: self.step(1), "previous": lambda: self.step(-1),
            "move_up": lambda: self.move_current(-1), "move_down": lambda: self.move_current(1),
            "add_decision": self.add_decision, "edit_decision": self.edit_decision,
            "remove_decision": self.remove_decision, "carry_over": self.carry_over,
            "record_outcome": self.record_outcome, "capture": self.capture_voice,
        }
        menus: dict[str, object] = {}
        self.actions_by_id: dict[str, QAction] = {}
        for spec in MEETING_ACTIONS:
            menu = menus.get(spec.menu)
            if menu is None:
                menu = menus[spec.menu] = self.menuBar().addMenu(spec.menu)
            action = QAction(spec.text.replace("&", "", 0), self)
            action.setText(spec.text)
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.triggered.connect(lambda _=False, h=handlers[spec.id]: h())
            menu.addAction(action)  # type: ignore[attr-defined]
            self.actions_by_id[spec.id] = action

    def _fill_screens(self) -> None:
        screens = QGuiApplication.screens()
        self.screen_box.clear()
        for index, screen in enumerate(screens):
            size = screen.geometry()
            self.screen_box.addItem(f"Screen {index + 1}: {screen.name()} "
                                    f"({size.width()}×{size.height()})", index)
        # The projector is usually the second screen.
        self.screen_box.setCurrentIndex(1 if len(screens) > 1 else 0)

    # -- showing the session -------------------------------------------------------------
    def refresh(self, changes: Changes) -> None:
        """Show what `changes` names; then ask for any match the session still wants."""
        session = self.session
        if changes.meetings:
            self._fill_meetings()
            self._show_loop_note()  # across every meeting: read when the meeting changes
        if changes.meetings or changes.decisions:
            self.agenda_model.set_agenda(session.agenda, session.counts)
            self._select_current()
            self._show_meeting_state()
        elif changes.impacts:
            self.agenda_model.set_counts(session.counts)
        self._show_indicator()
        self._show_decision()
        self._ask()

    def _fill_meetings(self) -> None:
        self.meeting_box.blockSignals(True)
        self.meeting_box.clear()
        for m in self.session.meetings():
            self.meeting_box.addItem(meeting_label(m.held_on, m.title, m.status, m.id), m.id)
        current = self.session.meeting
        index = self.meeting_box.findData(current.id) if current else -1
        self.meeting_box.setCurrentIndex(max(index, 0) if current else -1)
        self.meeting_box.blockSignals(False)

    def _show_meeting_state(self) -> None:
        session = self.session
        closed, meeting = session.closed, session.meeting
        for widget in (self.outcome, self.rationale, self.save_button, self.add_name,
                       self.note, self.buttons["add"], self.buttons["edit_decision"],
                       self.buttons["remove"], self.buttons["edit"], self.deferred_button):
            widget.setEnabled(not closed and meeting is not None)
        for key in ("add_decision", "edit_decision", "remove_decision", "carry_over",
                    "record_outcome", "capture", "edit_meeting", "close_meeting",
                    "anonymous", "move_up", "move_down"):
            self.actions_by_id[key].setEnabled(not closed and meeting is not None)
        self.actions_by_id["reopen_meeting"].setEnabled(closed)
        self.agenda.setDragEnabled(not closed)
        self.buttons["close"].setText("Reopen meeting…" if closed else "Close meeting…")
        for key in ("minutes", "duplicate", "close"):
            self.buttons[key].setEnabled(meeting is not None)
        for key in ("export_minutes", "duplicate_meeting", "project"):
            self.actions_by_id[key].setEnabled(meeting is not None)
        if closed and meeting is not None:
            self.banner.setText(f"Closed meeting #{short_id(meeting.id)}: what the room saw is "
                                "frozen and read-only. Reopen it (Meeting > Reopen meeting…) "
                                "to change it.")
        self.banner.setVisible(closed)
        deferred = self.session.deferred() if meeting is not None and not closed else []
        self.deferred_button.setText(f"Carry over deferred ({len(deferred)})…")
        self.deferred_button.setEnabled(bool(deferred))

    def _show_loop_note(self) -> None:
        from app.history.follow import follow_through

        waiting = [f for f in follow_through(self.follow).decisions if f.not_told]
        customers = sum(f.not_told for f in waiting)
        titles = ", ".join(f"“{f.decision.title}”" for f in waiting[:3])
        more = f" and {len(waiting) - 3} more" if len(waiting) > 3 else ""
        self.loop_note.setText(
            f"Still to hear back: {customers:,} customer{'s' if customers != 1 else ''} about "
            f"{titles}{more} (Who to tell…, on each decision)" if waiting else "")
        self.loop_note.setVisible(bool(waiting))

    def _show_indicator(self) -> None:
        if self.session.meeting is None:
            self.indicator.setText("No meeting yet: make one (New meeting…)")
            return
        with_customer, without = self.session.indicator()
        discussed = with_customer + without
        self.indicator.setText(
            f"Was the customer in the room? {with_customer} of {discussed} decided "
            f"decision{'s' if discussed != 1 else ''} had a confirmed customer"
            + (" · anonymous mode" if self.session.meeting.anonymous else ""))

    def _select_current(self) -> None:
        row = self.session.position
        if row >= 0 and self.agenda.currentIndex().row() != row:
            self.agenda.selectionModel().blockSignals(True)
            self.agenda.setCurrentIndex(self.agenda_model.index(row))
            self.agenda.selectionModel().blockSignals(False)

    def _show_decision(self, keep: str | None = None) -> None:
        session = self.session
        decision = session.current
        if decision is None:
            self.affected_model.show(None, {}, set())
            self.more_button.setVisible(False)
            self.decision_title.setText("No decision on the agenda yet: add one (Ctrl+D)"
                                        if session.meeting else "")
            self.summary.setText("")
            self.decision_changed.emit()
            return
        if self._listed_for != decision.id:
            self.list_size = LIST_STEP  # "Show more" is for one decision, not the meeting
        self.decision_title.setText(decision.title)
        self._show_follow_through(decision)
        stored = (decision.id, decision.outcome, decision.rationale)
        if stored != self._form_for:  # what the facilitator is typing stays until saved
            self._form_for = stored
            self.outcome.setCurrentText(decision.outcome.value)
            self.rationale.setPlainText(decision.rationale)
        result = session.result
        if result is None:
            self.affected_model.show(None, {}, set())
            self.more_button.setVisible(False)
            self.summary.setText("Finding the customers this decision affects…")
            self._listed_for = None
            self.decision_changed.emit()
            return
        self._show_result(result, keep)

    def _show_follow_through(self, decision: Decision | None) -> None:
        self.delivery.setCurrentIndex(self.delivery.findData(
            (decision.delivery if decision else Delivery.NOT_STARTED).value))
        self.delivery_note.setText(
            f"{decision.delivery.label.capitalize()} since {decision.delivery_on}"
            if decision and decision.delivery_on else "")
        self.action_list.blockSignals(True)
        self.action_list.clear()
        today = self.session.today()
        for item in self.session.actions.get(decision.id, []) if decision else []:
            due = f" · due {item.due_on}" if item.due_on else ""
            late = " · OVERDUE" if item.overdue(today) else ""
            done = f" · done {item.done_on}" if item.done_on else ""
            row = QListWidgetItem(f"{item.what} — {item.owner or 'no owner'}{due}{done}{late}")
            row.setData(Qt.ItemDataRole.UserRole, item.id)
            row.setFlags(row.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            row.setCheckState(Qt.CheckState.Checked if item.done_on else
                              Qt.CheckState.Unchecked)
            self.action_list.addItem(row)
        self.action_list.blockSignals(False)
        waiting = len(self.session.not_told().get(decision.id, [])) \
            if decision is not None and decision.closes_the_loop else 0
        self.tell_button.setText(f"Who to tell ({waiting} not told yet)…" if waiting
                                 else "Who to tell…")
        self.tell_button.setEnabled(decision is not None and decision.closes_the_loop)
        for widget in (self.action_list, self.buttons["add_action"],
                       self.buttons["remove_action"]):
            widget.setEnabled(decision is not None)
        # Only an approved decision is delivered (the session's rule, shown before it bites).
        self.delivery.setEnabled(decision is not None and decision.outcome is Outcome.APPROVED)

    def _delivery_chosen(self) -> None:
        delivery = Delivery(self.delivery.currentData())
        self._do(lambda: self.session.set_delivery(delivery))

    def _action_ticked(self, row: QListWidgetItem) -> None:
        item_id = str(row.data(Qt.ItemDataRole.UserRole))
        self._do(lambda: self.session.toggle_done(item_id))

    def _chosen_action(self) -> str | None:
        row = self.action_list.currentItem()
        return str(row.data(Qt.ItemDataRole.UserRole)) if row is not None else None

    def add_action(self) -> None:
        if self.session.current is None:
            return
        self._open_dialog(ActionDialog(self, lambda what, owner, due: self._checked(
            lambda: self.session.add_action(what, owner, due))))

    def edit_action(self) -> None:
        item_id = self._chosen_action()
        decision = self.session.current
        if item_id is None or decision is None:
            return
        item = next(i for i in self.session.actions.get(decision.id, []) if i.id == item_id)
        self._open_dialog(ActionDialog(self, lambda what, owner, due: self._checked(
            lambda: self.session.edit_action(item_id, what, owner, due)), item))

    def remove_action(self) -> None:
        item_id = self._chosen_action()
        if item_id is not None:
            self._do(lambda: self.session.remove_action(item_id))

    def close_the_loop(self) -> None:
        """Who to tell how the current decision ended; tick them off; export a CSV."""
        from app.history.follow import loop

        decision = self.session.current
        if decision is None:
            return
        try:
            _, rows = loop(self.follow, decision.id)
        except EmptyChairError as exc:
            self._failed(exc)
            return

        def told(customer_ids: list[str], is_told: bool) -> list[LoopRow]:
            self._do(lambda: self.session.mark_told(customer_ids, is_told))
            return loop(self.follow, decision.id)[1]  # what is stored now, shown as is

        self._open_dialog(LoopDialog(self, decision, rows, told,
                                     lambda: self.export_loop()))

    def export_loop(self, path: str | Path | None = None) -> Path | None:
        """The current decision's customers to tell, as CSV for a mail merge or a CRM."""
        from app.board.exporting import export_to
        from app.history.follow import LOOP_FIELDS, loop, loop_records

        decision = self.session.current
        if decision is None:
            return None
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self, "Export who to tell",
                                                    f"tell-{short_id(decision.id)}.csv",
                                                    "CSV (*.csv)")
            if not chosen:
                return None
            path = chosen
        try:
            shipped, rows = loop(self.follow, decision.id)
            export_to(Path(path), iter(loop_records(shipped, rows)), LOOP_FIELDS)
        except EmptyChairError as exc:
            self._failed(exc)
            return None
        self.statusBar().showMessage(f"{len(rows):,} customers written to {path}", 10000)
        return Path(path)

    def _show_result(self, result: MatchResult, keep: str | None = None) -> None:
        shown = self.selected_customer()
        selected = keep or (shown.customer.id if shown is not None else None)
        listed = {a.customer.id for a in result.shortlist(self.list_size)}
        everyone = len(result.customers)
        self.summary.setText(result.summary() + (
            f" · listing the strongest {len(listed):,}" if len(listed) < everyone else ""))
        self._listed_for = self.session.current_id
        self.affected_model.show(result, self.session.names(), listed)
        self.more_button.setVisible(len(listed) < min(everyone, DETAIL))
        index = self.affected_model.index_of_customer(selected) if selected else None
        if index is None or not index.isValid():
            index = self.affected_model.first_customer()
        if index.isValid() and self.tree.currentIndex() != index:
            self.tree.setCurrentIndex(index)
        self.decision_changed.emit()

    def _expand(self) -> None:
        self._expand_rows(QModelIndex(), 0, self.affected_model.rowCount() - 1)

    def _expand_rows(self, parent: QModelIndex, first: int, last: int) -> None:
        """New rows open, headings one line across (after a reset, or rows inserted)."""
        model = self.affected_model
        for row in range(first, last + 1):
            index = model.index(row, 0, parent)
            if model.spans_first_column(index):
                self.tree.setFirstColumnSpanned(row, parent, True)
            children = model.rowCount(index)
            if children:
                self.tree.expand(index)
                self._expand_rows(index, 0, children - 1)

    # -- matching -----------------------------------------------------------------------
    def _ask(self) -> None:
        """Ask the workers for what the session still wants: the current decision first,
        the agenda's out-of-date counts on the other lane."""
        wanted = self.session.wanted_match()
        if wanted is not None:
            decision, _, version = wanted
            if self._asked != (decision.id, version):
                self._asked = (decision.id, version)
                self.matcher.match(wanted)
        requests = self.session.count_request()
        key = [(d.id, version) for d, _, version in requests]
        if requests and key != self._asked_counts:
            self._asked_counts = key
            self.matcher.count(requests)

    def _matched(self, decision_id: str, result: MatchResult, version: int) -> None:
        if self._gone:  # closed (its store may be closed too): the answer is for nobody
            return
        self._asked = None
        if self.session.matched(decision_id, result, version):
            self.agenda_model.set_counts(self.session.counts)
            if decision_id == self.session.current_id:
                self._show_decision()
        self._ask()

    def _counted(self, counts: dict[str, AgendaCount], versions: dict[str, int]) -> None:
        if self._gone:
            return
        self._asked_counts = []
        self.session.counted(counts, versions)
        self.agenda_model.set_counts(self.session.counts)
        self._ask()

    @property
    def matching(self) -> bool:
        """True while the current decision (or an agenda count) is still being matched."""
        return self.matcher.busy

    @property
    def result(self) -> MatchResult | None:
        return self.session.result

    @property
    def meeting(self) -> Meeting | None:
        return self.session.meeting

    @property
    def store(self) -> MeetingStore:
        return self.session.store

    def board_changed(self) -> None:
        """Voices or customers changed elsewhere: every match is out of date. The decision
        on screen stays until its new match lands."""
        self.session.board_changed()
        self.refresh(Changes(impacts=True))

    # -- doing ---------------------------------------------------------------------------
    def _do(self, action: Callable[[], Step | None], keep: str | None = None) -> bool:
        """Run one session action: push it for undo, show what it changed, tell the shell."""
        if self._gone:
            return False
        try:
            done = action()
        except EmptyChairError as exc:
            self._failed(exc)
            return False
        if done is not None:
            self._took(done, keep)
        return True

    def _took(self, done: Step, keep: str | None = None) -> None:
        """A step the session did: pushed for undo, shown, told to the other screens."""
        self.undo_stack.push(UndoableCommand(done.command, self.session, self._applied,
                                             self._failed, self.undo_stack))
        self._applied(done.changes, keep)
        if isinstance(done.command, SetTold | SetDelivery):
            self._show_loop_note()

    def _applied(self, changes: Changes, keep: str | None = None) -> None:
        if changes.decisions or changes.meetings:
            self.refresh(changes)
        else:
            self.agenda_model.set_counts(self.session.counts)
            self._show_indicator()
            self._show_decision(keep)
            self._ask()
        self.broadcast(changes, self)

    def _undo(self, undo: bool) -> None:
        at = self.undo_stack.index() - (1 if undo else 0)
        target = self.undo_stack.command(at) if 0 <= at < self.undo_stack.count() else None
        step(self.undo_stack, undo=undo)
        if isinstance(target, UndoableCommand) and isinstance(target.command,
                                                               SetTold | SetDelivery):
            self._show_loop_note()

    def _failed_text(self, message: str) -> None:
        self._asked, self._asked_counts = None, []  # asked again on the next change
        self._failed(EmptyChairError(message))

    def _failed(self, exc: Exception) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Meeting room", str(exc), parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _open_dialog(self, dialog: QDialog) -> QDialog:
        self.dialog = dialog
        dialog.open()
        return dialog

    def current_decision(self) -> Decision | None:
        return self.session.current

    def selected_customer(self) -> AffectedCustomer | None:
        index = self.tree.currentIndex()
        return index.data(CustomerRole) if index.isValid() else None

    def names(self) -> dict[str, str]:
        return self.session.names()

    def _agenda_row_chosen(self) -> None:
        decision = self.agenda_model.decision(self.agenda.currentIndex().row())
        if decision is not None and decision.id != self.session.current_id:
            self.session.select(decision.id)
            self._show_decision()
            self._ask()

    def step(self, delta: int) -> None:
        if self.session.step(delta):
            self._select_current()
            self._show_decision()
            self._ask()

    def move_current(self, delta: int) -> None:
        self._do(lambda: self.session.move(delta))

    def _reordered(self, after: list[str]) -> None:
        self._do(lambda: self.session.reorder(after))

    def add_decision(self) -> None:
        if self.session.meeting is None:
            self.new_meeting()
            return
        self._open_dialog(DecisionDialog(self, lambda *fields: self._checked(
            lambda: self.session.add_decision(*fields))))

    def edit_decision(self) -> None:
        decision = self.session.current
        if decision is None or self.session.closed:
            return
        def save(title: str, description: str, themes: tuple[str, ...],
                 customers: tuple[str, ...], cohorts: tuple[str, ...]) -> None:
            self._checked(lambda: self.session.edit_decision(
                title, description, themes, customers, cohorts, decision_id=decision.id))

        self._open_dialog(DecisionDialog(self, save, decision))

    def _checked(self, action: Callable[[], Step | None]) -> None:
        """For dialogs: a refusal is raised (the dialog shows it and stays open)."""
        if self._gone:
            raise EmptyChairError("the meeting room was closed: nothing was saved")
        done = action()
        if done is not None:
            self._took(done)

    def remove_decision(self) -> None:
        self._do(self.session.remove_decision)

    def carry_over(self) -> None:
        if self.session.meeting is None or self.session.closed:
            return
        titles = {m.id: f"{m.held_on} · {m.title}" for m in self.session.meetings()}
        deferred = [(d, titles.get(d.meeting_id, "")) for d in self.session.deferred()]
        if deferred:
            self._open_dialog(CarryOverDialog(self, deferred, lambda ids: self._checked(
                lambda: self.session.carry_over(ids))))

    def _customer_after(self, customer_id: str) -> str | None:
        ids = self.affected_model.customer_ids()
        if customer_id not in ids:
            return None
        at = ids.index(customer_id)
        rest = ids[at + 1:] or ids[:at][-1:]
        return rest[0] if rest else None

    def set_impact(self, action: str, effect: Effect | None = None) -> None:
        a = self.selected_customer()
        if a is None:
            return
        cid = a.customer.id
        if action == "dismiss":
            # After a dismiss the next customer is selected, not the first of the list.
            self._do(lambda: self.session.dismiss(cid), keep=self._customer_after(cid))
        elif action == "confirm":
            self._do(lambda: self.session.confirm(cid), keep=cid)
        elif effect is not None:
            self._do(lambda: self.session.set_effect(cid, effect), keep=cid)

    def set_stance(self, stance: Stance) -> None:
        index = self.tree.currentIndex()
        voice, a = index.data(VoiceRole), index.data(CustomerRole)
        if voice is None or a is None:
            return
        self._do(lambda: self.session.set_stance(a.customer.id, voice.voice_id, stance),
                 keep=a.customer.id)
        self._reselect_voice(a.customer.id, voice.voice_id)

    def _reselect_voice(self, customer_id: str, voice_id: str) -> None:
        parent = self.affected_model.index_of_customer(customer_id)
        for row in range(self.affected_model.rowCount(parent)):
            index = self.affected_model.index(row, 0, parent)
            voice = index.data(VoiceRole)
            if voice is not None and voice.voice_id == voice_id:
                self.tree.setCurrentIndex(index)

    def save_note(self) -> None:
        a = self.selected_customer()
        if a is not None and self._do(lambda: self.session.set_note(a.customer.id,
                                                                    self.note.text()),
                                      keep=a.customer.id):
            self.note.clear()

    def add_by_hand(self) -> None:
        name = self.add_name.text().strip()
        if name and self._do(lambda: self.session.add_named(name)):
            self.add_name.clear()

    def record_outcome(self) -> None:
        if self.session.current is None:
            return
        self._do(lambda: self.session.record_outcome(Outcome(self.outcome.currentText()),
                                                     self.rationale.toPlainText()))

    def capture_voice(self) -> None:
        """Log a voice raised in the meeting and attach it to the current decision (one
        undoable step: undo takes back the voice and the attachment)."""
        if self.capture is None or self.session.current is None or self.session.closed:
            return

        def save(draft: VoiceDraft) -> None:
            if self._gone:
                raise BoardError("the meeting room was closed with its board: nothing was "
                                 "saved")
            self._took(self.session.capture(draft))  # a refusal stays in the capture dialog

        self._open_dialog(self.capture(save, self))

    def toggle_anonymous(self) -> None:
        meeting = self.session.meeting
        if meeting is not None:
            self._do(lambda: self.session.set_anonymous(not meeting.anonymous))

    # -- meetings ----------------------------------------------------------------------
    def _meeting_chosen(self) -> None:
        meeting_id = self.meeting_box.currentData()
        if meeting_id and (self.session.meeting is None or
                           meeting_id != self.session.meeting.id):
            self.show_meeting(meeting_id)

    def show_meeting(self, meeting_id: str | None) -> None:
        self.undo_stack.clear()  # undo is per meeting: another meeting's steps do not apply
        self.session.open(meeting_id)
        self.refresh(Changes(meetings=True, decisions=True, impacts=True))

    def _meeting_changed(self, changes: Changes) -> None:
        self.undo_stack.clear()
        self.refresh(changes)
        self.broadcast(changes, self)

    def new_meeting(self) -> None:
        def save(title: str, held_on: dt.date, facilitator: str, attendees: str) -> None:
            self._meeting_changed(self.session.new_meeting(title, held_on, facilitator,
                                                           attendees))

        self._open_dialog(MeetingDialog(self, save))

    def edit_meeting(self) -> None:
        meeting = self.session.meeting
        if meeting is None or self.session.closed:
            return
        self._open_dialog(MeetingDialog(self, lambda *fields: self._checked(
            lambda: self.session.edit_meeting(*fields)), meeting))

    def duplicate_meeting(self) -> None:
        try:
            changes = self.session.duplicate()
        except EmptyChairError as exc:
            self._failed(exc)
            return
        self._meeting_changed(changes)

    def close_meeting(self) -> QMessageBox | None:
        """Ask first, naming the decisions still pending; closing freezes the record."""
        meeting = self.session.meeting
        if meeting is None:
            return None
        if self.session.closed:
            self.reopen_meeting()
            return None
        pending = self.session.pending()
        text = (f"Close “{meeting.title}”? What the room saw for each decision is frozen, "
                "and the meeting becomes read-only (it can be reopened, with a reason).")
        if pending:
            text += ("\n\nStill pending:\n" + "\n".join(f"• {d.title}" for d in pending[:12])
                     + (f"\n… and {len(pending) - 12} more" if len(pending) > 12 else ""))
        box = QMessageBox(QMessageBox.Icon.Question, "Close meeting", text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        close = box.addButton("Close and freeze", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered() -> None:
            if box.clickedButton() is close:
                self.confirm_close()

        box.finished.connect(answered)
        box.open()
        self.close_box = box
        return box

    def confirm_close(self) -> None:
        if self._gone:
            return
        try:
            changes = self.session.close()
        except EmptyChairError as exc:
            self._failed(exc)
            return
        self._meeting_changed(changes)

    def reopen_meeting(self) -> None:
        meeting = self.session.meeting
        if meeting is None or not self.session.closed:
            return

        def save(reason: str) -> None:
            self._meeting_changed(self.session.reopen(reason))

        self._open_dialog(ReopenDialog(self, meeting.title, save))

    def export_minutes(self, path: str | Path | None = None) -> Path | None:
        """Minutes of this meeting as HTML or PDF (escaped customer text throughout)."""
        from ui.history.reports import minutes_html, write_report

        meeting = self.session.meeting
        if meeting is None:
            return None
        if path is None:
            suggested = f"minutes-{meeting.held_on}-{short_id(meeting.id)}.pdf"
            chosen, _ = QFileDialog.getSaveFileName(self, "Export minutes", suggested,
                                                    "PDF (*.pdf);;HTML (*.html)")
            if not chosen:
                return None
            path = chosen
        try:
            written = write_report(minutes_html(self.session), Path(path))
        except EmptyChairError as exc:
            self._failed(exc)
            return None
        self.statusBar().showMessage(f"Minutes written to {written}", 10000)
        return written

    def open_chair(self) -> None:
        from ui.meeting.chair import ChairWindow

        self._do(self.session.mark_running)
        if self.chair is None:
            self.chair = ChairWindow(self.session, self.decision_changed, self.step,
                                     self.toggle_anonymous, self.target_screen)
        self.chair.present()  # type: ignore[attr-defined]

    def target_screen(self) -> object:
        """The screen the facilitator picked (the projector by default)."""
        screens = QGuiApplication.screens()
        index = self.screen_box.currentData()
        return screens[index] if isinstance(index, int) and index < len(screens) \
            else self.screen()

    def show_more(self) -> None:
        self.list_size = min(self.list_size + LIST_STEP, DETAIL)  # those with verbatims
        result = self.session.result
        if result is not None:
            self._show_result(result)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # Its dialogs go with it: one left open after a board switch wrote to a closed store.
        self._gone = True
        for dialog in self.findChildren(QDialog):
            dialog.close()
        if self.chair is not None:
            self.chair.close()
        self.matcher.stop()
        self.closed.emit()
        super().closeEvent(event)

    # -- keys --------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.tree and event.type() == QEvent.Type.KeyPress and \
                isinstance(event, QKeyEvent) and \
                not event.modifiers() & (Qt.KeyboardModifier.ControlModifier
                                         | Qt.KeyboardModifier.AltModifier):
            key = event.key()
            if key == Qt.Key.Key_C:
                self.set_impact("confirm")
                return True
            if key == Qt.Key.Key_X:
                self.set_impact("dismiss")
                return True
            if key in EFFECT_KEYS or event.text() == "?":
                self.set_impact("effect", EFFECT_KEYS.get(Qt.Key(key), Effect.UNKNOWN))
                return True
            if key == Qt.Key.Key_F:
                self.set_stance(Stance.FOR)
                return True
            if key == Qt.Key.Key_A:
                self.set_stance(Stance.AGAINST)
                return True
        return super().eventFilter(watched, event)
