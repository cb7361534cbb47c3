"""What a mutating use case changed, so each view refreshes only what it shows."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class Changes:
    """Which kinds of thing an operation changed (anki's OpChanges): every open screen is
    told, and each refreshes only what it shows of these."""

    voices: bool = False
    customers: bool = False
    cohorts: bool = False
    themes: bool = False
    meetings: bool = False  # a meeting's details, status or the list of meetings
    decisions: bool = False  # the agenda: decisions, their order, outcomes, named ones
    impacts: bool = False  # who a decision affects as the room recorded it

    def __or__(self, other: Changes) -> Changes:
        return Changes(**{f.name: getattr(self, f.name) or getattr(other, f.name)
                          for f in fields(self)})

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    @property
    def board(self) -> bool:
        """Something the board's lanes show changed."""
        return self.voices or self.customers or self.cohorts or self.themes
