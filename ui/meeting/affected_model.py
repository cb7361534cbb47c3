"""Who the current decision affects, as a Qt tree model over the session's match: cohorts
(with their true totals), under each its listed customers, under each what they said; then
the dismissed customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.meeting.matching import AffectedCustomer, Evidence, MatchResult
from ui.plain import tooltip

CustomerRole = Qt.ItemDataRole.UserRole + 1
VoiceRole = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Cohort / customer / what they said", "Why", "Status", "Effect")
TEXT, WHY, STATUS, EFFECT = range(4)


@dataclass(eq=False)
class _Node:
    key: tuple[str, str]  # what the row is: ("cohort", name), ("customer", id), ...
    texts: tuple[str, str, str, str]
    parent: int  # node number; -1: top level
    row: int
    customer: AffectedCustomer | None = None
    evidence: Evidence | None = None
    enabled: bool = True
    tip: str = ""
    children: list[int] = field(default_factory=list)


def _evidence_text(evidence: Evidence) -> tuple[str, str, str, str]:
    stance = f"[{evidence.stance.value}] " if evidence.stance else ""
    text = " ".join(evidence.voice.text.split())
    matched = ", ".join(evidence.matched)
    return (f"{stance}{evidence.voice.kind.value}, {evidence.voice.heard_on}: {text}",
            f"matches {matched}" if matched else "on the theme" if evidence.themes
            else "marked", "", "")


class AffectedModel(QAbstractItemModel):
    """Fed by the console with the session's match; never reads the board itself.

    `show` rebuilds the rows when who is listed changed (a dismiss, another decision);
    when only what is recorded changed (confirm, an effect, a note, a stance) the same rows
    get new texts and one dataChanged per group, so the view keeps its place."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._nodes: list[_Node] = []
        self._top: list[int] = []

    # -- feeding ---------------------------------------------------------------------------
    def show(self, result: MatchResult | None, names: dict[str, str], listed: set[str],
             ) -> None:
        nodes, top = self._build(result, names, listed)
        if [n.key for n in nodes] == [n.key for n in self._nodes] and \
                [(n.parent, n.row) for n in nodes] == [(n.parent, n.row) for n in self._nodes]:
            # The same rows: only those whose words changed are told (a confirm changes its
            # customer and its cohort's heading), so the view re-measures two rows, not all.
            changed = [i for i, (new, old) in enumerate(zip(nodes, self._nodes, strict=True))
                       if new.texts != old.texts or new.customer is not old.customer
                       or new.evidence is not old.evidence]
            self._nodes, self._top = nodes, top
            last = len(COLUMNS) - 1
            for number in changed:
                self.dataChanged.emit(self._index_of(number), self._index_of(number, last))
            return
        self.beginResetModel()
        self._nodes, self._top = nodes, top
        self.endResetModel()

    def _build(self, result: MatchResult | None, names: dict[str, str], listed: set[str],
               ) -> tuple[list[_Node], list[int]]:
        nodes: list[_Node] = []
        top: list[int] = []

        def add(node: _Node) -> int:
            nodes.append(node)
            number = len(nodes) - 1
            (top if node.parent < 0 else nodes[node.parent].children).append(number)
            return number

        def customer(parent: int, row: int, a: AffectedCustomer, enabled: bool = True) -> None:
            name = names.get(a.customer.id, a.customer.name)
            number = add(_Node(("customer", a.customer.id), (
                f"{name} · weight {a.customer.weight:,.0f}" + (f" · {a.note}" if a.note else ""),
                a.why, a.status.value, a.effect.value), parent, row, customer=a,
                enabled=enabled, tip=a.why))
            for i, evidence in enumerate(a.evidence):
                add(_Node(("voice", evidence.voice.voice_id), _evidence_text(evidence), number,
                          i, customer=a, evidence=evidence, enabled=enabled,
                          tip=evidence.voice.text))

        if result is None:
            return nodes, top
        for row, cohort in enumerate(result.cohorts):
            head = add(_Node(("cohort", cohort.name), (
                f"{cohort.name} — {len(cohort.customers):,} customers "
                f"({len(cohort.confirmed):,} confirmed) · weight {cohort.total_weight:,.0f} · "
                f"{cohort.count_kinds()}", "", "", ""), -1, row))
            shown = [a for a in cohort.customers if a.customer.id in listed]
            for i, a in enumerate(shown):
                customer(head, i, a)
            if len(shown) < len(cohort.customers):
                add(_Node(("more", cohort.name), (
                    f"… and {len(cohort.customers) - len(shown):,} more suggested", "", "", ""),
                    head, len(shown), enabled=False))
        if result.dismissed:
            head = add(_Node(("dismissed", ""), (
                f"Dismissed — {len(result.dismissed):,} (select one and press C to bring it "
                "back)", "", "", ""), -1, len(result.cohorts)))
            for i, a in enumerate(result.dismissed):
                customer(head, i, a, enabled=False)
        return nodes, top

    # -- finding rows ----------------------------------------------------------------------
    def _index_of(self, number: int, column: int = 0) -> QModelIndex:
        node = self._nodes[number]
        return self.createIndex(node.row, column, number)

    def index_of_customer(self, customer_id: str) -> QModelIndex:
        for number, node in enumerate(self._nodes):
            if node.key == ("customer", customer_id):
                return self._index_of(number)
        return QModelIndex()

    def customer_ids(self) -> list[str]:
        """Listed customers in the order shown (not the dismissed ones)."""
        return [n.key[1] for n in self._nodes if n.key[0] == "customer" and n.enabled]

    def first_customer(self) -> QModelIndex:
        ids = self.customer_ids()
        return self.index_of_customer(ids[0]) if ids else QModelIndex()

    # -- the model -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(COLUMNS):
            return QModelIndex()
        siblings = self._top if not parent.isValid() else \
            self._nodes[parent.internalId()].children
        if not 0 <= row < len(siblings):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        node = self._nodes[child.internalId()]
        return QModelIndex() if node.parent < 0 else self._index_of(node.parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if not parent.isValid():
            return len(self._top)
        if parent.column() != 0:
            return 0
        return len(self._nodes[parent.internalId()].children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node = self._nodes[index.internalId()]
        if role == Qt.ItemDataRole.DisplayRole:
            return node.texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == WHY and node.customer is not None:
                return tooltip(node.customer.why)
            return tooltip(node.tip) if node.tip and index.column() == TEXT else None
        if role == CustomerRole:
            return node.customer
        if role == VoiceRole:
            return node.evidence.voice if node.evidence is not None else None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        node = self._nodes[index.internalId()]
        if node.customer is None:  # cohort and "more" rows: headings, not choices
            return Qt.ItemFlag.ItemIsEnabled if node.enabled else Qt.ItemFlag.NoItemFlags
        # A dismissed customer stays selectable, so C brings it back.
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def spans_first_column(self, index: QModelIndex) -> bool:
        """Cohort, dismissed and "more" rows are one line across."""
        return index.isValid() and self._nodes[index.internalId()].customer is None
