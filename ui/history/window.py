"""The impact history screen: decision log, timelines, unanswered voices and charts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QMainWindow,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.board.exporting import export_to
from app.errors import EmptyChairError
from app.history import log as history
from app.meeting.domain import Delivery, Effect, Outcome
from ui.date_filter import any_date_edit, day_of
from ui.elide import fit_combo
from ui.plain import tooltip
from ui.table_model import RowsTableModel
from ui.theme import COUNT, styled

if TYPE_CHECKING:
    from ui.background import CancelToken, Job
    from ui.ports import Store

AnyIndex = QModelIndex | QPersistentModelIndex
EntryRole = Qt.ItemDataRole.UserRole + 1
ANY = "Any"


AFFECTED = 7  # the log's column of every customer the room was shown


class DecisionLogModel(RowsTableModel):
    HEADERS = ("Date", "Meeting", "Decision", "Outcome", "Delivery", "Cohorts", "Confirmed",
               "Affected",
               "Helps", "Hurts", "Neutral", "Unknown", "Weighted helps", "Weighted hurts",
               "Evidence")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[history.LogEntry] = []
        self._sort = (0, Qt.SortOrder.DescendingOrder)

    def set_entries(self, entries: list[history.LogEntry]) -> None:
        self.beginResetModel()
        self._rows = list(entries)
        self.endResetModel()
        self.sort(*self._sort)

    def entries(self) -> list[history.LogEntry]:
        return list(self._rows)

    def _values(self, e: history.LogEntry) -> tuple[Any, ...]:
        return (e.date.isoformat(), e.meeting, e.title, e.outcome.value, e.delivery.label,
                ", ".join(e.cohorts), len(e.customers),
                -1 if e.affected is None else e.affected, e.effects[Effect.HELPS],
                e.effects[Effect.HURTS], e.effects[Effect.NEUTRAL], e.effects[Effect.UNKNOWN],
                round(e.weighted[Effect.HELPS]), round(e.weighted[Effect.HURTS]), e.evidence)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = self._values(entry)[index.column()]
            if index.column() == AFFECTED and value == -1:
                return "—"  # an open meeting: the console shows who it affects
            return f"{value:,}" if isinstance(value, int) else str(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() in (AFFECTED - 1, AFFECTED):
                return ("Confirmed: customers the room confirmed. Affected: every customer "
                        "the room was shown when the meeting closed, confirmed or suggested.")
            # The whole of what a narrow column elides: every cohort, the whole meeting.
            return tooltip(f"{entry.title}\n{entry.meeting}, {entry.date}\n"
                           f"Cohorts: {', '.join(entry.cohorts) or '—'}\n"
                           f"Delivery: {entry.delivery.label}\n{entry.rationale}\n"
                           f"{', '.join(entry.customers)}")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= AFFECTED - 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == EntryRole:
            return entry
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self.beginResetModel()
        self._rows.sort(key=lambda e: self._values(e)[column],
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()


class HistoryWindow(QMainWindow):
    """Leaders' review. Charts import matplotlib only when the Charts tab is first shown."""

    def __init__(self, store: Store, theme: str = "light") -> None:
        super().__init__()
        self.store = store
        self.theme = theme
        self.setWindowTitle("Empty Chair — Impact history")
        self.resize(1500, 900)
        self.all_entries = history.decision_log(store)
        self._stale = False
        self._reload_soon = QTimer(self)
        self._reload_soon.setSingleShot(True)
        self._reload_soon.setInterval(800)
        self._reload_soon.timeout.connect(self.reload)
        self.tabs = QTabWidget()
        self.setCentralWidget(self.tabs)
        self.tabs.addTab(self._log_tab(), "Decision log")
        self.tabs.addTab(self._timeline_tab(), "Timelines")
        self.tabs.addTab(self._unanswered_tab(), "Unanswered voices")
        self.charts_page = QWidget()
        self.tabs.addTab(self.charts_page, "Charts")
        from ui.history.follow_tab import FollowTab

        self.follow_tab = FollowTab(store, theme)
        self.tabs.addTab(self.follow_tab, "Follow-through")
        self._follow_loaded = False
        self.canvases: dict[str, Any] = {}
        self.tabs.currentChanged.connect(self._tab_changed)
        self.apply_filter()

    # -- decision log --------------------------------------------------------------------
    def _combo(self, name: str, items: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.addItem(f"{name}: {ANY}")
        combo.addItems(items)
        # Never wider than a short name: one long customer name made this window 3,000 px
        # wide.
        fit_combo(combo, name, up_to=True)
        combo.currentIndexChanged.connect(self.apply_filter)
        return combo

    def _log_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        filters = QHBoxLayout()
        entries = self.all_entries
        self.f_outcome = self._combo("Outcome", [o.value for o in Outcome])
        self.f_cohort = self._combo("Cohort", sorted({c for e in entries for c in e.cohorts}))
        self.f_customer = self._combo("Customer", sorted({c for e in entries
                                                          for c in e.customers}))
        self.f_theme = self._combo("Theme", sorted({t for e in entries for t in e.themes}))
        self.f_effect = self._combo("Effect", [e.value for e in Effect])
        self.f_from = self._date("From")
        self.f_to = self._date("To")
        for widget in (self.f_from, self.f_to, self.f_outcome, self.f_cohort, self.f_customer,
                       self.f_theme, self.f_effect):
            filters.addWidget(widget)
        self.count = styled(QLabel(""), COUNT)
        filters.addWidget(self.count, 1)
        export = QPushButton("Export log…")
        export.clicked.connect(self.export_log)
        filters.addWidget(export)
        review = QPushButton("Export review…")
        review.clicked.connect(lambda: self.export_review())
        filters.addWidget(review)
        layout.addLayout(filters)
        self.log_model = DecisionLogModel(self)
        self.log_view = QTableView()
        self.log_view.setModel(self.log_model)
        self.log_view.setSortingEnabled(True)
        self.log_view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.log_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.log_view.verticalHeader().hide()
        self.log_view.doubleClicked.connect(self.open_decision)
        layout.addWidget(self.log_view)
        return page

    def _date(self, name: str) -> QDateEdit:
        edit = any_date_edit(name)
        edit.dateChanged.connect(self.apply_filter)
        return edit

    @staticmethod
    def _value(combo: QComboBox) -> str | None:
        return combo.currentText() if combo.currentIndex() > 0 else None

    def current_filter(self) -> history.LogFilter:
        outcome, effect = self._value(self.f_outcome), self._value(self.f_effect)
        return history.LogFilter(
            date_from=day_of(self.f_from), date_to=day_of(self.f_to),
            outcome=Outcome(outcome) if outcome else None, cohort=self._value(self.f_cohort),
            customer=self._value(self.f_customer), theme=self._value(self.f_theme),
            effect=Effect(effect) if effect else None)

    def period(self) -> history.Period:
        """The From / To filters as the period every tab and chart covers."""
        flt = self.current_filter()
        return history.Period(flt.date_from, flt.date_to)

    def apply_filter(self) -> None:
        try:
            self.period()
        except EmptyChairError as exc:  # a reversed range: said, nothing redrawn
            self.count.setText(str(exc))
            return
        flt = self.current_filter()
        shown = [e for e in self.all_entries if flt.keeps(e)]
        self.log_model.set_entries(shown)
        self.count.setText(f"{len(shown):,} of {len(self.all_entries):,} decisions"
                           if shown else "Nothing in this period")
        if self.canvases:
            self._draw_charts()
        if self.unanswered_list.count():
            self.load_unanswered()

    def open_decision(self, index: QModelIndex) -> QDialog:
        """The decision's record, as the room saw it (frozen at the close) or, while its
        meeting is open, as recorded so far: a scrolling page that fits the screen."""
        from PySide6.QtWidgets import QDialogButtonBox, QTextBrowser

        from app.meeting.frozen import FrozenDecision
        from ui.history.reports import _e, add_images, decision_html

        entry: history.LogEntry = index.data(EntryRole)
        decision = self.store.get_decision(entry.id)
        text = self.store.frozen_records(decision.meeting_id).get(decision.id)
        head = [f"<h2>{_e(entry.title)}</h2>",
                f"<p class='muted'>{_e(entry.meeting)}, {entry.date}</p>"]
        if decision.delivery is Delivery.SHIPPED:
            from app.history.follow import did_it_help
            from ui.history.charts import help_chart, png_bytes
            from ui.history.reports import _image

            report = did_it_help(self.store, decision.id, self.follow_tab.days.value())
            head.append(f"<p><b>Did it help?</b> {_e(report.verdict())}</p>")
            if report.enough:
                head.append(_image("Did it help", png_bytes(help_chart(report, self.theme)),
                                   560))
        if text:
            body = decision_html(FrozenDecision.from_json(text), decision.description)
        else:
            body = [f"<p><b>Outcome:</b> {_e(entry.outcome.value)}"
                    + (f" — {_e(entry.rationale)}" if entry.rationale else "") + "</p>",
                    "<p class='muted'>The meeting is still open: the customers the room has "
                    "confirmed so far.</p><ul>"]
            body += [f"<li>{_e(name)}: {_e(effect.value)}</li>"
                     for name, effect in entry.effect_by_customer.items()] + ["</ul>"]
        dialog = QDialog(self)
        dialog.setWindowTitle(f"Decision — {entry.title}")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(dialog)
        page = QTextBrowser()
        page.setOpenLinks(False)  # customer text is plain: nothing in it is a link to follow
        record = "".join(head + body)
        add_images(page.document(), record)
        page.setHtml(record)
        page.setAccessibleName("Decision record")
        layout.addWidget(page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        available = (self.screen() or QGuiApplication.primaryScreen()).availableGeometry()
        dialog.resize(min(900, int(available.width() * 0.8)),
                      min(800, int(available.height() * 0.8)))
        dialog.open()
        self.decision_box = dialog
        return dialog

    def export_log(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export decision log", "decisions.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if path:
            export_to(Path(path), iter(history.log_records(self.log_model.entries())),
                      history.LOG_FIELDS)

    def export_review(self, path: str | None = None) -> Job | None:
        """The period review as HTML or PDF, written in a worker thread on its own
        connection, with a progress bar (charts are drawn one by one, then the pages)."""
        from PySide6.QtWidgets import QProgressDialog

        from ui.background import Job
        from ui.composition import open_reader
        from ui.history.reports import review_html, write_report

        try:
            period = self.period()
        except EmptyChairError as exc:
            self._say(str(exc))
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export review", "review.pdf",
                                                  "PDF (*.pdf);;HTML (*.html)")
        if not path:
            return None
        out, board, theme = Path(path), Path(self.store.path), self.theme

        def work(progress: Callable[[int, int], None], token: CancelToken) -> Path:
            reader = open_reader(board)
            try:
                def step(done: int, total: int) -> None:
                    if token():
                        raise EmptyChairError("cancelled: no review was written")
                    progress(done, total + 1)

                content = review_html(reader, period, theme, step)
            finally:
                reader.close()
            return write_report(content, out)

        bar = QProgressDialog("Drawing the period review…", "Cancel", 0, 0, self)
        bar.setWindowTitle("Export review")
        bar.setMinimumDuration(300)
        job = Job(work)
        def moved(done: int, total: int) -> None:
            bar.setMaximum(total)
            bar.setValue(done)

        def ended(message: str) -> None:
            bar.reset()
            self._say(message)

        job.progress.connect(moved)
        bar.canceled.connect(job.cancel)
        job.done.connect(lambda written: ended(f"Review written to {written}"))
        job.failed.connect(lambda exc: ended(str(exc)))
        self.review_job = job
        job.start()
        return job

    def _say(self, text: str) -> None:
        self.statusBar().showMessage(text, 15000)

    # -- timelines and unanswered --------------------------------------------------------
    def _timeline_tab(self) -> QWidget:
        from ui.history.picker import SearchPicker

        page = QWidget()
        layout = QHBoxLayout(page)
        self.timeline_who = SearchPicker("Type a customer or cohort…")
        self.timeline_who.setMaximumWidth(380)
        self.timeline_who.chosen.connect(self.show_timeline)
        layout.addWidget(self.timeline_who, 1)
        right = QVBoxLayout()
        self.timeline_picture = QVBoxLayout()
        right.addLayout(self.timeline_picture, 2)
        self.timeline_list = QListWidget()
        self.timeline_list.setAccessibleName("Timeline")
        right.addWidget(self.timeline_list, 1)
        layout.addLayout(right, 3)
        self.timeline_canvas: Any = None
        self.timeline_choice: tuple[str, str] | None = None
        return page

    def show_timeline(self, kind: str | None = None, name: str | None = None) -> None:
        """The chosen customer's (or cohort's) voices and decisions: drawn on one time axis,
        then listed."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from ui.history.charts import timeline_chart

        if kind and name:
            self.timeline_choice = (kind, name)
        self.timeline_list.clear()
        if self.timeline_canvas is not None:
            self.timeline_picture.removeWidget(self.timeline_canvas)
            self.timeline_canvas.deleteLater()
            self.timeline_canvas = None
        if self.timeline_choice is None:
            return
        kind, name = self.timeline_choice
        items = history.timeline(self.store, self.all_entries,
                                 customer=name if kind == "customer" else None,
                                 cohort=name if kind == "cohort" else None)
        self.timeline_canvas = FigureCanvasQTAgg(timeline_chart(items, self.theme,
                                                                f"{kind} {name}"))
        self.timeline_picture.addWidget(self.timeline_canvas)
        for item in items[-2000:]:
            if item["type"] == "decision":
                text = (f"{item['date']}  ◆ DECISION {item['text']} — {item['outcome']}; "
                        f"effect: {item['effect']}")
            else:
                who = f" ({item['customer']})" if kind == "cohort" else ""
                text = f"{item['date']}  {item['kind']}{who}: {' '.join(item['text'].split())}"
            self.timeline_list.addItem(text[:300])

    def _unanswered_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("Complaints and needs that no decision with their customer "
                                "confirmed has touched, oldest and heaviest first."))
        self.unanswered_list = QListWidget()
        layout.addWidget(self.unanswered_list)
        return page

    def load_unanswered(self) -> None:
        self.unanswered_list.clear()
        rows = history.unanswered(self.store, 500, self.period())
        if not rows:
            self.unanswered_list.addItem("Nothing in this period")
        for v in rows:
            text = " ".join(v["text"].split())
            self.unanswered_list.addItem(
                f"{v['heard_on']} · {v['kind']} · {v['customer']} ({v['cohort'] or '—'}, "
                f"weight {v['weight']:,.0f}) · {v['themes'] or 'no theme'}\n    {text[:200]}")

    def load_timeline_choices(self) -> None:
        cohorts = [(f"{c.name} — cohort", "cohort", c.name) for c in self.store.cohorts()]
        customers = [(f"{c.name} — customer" + (f", {c.cohort_name}" if c.cohort_name else ""),
                      "customer", c.name) for c in self.store.customers()]
        self.timeline_who.set_choices(cohorts + customers)

    # -- charts --------------------------------------------------------------------------
    def mark_stale(self) -> None:
        """Something the history shows changed: read again a moment after the last change
        while the window is shown, else when it is next shown (a key in the meeting room
        must not redraw five charts)."""
        self._stale = True
        if self.isVisible():
            self._reload_soon.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        if self._stale:
            self.reload()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        for dialog in self.findChildren(QDialog):  # a record dialog goes with the window
            dialog.close()
        super().closeEvent(event)

    def reload(self) -> None:
        """Something the history shows changed (a decision, an impact, a voice): read the
        log again; the other tabs reload as they are next shown."""
        self._stale = False
        self._reload_soon.stop()
        self.all_entries = history.decision_log(self.store)
        self.apply_filter()
        self.unanswered_list.clear()
        self.timeline_list.clear()
        self._follow_loaded = False
        if self.timeline_who.model.rowCount():  # a customer merged away, a new one added
            self.load_timeline_choices()
        self._tab_changed(self.tabs.currentIndex())

    def _tab_changed(self, index: int) -> None:
        """Tabs other than the log load when first shown, so the screen opens at once."""
        if self.tabs.widget(index) is self.charts_page and not self.canvases:
            self.build_charts()
        if index == 1 and not self.timeline_who.model.rowCount():
            self.load_timeline_choices()
        if index == 2 and not self.unanswered_list.count():
            self.load_unanswered()
        if self.tabs.widget(index) is self.follow_tab and not self._follow_loaded:
            self._follow_loaded = True
            self.follow_tab.reload()

    def build_charts(self) -> None:

        from ui.history.charts import CHARTS

        layout = QVBoxLayout(self.charts_page)
        row = QHBoxLayout()
        self.chart_choice = QComboBox()
        self.chart_choice.setAccessibleName("Chart")
        for key, (name, _) in CHARTS.items():
            self.chart_choice.addItem(name, key)
        row.addWidget(self.chart_choice)
        self.weighted = QCheckBox("Weight by customer weight")
        row.addWidget(self.weighted)
        for fmt in ("png", "svg"):
            button = QPushButton(f"Export {fmt.upper()}…")
            button.clicked.connect(lambda _=False, f=fmt: self.export_chart(f))
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.chart_tabs = QTabWidget()
        self.chart_tabs.tabBar().hide()
        layout.addWidget(self.chart_tabs)
        self.chart_choice.currentIndexChanged.connect(self.chart_tabs.setCurrentIndex)
        self.weighted.toggled.connect(lambda _on: self._draw_charts())
        self._draw_charts()

    def _draw_charts(self) -> None:
        """Every chart for the period and the filtered decisions (the same the log shows)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from ui.history.charts import CHARTS, decisions_chart

        try:
            period = self.period()
        except EmptyChairError:
            return
        entries = self.log_model.entries()
        shown = max(self.chart_tabs.currentIndex(), 0)
        for index, (key, (name, build)) in enumerate(CHARTS.items()):
            figure = decisions_chart(entries, self.theme, self.weighted.isChecked()) \
                if key == "decisions" else build(self.store, entries, self.theme, period)
            canvas = FigureCanvasQTAgg(figure)
            if key in self.canvases:
                self.chart_tabs.removeTab(index)
            self.chart_tabs.insertTab(index, canvas, name)
            self.canvases[key] = canvas
        self.chart_tabs.setCurrentIndex(shown)

    def current_figure(self) -> Any:
        return self.canvases[self.chart_choice.currentData()].figure

    def export_chart(self, fmt: str, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export chart", f"chart.{fmt}",
                                                  f"{fmt.upper()} (*.{fmt})")
        if path:
            figure = self.current_figure()
            figure.savefig(path, format=fmt, facecolor=figure.get_facecolor())
