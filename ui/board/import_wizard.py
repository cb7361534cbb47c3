"""Import wizard: file → preview → columns → values and filters → check → import, every
read of the file in a worker thread. Voices, or customers' weight, cohort, owner and notes."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.board.csv_import import (
    FIELDS,
    CsvSource,
    HtmlFinding,
    ImportOptions,
    ImportPlan,
    RowFilter,
    ThemeCandidate,
    ValueProposal,
    auto_mapping,
    column_values,
    detect_html,
    plan_import,
    propose_values,
    read_csv,
    theme_candidates,
    value_key,
)
from app.board.customer_import import (
    CUSTOMER_FIELDS,
    CustomerImportResult,
    CustomerPlan,
    customer_mapping,
    plan_customers,
    run_customer_import,
)
from app.board.domain import Channel, Kind, NeedDepth
from app.board.importing import run_import
from app.board.ports import ImportCancelled
from app.changes import Changes
from app.errors import EmptyChairError
from ui.background import CancelToken, Job
from ui.plain import tooltip
from ui.theme import ERROR, MUTED, styled

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
DELIMITERS = ((",", "Comma"), (";", "Semicolon"), ("\t", "Tab"))
PREVIEW_ROWS = 8
CANCEL_TEXT = "Cancel import"
FINISHING_TEXT = "Finishing…"
VOICES, CUSTOMERS = "voices", "customers"
FROM_COLUMN = "From a column, else {}"
# Column widths of the preview: wide enough to read a cell, never one column per screen.
MIN_COLUMN, MAX_COLUMN, TEXT_COLUMN = 90, 260, 420
# Fields whose cell values can be mapped onto the field's own values.
VALUE_TARGETS: dict[str, tuple[str, ...]] = {
    "kind": tuple(k.value for k in Kind),
    "severity": ("1", "2", "3", "4", "5"),
    "channel": tuple(c.value for c in Channel),
    "need_depth": tuple(d.value for d in NeedDepth),
}
MAX_VALUES_SHOWN = 60
EXAMPLES_CHARS = 60  # of a column's example values beside its name
# '&&' is one '&' in a button's text (a single one marks the shortcut letter).
HTML_TEXT = "Decode HTML entities such as &&amp; and &&gt; in the text"
LEAVE_AS_IS = "(as written)"

# The CLI's words, said the way a wizard says them.
_GUI_WORDS = (
    (re.compile(r"; use --encoding (\S+)"), r"; pick \1 under Encoding"),
    (re.compile(r"name one with --map COLUMN=text"), "pick the column that holds the text"),
    (re.compile(r"use --customer NAME for one customer, or --map COLUMN=customer"),
     "pick the column that names the customer, or type one customer for all rows"),
    (re.compile(r"name one with --map COLUMN=name"), "pick the column that names the customer"),
    (re.compile(r"\(fix them, or use --skip-invalid to import the other rows\)"),
     "(fix them, or tick “Import the valid rows”)"),
    (re.compile(r"--map names column"), "the mapping names column"),
    (re.compile(r"--delimiter"), "Delimiter"),
)


def gui_words(message: str) -> str:
    for pattern, words in _GUI_WORDS:
        message = pattern.sub(words, message)
    return message


def _plain(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(" ".join(text.split())[:300])  # items show plain text
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    if len(text) > 40:
        item.setToolTip(tooltip(text))
    return item


def _label(text: str, look: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return styled(label, look) if look else label


@dataclass
class Loaded:
    """What the worker read of a file: its first records and what they suggest."""

    source: CsvSource
    guessed: dict[str, str]  # column -> field
    proposals: list[ValueProposal] = field(default_factory=list)
    themes: list[ThemeCandidate] = field(default_factory=list)
    html: HtmlFinding | None = None
    notes: list[str] = field(default_factory=list)


def read_file(path: Path, encoding: str | None, delimiter: str | None, mode: str) -> Loaded:
    """Detect, read the first records and make the suggestions (in a worker thread)."""
    notes = []
    try:
        source = read_csv(path, encoding, delimiter)
    except EmptyChairError as exc:  # UTF-16 without a byte-order mark names its encoding
        found = re.search(r"use --encoding (\S+)", str(exc))
        if encoding or found is None:
            raise
        source = read_csv(path, found.group(1), delimiter)
        notes.append(f"read as {found.group(1)}: the file looks like UTF-16 without a "
                     "byte-order mark")
    if mode == CUSTOMERS:
        return Loaded(source, customer_mapping(source.header), notes=notes)
    return Loaded(source, auto_mapping(source.header, source.sample),
                  propose_values(source), theme_candidates(source), detect_html(source),
                  notes)


class Worker(QObject):
    """One kind of background step of the wizard (reading, checking): a newer request makes
    an older one's result stale, and it is dropped when it arrives."""

    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wizard = wizard
        self.generation = 0
        self.busy = False

    def start(self, work: Any) -> None:
        self.generation += 1
        generation = self.generation
        self.busy = True
        job = Job(lambda progress, token: work(progress, token))
        self.wizard.jobs.append(job)
        job.progress.connect(lambda d, t: self._progress(generation, d, t))
        job.done.connect(lambda result: self._done(generation, result, job))
        job.failed.connect(lambda exc: self._failed(generation, exc, job))
        job.start()

    def stop(self) -> None:
        """Whatever is running now is no longer wanted."""
        self.generation += 1
        self.busy = False

    def _progress(self, generation: int, done: int, total: int) -> None:
        if generation == self.generation:
            self.progress.emit(done, total)

    def _forget(self, job: Job) -> None:
        if job in self.wizard.jobs:
            self.wizard.jobs.remove(job)

    def _done(self, generation: int, result: Any, job: Job) -> None:
        self._forget(job)
        if generation == self.generation:
            self.busy = False
            self.done.emit(result)

    def _failed(self, generation: int, exc: BaseException, job: Job) -> None:
        self._forget(job)
        if generation == self.generation:
            self.busy = False
            self.failed.emit(exc)


def _busy_bar() -> QProgressBar:
    bar = QProgressBar()
    bar.setRange(0, 0)  # busy until the worker says how far it got
    bar.setTextVisible(False)
    bar.hide()
    return bar


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a file to import")
        self.setSubTitle("A CSV or TSV export from a survey, support, review or CRM tool.")
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName("File to import")
        self.path.setPlaceholderText("Path of a .csv or .tsv file")
        self.path.textChanged.connect(self._path_changed)
        row.addWidget(self.path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        row.addWidget(browse)
        layout.addLayout(row)
        layout.addWidget(_label("What does the file hold?"))
        self.voices = QRadioButton("Voices: what customers said (quotes, complaints, needs)")
        self.customers = QRadioButton("Customers: their weight (ARR, revenue, seats), cohort "
                                      "(segment, tier, plan), owner and notes")
        self.voices.setChecked(True)
        self.modes = QButtonGroup(self)
        for button in (self.voices, self.customers):
            self.modes.addButton(button)
            layout.addWidget(button)
        self.modes.buttonToggled.connect(lambda *_: self._path_changed())
        self.bar = _busy_bar()
        layout.addWidget(self.bar)
        self.status = _label("", MUTED)
        layout.addWidget(self.status)
        self.error = _label("", ERROR)
        layout.addWidget(self.error)
        layout.addStretch(1)

    @property
    def mode(self) -> str:
        return CUSTOMERS if self.customers.isChecked() else VOICES

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import", "",
                                              "Exports (*.csv *.tsv *.txt *.json);;All (*)")
        if path:
            self.path.setText(path)

    def _path_changed(self) -> None:
        from app.snapshot import is_board_file

        self.error.setText("")
        path = Path(self.path.text().strip())
        self.wiz.board_file = path if self.path.text().strip() and path.is_file() \
            and is_board_file(path) else None
        if self.wiz.board_file is not None:  # a whole board: nothing to map or preview
            self.wiz.reader.stop()
            self.wiz.loaded = None
            self.bar.hide()
            self.status.setText(f"{path.name} is a whole board (Empty Chair's JSON export of "
                                "one): Next imports every table of it, all of it or nothing.")
        elif self.path.text().strip() and path.is_file():
            self.wiz.load(path)
        else:
            self.wiz.reader.stop()
            self.wiz.loaded = None
            self.status.setText("")
            self.bar.hide()
        self.completeChanged.emit()

    def show_reading(self) -> None:
        self.bar.show()
        self.status.setText(f"Reading {self.wiz.path.name}…")
        self.error.setText("")

    def show_loaded(self, loaded: Loaded | None, problem: str = "") -> None:
        self.bar.hide()
        if loaded is None:
            self.status.setText("")
            self.error.setText(problem)
        else:
            self.status.setText(self.wiz.describe(loaded.source))
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.board_file is not None or self.wiz.ready(self.wiz.path)

    def nextId(self) -> int:  # noqa: N802
        if self.wiz.board_file is not None:
            return self.wiz.run_id  # straight to the import: the file says it all
        return super().nextId()


class PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Preview")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.encoding = QComboBox()
        self.encoding.addItems(ENCODINGS)
        self.delimiter = QComboBox()
        for value, label in DELIMITERS:
            self.delimiter.addItem(label, value)
        form.addRow("Encoding", self.encoding)
        form.addRow("Delimiter", self.delimiter)
        layout.addLayout(form)
        self.bar = _busy_bar()
        layout.addWidget(self.bar)
        self.error = _label("", ERROR)
        layout.addWidget(self.error)
        self.table = QTableWidget()
        self.table.setWordWrap(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 10)
        layout.addWidget(self.table, 1)
        self.encoding.currentTextChanged.connect(self.reread)
        self.delimiter.currentIndexChanged.connect(self.reread)

    def initializePage(self) -> None:  # noqa: N802
        loaded = self.wiz.loaded
        assert loaded is not None
        for combo in (self.encoding, self.delimiter):
            combo.blockSignals(True)
        if self.encoding.findText(loaded.source.encoding) < 0:
            self.encoding.addItem(loaded.source.encoding)
        self.encoding.setCurrentText(loaded.source.encoding)
        self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(loaded.source.delimiter)))
        for combo in (self.encoding, self.delimiter):
            combo.blockSignals(False)
        self.show_rows()

    def reread(self) -> None:
        self.wiz.load(self.wiz.path, self.encoding.currentText(), self.delimiter.currentData())

    def show_reading(self) -> None:
        self.bar.show()
        self.error.setText("")
        self.setSubTitle(f"Reading {self.wiz.path.name} as {self.encoding.currentText()}…")
        self.completeChanged.emit()

    def show_loaded(self, loaded: Loaded | None, problem: str = "") -> None:
        self.bar.hide()
        if loaded is None:
            self.error.setText(problem)
            self.setSubTitle("")
            self.table.setRowCount(0)
        else:
            self.show_rows()
        self.completeChanged.emit()

    def show_rows(self) -> None:
        loaded = self.wiz.loaded
        assert loaded is not None
        source = loaded.source
        self.setSubTitle(self.wiz.describe(source))
        self.table.clear()
        self.table.setColumnCount(len(source.header))
        self.table.setHorizontalHeaderLabels(source.header)
        preview = source.sample[:PREVIEW_ROWS]
        self.table.setRowCount(len(preview))
        for r, record in enumerate(preview):
            for c, cell in enumerate(record.cells[: len(source.header)]):
                self.table.setItem(r, c, _plain(cell))
        self.table.resizeColumnsToContents()
        for c, column in enumerate(source.header):
            widest = TEXT_COLUMN if loaded.guessed.get(column) in ("text", "notes") \
                else MAX_COLUMN
            self.table.setColumnWidth(c, max(MIN_COLUMN, min(widest,
                                                             self.table.columnWidth(c))))

    def isComplete(self) -> bool:  # noqa: N802
        return self.wiz.ready(self.wiz.path)


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Columns")
        layout = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        self.form = QFormLayout(inner)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        self.themes_hint = _label("", MUTED)
        self.use_themes = QPushButton("Use them as themes")
        self.use_themes.clicked.connect(self._map_themes)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.themes_hint, 1)
        hint_row.addWidget(self.use_themes)
        layout.addLayout(hint_row)
        self.options_box = QWidget()
        options = QFormLayout(self.options_box)
        options.setContentsMargins(0, 0, 0, 0)
        self.customer = QLineEdit()
        self.customer.setAccessibleName("Customer for all rows")
        self.customer.textChanged.connect(self._changed)
        self.kind = QComboBox()
        self.kind.addItems([FROM_COLUMN.format("quote"), *[k.value for k in Kind]])
        self.channel = QComboBox()
        self.channel.addItems([FROM_COLUMN.format("other"), *[c.value for c in Channel]])
        self.html = QCheckBox(HTML_TEXT)
        options.addRow("Customer for all rows", self.customer)
        options.addRow("Kind for all rows", self.kind)
        options.addRow("Channel for all rows", self.channel)
        options.addRow("", self.html)
        layout.addWidget(self.options_box)
        self.hint = _label("", ERROR)
        layout.addWidget(self.hint)
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:  # noqa: N802
        loaded = self.wiz.loaded
        assert loaded is not None
        customers = self.wiz.mode == CUSTOMERS
        self.setSubTitle(
            "Pre-filled from the header names. Every customer needs a name; the other "
            "columns update the customers the board has and fill in the new ones."
            if customers else
            "Pre-filled from the header names. Every voice needs its text and a customer: "
            "a column that names them, or one customer typed below for all rows.")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}
        fields = CUSTOMER_FIELDS if customers else FIELDS
        candidates = {c.column: c for c in loaded.themes}
        for column in loaded.source.header:
            combo = QComboBox()
            combo.addItems(["ignore", *fields])
            combo.setCurrentText(loaded.guessed.get(column, "ignore"))
            combo.setAccessibleName(f"Field for {column}")
            combo.currentTextChanged.connect(self._changed)
            self.combos[column] = combo
            examples = column_values(loaded.source, column).most_common(3)
            shown = ", ".join(" ".join(v.split())[:24] + ("…" if len(v) > 24 else "")
                              for v, _n in examples)
            shown = shown if len(shown) <= EXAMPLES_CHARS else shown[:EXAMPLES_CHARS - 1] + "…"
            label = _label(column + (f"   e.g. {shown}" if shown else ""))
            label.setWordWrap(False)
            label.setToolTip(tooltip(column + ("\n" + candidates[column].examples[0]
                                               if column in candidates else "")))
            self.form.addRow(label, combo)
        self.options_box.setVisible(not customers)
        names = [f"{c.column} ({c.distinct} labels)" for c in loaded.themes]
        self.themes_hint.setText("Columns of a few labels, which could be themes: "
                                 + ", ".join(names) if names and not customers else "")
        self.themes_hint.setVisible(bool(names) and not customers)
        self.use_themes.setVisible(bool(names) and not customers)
        self.html.setChecked(loaded.html is not None)
        found = loaded.html
        self.html.setText(HTML_TEXT + (f" (found in {found.cells:,} of {found.checked:,} "
                                       "sampled rows)" if found else ""))
        self._changed()

    def _map_themes(self) -> None:
        loaded = self.wiz.loaded
        assert loaded is not None
        for candidate in loaded.themes:
            self.combos[candidate.column].setCurrentText("themes")

    def mapping(self) -> dict[str, str]:
        return {c: combo.currentText() for c, combo in self.combos.items()}

    def missing(self) -> str:
        """What the mapping still lacks, in the wizard's words ('' when complete)."""
        chosen = set(self.mapping().values())
        if self.wiz.mode == CUSTOMERS:
            if "name" not in chosen:
                return "Pick the column that names the customer."
            if not chosen - {"name", "ignore"}:
                return "Pick at least one column for weight, cohort, owner or notes."
            return ""
        if "text" not in chosen:
            return "Pick the column that holds what the customer said (text)."
        if "customer" not in chosen and not self.customer.text().strip():
            return ("Pick the column that names the customer, or type one customer for all "
                    "rows.")
        return ""

    def _changed(self) -> None:
        self.customer.setPlaceholderText(
            "Needed: no column names the customer" if "customer" not in self.mapping().values()
            else "Leave empty to take the customer column")
        self.hint.setText(self.missing())
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return not self.missing()

    def options(self) -> ImportOptions:
        kind, channel = self.kind.currentText(), self.channel.currentText()
        loaded = self.wiz.loaded
        assert loaded is not None
        mapping = self.mapping()
        for column, target in self.wiz.values_page.targets().items():
            if mapping.get(column, "ignore") == "ignore":
                mapping[column] = target  # a sentiment column whose values were mapped
        return ImportOptions(
            mapping=mapping,
            kind=Kind(kind) if kind in {k.value for k in Kind} else None,
            customer=self.customer.text().strip() or None,
            channel=Channel(channel) if channel in {c.value for c in Channel} else None,
            encoding=loaded.source.encoding, delimiter=loaded.source.delimiter,
            values=self.wiz.values_page.values(), filters=self.wiz.values_page.filters(),
            html=self.html.isChecked())

    def nextId(self) -> int:  # noqa: N802
        if self.wiz.mode == CUSTOMERS:
            return self.wiz.pageIds()[4]  # customers have no values to map
        return super().nextId()


class ValuesPage(QWizardPage):
    """Cell values mapped onto a field's values (pre-filled from the proposals), and row
    filters with how many of the first rows each leaves out."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Values and filters")
        self.setSubTitle("What a column's values mean for the board, and which rows to leave "
                         "out. The counts are of the first rows; the check counts them all.")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Column", "Value in the file", "Rows", "Becomes"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        layout.addWidget(_label("Values"))
        layout.addWidget(self.table, 2)
        layout.addWidget(_label("Row filters (every one must hold)"))
        row = QHBoxLayout()
        self.filter_column = QComboBox()
        self.filter_column.setAccessibleName("Filter column")
        self.filter_keep = QComboBox()
        self.filter_keep.addItems(["is", "is not"])
        self.filter_value = QComboBox()
        self.filter_value.setEditable(True)
        self.filter_value.setAccessibleName("Filter value")
        add = QPushButton("Add filter")
        add.clicked.connect(self.add_current_filter)
        remove = QPushButton("Remove")
        remove.clicked.connect(self._remove_filter)
        for widget in (_label("Keep rows whose"), self.filter_column, self.filter_keep,
                       self.filter_value, add, remove):
            row.addWidget(widget)
        layout.addLayout(row)
        self.filter_list = QListWidget()
        layout.addWidget(self.filter_list, 1)
        self.filter_column.currentTextChanged.connect(self._filter_values)
        self._filters: list[RowFilter] = []
        self._rows: list[tuple[str, str, QComboBox]] = []
        self._targets: dict[str, str] = {}  # column -> the field its values feed

    def initializePage(self) -> None:  # noqa: N802
        loaded = self.wiz.loaded
        assert loaded is not None
        source = loaded.source
        mapping = self.wiz.mapping_page.mapping()
        options = ImportOptions(mapping=mapping)
        proposals = {p.column: p for p in propose_values(source, options)}
        previous = {(c, v): combo.currentText() for c, v, combo in self._rows}
        self._rows = []
        self._targets = {}
        self.table.setRowCount(0)
        for column in source.header:
            target = mapping.get(column)
            proposal = proposals.get(column)
            if proposal is not None and target != proposal.target:
                target = proposal.target  # sentiment or a rating: the field it would feed
            if target not in VALUE_TARGETS:
                continue
            counts = column_values(source, column)
            if not counts or len(counts) > MAX_VALUES_SHOWN:
                continue
            self._targets[column] = target
            proposed = {value_key(v): t for v, t in (proposal.values.items()
                                                     if proposal else ())}
            for value, count in counts.most_common():
                combo = QComboBox()
                combo.addItems([LEAVE_AS_IS, *VALUE_TARGETS[target]])
                combo.setAccessibleName(f"{column}: {value}")
                wanted = previous.get((column, value), proposed.get(value_key(value),
                                                                    LEAVE_AS_IS))
                combo.setCurrentText(wanted)
                r = self.table.rowCount()
                self.table.insertRow(r)
                self.table.setItem(r, 0, _plain(f"{column} → {target}"))
                self.table.setItem(r, 1, _plain(value))
                self.table.setItem(r, 2, _plain(f"{count:,}"))
                self.table.setCellWidget(r, 3, combo)
                self._rows.append((column, value, combo))
        self.table.resizeColumnsToContents()
        for c in range(3):
            self.table.setColumnWidth(c, max(MIN_COLUMN, min(MAX_COLUMN,
                                                             self.table.columnWidth(c))))
        current = self.filter_column.currentText()
        self.filter_column.blockSignals(True)
        self.filter_column.clear()
        self.filter_column.addItems(source.header)
        if current in source.header:
            self.filter_column.setCurrentText(current)
        self.filter_column.blockSignals(False)
        self._filter_values()
        self._show_filters()

    def _filter_values(self) -> None:
        loaded = self.wiz.loaded
        column = self.filter_column.currentText()
        self.filter_value.clear()
        if loaded is None or not column:
            return
        values = column_values(loaded.source, column)
        if len(values) <= MAX_VALUES_SHOWN:
            self.filter_value.addItems([v for v, _n in values.most_common()])

    def values(self) -> dict[str, dict[str, str]]:
        """column -> {value -> target} for every column given at least one value; a column
        given some keeps the others as written ('(as written)' maps a value to itself)."""
        chosen: dict[str, dict[str, str]] = {}
        for column, value, combo in self._rows:
            if combo.currentText() != LEAVE_AS_IS:
                chosen.setdefault(column, {})[value] = combo.currentText()
        for column, value, _combo in self._rows:
            if column in chosen and value not in chosen[column]:
                chosen[column][value] = value
        return chosen

    def targets(self) -> dict[str, str]:
        """The field of each column given values (a sentiment column feeds kind)."""
        return {c: self._targets[c] for c in self.values()}

    def add_filter(self, column: str, value: str, keep: bool = True) -> None:
        self._filters.append(RowFilter(column, value.strip(), keep))
        self._show_filters()

    def add_current_filter(self) -> None:
        if self.filter_column.currentText() and self.filter_value.currentText().strip():
            self.add_filter(self.filter_column.currentText(), self.filter_value.currentText(),
                            keep=self.filter_keep.currentText() == "is")

    def _remove_filter(self) -> None:
        row = self.filter_list.currentRow()
        if 0 <= row < len(self._filters):
            del self._filters[row]
            self._show_filters()

    def filters(self) -> list[RowFilter]:
        return list(self._filters)

    def dropped(self, row_filter: RowFilter) -> int:
        """How many of the first rows the filter leaves out."""
        loaded = self.wiz.loaded
        assert loaded is not None
        by_lower = {h.lower(): i for i, h in enumerate(loaded.source.header)}
        col = by_lower.get(row_filter.column.lower())
        if col is None:
            return 0
        want = value_key(row_filter.value)
        return sum((value_key(r.cells[col]) == want) != row_filter.keep
                   for r in loaded.source.sample if col < len(r.cells))

    def _show_filters(self) -> None:
        self.filter_list.clear()
        loaded = self.wiz.loaded
        first = len(loaded.source.sample) if loaded else 0
        for row_filter in self._filters:
            verb = "is" if row_filter.keep else "is not"
            self.filter_list.addItem(
                f"Keep rows whose {row_filter.column} {verb} “{row_filter.value}”: leaves out "
                f"{self.dropped(row_filter):,} of the first {first:,} rows")


class ValidationPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check")
        self.setSubTitle("Every row is read and checked against the columns and values you "
                         "chose. Nothing is written yet.")
        layout = QVBoxLayout(self)
        self.bar = _busy_bar()
        layout.addWidget(self.bar)
        self.summary = _label("")
        layout.addWidget(self.summary)
        self.problems = QListWidget()
        layout.addWidget(self.problems)
        self.skip = QCheckBox("Import the valid rows and skip the invalid ones")
        self.skip.toggled.connect(self.completeChanged)
        layout.addWidget(self.skip)

    def initializePage(self) -> None:  # noqa: N802
        self.summary.setText(f"Checking every row of {self.wiz.path.name}…")
        self.problems.clear()
        self.problems.hide()
        self.skip.setVisible(False)
        self.skip.setChecked(False)
        self.bar.setRange(0, 0)
        self.bar.show()
        self.wiz.check()

    def cleanupPage(self) -> None:  # noqa: N802
        self.wiz.checker.stop()  # Back: a check still running is no longer wanted
        self.bar.hide()

    def show_progress(self, done: int, total: int) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        else:  # rows of a file whose length in rows is known only at its end
            self.bar.setRange(0, 0)
            self.summary.setText(f"Checking… {done:,} rows so far")

    def show_failure(self, message: str) -> None:
        self.bar.hide()
        self.summary.setText(f"Cannot import: {message}")
        self.completeChanged.emit()

    def show_plan(self, plan: ImportPlan, kinds: dict[Kind, int] | None = None) -> None:
        self.bar.hide()
        lines = [f"{len(plan.rows):,} valid rows, {plan.problem_count:,} invalid."]
        if kinds:
            lines.append("By kind: " + ", ".join(f"{kinds.get(k, 0):,} {k.label.lower()}"
                                                 for k in Kind) + ".")
        for row_filter, count in plan.filtered:
            verb = "is" if row_filter.keep else "is not"
            lines.append(f"• Keeping rows whose {row_filter.column} {verb} "
                         f"“{row_filter.value}” left out {count:,} rows")
        lines += [f"• {gui_words(n)}" for n in plan.notes]
        self.summary.setText("\n".join(lines))
        self._list(plan.problems, plan.problem_count)
        self.skip.setVisible(bool(plan.problem_count))
        self.completeChanged.emit()

    def show_customers(self, plan: CustomerPlan, result: CustomerImportResult | None) -> None:
        self.bar.hide()
        lines = [f"{len(plan.rows):,} customers, {plan.problem_count:,} invalid rows."]
        if result is not None:
            lines.append(f"Importing will change the board: {result.summary()}.")
            lines += [f"• {line}" for line in result.field_lines()]
        else:
            lines.append("Nothing can be imported until every row is valid: an import of "
                         "customers is all or nothing.")
        self.summary.setText("\n".join(lines))
        self._list(plan.problems, plan.problem_count)
        self.completeChanged.emit()

    def _list(self, problems: list[Any], count: int) -> None:
        self.problems.clear()
        self.problems.setVisible(bool(count))
        shown = problems[:2000]
        for problem in shown:
            self.problems.addItem(f"line {problem.line}: {gui_words(problem.message)}")
        if count > len(shown):
            self.problems.addItem(f"… and {count - len(shown):,} more")

    def isComplete(self) -> bool:  # noqa: N802
        if self.wiz.checker.busy:
            return False
        if self.wiz.mode == CUSTOMERS:
            found = self.wiz.customer_check
            return found is not None and found[1] is not None and bool(found[0].rows)
        plan = self.wiz.plan
        return plan is not None and bool(plan.rows) and (not plan.problem_count or
                                                         self.skip.isChecked())


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Import")
        self.setSubTitle("Everything is written in one step: all of it, or nothing.")
        layout = QVBoxLayout(self)
        self.bar = QProgressBar()
        layout.addWidget(self.bar)
        self.message = _label("")
        layout.addWidget(self.message)
        self.cancel_button = QPushButton(CANCEL_TEXT)
        self.cancel_button.clicked.connect(self.wiz.cancel_import)
        layout.addWidget(self.cancel_button)
        layout.addStretch(1)
        self.finished = False
        self.cancelling = False  # a cancel was pressed and will be honoured
        self.cancel_too_late = False  # a cancel was pressed after the commit had begun

    def initializePage(self) -> None:  # noqa: N802
        self.finished = False
        self.wiz.start_import()

    def isComplete(self) -> bool:  # noqa: N802
        return self.finished


class ImportWizard(QWizard):
    """Every read of the file runs in a worker thread (ui.background.Job): detecting and
    previewing it, and checking every row; a newer request drops an older one's result.

    The import runs in a worker thread with its own connection; Cancel rolls back all,
    up to the moment the commit begins. From then on Cancel is disabled and says the import
    is finishing, and a press that arrived too late is answered truthfully: the import had
    already finished (the job's CancelToken decides, so the two can never both happen).
    A customers import, once written, is handed to the window as a domain command to undo."""

    imported = Signal(object)  # Changes
    applied = Signal(object)  # a domain command already applied (customers): push for undo
    read_done = Signal()  # the file's first records were read (or could not be)
    check_done = Signal()  # every row was checked (or could not be)

    def __init__(self, board_path: Path | str, open_reader: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.resize(900, 640)
        self.board_path = Path(board_path)
        self.open_reader = open_reader
        self.path = Path()
        self.loaded: Loaded | None = None
        self.loaded_key: tuple[Path, str] | None = None
        self.plan: ImportPlan | None = None
        self.customer_check: tuple[CustomerPlan, CustomerImportResult | None] | None = None
        self.job: Job | None = None
        self.jobs: list[Job] = []
        self.reader = Worker(self)
        self.checker = Worker(self)
        self.reader.done.connect(self._read)
        self.reader.failed.connect(self._read_failed)
        self.checker.done.connect(self._checked)
        self.checker.failed.connect(self._check_failed)
        self.checker.progress.connect(self._checking)
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.mapping_page = MappingPage(self)
        self.values_page = ValuesPage(self)
        self.validation_page = ValidationPage(self)
        self.run_page = RunPage(self)
        self.board_file: Path | None = None  # a whole-board JSON file was chosen
        for page in (self.file_page, self.preview_page, self.mapping_page, self.values_page,
                     self.validation_page, self.run_page):
            self.run_id = self.addPage(page)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)

    # -- reading -------------------------------------------------------------------------
    def _checking(self, done: int, total: int) -> None:
        self.validation_page.show_progress(done, total)

    @property
    def mode(self) -> str:
        return self.file_page.mode

    def describe(self, source: CsvSource) -> str:
        rows = f"{len(source.sample):,}" if source.complete else \
            f"more than {len(source.sample):,}"
        notes = "".join(f"; {n}" for n in (self.loaded.notes if self.loaded else []))
        return (f"{source.path.name}: {source.encoding}, {rows} rows, "
                f"{len(source.header)} columns{notes}")

    def ready(self, path: Path) -> bool:
        return (not self.reader.busy and self.loaded is not None
                and self.loaded_key == (path, self.mode))

    def load(self, path: Path, encoding: str | None = None, delimiter: str | None = None) -> None:
        """Read the file's first records in a worker; read_done says when they arrived."""
        self.path = path
        mode = self.mode
        self.reader.start(lambda _progress, _token: read_file(path, encoding, delimiter, mode))
        self.loaded_key = (path, mode)
        self.file_page.show_reading()
        if self.currentPage() is self.preview_page:
            self.preview_page.show_reading()
        self.file_page.completeChanged.emit()

    def _read(self, loaded: Loaded) -> None:
        self.loaded = loaded
        self.file_page.show_loaded(loaded)
        if self.currentPage() is self.preview_page:
            self.preview_page.show_loaded(loaded)
        self.read_done.emit()

    def _read_failed(self, exc: BaseException) -> None:
        self.loaded = None
        message = gui_words(str(exc))
        self.file_page.show_loaded(None, message)
        if self.currentPage() is self.preview_page:
            self.preview_page.show_loaded(None, message)
        self.read_done.emit()

    # -- checking ------------------------------------------------------------------------
    def check(self) -> None:
        """Check every row in a worker (a dry run against the board for customers)."""
        loaded = self.loaded
        assert loaded is not None
        self.plan = None
        self.customer_check = None
        source = loaded.source
        if self.mode == CUSTOMERS:
            mapping = self.mapping_page.mapping()
            board, open_reader = self.board_path, self.open_reader

            def check_customers(progress: Any, token: CancelToken) -> Any:
                plan = plan_customers(source, mapping, progress=progress, cancelled=token)
                if plan.problems:
                    return plan, None
                store = open_reader(board)
                try:
                    return plan, store.import_customers(plan.rows, dry_run=True)
                finally:
                    store.close()

            self.checker.start(check_customers)
        else:
            options = self.mapping_page.options()

            def check_voices(progress: Any, _token: CancelToken) -> Any:
                plan = plan_import(source, options, progress=progress)
                kinds = None if plan.rows.streamed else dict(Counter(r.kind for r in plan.rows))
                return plan, kinds

            self.checker.start(check_voices)
        self.validation_page.completeChanged.emit()

    def _checked(self, found: Any) -> None:
        if self.mode == CUSTOMERS:
            self.customer_check = found
            self.validation_page.show_customers(*found)
        else:
            self.plan = found[0]
            self.validation_page.show_plan(*found)
        self.check_done.emit()

    def _check_failed(self, exc: BaseException) -> None:
        self.validation_page.show_failure(gui_words(str(exc)))
        self.check_done.emit()

    # -- importing -----------------------------------------------------------------------
    def start_import(self) -> None:
        if self.board_file is not None:
            self._start_board(self.board_file)
            return
        if self.mode == CUSTOMERS:
            self._start_customers()
            return
        plan = self.plan
        assert plan is not None
        page = self.run_page
        page.bar.setRange(0, max(1, len(plan.rows)))
        page.bar.setValue(0)
        page.message.setText(f"Importing {len(plan.rows):,} voices…")
        page.cancel_button.show()
        page.cancel_button.setEnabled(True)
        page.cancel_button.setText(CANCEL_TEXT)
        page.cancelling = page.cancel_too_late = False
        self.button(QWizard.WizardButton.CancelButton).setEnabled(False)

        def work(progress: Any, token: CancelToken) -> Any:
            store = self.open_reader(self.board_path)
            try:
                return run_import(store, plan, skip_invalid=True, progress=progress,
                                  cancelled=token, may_commit=token.may_commit)
            finally:
                store.close()

        self.job = Job(work)
        self.job.progress.connect(self._progress)
        self.job.committing.connect(self._committing)
        self.job.done.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _start_customers(self) -> None:
        assert self.customer_check is not None
        plan = self.customer_check[0]
        page = self.run_page
        page.bar.setRange(0, max(1, len(plan.rows)))
        page.bar.setValue(0)
        page.message.setText(f"Updating {len(plan.rows):,} customers…")
        page.cancel_button.hide()  # one short transaction; undo is the way back
        page.cancelling = page.cancel_too_late = False
        self.button(QWizard.WizardButton.CancelButton).setEnabled(False)
        board, open_reader = self.board_path, self.open_reader

        def work(progress: Any, _token: CancelToken) -> Any:
            store = open_reader(board)
            try:
                return run_customer_import(store, plan, progress=progress)
            finally:
                store.close()

        self.job = Job(work)
        self.job.progress.connect(lambda done, _total: page.bar.setValue(done))
        self.job.done.connect(self._customers_done)
        self.job.failed.connect(self._failed)
        self.job.start()

    def _start_board(self, path: Path) -> None:
        """A whole board, in one transaction in a worker (its checks and writes take a few
        seconds on a big board): all of it lands, or nothing."""
        from app.snapshot import import_board

        page = self.run_page
        page.bar.setRange(0, 0)
        page.message.setText(f"Importing the whole board in {path.name}…")
        page.cancel_button.hide()  # one transaction: all of it or nothing
        self.button(QWizard.WizardButton.CancelButton).setEnabled(False)
        board, open_reader = self.board_path, self.open_reader

        def work(_progress: Any, _token: CancelToken) -> Any:
            store = open_reader(board)
            try:
                return import_board(store, path)
            finally:
                store.close()

        self.job = Job(work)
        self.job.done.connect(self._board_done)
        self.job.failed.connect(self._board_failed)
        self.job.start()

    def _board_done(self, report: Any) -> None:
        from app.snapshot import summary

        page = self.run_page
        page.bar.setRange(0, 1)
        page.bar.setValue(1)
        result = report.result
        text = f"The whole board: added {summary(result.added)}."
        if any(result.already_present.values()):
            text += f" Already on the board: {summary(result.already_present)}."
        self._finish(text)
        self.imported.emit(Changes(voices=True, customers=True, cohorts=True, themes=True))

    def _board_failed(self, exc: BaseException) -> None:
        self.run_page.bar.setRange(0, 1)
        lines = getattr(exc, "lines", None)
        details = "\n".join(lines()[:8]) if callable(lines) else ""
        self._finish(f"Import failed, nothing was added: {gui_words(str(exc))}"
                     + (f"\n{details}" if details else ""))
        self.imported.emit(Changes())

    def _customers_done(self, outcome: Any) -> None:
        command, result = outcome
        self.run_page.bar.setValue(self.run_page.bar.maximum())
        self._finish(f"Customers {result.summary()}. Edit > Undo (Ctrl+Z) puts them back "
                     "as they were.")
        self.applied.emit(command)
        self.imported.emit(Changes(voices=True, customers=True, cohorts=True))

    def _progress(self, done: int, total: int) -> None:
        page = self.run_page
        page.bar.setValue(done)
        if done >= total and not (page.cancelling or page.finished or
                                  self.job is None or self.job.token.committing):
            # A big import now rebuilds its indexes, which takes a while: Cancel still works.
            page.message.setText(f"Finishing the import of {total:,} voices… "
                                 "(Cancel still keeps nothing)")

    def _committing(self) -> None:
        page = self.run_page
        if page.finished:
            return
        page.cancel_button.setEnabled(False)
        page.cancel_button.setText(FINISHING_TEXT)
        if not page.cancel_too_late:
            page.message.setText("Saving the voices to the board… too late to cancel.")

    def cancel_import(self) -> None:
        page = self.run_page
        if self.job is None or page.finished or page.cancelling or page.cancel_too_late:
            return
        page.cancel_button.setEnabled(False)
        if self.job.cancel():
            page.cancelling = True
            page.message.setText("Cancelling… nothing will be kept.")
        else:
            page.cancel_too_late = True
            page.cancel_button.setText(FINISHING_TEXT)
            page.message.setText("Too late to cancel: the import is finishing.")

    def _finish(self, text: str) -> None:
        page = self.run_page
        page.message.setText(text)
        page.cancel_button.setEnabled(False)
        page.cancel_button.setText(CANCEL_TEXT)
        page.finished = True
        page.completeChanged.emit()
        self.button(QWizard.WizardButton.CancelButton).setEnabled(True)

    def _done(self, report: Any) -> None:
        result = report.result
        added = (f"{result.added:,} voices ({result.already_present:,} were already on the "
                 f"board, {result.customers_created:,} new customers, "
                 f"{report.plan.problem_count:,} invalid rows skipped).")
        if self.run_page.cancel_too_late:
            self._finish(f"The import had already finished: added {added}")
        else:
            self._finish(f"Added {added}")
        self.imported.emit(report.changes)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportCancelled):
            self._finish("Import cancelled: nothing was added to the board.")
        else:
            self._finish(f"Import failed, nothing was added: {gui_words(str(exc))}")
        self.imported.emit(Changes())

    def done(self, result: int) -> None:
        self.reader.stop()
        self.checker.stop()
        for job in [*self.jobs, *([self.job] if self.job else [])]:
            job.cancel()
            job.wait()
        super().done(result)
