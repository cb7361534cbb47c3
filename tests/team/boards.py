"""Laptop boards for the team tests: edits made as a person makes them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.board.commands import EditVoice, draft_of
from app.board.filters import VoiceFilter
from ui.composition import open_store


def edit(path: Path, find: str, words: str) -> str:
    """The first voice the search `find` gives, re-worded through the edit command (the
    board window's path); its id."""
    store = open_store(path)
    try:
        voice = store.search(VoiceFilter(text=find))[0]
        EditVoice(voice.id, draft_of(voice), dataclasses.replace(
            draft_of(voice), text=words)).apply(store)
        return voice.id
    finally:
        store.close()


def two_edits(a: Path, b: Path, find: str = "invoice wrong") -> None:
    """One voice edited on both laptops, offline: Priya's words on a, Tom's on b."""
    edit(a, find, "Invoice wrong, says Priya")
    edit(b, find, "Invoice wrong, says Tom")
