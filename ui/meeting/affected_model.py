"""Who the current decision affects, as a Qt tree model over the session's match: cohorts
(with their true totals), under each its listed customers, under each what they said; then
the dismissed customers."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.meeting.matching import AffectedCustomer, Evidence, MatchResult
from ui.plain import tooltip

CustomerRole = Qt.ItemDataRole.UserRole + 1
VoiceRole = Qt.ItemDataRole.UserRole + 2
AnyIndex = QModelIndex | QPersistentModelIndex
COLUMNS = ("Cohort / customer / what they said", "Why", "Status", "Effect")
TEXT, WHY, STATUS, EFFECT = range(4)
ROOT = 0  # the invisible root's row id
Path = tuple[tuple[str, str], ...]  # a row's keys from the top: ("cohort", name), ...


@dataclass(eq=False)
class _Row:
    path: Path
    texts: tuple[str, str, str, str]
    parent: int  # row id; ROOT: top level
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

    Every row keeps one id for as long as it is shown (the id of its path of keys), so
    `show` tells the view only what changed: a dismiss removes one customer from its cohort
    and inserts it under Dismissed; a confirm, an effect or a note re-words two rows;
    another decision resets the whole tree."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: dict[int, _Row] = {ROOT: _Row((), ("", "", "", ""), -1)}
        self._ids: dict[Path, int] = {}
        self._shown_for: object = None

    # -- feeding ---------------------------------------------------------------------------
    def show(self, result: MatchResult | None, names: dict[str, str], listed: set[str],
             ) -> None:
        rows = self._build(result, names, listed)
        if result is None or result is not self._shown_for:
            self.beginResetModel()
            self._rows = rows
            self._shown_for = result
            self.endResetModel()
            return
        self._move_to(rows)

    def _id(self, path: Path) -> int:
        number = self._ids.get(path)
        if number is None:
            number = self._ids[path] = len(self._ids) + 1
        return number

    def _build(self, result: MatchResult | None, names: dict[str, str], listed: set[str],
               ) -> dict[int, _Row]:
        rows: dict[int, _Row] = {ROOT: _Row((), ("", "", "", ""), -1)}

        def add(parent: int, key: tuple[str, str], texts: tuple[str, str, str, str],
                **extra: Any) -> int:
            path = (*rows[parent].path, key)
            number = self._id(path)
            rows[number] = _Row(path, texts, parent, **extra)
            rows[parent].children.append(number)
            return number

        def customer(parent: int, a: AffectedCustomer, enabled: bool = True) -> None:
            name = names.get(a.customer.id, a.customer.name)
            number = add(parent, ("customer", a.customer.id), (
                f"{name} · weight {a.customer.weight:,.0f}" + (f" · {a.note}" if a.note else ""),
                a.why, a.status.value, a.effect.value), customer=a, enabled=enabled, tip=a.why)
            for evidence in a.evidence:
                add(number, ("voice", evidence.voice.voice_id), _evidence_text(evidence),
                    customer=a, evidence=evidence, enabled=enabled, tip=evidence.voice.text)

        if result is None:
            return rows
        for cohort in result.cohorts:
            head = add(ROOT, ("cohort", cohort.name), (
                f"{cohort.name} — {len(cohort.customers):,} customers "
                f"({len(cohort.confirmed):,} confirmed) · weight {cohort.total_weight:,.0f} · "
                f"{cohort.count_kinds()}", "", "", ""))
            shown = [a for a in cohort.customers if a.customer.id in listed]
            for a in shown:
                customer(head, a)
            if len(shown) < len(cohort.customers):
                add(head, ("more", cohort.name), (
                    f"… and {len(cohort.customers) - len(shown):,} more suggested", "", "", ""),
                    enabled=False)
        if result.dismissed:
            head = add(ROOT, ("dismissed", ""), (
                f"Dismissed — {len(result.dismissed):,} (select one and press C to bring it "
                "back)", "", "", ""))
            for a in result.dismissed:
                customer(head, a, enabled=False)
        return rows

    def _move_to(self, rows: dict[int, _Row]) -> None:
        """Change the shown rows into `rows` by removes, inserts and re-wordings, parents
        before children (rows kept keep their ids, so the view keeps its place)."""
        pending = [ROOT]
        while pending:
            parent = pending.pop(0)
            old, new = self._rows[parent].children, rows[parent].children
            if old != new:
                ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
                # Every remove first (from the end, so rows stay valid), then every insert
                # (from the start, at its place in the new order): a row that moved (a
                # cohort lighter after a dismiss) goes out whole before it comes back.
                for tag, i1, i2, _j1, _j2 in reversed(ops):
                    if tag in ("delete", "replace"):
                        self._remove(parent, i1, i2)
                for tag, _i1, _i2, j1, j2 in ops:
                    if tag in ("insert", "replace"):
                        self._insert(parent, j1, new[j1:j2], rows)
            pending += [c for c in new if c in self._rows and self._rows[c].children is not
                        rows[c].children]
        changed = [n for n, row in rows.items() if n != ROOT and n in self._rows and (
            row.texts != self._rows[n].texts or row.customer is not self._rows[n].customer
            or row.evidence is not self._rows[n].evidence)]
        for number in rows:  # rows kept take their new words and what they stand for
            if number in self._rows:
                kept, fresh = self._rows[number], rows[number]
                kept.texts, kept.customer, kept.evidence = fresh.texts, fresh.customer, \
                    fresh.evidence
                kept.enabled, kept.tip = fresh.enabled, fresh.tip
        last = len(COLUMNS) - 1
        for number in changed:
            self.dataChanged.emit(self._index_of(number), self._index_of(number, last))

    def _remove(self, parent: int, first: int, end: int) -> None:
        self.beginRemoveRows(self._parent_index(parent), first, end - 1)
        children = self._rows[parent].children
        gone = children[first:end]
        del children[first:end]
        while gone:
            number = gone.pop()
            gone += self._rows[number].children
            del self._rows[number]
        self.endRemoveRows()

    def _insert(self, parent: int, at: int, numbers: list[int], rows: dict[int, _Row]) -> None:
        self.beginInsertRows(self._parent_index(parent), at, at + len(numbers) - 1)
        self._rows[parent].children[at:at] = numbers
        adding = list(numbers)
        while adding:  # the new rows come with all they hold
            number = adding.pop()
            row = rows[number]
            self._rows[number] = _Row(row.path, row.texts, row.parent, row.customer,
                                      row.evidence, row.enabled, row.tip, list(row.children))
            adding += row.children
        self.endInsertRows()

    # -- finding rows ----------------------------------------------------------------------
    def _parent_index(self, parent: int) -> QModelIndex:
        return QModelIndex() if parent == ROOT else self._index_of(parent)

    def _index_of(self, number: int, column: int = 0) -> QModelIndex:
        row = self._rows[number]
        return self.createIndex(self._rows[row.parent].children.index(number), column, number)

    def index_of_customer(self, customer_id: str) -> QModelIndex:
        for number, row in self._rows.items():
            if row.path and row.path[-1] == ("customer", customer_id) and row.enabled:
                return self._index_of(number)
        for number, row in self._rows.items():  # a dismissed one
            if row.path and row.path[-1] == ("customer", customer_id):
                return self._index_of(number)
        return QModelIndex()

    def _in_order(self, parent: int = ROOT) -> list[int]:
        found = []
        for number in self._rows[parent].children:
            found.append(number)
            found += self._in_order(number)
        return found

    def customer_ids(self) -> list[str]:
        """Listed customers in the order shown (not the dismissed ones)."""
        return [self._rows[n].path[-1][1] for n in self._in_order()
                if self._rows[n].path[-1][0] == "customer" and self._rows[n].enabled]

    def first_customer(self) -> QModelIndex:
        ids = self.customer_ids()
        return self.index_of_customer(ids[0]) if ids else QModelIndex()

    def spans_first_column(self, index: QModelIndex) -> bool:
        """Cohort, dismissed and "more" rows are one line across."""
        return index.isValid() and self._rows[index.internalId()].customer is None

    # -- the model -------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not 0 <= column < len(COLUMNS):
            return QModelIndex()
        owner = parent.internalId() if parent.isValid() else ROOT
        siblings = self._rows[owner].children if owner in self._rows else []
        if not 0 <= row < len(siblings):
            return QModelIndex()
        return self.createIndex(row, column, siblings[row])

    def parent(self, child: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not child.isValid():
            return QModelIndex()
        row = self._rows[child.internalId()]
        return self._parent_index(row.parent)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        if not parent.isValid():
            return len(self._rows[ROOT].children)
        if parent.column() != 0:
            return 0
        return len(self._rows[parent.internalId()].children)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return len(COLUMNS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.internalId()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.texts[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == WHY and row.customer is not None:
                return tooltip(row.customer.why)
            return tooltip(row.tip) if row.tip and index.column() == TEXT else None
        if role == CustomerRole:
            return row.customer
        if role == VoiceRole:
            return row.evidence.voice if row.evidence is not None else None
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row = self._rows[index.internalId()]
        if row.customer is None:  # cohort and "more" rows: headings, not choices
            return Qt.ItemFlag.ItemIsEnabled if row.enabled else Qt.ItemFlag.NoItemFlags
        # A dismissed customer stays selectable, so C brings it back.
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None
