"""Undoable edits of the board as domain commands: apply, revert, each returning Changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from app.board.domain import Customer, Voice, VoiceDraft
from app.changes import Changes
from app.errors import ValidationError

VOICES = Changes(voices=True)
ALL = Changes(voices=True, customers=True, cohorts=True, themes=True)


class EditStore(Protocol):
    def insert_voice(self, draft: VoiceDraft, voice_id: str | None = None) -> str: ...
    def update_voice(self, voice_id: str, draft: VoiceDraft,
                     expect: str | None = None) -> str: ...
    def set_voices_deleted(self, voice_ids: list[str], deleted: bool) -> None: ...
    def merge_customers(self, source_id: str, target_id: str) -> list[str]: ...
    def unmerge_customers(self, source_id: str, target_id: str, voice_ids: list[str]) -> None: ...
    def update_customer(self, customer: Customer) -> None: ...
    def merge_voices(self, keep_id: str, other_ids: list[str]) -> None: ...
    def merged_sources(self, voice_id: str) -> list[Voice]:
        """The voices folded into this one, each with its own source and date."""
    def unmerge_voices(self, other_ids: list[str]) -> None: ...
    def create_named(self, table: str, name: str) -> str: ...
    def rename_named(self, table: str, row_id: str, name: str) -> None: ...
    def set_named_deleted(self, table: str, row_id: str, deleted: bool) -> None: ...
    def named_usage(self, table: str) -> list[tuple[str, str, int]]: ...
    def merge_named(self, table: str, source_id: str, target_id: str) -> list[str]: ...
    def unmerge_named(self, table: str, source_id: str, target_id: str,
                      moved: list[str]) -> None: ...


class Command(Protocol):
    text: str

    def apply(self, store: EditStore) -> Changes: ...
    def revert(self, store: EditStore) -> Changes: ...


def draft_of(voice: Voice) -> VoiceDraft:
    return VoiceDraft(text=voice.text, kind=voice.kind, customer_name=voice.customer_name,
                      heard_on=voice.heard_on, channel=voice.channel, severity=voice.severity,
                      need_depth=voice.need_depth, themes=voice.themes,
                      captured_by=voice.captured_by)


@dataclass
class CreateVoice:
    draft: VoiceDraft
    voice_id: str | None = None
    text: str = "New voice"

    def apply(self, store: EditStore) -> Changes:
        if self.voice_id is None:
            self.voice_id = store.insert_voice(self.draft)
        else:  # redo after undo: the same voice comes back
            store.set_voices_deleted([self.voice_id], False)
        return ALL

    def revert(self, store: EditStore) -> Changes:
        assert self.voice_id is not None
        store.set_voices_deleted([self.voice_id], True)
        return VOICES | Changes(customers=True)


@dataclass
class EditVoice:
    """`stamp` is the voice's updated_at as the editor read it: if the row changed since (in
    another window), the edit is refused with a ConflictError, never written over it. After
    each step it is what this command wrote, so undo refuses to wipe a later edit too.
    None writes without looking (the user chose to overwrite)."""

    voice_id: str
    before: VoiceDraft
    after: VoiceDraft
    text: str = "Edit voice"
    stamp: str | None = None

    def apply(self, store: EditStore) -> Changes:
        self.stamp = store.update_voice(self.voice_id, self.after, expect=self.stamp)
        return ALL

    def revert(self, store: EditStore) -> Changes:
        self.stamp = store.update_voice(self.voice_id, self.before, expect=self.stamp)
        return ALL


@dataclass
class DeleteVoices:
    voice_ids: list[str]
    text: str = "Delete voice"

    def apply(self, store: EditStore) -> Changes:
        store.set_voices_deleted(self.voice_ids, True)
        return VOICES | Changes(customers=True)

    def revert(self, store: EditStore) -> Changes:
        store.set_voices_deleted(self.voice_ids, False)
        return VOICES | Changes(customers=True)


@dataclass
class MergeCustomers:
    """Move every voice of `source` to `target` and retire `source`."""

    source_id: str
    target_id: str
    moved: list[str] = field(default_factory=list)
    text: str = "Merge customers"

    def apply(self, store: EditStore) -> Changes:
        self.moved = store.merge_customers(self.source_id, self.target_id)
        return VOICES | Changes(customers=True)

    def revert(self, store: EditStore) -> Changes:
        store.unmerge_customers(self.source_id, self.target_id, self.moved)
        return VOICES | Changes(customers=True)


@dataclass
class UpdateCustomer:
    before: Customer
    after: Customer
    text: str = "Edit customer"

    def apply(self, store: EditStore) -> Changes:
        store.update_customer(self.after)
        return VOICES | Changes(customers=True, cohorts=True)

    def revert(self, store: EditStore) -> Changes:
        store.update_customer(self.before)
        return VOICES | Changes(customers=True, cohorts=True)


@dataclass
class MergeVoices:
    """Fold near-identical voices into one; the others keep their text, source and date."""

    keep_id: str
    other_ids: list[str]
    text: str = "Merge duplicate voices"

    def apply(self, store: EditStore) -> Changes:
        store.merge_voices(self.keep_id, self.other_ids)
        return VOICES | Changes(customers=True)

    def revert(self, store: EditStore) -> Changes:
        store.unmerge_voices(self.other_ids)
        return VOICES | Changes(customers=True)


def _named_changes(table: str) -> Changes:
    return VOICES | (Changes(cohorts=True, customers=True) if table == "cohorts"
                     else Changes(themes=True))


@dataclass
class CreateNamed:
    """Create a cohort or theme; undo deletes it (soft), redo brings the same one back."""

    table: str
    name: str
    row_id: str | None = None
    text: str = "Create"

    def apply(self, store: EditStore) -> Changes:
        if self.row_id is None:
            self.row_id = store.create_named(self.table, self.name)
        else:
            store.set_named_deleted(self.table, self.row_id, False)
        return _named_changes(self.table)

    def revert(self, store: EditStore) -> Changes:
        assert self.row_id is not None
        store.set_named_deleted(self.table, self.row_id, True)
        return _named_changes(self.table)


@dataclass
class RenameNamed:
    """Rename a cohort or theme."""

    table: str
    row_id: str
    old: str
    new: str
    text: str = "Rename"

    def apply(self, store: EditStore) -> Changes:
        store.rename_named(self.table, self.row_id, self.new)
        return _named_changes(self.table)

    def revert(self, store: EditStore) -> Changes:
        store.rename_named(self.table, self.row_id, self.old)
        return _named_changes(self.table)


@dataclass
class DeleteNamed:
    """Delete an unused cohort or theme (soft). One still in use is refused: merge it into
    another instead, so no customer loses its cohort and no voice its theme."""

    table: str
    row_id: str
    text: str = "Delete"

    def apply(self, store: EditStore) -> Changes:
        used = {row_id: n for row_id, _, n in store.named_usage(self.table)}.get(self.row_id, 0)
        if used:
            raise ValidationError(self.table[:-1], f"is still used {used} time(s); merge it "
                                  "into another instead")
        store.set_named_deleted(self.table, self.row_id, True)
        return _named_changes(self.table)

    def revert(self, store: EditStore) -> Changes:
        store.set_named_deleted(self.table, self.row_id, False)
        return _named_changes(self.table)


@dataclass
class MergeNamed:
    """Merge one cohort (or theme) into another: its customers (or voices) move over."""

    table: str
    source_id: str
    target_id: str
    moved: list[str] = field(default_factory=list)
    text: str = "Merge"

    def apply(self, store: EditStore) -> Changes:
        self.moved = store.merge_named(self.table, self.source_id, self.target_id)
        return _named_changes(self.table)

    def revert(self, store: EditStore) -> Changes:
        store.unmerge_named(self.table, self.source_id, self.target_id, self.moved)
        return _named_changes(self.table)

