"""A date edit that can also mean "any date", for filter bars."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit

NO_DATE = QDate(2000, 1, 1)  # shown as "From: any"; the earliest date a filter offers


def any_date_edit(name: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setMinimumDate(NO_DATE)
    edit.setSpecialValueText(f"{name}: any")
    edit.setDate(NO_DATE)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setAccessibleName(name)
    return edit


def day_of(edit: QDateEdit) -> dt.date | None:
    date = edit.date()
    return None if date == NO_DATE else dt.date(date.year(), date.month(), date.day())
