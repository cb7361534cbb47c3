"""Guard against a Qt binding that leaks references to None (PySide6 6.12.0 on 3.11)."""

import sys

from PySide6.QtGui import QFont, QTextLayout, QTextOption


def test_void_calls_do_not_drain_none(qapp):
    layout = QTextLayout("the customer's words", QFont())
    option = QTextOption()
    before = sys.getrefcount(None)
    for _ in range(2000):
        layout.setTextOption(option)
        qapp.processEvents()
    assert abs(sys.getrefcount(None) - before) < 100
