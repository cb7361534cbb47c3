"""What the use cases need from a board store; storage implements it, tests may fake it."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from app.board.domain import Cohort, Customer, CustomerSeed, Theme, Voice
from app.board.filters import VoiceFilter

if TYPE_CHECKING:  # a type only: the CSV reader loads when an import runs
    from app.board.csv_import import ImportRow

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]
# Asked once, right before an import's COMMIT and after its last look at `cancelled`: False
# (a cancel came first) rolls everything back; True lets the commit go ahead, and from then
# on a cancel is refused, so the person is told the import finished rather than "nothing
# will be kept" (ui.background.CancelToken.may_commit is one).
MayCommit = Callable[[], bool]


class ImportCancelled(Exception):  # noqa: N818 - it is an outcome, not a fault
    """The person cancelled; the store rolled everything back."""


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    already_present: int
    customers_created: int


class BoardStore(Protocol):
    path: Path

    def import_rows(self, rows: Iterable[ImportRow], total: int, *, dry_run: bool = False,
                    progress: Progress | None = None,
                    cancelled: Cancelled | None = None,
                    may_commit: MayCommit | None = None) -> ImportResult: ...

    def search(self, flt: VoiceFilter, *, limit: int = 50, offset: int = 0,
               order: str = "relevance") -> list[Voice]: ...

    def count(self, flt: VoiceFilter) -> int: ...

    def export_rows(self, flt: VoiceFilter) -> Generator[dict[str, Any], None, None]:
        """Closed by the caller when it stops early (it holds a read transaction)."""

    def ensure_customers(self, seeds: Iterable[CustomerSeed]) -> list[str]: ...

    def customers(self) -> list[Customer]: ...  # live ones, by name (case-folded)

    def cohorts(self) -> list[Cohort]: ...

    def themes(self) -> list[Theme]: ...

    def backup(self, out: Path) -> Path: ...

    def wait_for_lock(self, milliseconds: int) -> None:
        """How long a write waits for another program's lock before it fails as busy."""

    def close(self) -> None: ...
