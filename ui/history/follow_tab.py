"""The history's Follow-through tab: what is overdue, what shipped and whether it helped,
and per owner what is open, overdue, done and shipped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.errors import EmptyChairError
from app.history.follow import (
    HELP_DAYS,
    FollowStore,
    FollowThrough,
    OwnerLine,
    did_it_help,
    follow_through,
)
from ui.table_model import RowsTableModel

AnyIndex = QModelIndex | QPersistentModelIndex
DecisionRole = Qt.ItemDataRole.UserRole + 1


class OwnersModel(RowsTableModel):
    HEADERS = ("Owner", "Open", "Overdue", "Done", "Shipped")

    def set_owners(self, owners: list[OwnerLine]) -> None:
        self.beginResetModel()
        self._rows = list(owners)
        self.endResetModel()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        o: OwnerLine = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (o.owner, o.open, o.overdue, o.done, o.shipped)[index.column()]
        return None


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


class FollowTab(QWidget):
    """Left: overdue action items, shipped decisions, owners. Right: for the chosen shipped
    decision, did it help (the N days either side, the leader's choice, 90 by default)."""

    def __init__(self, store: FollowStore, theme: str) -> None:
        super().__init__()
        self.store = store
        self.theme = theme
        self.follow: FollowThrough | None = None
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        lists = QVBoxLayout(left)
        lists.addWidget(_plain("Overdue action items"))
        self.overdue = QListWidget()
        self.overdue.setAccessibleName("Overdue action items")
        lists.addWidget(self.overdue, 2)
        lists.addWidget(_plain("Shipped (choose one: did it help?)"))
        self.shipped = QListWidget()
        self.shipped.setAccessibleName("Shipped decisions")
        self.shipped.currentItemChanged.connect(lambda *_: self.show_help())
        lists.addWidget(self.shipped, 2)
        lists.addWidget(_plain("By owner"))
        self.owners_model = OwnersModel(self)
        self.owners = QTableView()
        self.owners.setModel(self.owners_model)
        self.owners.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.owners.verticalHeader().hide()
        lists.addWidget(self.owners, 1)
        splitter.addWidget(left)
        right = QWidget()
        help_layout = QVBoxLayout(right)
        row = QHBoxLayout()
        row.addWidget(_plain("Days before and after shipping"))
        self.days = QSpinBox()
        self.days.setRange(1, 730)
        self.days.setValue(HELP_DAYS)
        self.days.setAccessibleName("Days either side")
        self.days.valueChanged.connect(lambda _v: self.show_help())
        row.addWidget(self.days)
        row.addStretch(1)
        help_layout.addLayout(row)
        self.verdict = _plain("Choose a shipped decision.")
        help_layout.addWidget(self.verdict)
        self.chart_holder = QVBoxLayout()
        help_layout.addLayout(self.chart_holder, 2)
        self.after = QTextBrowser()
        self.after.setOpenLinks(False)
        self.after.setAccessibleName("What arrived after it shipped")
        help_layout.addWidget(self.after, 1)
        splitter.addWidget(right)
        splitter.setSizes([520, 900])
        layout.addWidget(splitter)
        self.canvas: Any = None

    def reload(self) -> None:
        self.follow = follow_through(self.store)
        self.overdue.clear()
        for item, f in self.follow.overdue:
            self.overdue.addItem(f"{item.due_on} · {item.owner or 'no owner'}: {item.what}\n"
                                 f"    {f.decision.title} ({f.meeting.title}, {f.meeting.held_on})")
        if not self.follow.overdue:
            self.overdue.addItem("Nothing overdue")
        chosen = self.shipped.currentItem()
        keep = chosen.data(DecisionRole) if chosen is not None else None
        self.shipped.blockSignals(True)
        self.shipped.clear()
        for f in self.follow.shipped:
            told = f" · {f.not_told} not told yet" if f.not_told else ""
            row = QListWidgetItem(f"{f.decision.delivery_on} · {f.decision.title}{told}")
            row.setData(DecisionRole, f.decision.id)
            self.shipped.addItem(row)
            if f.decision.id == keep:
                self.shipped.setCurrentItem(row)
        self.shipped.blockSignals(False)
        if not self.follow.shipped:
            self.shipped.addItem("Nothing shipped yet")
        self.owners_model.set_owners(self.follow.owners)
        self.show_help()

    def show_help(self) -> None:
        """Did the chosen shipped decision help the customers it was meant to help?"""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        from ui.history.charts import help_chart
        from ui.history.reports import _c, _e

        row = self.shipped.currentItem()
        decision_id = row.data(DecisionRole) if row is not None else None
        if self.canvas is not None:
            self.chart_holder.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
        if not decision_id:
            self.verdict.setText("Choose a shipped decision.")
            self.after.clear()
            return
        try:
            report = did_it_help(self.store, str(decision_id), self.days.value())
        except EmptyChairError as exc:
            self.verdict.setText(str(exc))
            return
        self.verdict.setText(f"{report.decision.title}: {report.verdict()}")
        self.canvas = FigureCanvasQTAgg(help_chart(report, self.theme))
        self.chart_holder.addWidget(self.canvas)
        self.after.setHtml("<p><b>What arrived after it shipped</b></p>" + (
            "".join(f"<p>{v.heard_on} · {_c(c.name)} ({_c(c.cohort_name or 'no cohort')}), "
                    f"{_e(v.kind.value)}<br>{_c(v.text)}</p>" for c, v in report.after)
            or "<p><i>Nothing yet.</i></p>"))
