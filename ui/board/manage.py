"""Customers, duplicates, cohorts and themes: small dialogs over undoable commands."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.board.commands import (
    CreateNamed,
    DeleteNamed,
    MergeCustomers,
    MergeNamed,
    MergeVoices,
    RenameNamed,
    UpdateCustomer,
)
from app.errors import EmptyChairError
from ui.table_model import form_rows
from ui.theme import MUTED, styled


def ask(parent: Any, title: str, label: str, then: Any, items: list[str] | None = None,
        text: str = "") -> QInputDialog:
    """A non-blocking input dialog: `then(value)` runs when the person accepts."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    if items is not None:
        dialog.setComboBoxItems(items)
        dialog.setComboBoxEditable(True)
    else:
        dialog.setTextValue(text)
    dialog.textValueSelected.connect(then)
    dialog.open()
    return dialog


def _current_customer(window: Any) -> Any:
    customer = window.side.selected_customer()
    if customer is None and window.selected is not None:
        customer = next((c for c in window._customers if c.id == window.selected.customer_id),
                        None)
    if customer is None:
        window.warn("Customers", "Pick a customer in the side panel (or select one of its "
                    "voices) first.")
    return customer


class CustomerDialog(QDialog):
    def __init__(self, window: Any, customer: Any) -> None:
        super().__init__(window)
        self.setWindowTitle("Edit customer")
        self.window_ = window
        self.customer = customer
        form = QFormLayout(self)
        self.name = QLineEdit(customer.name)
        self.cohort = QComboBox(editable=True)
        self.cohort.addItems(["", *[c.name for c in window.store.cohorts()]])
        self.cohort.setCurrentText(customer.cohort_name or "")
        self.weight = QDoubleSpinBox(maximum=1e12, decimals=0, value=customer.weight)
        self.owner = QLineEdit(customer.owner)
        self.notes = QLineEdit(customer.notes)
        self.error = form_rows(form, [("Name", self.name), ("Cohort", self.cohort),
                                      ("Weight", self.weight), ("Owner", self.owner),
                                      ("Notes", self.notes)], self)

    def save(self) -> None:
        after = self.customer._replace(
            name=self.name.text(), cohort_name=self.cohort.currentText().strip()
            or None, weight=self.weight.value(), owner=self.owner.text(),
            notes=self.notes.text())
        try:
            self.window_.run_command(UpdateCustomer(self.customer, after))
        except EmptyChairError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


def edit_customer(window: Any) -> None:
    customer = _current_customer(window)
    if customer is not None:
        CustomerDialog(window, customer).open()


def merge_customers(window: Any) -> None:
    source = _current_customer(window)
    if source is None:
        return
    others = [c.name for c in window._customers if c.id != source.id]

    def merge(name: str) -> None:
        target = next((c for c in window._customers if c.name.casefold() == name.casefold()),
                      None)
        if target is None:
            window.warn("Merge customer", f"No customer called {name!r}")
            return
        window._try(MergeCustomers(source.id, target.id,
                                   text=f"Merge {source.name} into {target.name}"))

    ask(window, "Merge customer", f"Move every voice of {source.name} to:", merge, others)


class DuplicatesDialog(QDialog):
    """Likely duplicates (same customer, near-identical words); merge keeps every source."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Likely duplicate voices")
        self.resize(800, 500)
        layout = QVBoxLayout(self)
        self.info = styled(QLabel(""), MUTED)
        layout.addWidget(self.info)
        self.list = QListWidget()
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.merge_button = QPushButton("Merge selected group")
        self.merge_button.clicked.connect(self.merge_selected)
        row.addWidget(self.merge_button)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.reload()

    def reload(self) -> None:
        from app.board.duplicates import find_duplicates

        self.groups = find_duplicates(self.window_.store)
        self.list.clear()
        for group in self.groups:
            first = group[0]
            text = " ".join(first.text.split())
            dates = ", ".join(v.heard_on.isoformat() for v in group)
            item = QListWidgetItem(f"{first.customer_name} · {len(group)} voices · {dates}\n"
                                   f"  {text[:160]}")
            self.list.addItem(item)  # QListWidgetItem text is plain text
        self.info.setText(f"{len(self.groups)} group(s) of near-identical voices from one "
                          "customer. Merging keeps the oldest; the others stay as its sources.")
        if self.groups:
            self.list.setCurrentRow(0)

    def merge_selected(self) -> None:
        row = self.list.currentRow()
        if row < 0:
            return
        group = self.groups[row]
        window = self.window_
        window._try(MergeVoices(group[0].id, [v.id for v in group[1:]],
                                text=f"Merge {len(group)} duplicate voices"))
        self.reload()


class NamedDialog(QDialog):
    """Cohorts and themes: create, rename, merge, delete when unused."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window_ = window
        self.setWindowTitle("Cohorts and themes")
        self.resize(520, 420)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.lists: dict[str, QListWidget] = {}
        for table, label in (("cohorts", "Cohorts"), ("themes", "Themes")):
            page = QWidget()
            page_layout = QVBoxLayout(page)
            lst = QListWidget()
            page_layout.addWidget(lst)
            buttons = QHBoxLayout()
            for text, handler in (("New…", self.create_named), ("Rename…", self.rename),
                                  ("Merge into…", self.merge),
                                  ("Delete", self.delete)):
                button = QPushButton(text)
                button.clicked.connect(handler)
                buttons.addWidget(button)
            page_layout.addLayout(buttons)
            self.lists[table] = lst
            self.tabs.addTab(page, label)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        layout.addWidget(close)
        self.reload()

    def table(self) -> str:
        return "cohorts" if self.tabs.currentIndex() == 0 else "themes"

    def reload(self) -> None:
        self.rows: dict[str, list[tuple[str, str, int]]] = {}
        for table, lst in self.lists.items():
            self.rows[table] = self.window_.store.named_usage(table)
            lst.clear()
            unit = "customers" if table == "cohorts" else "voices"
            for _id, name, used in self.rows[table]:
                lst.addItem(f"{name}  ({used:,} {unit})")

    def current(self) -> tuple[str, str, int] | None:
        row = self.lists[self.table()].currentRow()
        return self.rows[self.table()][row] if row >= 0 else None

    def _run(self, command: Any) -> None:
        self.window_._try(command)
        self.reload()

    def create_named(self) -> QInputDialog:
        table = self.table()

        def create(name: str) -> None:
            if name.strip():
                self._run(CreateNamed(table, name.strip(), text=f"Create {name.strip()}"))

        return ask(self, "New", "Name:", create)

    def rename(self) -> None:
        current = self.current()
        if current:
            table = self.table()

            def rename(name: str) -> None:
                if name.strip():
                    self._run(RenameNamed(table, current[0], current[1], name.strip(),
                                          text=f"Rename {current[1]}"))

            ask(self, "Rename", "New name:", rename, text=current[1])

    def merge(self) -> None:
        current = self.current()
        if current:
            table = self.table()
            others = [r[1] for r in self.rows[table] if r[0] != current[0]]

            def merge(name: str) -> None:
                target = next((r for r in self.rows[table] if r[1] == name), None)
                if target:
                    self._run(MergeNamed(table, current[0], target[0],
                                         text=f"Merge {current[1]} into {name}"))

            ask(self, "Merge", f"Merge {current[1]} into:", merge, others)

    def delete(self) -> None:
        current = self.current()
        if current:
            self._run(DeleteNamed(self.table(), current[0], text=f"Delete {current[1]}"))
