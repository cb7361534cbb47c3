"""Customers and cohorts with their voice counts and weights; picking one filters the lanes."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.board.domain import Customer
from ui.plain import tooltip
from ui.table_model import RowsTableModel
from ui.theme import MUTED, styled

ObjectRole = Qt.ItemDataRole.UserRole + 1
AnyIndex = QModelIndex | QPersistentModelIndex


class CustomerTableModel(RowsTableModel):
    NAME, COHORT, VOICES, WEIGHT = range(4)
    HEADERS = ("Customer", "Cohort", "Voices", "Weight")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._all: list[Customer] = []
        self._rows: list[Customer] = []
        self._sort = (self.NAME, Qt.SortOrder.AscendingOrder)
        self._find = ""

    def set_customers(self, customers: list[Customer]) -> None:
        self._all = list(customers)
        self._refill()

    def set_find(self, text: str) -> None:
        self._find = text.casefold().strip()
        self._refill()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._refill()

    def _refill(self) -> None:
        # Sorting and filtering a plain list: a sort proxy over 5,000 rows took over 1 s.
        column, order = self._sort
        rows = [c for c in self._all if self._find in c.name.casefold()] if self._find \
            else list(self._all)
        keys = (lambda c: c.name.casefold(), lambda c: (c.cohort_name or "").casefold(),
                lambda c: c.voice_count, lambda c: c.weight)
        # The store lists customers by name already: the usual order needs no sort.
        if (column, order) != (self.NAME, Qt.SortOrder.AscendingOrder):
            rows.sort(key=keys[column] if 0 <= column < len(keys) else keys[0],
                      reverse=order == Qt.SortOrder.DescendingOrder)
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        c = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (c.name, c.cohort_name or "—", f"{c.voice_count:,}", f"{c.weight:,.0f}")[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(f"{c.name}\n{c.cohort_name or 'no cohort'} · owner {c.owner or '—'}"
                           + (f"\n{c.notes}" if c.notes else ""))
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= self.VOICES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ObjectRole:
            return c
        return None


class CohortTableModel(RowsTableModel):
    NAME, CUSTOMERS, VOICES, WEIGHT = range(4)
    HEADERS = ("Cohort", "Customers", "Voices", "Weight")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, int, int, float]] = []

    def set_customers(self, customers: list[Customer]) -> None:
        names = [c.cohort_name or "No cohort" for c in customers]
        counts = Counter(names)
        voices: defaultdict[str, int] = defaultdict(int)
        weights: defaultdict[str, float] = defaultdict(float)
        for name, c in zip(names, customers, strict=True):
            voices[name] += c.voice_count
            weights[name] += c.weight
        self.beginResetModel()
        self._rows = sorted(((name, n, voices[name], weights[name]) for name, n in counts.items()),
                            key=lambda r: r[0].casefold())
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.beginResetModel()
        self._rows.sort(key=lambda r: r[0].casefold() if column == 0 else r[column],
                        reverse=order == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        name, customers, voices, weight = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, f"{customers:,}", f"{voices:,}", f"{weight:,.0f}")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole name: the column elides it
            return tooltip(f"{name}\n{customers:,} customers · {voices:,} voices")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == ObjectRole:
            return name
        return None


NAME_CHARS = 20


def fit_number_columns(view: QTableView) -> None:
    """Number columns as wide as their title or a five-digit count in the current type
    (sizing to contents would read all 5,000 rows)."""
    header = view.horizontalHeader()
    # The application's font, not the header's: after a zoom that reaches widgets only
    # through posted events.
    metrics = QFontMetrics(QApplication.font())
    model = view.model()
    for column in range(1, model.columnCount()):
        title = str(model.headerData(column, Qt.Orientation.Horizontal))
        width = max(metrics.horizontalAdvance(title), metrics.horizontalAdvance("00,000"))
        header.resizeSection(column, width + 12)


def _table(model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    fit_number_columns(view)
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)  # a long name never widens the panel
    return view


class SidePanel(QWidget):
    """Tabs of customers and cohorts; `picked` names what to filter by (None = clear)."""

    customer_picked = Signal(object)
    cohort_picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.find_box = QLineEdit(placeholderText="Find a customer…")
        self.find_box.setClearButtonEnabled(True)
        layout.addWidget(self.find_box)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.customer_model = CustomerTableModel(self)
        self.customer_view = _table(self.customer_model)
        self.cohort_model = CohortTableModel(self)
        self.cohort_view = _table(self.cohort_model)
        # The cohort is in each customer's tooltip and has its own tab: room for the numbers.
        self.customer_view.setColumnHidden(CustomerTableModel.COHORT, True)
        self.tabs.addTab(self.customer_view, "Customers")
        self.tabs.addTab(self.cohort_view, "Cohorts")
        hint = styled(QLabel("Pick one to filter the lanes."), MUTED)
        layout.addWidget(hint)
        self.find_box.textChanged.connect(self.customer_model.set_find)
        self.customer_view.selectionModel().currentRowChanged.connect(self._customer_changed)
        self.cohort_view.selectionModel().currentRowChanged.connect(self._cohort_changed)

    def set_customers(self, customers: list[Customer]) -> None:
        self.customer_model.set_customers(customers)
        self.cohort_model.set_customers(customers)

    def fit_columns(self) -> None:
        """After a theme or zoom change: number columns follow the type size."""
        fit_number_columns(self.customer_view)
        fit_number_columns(self.cohort_view)

    def preferred_width(self) -> int:
        """Wide enough for a customer name of NAME_CHARS characters beside the number
        columns, in the current type size (the projector's type cut names to a few letters
        in a panel sized for the light theme)."""
        metrics = QFontMetrics(QApplication.font())
        header = self.customer_view.horizontalHeader()
        numbers = sum(header.sectionSize(c) for c in range(1, self.customer_model.columnCount())
                      if not header.isSectionHidden(c))
        scroll_bar = self.customer_view.verticalScrollBar().sizeHint().width()
        return metrics.averageCharWidth() * NAME_CHARS + numbers + scroll_bar + 24

    def _customer_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        customer = current.data(ObjectRole) if current.isValid() else None
        self.customer_picked.emit(customer.name if customer else None)

    def _cohort_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        name = current.data(ObjectRole) if current.isValid() else None
        self.cohort_picked.emit(None if name in (None, "No cohort") else name)

    def selected_customer(self) -> Customer | None:
        index = self.customer_view.currentIndex()
        return index.data(ObjectRole) if index.isValid() else None
