"""Undoable agenda edits: add, remove and reorder decisions; outcomes; impact records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from app.changes import Changes
from app.meeting.domain import Decision, Effect, ImpactStatus

AGENDA = Changes(voices=False, customers=True)  # the console refreshes agenda and impacts


class AgendaStore(Protocol):
    def add_decision(self, meeting_id: str, title: str, description: str = "",
                     owner: str = "", themes: Any = (), customers: Any = (),
                     cohorts: Any = (), deferred_from: str | None = None) -> str: ...
    def set_decision_deleted(self, decision_id: str, deleted: bool) -> None: ...
    def set_agenda_order(self, meeting_id: str, decision_ids: list[str]) -> None: ...
    def update_decision(self, decision: Decision) -> None: ...
    def record_impact(self, decision_id: str, customer_id: str, *,
                      status: ImpactStatus | None = None, effect: Effect | None = None,
                      note: str | None = None, routes: str | None = None) -> None: ...


@dataclass
class AddDecision:
    meeting_id: str
    title: str
    description: str = ""
    themes: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    deferred_from: str | None = None
    decision_id: str | None = None
    text: str = "Add decision"

    def apply(self, store: AgendaStore) -> Changes:
        if self.decision_id is None:
            self.decision_id = store.add_decision(
                self.meeting_id, self.title, self.description, "", self.themes, self.customers,
                self.cohorts, self.deferred_from)
        else:
            store.set_decision_deleted(self.decision_id, False)
        return AGENDA

    def revert(self, store: AgendaStore) -> Changes:
        assert self.decision_id is not None
        store.set_decision_deleted(self.decision_id, True)
        return AGENDA


@dataclass
class RemoveDecision:
    decision_id: str
    text: str = "Remove decision"

    def apply(self, store: AgendaStore) -> Changes:
        store.set_decision_deleted(self.decision_id, True)
        return AGENDA

    def revert(self, store: AgendaStore) -> Changes:
        store.set_decision_deleted(self.decision_id, False)
        return AGENDA


@dataclass
class ReorderAgenda:
    meeting_id: str
    before: list[str]
    after: list[str]
    text: str = "Reorder agenda"

    def apply(self, store: AgendaStore) -> Changes:
        store.set_agenda_order(self.meeting_id, self.after)
        return AGENDA

    def revert(self, store: AgendaStore) -> Changes:
        store.set_agenda_order(self.meeting_id, self.before)
        return AGENDA


@dataclass
class EditDecision:
    before: Decision
    after: Decision
    text: str = "Edit decision"

    def apply(self, store: AgendaStore) -> Changes:
        store.update_decision(self.after)
        return AGENDA

    def revert(self, store: AgendaStore) -> Changes:
        store.update_decision(self.before)
        return AGENDA


@dataclass
class RecordImpact:
    """Confirm, dismiss or set the effect/note for one customer on one decision."""

    decision_id: str
    customer_id: str
    before: tuple[ImpactStatus, Effect, str]
    after: tuple[ImpactStatus, Effect, str]
    text: str = "Record impact"

    def _set(self, store: AgendaStore, value: tuple[ImpactStatus, Effect, str]) -> Changes:
        store.record_impact(self.decision_id, self.customer_id, status=value[0],
                            effect=value[1], note=value[2])
        return AGENDA

    def apply(self, store: AgendaStore) -> Changes:
        return self._set(store, self.after)

    def revert(self, store: AgendaStore) -> Changes:
        return self._set(store, self.before)
