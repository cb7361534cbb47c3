"""Every undoable edit: apply, revert, apply again, on a real board file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import pytest

from app.board.commands import (
    CreateNamed,
    CreateVoice,
    DeleteNamed,
    DeleteVoices,
    EditVoice,
    MergeCustomers,
    MergeNamed,
    MergeVoices,
    RenameNamed,
    UpdateCustomer,
    draft_of,
)
from app.board.domain import Channel, Kind, NeedDepth, VoiceDraft
from app.board.duplicates import find_duplicates
from app.board.filters import VoiceFilter
from app.errors import BoardError, ValidationError


def draft(text="Exports lose accents", customer="Acme", **kw) -> VoiceDraft:
    values = dict(text=text, kind=Kind.COMPLAINT, customer_name=customer,
                  heard_on=dt.date(2026, 3, 1), channel=Channel.SUPPORT, severity=4,
                  themes=("Exports",))
    values.update(kw)
    return VoiceDraft(**values)


def test_create_undo_redo_voice(store):
    command = CreateVoice(draft(cohort_name="Retail"))
    changes = command.apply(store)
    assert changes.voices
    [voice] = store.search(VoiceFilter(), limit=5)
    assert (voice.customer_name, voice.cohort_name, voice.themes) == ("Acme", "Retail",
                                                                      ("Exports",))
    command.revert(store)
    assert store.count(VoiceFilter()) == 0
    command.apply(store)
    assert [v.id for v in store.search(VoiceFilter())] == [voice.id]


def test_edit_and_revert_including_themes(store):
    create = CreateVoice(draft())
    create.apply(store)
    voice = store.get_voice(create.voice_id)
    after = dataclasses.replace(draft_of(voice), text="Exports lose accents in names",
                                kind=Kind.NEED, need_depth=NeedDepth.REAL,
                                themes=("Exports", "Names"))
    edit = EditVoice(voice.id, draft_of(voice), after)
    edit.apply(store)
    edited = store.get_voice(voice.id)
    assert (edited.text, edited.kind, edited.need_depth, edited.themes) == (
        "Exports lose accents in names", Kind.NEED, NeedDepth.REAL, ("Exports", "Names"))
    edit.revert(store)
    assert store.get_voice(voice.id) == dataclasses.replace(
        voice, updated_at=store.get_voice(voice.id).updated_at)


def test_delete_is_soft_and_undoable(store, board_path):
    create = CreateVoice(draft())
    create.apply(store)
    delete = DeleteVoices([create.voice_id])
    delete.apply(store)
    assert store.count(VoiceFilter()) == 0
    assert store.count(VoiceFilter(text="accents")) == 0
    raw = sqlite3.connect(board_path)
    assert raw.execute("SELECT count(*) FROM voices").fetchone()[0] == 1  # still in the file
    raw.close()
    delete.revert(store)
    assert store.count(VoiceFilter(text="accents")) == 1


def test_merge_customers_moves_voices_and_undo_moves_them_back(store):
    for name in ("Acme", "ACME Inc", "Acme"):
        CreateVoice(draft(customer=name, text=f"words of {name}")).apply(store)
    ids = {c.name: c.id for c in store.customers()}
    merge = MergeCustomers(ids["ACME Inc"], ids["Acme"])
    merge.apply(store)
    assert [(c.name, c.voice_count) for c in store.customers()] == [("Acme", 3)]
    merge.revert(store)
    assert sorted((c.name, c.voice_count) for c in store.customers()) == [("ACME Inc", 1),
                                                                          ("Acme", 2)]


def test_update_customer_rename_cohort_weight_and_clash(store):
    CreateVoice(draft(customer="Acme")).apply(store)
    CreateVoice(draft(customer="Beta")).apply(store)
    acme = next(c for c in store.customers() if c.name == "Acme")
    after = acme._replace(name="Acme Retail", cohort_name="Retail", weight=5000)
    UpdateCustomer(acme, after).apply(store)
    renamed = next(c for c in store.customers() if c.id == acme.id)
    assert (renamed.name, renamed.cohort_name, renamed.weight) == ("Acme Retail", "Retail", 5000)
    assert store.count(VoiceFilter(customer="acme retail")) == 1
    with pytest.raises(ValidationError, match="another customer is called"):
        store.update_customer(acme._replace(name="beta"))


def test_duplicates_are_found_and_merged_keeping_every_source(store):
    CreateVoice(draft("We were charged twice for March.", heard_on=dt.date(2026, 3, 1),
                      channel=Channel.SUPPORT)).apply(store)
    CreateVoice(draft("We were charged twice for March!!", heard_on=dt.date(2026, 3, 4),
                      channel=Channel.SALES_CALL, themes=("Billing",))).apply(store)
    CreateVoice(draft("We were charged twice for March.", customer="Other")).apply(store)
    CreateVoice(draft("Completely different words here")).apply(store)
    [group] = find_duplicates(store)
    assert [v.heard_on.day for v in group] == [1, 4]
    merge = MergeVoices(group[0].id, [group[1].id])
    merge.apply(store)
    kept = store.get_voice(group[0].id)
    assert kept.themes == ("Billing", "Exports")
    [source] = store.merged_sources(kept.id)
    assert (source.heard_on, source.channel) == (dt.date(2026, 3, 4), Channel.SALES_CALL)
    assert store.count(VoiceFilter(customer="Acme")) == 2
    assert find_duplicates(store) == []
    merge.revert(store)
    assert store.count(VoiceFilter(customer="Acme")) == 3
    assert store.merged_sources(kept.id) == []


def test_cohorts_and_themes_create_rename_merge_delete(store):
    CreateVoice(draft(customer="Acme", cohort_name="Retail", themes=("Exports",))).apply(store)
    create = CreateNamed("themes", "Billing")
    create.apply(store)
    usage = {name: (id_, used) for id_, name, used in store.named_usage("themes")}
    assert usage["Billing"][1] == 0
    with pytest.raises(ValidationError, match="already exists"):
        store.rename_named("themes", usage["Billing"][0], "exports")
    RenameNamed("themes", usage["Billing"][0], "Billing", "Invoices").apply(store)
    with pytest.raises(ValidationError, match="still used 1 time"):
        DeleteNamed("themes", usage["Exports"][0]).apply(store)
    merge = MergeNamed("themes", usage["Exports"][0], usage["Billing"][0])
    merge.apply(store)
    assert [v.themes for v in store.search(VoiceFilter())] == [("Invoices",)]
    merge.revert(store)
    assert [v.themes for v in store.search(VoiceFilter())] == [("Exports",)]
    delete = DeleteNamed("themes", usage["Billing"][0])
    delete.apply(store)  # Invoices is unused again, so it may go
    assert [name for _, name, _ in store.named_usage("themes")] == ["Exports"]
    delete.revert(store)
    assert [name for _, name, _ in store.named_usage("themes")] == ["Exports", "Invoices"]
    cohorts = {name: id_ for id_, name, _ in store.named_usage("cohorts")}
    new = CreateNamed("cohorts", "Enterprise")
    new.apply(store)
    MergeNamed("cohorts", cohorts["Retail"], new.row_id).apply(store)
    assert store.customers()[0].cohort_name == "Enterprise"
    DeleteNamed("cohorts", cohorts["Retail"]).apply(store)  # unused after the merge: allowed


def test_busy_board_says_so_and_writes_nothing(store, board_path, monkeypatch):
    import storage.board

    monkeypatch.setattr(storage.board, "BUSY_TIMEOUT_MS", 100)
    from ui.composition import open_store

    other = open_store(board_path)  # a second window on the same board, short patience
    store.conn.execute("BEGIN IMMEDIATE")  # the first holds the write lock
    try:
        with pytest.raises(BoardError, match="busy"):
            CreateVoice(draft()).apply(other)
    finally:
        store.conn.execute("ROLLBACK")
    CreateVoice(draft()).apply(other)  # once free, the write goes through
    assert store.count(VoiceFilter()) == 1
    other.close()
