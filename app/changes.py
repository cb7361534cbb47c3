"""What a mutating use case changed, so each view refreshes only what it shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Changes:
    voices: bool = False
    customers: bool = False
    cohorts: bool = False
    themes: bool = False

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            voices=self.voices or other.voices,
            customers=self.customers or other.customers,
            cohorts=self.cohorts or other.cohorts,
            themes=self.themes or other.themes,
        )

    @property
    def any(self) -> bool:
        return self.voices or self.customers or self.cohorts or self.themes


NOTHING = Changes()
