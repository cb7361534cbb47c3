"""What the board tells the matching engine: voice hits and customer facts.

Apart from app/matching.py so that the store can build them without loading the engine
(which the board window never needs at start).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.domain import Kind


@dataclass(frozen=True, slots=True)
class VoiceHit:
    voice_id: str
    customer_id: str
    kind: Kind
    text: str
    heard_on: dt.date
    severity: int
    relevance: float = 0.0  # -bm25 for text hits; 0 otherwise


@dataclass(frozen=True, slots=True)
class CustomerFacts:
    id: str
    name: str
    cohort: str | None
    weight: float
