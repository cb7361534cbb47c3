"""A real board window per test, on a real board file, with settings in tmp_path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from app.board.csv_import import ImportRow
from app.board.domain import Channel, CustomerSeed, Kind


def seed_board(store) -> None:
    store.ensure_customers([CustomerSeed("Acme Retail", "Mid-market retail", 12000, "Priya"),
                            CustomerSeed("Beta Clinic", "Healthcare clinics", 3000, "Tom")])
    rows = [
        ("The invoice was wrong twice", Kind.COMPLAINT, "Acme Retail", ("Billing",)),
        ("We need invoices per department", Kind.NEED, "Acme Retail", ("Billing",)),
        ("Onboarding was painless", Kind.QUOTE, "Beta Clinic", ("Onboarding",)),
        ("Search times out every Monday", Kind.COMPLAINT, "Beta Clinic", ("Performance",)),
        ("<b>x</b> <img src=\"file:///etc/passwd\">", Kind.QUOTE, "Beta Clinic", ()),
    ]
    store.import_rows([ImportRow(text, kind, customer, dt.date(2026, 1, i + 1), Channel.SUPPORT,
                                 3, None, themes, "", None, "seed.csv", i + 2, f"seed{i}")
                       for i, (text, kind, customer, themes) in enumerate(rows)], len(rows))


@pytest.fixture
def make_window(qtbot, tmp_path):
    """Factory: a BoardWindow on a seeded board; the fixture closes what it made."""
    from ui.board.capture_dialog import CaptureDialog
    from ui.board.window import BoardWindow
    from ui.composition import open_reader, open_store

    CaptureDialog.last_customer = ""
    windows = []

    def make(path: Path | None = None, seed: bool = True) -> BoardWindow:
        path = path or tmp_path / "board.db"
        store = open_store(path, create=True)
        if seed:
            seed_board(store)
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = BoardWindow(store, open_reader, lambda p, create: open_store(p, create=create),
                             settings)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.search_done, timeout=10_000):
            window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
