"""The team board as the app sees it: what one sync did, where a linked board stands, and
the versions a sync replaced (kept on the server in sync_conflicts, mirrored on each
laptop so they can be reviewed offline)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.changes import Changes

# Which screens a table's rows show (app.changes), for refreshing after a pull.
_SHOWN_BY: dict[str, Changes] = {
    "voices": Changes(voices=True), "voice_themes": Changes(voices=True, themes=True),
    "customers": Changes(customers=True, voices=True), "cohorts": Changes(cohorts=True),
    "themes": Changes(themes=True), "meetings": Changes(meetings=True),
    "meeting_events": Changes(meetings=True), "decisions": Changes(decisions=True),
    "decision_themes": Changes(decisions=True), "action_items": Changes(decisions=True),
    "customers_told": Changes(decisions=True), "impacts": Changes(impacts=True),
    "impact_evidence": Changes(impacts=True),
}


@dataclass(frozen=True, slots=True)
class SyncReport:
    board: str
    pushed: int = 0
    pulled: int = 0
    conflicts: int = 0  # versions replaced by a newer one, kept in sync_conflicts
    merged: int = 0  # same-name customers, cohorts, themes (or same-source voices) merged
    notes: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()  # the tables rows were pulled into (or merged in)

    @property
    def changes(self) -> Changes:
        """What the pull changed, for the open screens."""
        found = Changes()
        for table in self.tables:
            found = found | _SHOWN_BY.get(table, Changes())
        return found

    def line(self) -> str:
        said = f"{self.board}: {self.pushed:,} rows pushed, {self.pulled:,} pulled"
        if self.merged:
            said += f", {self.merged:,} merged into a row of the same name"
        if self.conflicts:
            said += f", {self.conflicts:,} conflicts kept in sync_conflicts"
        return "; ".join((said, *self.notes))


class SyncMood(StrEnum):
    SYNCED = "synced"
    SYNCING = "syncing"
    OFFLINE = "offline"
    WAITING = "waiting"  # changes not yet pushed (and the last try did not fail)
    CONFLICTS = "conflicts"


@dataclass(frozen=True, slots=True)
class TeamState:
    """A linked board's standing, read from the board alone (no network)."""

    server: str  # the URL, never with a password
    origin: str  # this board's name on the server (its board id)
    waiting: int  # rows changed here since the last push
    conflicts: int  # unresolved versions replaced by a sync
    synced_at: str  # when the last sync ended well ('' never)
    former: tuple[str, ...] = ()  # its earlier names there, before it was linked afresh

    @property
    def mine(self) -> frozenset[str]:
        """Every name this board has had on the server: a version from any is "mine"."""
        return frozenset((self.origin, *self.former))


class Keep(StrEnum):
    LIVE = "kept"  # the version the sync kept stays
    REPLACED = "replaced"  # the replaced version comes back, as a new edit from this board


@dataclass(frozen=True, slots=True)
class Conflict:
    id: int
    table: str
    row_key: str
    kind: str  # "edit": two edits of one row; "merge": a row merged into a same-name row;
    # "closed": a change to a meeting already closed, not applied (a closed meeting is read-only)
    kept: dict[str, Any]
    kept_origin: str
    replaced: dict[str, Any]
    replaced_origin: str
    at: str
    resolved: str | None = None
    differs: tuple[str, ...] = field(default=())

    @property
    def title(self) -> str:
        """What the row is, in words: a name, a text, a title."""
        for name in ("name", "title", "text", "what", "note"):
            value = self.kept.get(name) or self.replaced.get(name)
            if value:
                text = " ".join(str(value).split())
                return text if len(text) <= 80 else text[:79] + "…"
        return self.row_key


def differing(kept: dict[str, Any], replaced: dict[str, Any]) -> tuple[str, ...]:
    """The fields two versions disagree on, the bookkeeping stamps left out."""
    skip = {"created_at", "updated_at"}
    return tuple(k for k in kept if k not in skip and kept.get(k) != replaced.get(k))
