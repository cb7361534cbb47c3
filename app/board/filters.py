"""A voice filter as a person states it; storage turns it into SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.board.domain import Channel, Kind


@dataclass(frozen=True, slots=True)
class VoiceFilter:
    text: str = ""
    kinds: tuple[Kind, ...] = ()
    customer: str | None = None  # a customer name, case-insensitive
    cohort: str | None = None
    theme: str | None = None
    channel: Channel | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    min_severity: int | None = None
    max_severity: int | None = None

    @property
    def has_text(self) -> bool:
        return bool(self.text.strip())

    @property
    def is_empty(self) -> bool:
        return self == VoiceFilter(text=self.text) and not self.has_text
