"""The board window: three lanes of voices, filters, customers, detail, undo."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import Kind, Voice
from app.board.filters import VoiceFilter
from app.changes import Changes
from app.errors import EmptyChairError
from app.team import SyncMood
from ui.actions import ACTIONS, shortcut_text
from ui.board.card_delegate import VoiceCardDelegate
from ui.board.detail_pane import DetailPane
from ui.board.filter_bar import FilterBar
from ui.board.lane_model import VoiceLaneModel, VoiceRole
from ui.board.search_worker import FIRST_PAGE, BoardRead, FirstRead, LaneResults, SearchRunner
from ui.board.side_panel import SidePanel
from ui.plain import tooltip
from ui.theme import LANE, MUTED, THEMES, TITLE, apply_look, styled
from ui.undo import step

if TYPE_CHECKING:  # editing and dialogs load on first use: they cost the start nothing
    from PySide6.QtGui import QCloseEvent, QShowEvent
    from PySide6.QtWidgets import QMessageBox, QWidget

    from app.board.commands import Command
    from app.board.domain import VoiceDraft
    from ui.board.capture_dialog import CaptureDialog
    from ui.history.window import HistoryWindow
    from ui.meeting.console import MeetingConsole
    from ui.ports import Store

VERSION = "0.1.0"
# How long a write from the window waits for another program's lock before it says "busy"
# (and the edit or undo stays possible): the window never freezes for the CLI's 5 s.
GUI_LOCK_WAIT_MS = 250
LANE_ORDERS = (("Best match", "relevance"), ("Newest", "newest"), ("Oldest", "oldest"),
               ("Severity", "severity"), ("Customer", "customer"))
MAX_RECENT = 8
LAYOUT_WIDTHS = (290, 960, 330)  # side panel, lanes, detail: the lanes take what is left


class Lane(QWidget):
    """A titled lane: 'Complaints (1,234)', a sort choice and the list of cards."""

    order_changed = Signal(object, str)

    def __init__(self, kind: Kind, theme: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 0, 2, 0)
        self.title = QLabel(kind.label)
        self.title.setProperty("kind", kind.value)
        styled(self.title, TITLE)
        layout.addWidget(self.title)
        # The sort choice sits under the title so large (projector) type never cuts it.
        header = QHBoxLayout()
        header.addWidget(styled(QLabel("Sort"), MUTED))
        self.sort = QComboBox()
        self.sort.setAccessibleName(f"Sort {kind.label}")
        for label, _ in LANE_ORDERS:
            self.sort.addItem(label)
        self.sort.currentIndexChanged.connect(
            lambda i: self.order_changed.emit(self.kind, LANE_ORDERS[i][1]))
        header.addWidget(self.sort, 1)
        layout.addLayout(header)
        self.model = VoiceLaneModel(self)
        self.view = styled(QListView(), LANE)
        self.view.setModel(self.model)
        self.delegate = VoiceCardDelegate(theme, self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(False)
        # Cards take the lane's width and re-wrap when it changes; never scroll sideways.
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setSpacing(0)
        self.view.setAccessibleName(kind.label)
        layout.addWidget(self.view)

    @property
    def order(self) -> str:
        return LANE_ORDERS[self.sort.currentIndex()][1]

    def set_title(self, total: int) -> None:
        self.title.setText(f"{self.kind.label} ({total:,})")


class BoardWindow(QMainWindow):
    """The composition root gives it a store (GUI thread), a factory for worker-thread
    readers, and `open_board(path, create)` for switching boards."""

    search_done = Signal()

    def __init__(self, store: Store, open_reader: Callable[[Path], Any],
                 open_board: Callable[[Path, bool], Any], settings: QSettings,
                 exporter: Callable[..., Any] | None = None,
                 first_read: FirstRead | None = None) -> None:
        """first_read: a FirstRead already reading this board (the app's start), or None to
        start one here."""
        super().__init__()
        self.store = store
        store.wait_for_lock(GUI_LOCK_WAIT_MS)
        self._open_reader = open_reader
        from ui.shell import Shell

        self.shell = Shell(self, open_reader)
        self._open_board = open_board
        self.settings = settings
        self.theme = str(settings.value("theme", "light"))
        self.zoom = int(str(settings.value("zoom", 0)))
        self.undo_stack = QUndoStack(self)
        self.actions_by_id: dict[str, QAction] = {}
        self.selected: Voice | None = None
        self._customers: list[Any] = []
        self._board_total = 0
        # Shown when neither is pending; then search_done.
        self._lanes_pending = self._customers_pending = True
        self.runner: SearchRunner | None = None
        # The board is read (first cards, customers) in worker threads while this thread
        # builds the window (from before Qt loaded, at the app's start); the results are
        # taken once the widgets they fill exist.
        self._start_reading(store, first_read or self._first_read_of(store, VoiceFilter()))
        # Styled before any widget exists: styling afterwards re-polishes every widget.
        self._set_look(restyle=False)
        self.filter_bar = FilterBar()
        self.side = SidePanel()
        self.detail = DetailPane()
        self.lanes = {kind: Lane(kind, self.theme) for kind in Kind}
        self._build_layout()
        self._build_menus()
        self._attach(store)
        self.filter_bar.changed.connect(self.refresh_lanes)
        self.side.customer_picked.connect(
            lambda name: self.filter_bar.choose(self.filter_bar.customer, name))
        self.side.cohort_picked.connect(
            lambda name: self.filter_bar.choose(self.filter_bar.cohort, name))
        for lane in self.lanes.values():
            lane.view.selectionModel().currentChanged.connect(
                lambda current, _prev, lane=lane: self._select(lane, current))
            lane.view.doubleClicked.connect(lambda _index: self.edit_voice())
            lane.order_changed.connect(self._lane_order_changed)
        self.apply_theme(self.theme, restyle=False)  # the look was set before the widgets
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1500, 950)
        self._take_first_read()

    # -- layout and menus --------------------------------------------------------------
    def _build_layout(self) -> None:
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.filter_bar)
        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.side)
        lanes = QWidget()
        lanes_layout = QHBoxLayout(lanes)
        lanes_layout.setContentsMargins(0, 0, 0, 0)
        for lane in self.lanes.values():
            lanes_layout.addWidget(lane)
        splitter.addWidget(lanes)
        splitter.addWidget(self.detail)
        splitter.setSizes(list(LAYOUT_WIDTHS))
        splitter.setStretchFactor(1, 1)
        outer.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.status = styled(QLabel(""), MUTED)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status, 1)
        # The team sync's state, always in sight on a linked board; a click syncs now.
        from PySide6.QtWidgets import QToolButton

        self.team_status = QToolButton()
        self.team_status.setAutoRaise(True)
        self.team_status.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.team_status.clicked.connect(self._team_status_clicked)
        self.team_status.hide()
        self.statusBar().addPermanentWidget(self.team_status)
        self.shell.team_changed.connect(self._show_team)

    def _build_menus(self) -> None:
        handlers: dict[str, Callable[[], Any]] = {
            "new_board": self.new_board, "open_board": self.choose_board,
            "import_csv": self.import_csv, "export_view": lambda: self.export(True),
            "export_board": lambda: self.export(False), "backup": self.backup,
            "restore_backup": self.restore_backup,
            "quit": self.close, "undo": lambda: step(self.undo_stack, undo=True),
            "redo": lambda: step(self.undo_stack, undo=False),
            "new_voice": self.new_voice, "edit_voice": self.edit_voice,
            "delete_voice": self.delete_voice, "find": self.focus_search,
            "clear_filters": self.filter_bar.clear, "edit_customer": self.edit_customer,
            "merge_customers": self.merge_customers, "duplicates": self.show_duplicates,
            "cohorts_themes": self.manage_named, "zoom_in": lambda: self.set_zoom(1),
            "zoom_out": lambda: self.set_zoom(-1), "shortcuts": self.show_shortcuts,
            "about": self.show_about, "meeting_room": self.open_meeting_room,
            "history": self.open_history, "sync_now": self.sync_now,
            "sync_conflicts": self.open_conflicts,
        }
        menus: dict[str, Any] = {}
        theme_group = QActionGroup(self)
        for spec in ACTIONS:
            menu = menus.get(spec.menu) or self.menuBar().addMenu(spec.menu)
            menus[spec.menu] = menu
            action = QAction(self)  # not QAction(text, self): that builds QIcon's types, 4 ms
            action.setText(spec.text)
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            action.setCheckable(spec.checkable)
            if spec.id.startswith("theme_"):
                name = spec.id.removeprefix("theme_")
                theme_group.addAction(action)
                action.setChecked(name == self.theme)
                action.triggered.connect(lambda _=False, name=name: self.apply_theme(name))
            else:
                # triggered(checked) must not reach a handler's first argument
                action.triggered.connect(lambda _=False, h=handlers[spec.id]: h())
            menu.addAction(action)
            self.actions_by_id[spec.id] = action
            if spec.id == "open_board":
                self.recent_menu = menu.addMenu("Recent boards")
        self.undo_stack.canUndoChanged.connect(self.actions_by_id["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.actions_by_id["redo"].setEnabled)
        self.undo_stack.undoTextChanged.connect(
            lambda text: self.actions_by_id["undo"].setText(f"&Undo {text}".strip()))
        self.undo_stack.redoTextChanged.connect(
            lambda text: self.actions_by_id["redo"].setText(f"&Redo {text}".strip()))
        self.actions_by_id["undo"].setEnabled(False)
        self.actions_by_id["redo"].setEnabled(False)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_boards():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.switch_board(Path(p)))

    def recent_boards(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [str(v) for v in (value if isinstance(value, list) else [value]) if v]

    # -- board -------------------------------------------------------------------------
    def _first_read_of(self, store: Store, flt: VoiceFilter,
                       orders: dict[Kind, str] | None = None) -> FirstRead:
        path = Path(store.path)
        return FirstRead(BoardRead(lambda: self._open_reader(path), flt, orders))

    def _lane_orders(self) -> dict[Kind, str]:
        return {kind: lane.order for kind, lane in self.lanes.items()}

    def _start_reading(self, store: Store, first_read: FirstRead) -> None:
        """A search worker for this board; its first cards and customers come from
        `first_read`, already reading, once _take_first_read() says the window is ready."""
        if self.runner is not None:
            self.runner.stop()
        self.store = store
        store.wait_for_lock(GUI_LOCK_WAIT_MS)
        path = Path(store.path)
        self.runner = SearchRunner(lambda: self._open_reader(path), self)
        self.runner.results.connect(self._show_results)
        self.runner.customers.connect(self._on_customers)
        self.runner.failed.connect(self._show_failure)
        self._lanes_pending = self._customers_pending = True
        self._first_read = first_read  # kept: its results reach us through its signal

    def _take_first_read(self) -> None:
        first_read = self._first_read

        def only_current(handler: Callable[[Any], None]) -> Callable[[Any], None]:
            # A board switched away from may still answer: its reads are not for us.
            return lambda value: handler(value) if first_read is self._first_read else None

        first_read.deliver(only_current(self._show_results), only_current(self._on_customers),
                           only_current(self._show_failure))

    def _attach(self, store: Store) -> None:
        if self.store is not store:  # a board switch
            self._start_reading(store, self._first_read_of(store, self.filter_bar.current(),
                                                           self._lane_orders()))
            self._take_first_read()
        path = Path(store.path)
        self.undo_stack.clear()
        for notice in getattr(store, "notices", ()):  # a stray -wal set aside at open
            self.warn("Empty Chair", notice)
        self.setWindowTitle(f"Empty Chair — {path.name}")
        self.settings.setValue("last_board", str(path))
        recent = [str(path), *[p for p in self.recent_boards() if p != str(path)]]
        self.settings.setValue("recent", recent[:MAX_RECENT])
        self._fill_recent()
        # Voices and customers arrive from the worker (_show_results).
        self.refresh(Changes(cohorts=True, themes=True))
        self.shell.start_team()

    # -- the team server ----------------------------------------------------------------
    def sync_now(self) -> None:
        team = self.shell.team
        if team is None or not team.sync_now():
            self.warn("Sync with team server",
                      f"{self.store.path} is not linked to a team server. Link it once with\n"
                      f"empty-chair connect postgresql://USER@HOST/DATABASE --db "
                      f"{self.store.path}\n(see the README, \"Team board\").")

    def open_conflicts(self) -> None:
        if self.shell.open_conflicts() is None:
            self.warn("Sync conflicts", f"{self.store.path} is not linked to a team server, "
                      "so no sync has replaced anything.")

    def _team_status_clicked(self) -> None:
        team = self.shell.team
        if team is not None and team.mood_now() is SyncMood.CONFLICTS:
            self.open_conflicts()
        else:
            self.sync_now()

    def _show_team(self) -> None:
        team = self.shell.team
        text, tip = team.status() if team is not None else ("", "")
        self.team_status.setText(text)
        self.team_status.setToolTip(tooltip(tip) if tip else "")
        self.team_status.setVisible(bool(text))

    def _show_failure(self, message: str) -> None:
        self.status.setText(message)
        self._lanes_pending = self._customers_pending = False
        self.search_done.emit()

    def _shown(self) -> None:
        if not (self._lanes_pending or self._customers_pending):
            self.search_done.emit()

    def switch_board(self, path: Path, create: bool = False) -> bool:
        """Open another board; a refused file leaves the current board open."""
        try:
            store = self._open_board(path, create)
        except EmptyChairError as exc:
            self.warn("Cannot open this board", str(exc))
            return False
        old = self.store
        self.shell.close_companions()  # they read the old store: they go before it does
        self._attach(store)
        self.shell.retire(old)
        return True

    def choose_board(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, "Open board", "", "Boards (*.db);;All (*)")
        if path:
            self.switch_board(Path(path))

    def new_board(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "New board", "board.db", "Boards (*.db)")
        if path:
            if Path(path).exists():
                self.warn("New board", f"{path} already exists; open it instead")
                return
            self.switch_board(Path(path), create=True)

    # -- refresh -----------------------------------------------------------------------
    def refresh(self, changes: Changes) -> None:
        """This window changed the board: show it, and tell the other screens."""
        self.show_changes(changes)
        self.shell.apply(changes, self)

    def show_changes(self, changes: Changes) -> None:
        """Reload only what `changes` names."""
        if changes.voices:
            self.refresh_lanes()
        if changes.customers:
            # Read in the worker, after the lanes: on a big board the list takes 0.1 s,
            # which the GUI thread would spend frozen after every captured voice.
            assert self.runner is not None
            self._customers_pending = True
            self.runner.request_customers()
        if changes.customers or changes.cohorts:
            self.filter_bar.set_choices(self.filter_bar.cohort,
                                        [c.name for c in self.store.cohorts()])
        if changes.themes:
            self.filter_bar.set_choices(self.filter_bar.theme,
                                        [t.name for t in self.store.themes()])

    def _set_customers(self, customers: list[Any]) -> None:
        self._customers = customers
        self._customers_pending = False
        self.side.set_customers(customers)
        self.filter_bar.set_choices(self.filter_bar.customer, [c.name for c in customers])
        self._show_status()

    def _show_status(self) -> None:
        self.status.setText(f"{self.store.path}  ·  {self._board_total:,} voices  ·  "
                            f"{len(self._customers):,} customers")

    def refresh_lanes(self) -> None:
        assert self.runner is not None
        self._lanes_pending = True
        self.runner.request(self.filter_bar.current(), self._lane_orders())

    def _on_customers(self, customers: list[Any]) -> None:
        """The customer list, read off the GUI thread (at the start beside the first cards;
        after edits by the search worker)."""
        self._set_customers(customers)
        self._shown()

    def _lane_fetch(self, kind: Kind, flt: Any, order: str) -> Callable[[int, int], list[Voice]]:
        lane_filter = dataclasses.replace(flt, kinds=(kind,))
        return lambda offset, limit: self.store.search(lane_filter, limit=limit, offset=offset,
                                                       order=order)

    def _show_results(self, result: LaneResults) -> None:
        if self.runner is not None and result.generation != self.runner.generation:
            return  # the first read, overtaken by a request made since
        selected = self.selected.id if self.selected else None
        for kind, lane in self.lanes.items():
            visible = not result.flt.kinds or kind in result.flt.kinds
            total = result.totals[kind] if visible else 0
            if lane.order == result.orders[kind]:
                page = result.pages[kind] if visible else []
            else:  # the lane's sort changed while this was read
                page = self.store.search(dataclasses.replace(result.flt, kinds=(kind,)),
                                         limit=FIRST_PAGE, order=lane.order) if visible else []
            lane.model.reset(page, total, self._lane_fetch(kind, result.flt, lane.order))
            lane.set_title(total)
            lane.setVisible(visible)
        shown = sum(result.totals[k] for k in Kind if not result.flt.kinds or k in
                    result.flt.kinds)
        self.filter_bar.show_count(shown, result.board_total)
        self._board_total = result.board_total
        self._show_status()
        if selected:
            self._reselect(selected)
        self._lanes_pending = False
        self._shown()

    def _lane_order_changed(self, kind: Kind, order: str) -> None:
        flt = dataclasses.replace(self.filter_bar.current())
        lane = self.lanes[kind]
        page = self.store.search(dataclasses.replace(flt, kinds=(kind,)), limit=FIRST_PAGE,
                                 order=order)
        lane.model.reset(page, lane.model.total, self._lane_fetch(kind, flt, order))

    def _reselect(self, voice_id: str) -> None:
        for lane in self.lanes.values():
            row = lane.model.row_of(voice_id)
            if row >= 0:
                lane.view.setCurrentIndex(lane.model.index(row))
                return
        self._show_detail(None)

    def _select(self, lane: Lane, current: Any) -> None:
        voice = current.data(VoiceRole) if current.isValid() else None
        if voice is not None:
            for other in self.lanes.values():
                if other is not lane:
                    other.view.clearSelection()
        self._show_detail(voice)

    def _show_detail(self, voice: Voice | None) -> None:
        self.selected = voice
        customer = next((c for c in self._customers if voice and c.id == voice.customer_id),
                        None)
        merged = self.store.merged_sources(voice.id) if voice else []
        self.detail.show_voice(voice, customer, merged)

    # -- commands ----------------------------------------------------------------------
    def run_command(self, command: Command) -> bool:
        """Apply a domain command now; push it for undo only when it succeeded."""
        from ui.undo import UndoableCommand

        changes = command.apply(self.store)  # errors propagate to the caller (dialogs)
        self.undo_stack.push(UndoableCommand(command, self.store, self.refresh,
                                             self._command_failed, self.undo_stack))
        self.refresh(changes)
        return True

    def warn(self, title: str, text: str) -> QMessageBox:
        """A warning that does not block the event loop; customer text stays plain."""
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        return box

    def _command_failed(self, exc: Exception) -> None:
        self.warn("Empty Chair", str(exc))

    def _try(self, command: Command) -> None:
        try:
            self.run_command(command)
        except EmptyChairError as exc:
            self.warn("Empty Chair", str(exc))

    def _names(self) -> tuple[list[str], list[str], list[str]]:
        return ([c.name for c in self._customers], [c.name for c in self.store.cohorts()],
                [t.name for t in self.store.themes()])

    def capture_dialog(self, voice: Voice | None = None) -> CaptureDialog:
        from app.board.commands import CreateVoice, EditVoice, draft_of
        from app.errors import ConflictError
        from ui.board.capture_dialog import CaptureDialog

        customers, cohorts, themes = self._names()
        if voice is None:
            def save(draft: Any) -> None:
                self.run_command(CreateVoice(draft))
        else:
            before = draft_of(voice)
            stamp: list[str | None] = [voice.updated_at]  # as read: another window may move it

            def save(draft: Any) -> None:
                try:
                    self.run_command(EditVoice(voice.id, before, draft, stamp=stamp[0]))
                except ConflictError:
                    stamp[0] = None  # the message says: save again to overwrite
                    raise
        return CaptureDialog(customers, cohorts, themes, save,
                             draft_of(voice) if voice else None, self)

    def new_voice(self) -> None:
        self.capture_dialog().open()

    def edit_voice(self) -> None:
        if self.selected is not None:
            self.capture_dialog(self.selected).open()

    def delete_voice(self) -> None:
        from app.board.commands import DeleteVoices

        if self.selected is not None:
            voice = self.selected
            self._try(DeleteVoices([voice.id], text="Delete voice"))
            self.statusBar().showMessage("Voice deleted — Undo (Ctrl+Z) brings it back", 8000)

    def capture_for_meeting(self, save: Callable[[VoiceDraft], None],
                            parent: QWidget) -> CaptureDialog:
        """The capture dialog the meeting room opens (Ctrl+N there)."""
        from ui.board.capture_dialog import CaptureDialog

        customers, cohorts, themes = self._names()
        return CaptureDialog(customers, cohorts, themes, save, None, parent)

    def open_meeting_room(self, meeting_id: str | None = None) -> MeetingConsole:
        return self.shell.open_meeting_room(meeting_id)

    @property
    def meeting_console(self) -> MeetingConsole | None:
        return self.shell.console

    def open_history(self) -> HistoryWindow:
        return self.shell.open_history()

    @property
    def history_window(self) -> HistoryWindow | None:
        return self.shell.history

    def focus_search(self) -> None:
        self.filter_bar.search.setFocus()
        self.filter_bar.search.selectAll()

    # -- dialogs provided by other modules -----------------------------------------------
    def import_csv(self) -> None:
        from ui.board.import_wizard import ImportWizard

        wizard = ImportWizard(self.store.path, self._open_reader, self)
        wizard.imported.connect(self.refresh)
        wizard.applied.connect(self.push_applied)
        wizard.open()

    def push_applied(self, command: Command) -> None:
        """A command a worker already applied (a customers import): undoable from here."""
        from ui.undo import UndoableCommand

        self.undo_stack.push(UndoableCommand(command, self.store, self.refresh,
                                             self._command_failed, self.undo_stack))

    def export(self, filtered: bool) -> None:
        from ui.board.transfer import export_dialog

        export_dialog(self, self.filter_bar.current() if filtered else None)

    def backup(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self, "Backup board", "board-backup.db",
                                              "Boards (*.db)")
        if path:
            try:
                self.store.backup(Path(path))
            except EmptyChairError as exc:
                self.warn("Backup", str(exc))
                return
            self.statusBar().showMessage(f"Backup written to {path}", 8000)

    def restore_backup(self) -> None:
        """File > Restore from backup: pick a backup (the daily ones by default), confirm,
        and the board is replaced; the board as it was is kept beside it."""
        from PySide6.QtWidgets import QFileDialog, QMessageBox

        board = Path(self.store.path)
        daily = board.with_name(f"{board.stem}-backups")
        path, _ = QFileDialog.getOpenFileName(
            self, "Restore from backup", str(daily if daily.is_dir() else board.parent),
            "Boards (*.db);;All (*)")
        if not path:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Restore from backup",
                          f"Replace {board.name} with the backup {Path(path).name}?\n\nThe "
                          "board as it is now is kept beside it, and undo starts afresh.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        if box.exec() == QMessageBox.StandardButton.Yes:
            self.restore_from(Path(path))

    def restore_from(self, backup: Path) -> bool:
        """Put `backup` in place of this board and show it. Every connection this window
        holds is closed first (a restore never swaps a file under an open board); on a
        refusal the board is opened again as it was."""
        from ui.composition import restore_board

        board = Path(self.store.path)
        self.shell.close_companions()
        if self.runner is not None:
            self.runner.stop()
            self.runner = None
        self.store.close()
        try:
            kept = restore_board(backup, board)
        except (EmptyChairError, OSError) as exc:  # a full disk while copying, too
            self.switch_board(board)
            self.warn("Restore from backup", str(exc) if isinstance(exc, EmptyChairError)
                      else f"{backup}: {exc.strerror or exc}; the board was not changed")
            return False
        if not self.switch_board(board):
            return False
        self.statusBar().showMessage(
            f"Restored from {backup.name}" + (f"; the board it replaced is kept as {kept.name}"
                                              if kept else ""), 15000)
        return True

    def edit_customer(self) -> None:
        from ui.board.manage import edit_customer

        edit_customer(self)

    def merge_customers(self) -> None:
        from ui.board.manage import merge_customers

        merge_customers(self)

    def show_duplicates(self) -> None:
        from ui.board.manage import DuplicatesDialog

        DuplicatesDialog(self).open()

    def manage_named(self) -> None:
        from ui.board.manage import NamedDialog

        NamedDialog(self).open()

    # -- view --------------------------------------------------------------------------
    def _set_look(self, restyle: bool = True) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_look(app, self.theme, self.zoom, restyle=restyle)

    def apply_theme(self, name: str, *, restyle: bool = True) -> None:
        self.theme = name if name in THEMES else "light"
        if restyle:
            self._set_look()
        self.side.fit_columns()
        self._fit_side_panel()
        for lane in self.lanes.values():
            lane.delegate.theme = self.theme
            lane.view.doItemsLayout()  # card heights depend on the theme's type size
        action = self.actions_by_id.get(f"theme_{self.theme}")
        if action is not None:
            action.setChecked(True)
        self.settings.setValue("theme", self.theme)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        # Only now are the lanes as wide as they will be shown: lay the cards out at that
        # width before the first paint, not 0.1 s later (Qt's delayed layout after a resize),
        # while cards measured at the width before would overlap.
        for lane in self.lanes.values():
            lane.view.doItemsLayout()

    def _fit_side_panel(self) -> None:
        """The side panel follows the type size; the lanes give or take the difference."""
        wanted = self.side.preferred_width()
        if self.splitter.isVisible():
            side, lanes, detail = self.splitter.sizes()
            self.splitter.setSizes([wanted, max(lanes + side - wanted, 0), detail])
        else:  # not laid out yet: sizes() are not the widths it will have
            self.splitter.setSizes([wanted, *LAYOUT_WIDTHS[1:]])

    def set_zoom(self, step: int) -> None:
        self.zoom = max(-4, min(12, self.zoom + step))
        self.settings.setValue("zoom", self.zoom)
        self.apply_theme(self.theme)

    def show_shortcuts(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        lines = [f"{shortcut_text(spec):<18} {spec.text.replace('&', '')}"
                 for spec in ACTIONS if spec.shortcut is not None]
        lines += ["Enter               Save in the capture dialog (Shift+Enter: new line)",
                  "Arrow keys          Move between cards in a lane", "Double-click        Edit"]
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "\n".join(lines),
                          parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    def show_about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Information, "About Empty Chair",
                          f"Empty Chair {VERSION}\nKeep the customer in the room.\n\n"
                          f"Board: {self.store.path}", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.open()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.settings.setValue("geometry", self.saveGeometry())
        self.shell.close_companions()  # they share our store: they close before it goes
        if self.runner is not None:
            self.runner.stop()
        self.store.close()
        super().closeEvent(event)

    def wait_idle(self, timeout_ms: int = 10_000) -> None:
        """Run the event loop until the newest search has been shown (screenshots, bench).

        A QEventLoop, not a processEvents() spin: spinning for a second or more tripped a
        reference-count crash in PySide6 on Python 3.11.
        """
        if not (self._lanes_pending or self._customers_pending):
            return
        loop = QEventLoop()
        self.search_done.connect(loop.quit)
        QTimer.singleShot(timeout_ms, loop.quit)
        loop.exec()
        self.search_done.disconnect(loop.quit)
