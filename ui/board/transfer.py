"""Export the current view or the whole board to CSV or JSON, in a worker thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from app.exporting import export_to
from app.filters import VoiceFilter
from ui.background import Job


def export_dialog(window: Any, flt: VoiceFilter | None) -> None:
    path, _ = QFileDialog.getSaveFileName(window, "Export voices", "voices.csv",
                                          "CSV (*.csv);;JSON (*.json)")
    if path:
        start_export(window, Path(path), flt)


def start_export(window: Any, path: Path, flt: VoiceFilter | None) -> Job:
    board_path = Path(window.store.path)
    total = window.store.count(flt or VoiceFilter())
    progress = QProgressDialog(f"Exporting {total:,} voices…", "Cancel", 0, max(total, 1),
                               window)
    progress.setWindowModality(Qt.WindowModality.WindowModal)

    def work(report: Any, cancelled: Any) -> int:
        reader = window._open_reader(board_path)  # the worker's own connection
        try:
            def rows() -> Any:
                for n, row in enumerate(reader.export_rows(flt or VoiceFilter()), 1):
                    if cancelled():
                        raise InterruptedError("export cancelled")
                    if n % 1000 == 0:
                        report(n, total)
                    yield row
            return export_to(path, rows())
        finally:
            reader.close()

    job = Job(work)
    job.progress.connect(lambda done, _total: progress.setValue(done))
    progress.canceled.connect(job.cancel)

    def finished(count: int) -> None:
        progress.close()
        window.statusBar().showMessage(f"Exported {count:,} voices to {path}", 8000)

    def failed(exc: BaseException) -> None:
        progress.close()
        if not isinstance(exc, InterruptedError):
            window.warn("Export", str(exc))

    job.done.connect(finished)
    job.failed.connect(failed)
    window._export_job = job  # keep it alive while it runs
    job.start()
    return job
