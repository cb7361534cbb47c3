"""What the board tells the matching engine: voice hits and customer facts.

Apart from app/matching.py so that the store can build them without loading the engine
(which the board window never needs at start).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from app.board.domain import Kind


@dataclass(frozen=True, slots=True)
class VoiceHit:
    voice_id: str
    customer_id: str
    kind: Kind
    text: str
    heard_on: dt.date
    severity: int
    key: int = 0  # the store's key for the voice (its rowid), as postings name it


class VoiceOwner(NamedTuple):
    """A matching voice without its text: enough to count it and choose the verbatims."""

    customer_id: str
    kind: Kind
    heard_on: str  # YYYY-MM-DD


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: str
    name: str
    cohort: str | None
    weight: float
