"""Export the current view or the whole board to CSV or JSON, in a worker thread.

The whole board to JSON is the board file's JSON twin (app/snapshot.py): every table, ids
and times as stored, which `empty-chair import` loads back into an empty board."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from app.board.exporting import export_to
from app.board.filters import VoiceFilter
from ui.background import Job


def whole_board(path: Path, flt: VoiceFilter | None) -> bool:
    """Is this export the whole board as one JSON document (not a list of voices)?"""
    return path.suffix.lower() == ".json" and (flt is None or flt.is_empty)


def export_dialog(window: Any, flt: VoiceFilter | None) -> None:
    if flt is None:
        path, _ = QFileDialog.getSaveFileName(
            window, "Export whole board", "board.json",
            "JSON, the whole board (*.json);;CSV, every live voice (*.csv)")
    else:
        path, _ = QFileDialog.getSaveFileName(window, "Export voices", "voices.csv",
                                              "CSV (*.csv);;JSON (*.json)")
    if path:
        start_export(window, Path(path), flt)


def start_export(window: Any, path: Path, flt: VoiceFilter | None) -> Job:
    board_path = Path(window.store.path)
    whole = whole_board(path, flt)
    total = window.store.count(flt or VoiceFilter())
    progress = QProgressDialog("Exporting the whole board…" if whole else
                               f"Exporting {total:,} voices…", "Cancel", 0, max(total, 1),
                               window)
    progress.setWindowModality(Qt.WindowModality.WindowModal)

    def work(report: Any, cancelled: Any) -> Any:
        reader = window._open_reader(board_path)  # the worker's own connection
        try:
            if whole:
                from app.snapshot import export_board

                return export_board(reader, path, progress=report, cancelled=cancelled)

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

    def advance(done: int, of: int) -> None:
        progress.setMaximum(max(of, 1))  # the whole board counts every table's rows
        progress.setValue(done)

    job = Job(work)
    job.progress.connect(advance)
    progress.canceled.connect(job.cancel)

    def finished(result: Any) -> None:
        progress.close()
        if isinstance(result, dict):
            from app.snapshot import summary

            message = f"Exported the whole board ({summary(result)}) to {path}"
        else:
            message = f"Exported {result:,} voices to {path}"
        window.statusBar().showMessage(message, 8000)

    def failed(exc: BaseException) -> None:
        progress.close()
        if not isinstance(exc, InterruptedError):
            window.warn("Export", str(exc))

    job.done.connect(finished)
    job.failed.connect(failed)
    window._export_job = job  # keep it alive while it runs
    job.start()
    return job
