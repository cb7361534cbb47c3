"""File > Sync conflicts: every version a sync replaced, beside the one it kept, with
"keep mine" and "keep theirs". Read from the board's own mirror, so it works offline; a
choice is written at once and reaches the server (and every laptop) at the next sync."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import EmptyChairError
from app.team import Conflict, Keep
from ui.plain import tooltip

_TABLE_WORDS = {
    "voices": "Voice", "customers": "Customer", "cohorts": "Cohort", "themes": "Theme",
    "meetings": "Meeting", "decisions": "Decision", "impacts": "Who it affects",
    "impact_evidence": "Evidence", "action_items": "Action item",
    "customers_told": "Customer told", "voice_themes": "Voice's theme",
    "decision_themes": "Decision's theme", "meeting_events": "Meeting log",
}
_SKIP = {"created_at", "updated_at", "frozen"}


def _who(origin: str, mine: frozenset[str]) -> str:
    if origin in mine:
        return "this laptop"
    if origin == "team":
        return "the team server"
    return f"board {origin[:8]}"


_RECORDS = {"frozen"}  # what a closed meeting's room saw: summed up, not shown as JSON


def _record(text: str) -> str:
    """A frozen record in words: what the room saw for the decision."""
    try:
        record = json.loads(text)
    except ValueError:
        return f"(a record of {len(text):,} characters)"
    if not isinstance(record, dict):
        return f"(a record of {len(text):,} characters)"
    totals = record.get("totals") if isinstance(record.get("totals"), dict) else {}
    parts = [f"what the room saw at the close: {record.get('title', '')!s}".strip(),
             f"outcome {record.get('outcome', '?')}"]
    if totals:
        parts.append(f"{totals.get('customers', 0)} customers affected, "
                     f"{totals.get('confirmed', 0)} confirmed")
    return "; ".join(parts)


def _fields(row: dict[str, Any], differs: tuple[str, ...]) -> str:
    """A version as plain text, the fields that differ first."""
    order = [k for k in differs if k in row] + [k for k in row if k not in differs]
    lines = []
    for key in order:
        if key not in differs and (key in _SKIP or key == "id" or key.endswith("_id")
                                   or key == "merged_into"):
            continue  # ids say nothing to a person; they show when they are what differs
        value = row.get(key)
        if key in _RECORDS and isinstance(value, str) and value:
            shown = _record(value)
        else:
            shown = "—" if value is None or value == "" else (
                value if isinstance(value, str) else json.dumps(value))
        mark = "▸ " if key in differs else "   "
        lines.append(f"{mark}{key}: {shown}")
    return "\n".join(lines)


class ConflictsDialog(QDialog):
    """`conflicts(all)` reads the mirror; `resolve(id, keep)` writes a choice; `mine` is
    every name this board has had on the server; `applied()` tells the other screens a
    restored row changed."""

    def __init__(self, conflicts: Callable[[bool], list[Conflict]],
                 resolve: Callable[[int, Keep], None], mine: frozenset[str],
                 applied: Callable[[], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sync conflicts")
        self.resize(980, 560)
        self._read = conflicts
        self._resolve = resolve
        self._mine = mine
        self._applied = applied
        self.items: list[Conflict] = []
        self.explain = QLabel(
            "Two laptops changed the same row before they synced. The newer change (in the "
            "server's order) is live; the version it replaced is kept here. Nothing is lost "
            "either way: keep the live one, or bring the other back.")
        self.explain.setWordWrap(True)
        self.explain.setTextFormat(Qt.TextFormat.PlainText)
        self.list = QListWidget()
        self.list.setMinimumWidth(300)
        self.show_resolved = QCheckBox("Show resolved")
        self.live = QPlainTextEdit()
        self.replaced = QPlainTextEdit()
        for box in (self.live, self.replaced):
            box.setReadOnly(True)
            box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.live_title, self.replaced_title = QLabel(), QLabel()
        for label in (self.live_title, self.replaced_title):
            label.setTextFormat(Qt.TextFormat.PlainText)
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_theirs = QPushButton("Keep &theirs")
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)

        sides = QWidget()
        grid = QHBoxLayout(sides)
        grid.setContentsMargins(0, 0, 0, 0)
        for title, box in ((self.live_title, self.live), (self.replaced_title, self.replaced)):
            column = QVBoxLayout()
            column.addWidget(title)
            column.addWidget(box, 1)
            grid.addLayout(column, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addWidget(self.show_resolved)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(sides)
        splitter.setSizes([320, 660])
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.keep_mine)
        buttons.addWidget(self.keep_theirs)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.explain)
        layout.addWidget(splitter, 1)
        layout.addLayout(buttons)

        self.list.currentRowChanged.connect(self._show)
        self.show_resolved.toggled.connect(lambda _on: self.reload())
        self.keep_mine.clicked.connect(lambda: self._choose(mine=True))
        self.keep_theirs.clicked.connect(lambda: self._choose(mine=False))
        self.reload()

    # -- reading ----------------------------------------------------------------------------
    def reload(self, keep_id: int | None = None) -> None:
        self.items = self._read(self.show_resolved.isChecked())
        self.list.clear()
        for conflict in self.items:
            what = _TABLE_WORDS.get(conflict.table, conflict.table)
            state = f" — {conflict.resolved}" if conflict.resolved else ""
            kind = {"merge": "merged", "closed": "meeting closed"}.get(conflict.kind, "two edits")
            when = conflict.at[:16].replace("T", " ")
            item = QListWidgetItem(f"{what}: {conflict.title}\n{kind} · {when} UTC{state}")
            item.setToolTip(tooltip(conflict.title))
            self.list.addItem(item)
        if not self.items:
            self.live.setPlainText("")
            self.replaced.setPlainText("")
            self.live_title.setText("")
            self.replaced_title.setText("")
            self.message.setText("No sync conflicts." if not self.show_resolved.isChecked()
                                 else "No sync conflicts, resolved or not.")
            self.keep_mine.setEnabled(False)
            self.keep_theirs.setEnabled(False)
            return
        row = next((i for i, c in enumerate(self.items) if c.id == keep_id), 0)
        self.list.setCurrentRow(min(row, len(self.items) - 1))
        self._show(self.list.currentRow())

    def current(self) -> Conflict | None:
        row = self.list.currentRow()
        return self.items[row] if 0 <= row < len(self.items) else None

    def _mine_is_live(self, conflict: Conflict) -> bool | None:
        """True: the live version is this laptop's; False: the replaced one is; None:
        neither (two other laptops' versions)."""
        if conflict.kept_origin in self._mine:
            return True
        if conflict.replaced_origin in self._mine:
            return False
        return None

    def _show(self, _row: int) -> None:
        conflict = self.current()
        if conflict is None:
            return
        mine = self._mine
        self.live_title.setText(f"Live — from {_who(conflict.kept_origin, mine)}")
        self.replaced_title.setText(
            {"merge": "Merged into the live one — from ",
             "closed": "Not applied — from "}.get(conflict.kind, "Replaced — from ")
            + _who(conflict.replaced_origin, mine))
        self.live.setPlainText(_fields(conflict.kept, conflict.differs))
        self.replaced.setPlainText(_fields(conflict.replaced, conflict.differs))
        if conflict.kind in ("merge", "closed"):
            self.keep_mine.setText("&OK, merged" if conflict.kind == "merge" else "&OK")
            self.keep_theirs.hide()
            self.message.setText(
                "Both laptops made this by the same name (or imported the same row): it is "
                "one row now, everything on it." if conflict.kind == "merge" else
                "The meeting was already closed when this change reached the team: a closed "
                "meeting is read-only, so the change is kept here, not applied (reopen the "
                "meeting to change it).")
        else:
            side = self._mine_is_live(conflict)
            self.keep_theirs.show()
            if side is None:
                self.keep_mine.setText("Keep &live")
                self.keep_theirs.setText("Bring &back the replaced")
            else:
                self.keep_mine.setText("Keep &mine")
                self.keep_theirs.setText("Keep &theirs")
            self.message.setText(
                f"Differs in: {', '.join(conflict.differs) or 'bookkeeping only'}")
        self.keep_mine.setEnabled(True)
        self.keep_theirs.setEnabled(True)

    # -- choosing -------------------------------------------------------------------------
    def _choose(self, mine: bool) -> None:
        conflict = self.current()
        if conflict is None:
            return
        if conflict.kind in ("merge", "closed"):
            keep = Keep.LIVE
        else:
            side = self._mine_is_live(conflict)
            live_is_wanted = mine if side is None else (mine == side)
            keep = Keep.LIVE if live_is_wanted else Keep.REPLACED
        try:
            self._resolve(conflict.id, keep)
        except EmptyChairError as exc:
            self.message.setText(str(exc).splitlines()[0])
            return
        if keep is Keep.REPLACED:
            self._applied()
        self.reload(conflict.id)
        self.message.setText(
            ("The replaced version is back; it reaches the others at the next sync."
             if keep is Keep.REPLACED else "Kept as it is.") + " " + self.message.text()
            if self.items else
            ("The replaced version is back; it reaches the others at the next sync."
             if keep is Keep.REPLACED else "Kept as it is. No sync conflicts left."))
