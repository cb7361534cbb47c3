"""Import CSV wizard: file → preview (encoding, delimiter) → mapping → validation → import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from app.changes import Changes
from app.csv_import import FIELDS, CsvSource, ImportOptions, ImportPlan, plan_import, read_csv
from app.domain import Kind
from app.errors import EmptyChairError
from app.importing import run_import
from app.ports import ImportCancelled
from ui.background import CancelToken, Job
from ui.theme import ERROR, styled

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1")
DELIMITERS = ((",", "Comma"), (";", "Semicolon"), ("\t", "Tab"))
PREVIEW_ROWS = 8
CANCEL_TEXT = "Cancel import"
FINISHING_TEXT = "Finishing…"


def _plain(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(" ".join(text.split())[:200])  # items show plain text
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Choose a CSV file")
        self.setSubTitle("An export from a survey, support or review tool.")
        layout = QHBoxLayout(self)
        self.path = QLineEdit()
        self.path.setAccessibleName("CSV file")
        self.path.textChanged.connect(self.completeChanged)
        layout.addWidget(self.path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self.browse)
        layout.addWidget(browse)
        self.error = styled(QLabel(""), ERROR)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.error)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import CSV", "",
                                              "CSV (*.csv *.tsv *.txt);;All (*)")
        if path:
            self.path.setText(path)

    def isComplete(self) -> bool:  # noqa: N802
        return Path(self.path.text()).is_file()

    def validatePage(self) -> bool:  # noqa: N802
        try:
            self.wiz.load(Path(self.path.text()))
        except EmptyChairError as exc:
            self.error.setText(str(exc))
            return False
        return True


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
        self.table = QTableWidget()
        layout.addWidget(self.table)
        self.encoding.currentTextChanged.connect(self.reread)
        self.delimiter.currentIndexChanged.connect(self.reread)

    def initializePage(self) -> None:  # noqa: N802
        source = self.wiz.source
        assert source is not None
        for combo, value in ((self.encoding, source.encoding), (self.delimiter, None)):
            combo.blockSignals(True)
            if value is not None:
                combo.setCurrentText(value)
            combo.blockSignals(False)
        self.delimiter.blockSignals(True)
        self.delimiter.setCurrentIndex(max(0, self.delimiter.findData(source.delimiter)))
        self.delimiter.blockSignals(False)
        self.show_rows()

    def reread(self) -> None:
        try:
            self.wiz.load(self.wiz.path, self.encoding.currentText(),
                          self.delimiter.currentData())
        except EmptyChairError as exc:
            self.setSubTitle(str(exc))
            return
        self.show_rows()

    def show_rows(self) -> None:
        source = self.wiz.source
        assert source is not None
        rows = f"{len(source.sample):,}" if source.complete else \
            f"more than {len(source.sample):,}"
        self.setSubTitle(f"{source.path.name}: {source.encoding}, "
                         f"{rows} rows, {len(source.header)} columns")
        self.table.clear()
        self.table.setColumnCount(len(source.header))
        self.table.setHorizontalHeaderLabels(source.header)
        preview = source.sample[:PREVIEW_ROWS]
        self.table.setRowCount(len(preview))
        for r, record in enumerate(preview):
            for c, cell in enumerate(record.cells[: len(source.header)]):
                self.table.setItem(r, c, _plain(cell))


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Map columns to fields")
        self.setSubTitle("Pre-filled from the header names. Every voice needs text and a "
                         "customer.")
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        options = QFormLayout()
        self.customer = QLineEdit(placeholderText="One customer for every row (optional)")
        self.kind = QComboBox()
        self.kind.addItems(["From a column, else quote", *[k.value for k in Kind]])
        options.addRow("Customer for all rows", self.customer)
        options.addRow("Kind for all rows", self.kind)
        layout.addLayout(options)
        self.combos: dict[str, QComboBox] = {}

    def initializePage(self) -> None:  # noqa: N802
        from app.csv_import import auto_mapping

        source = self.wiz.source
        assert source is not None
        while self.form.rowCount():
            self.form.removeRow(0)
        guessed = auto_mapping(source.header, source.sample)
        self.combos = {}
        for column in source.header:
            combo = QComboBox()
            combo.addItems(["ignore", *FIELDS])
            combo.setCurrentText(guessed.get(column, "ignore"))
            combo.setAccessibleName(f"Field for {column}")
            self.combos[column] = combo
            label = QLabel(column)
            label.setTextFormat(Qt.TextFormat.PlainText)
            self.form.addRow(label, combo)

    def options(self) -> ImportOptions:
        kind = self.kind.currentText()
        return ImportOptions(
            mapping={c: combo.currentText() for c, combo in self.combos.items()},
            kind=Kind(kind) if kind in {k.value for k in Kind} else None,
            customer=self.customer.text().strip() or None)

    def validatePage(self) -> bool:  # noqa: N802
        try:
            assert self.wiz.source is not None
            self.wiz.plan = plan_import(self.wiz.source, self.options())
        except EmptyChairError as exc:
            self.setSubTitle(str(exc))
            return False
        return True


class ValidationPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Check")
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.problems = QListWidget()
        layout.addWidget(self.problems)
        self.skip = QCheckBox("Import the valid rows and skip the invalid ones")
        self.skip.toggled.connect(self.completeChanged)
        layout.addWidget(self.skip)

    def initializePage(self) -> None:  # noqa: N802
        plan = self.wiz.plan
        assert plan is not None
        notes = "".join(f"\n• {n}" for n in plan.notes)
        self.summary.setText(f"{len(plan.rows):,} valid rows, {plan.problem_count:,} invalid."
                             f"{notes}")
        self.problems.clear()
        shown = plan.problems[:2000]
        for problem in shown:
            self.problems.addItem(f"line {problem.line}: {problem.message}")
        if plan.problem_count > len(shown):
            self.problems.addItem(f"… and {plan.problem_count - len(shown):,} more")
        self.skip.setVisible(bool(plan.problem_count))
        self.skip.setChecked(False)

    def isComplete(self) -> bool:  # noqa: N802
        plan = self.wiz.plan
        return plan is not None and bool(plan.rows) and (not plan.problem_count or
                                                         self.skip.isChecked())


class RunPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle("Import")
        layout = QVBoxLayout(self)
        self.bar = QProgressBar()
        layout.addWidget(self.bar)
        self.message = QLabel("")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.cancel_button = QPushButton(CANCEL_TEXT)
        self.cancel_button.clicked.connect(self.wiz.cancel_import)
        layout.addWidget(self.cancel_button)
        self.finished = False
        self.cancelling = False  # a cancel was pressed and will be honoured
        self.cancel_too_late = False  # a cancel was pressed after the commit had begun

    def initializePage(self) -> None:  # noqa: N802
        self.finished = False
        self.wiz.start_import()

    def isComplete(self) -> bool:  # noqa: N802
        return self.finished


class ImportWizard(QWizard):
    """The import runs in a worker thread with its own connection; Cancel rolls back all,
    up to the moment the commit begins. From then on Cancel is disabled and says the import
    is finishing, and a press that arrived too late is answered truthfully: the import had
    already finished (the job's CancelToken decides, so the two can never both happen)."""

    imported = Signal(object)  # Changes

    def __init__(self, board_path: Path | str, open_reader: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import CSV")
        self.resize(820, 600)
        self.board_path = Path(board_path)
        self.open_reader = open_reader
        self.path = Path()
        self.source: CsvSource | None = None
        self.plan: ImportPlan | None = None
        self.job: Job | None = None
        self.file_page = FilePage(self)
        self.preview_page = PreviewPage(self)
        self.mapping_page = MappingPage(self)
        self.validation_page = ValidationPage(self)
        self.run_page = RunPage(self)
        for page in (self.file_page, self.preview_page, self.mapping_page,
                     self.validation_page, self.run_page):
            self.addPage(page)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)

    def load(self, path: Path, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.path = path
        self.source = read_csv(path, encoding, delimiter)

    def start_import(self) -> None:
        plan = self.plan
        assert plan is not None
        page = self.run_page
        page.bar.setRange(0, max(1, len(plan.rows)))
        page.bar.setValue(0)
        page.message.setText(f"Importing {len(plan.rows):,} voices…")
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
            self._finish(f"Import failed, nothing was added: {exc}")
        self.imported.emit(Changes())

    def done(self, result: int) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job.wait()
        super().done(result)
