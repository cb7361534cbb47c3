"""Property: random offline work on three laptops, synced in random orders, always ends
with the three boards and the server holding the same rows, one live customer (theme) per
name, every voice on the customer it was captured for, and every version of every voice
either live, kept in sync_conflicts, or replaced by someone who had seen it."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.board.commands import CreateVoice, DeleteVoices, EditVoice, MergeCustomers, draft_of
from app.board.domain import Kind, VoiceDraft, name_key
from app.board.filters import VoiceFilter
from app.errors import ValidationError
from app.snapshot import TABLES
from storage.team import connect_board, init_server, sync_board
from ui.composition import open_store

psycopg = pytest.importorskip("psycopg", reason="the team board needs psycopg")

LAPTOPS = 3
NAMES = ["Acme", "acme", "Beta Clinic", "BETA clinic", "Gamma"]
THEMES = ["Billing", "billing", "Speed"]
laptop = st.integers(0, LAPTOPS - 1)
operation = st.one_of(
    st.tuples(st.just("capture"), laptop, st.sampled_from(NAMES)),
    st.tuples(st.just("edit"), laptop, st.integers(0, 50)),
    st.tuples(st.just("theme"), laptop, st.integers(0, 50), st.sampled_from(THEMES)),
    st.tuples(st.just("delete"), laptop, st.integers(0, 50)),
    st.tuples(st.just("sync"), laptop),
    st.tuples(st.just("rename"), laptop, st.integers(0, 50), st.sampled_from(NAMES)),
    st.tuples(st.just("merge"), laptop, st.integers(0, 50), st.integers(0, 50)),
)


def _reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
        conn.execute("DROP SEQUENCE IF EXISTS team_seq")
    init_server(url)


def _rows(store) -> dict[str, list[tuple]]:
    out = {}
    for table in TABLES:
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        keys = ", ".join(f'"{k}"' for k in table.key)
        out[table.name] = store.conn.execute(
            f'SELECT {names} FROM "{table.name}" ORDER BY {keys}').fetchall()
    return out


def _server_voices(url: str) -> list[tuple]:
    names = ", ".join(f'"{c.name}"' for c in TABLES[3].columns)
    with psycopg.connect(url) as conn:
        rows = conn.execute(f"SELECT {names} FROM voices ORDER BY id").fetchall()
    return [tuple(int(v) if isinstance(v, float) and v.is_integer() and i == 6 else v
                  for i, v in enumerate(r)) for r in rows]


@pytest.fixture(scope="module")
def blank(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "blank.db"
    open_store(path, create=True).close()
    return path


# More examples for a hunt: EMPTY_CHAIR_EXAMPLES=500 make test (or pytest this file).
@settings(max_examples=int(os.environ.get("EMPTY_CHAIR_EXAMPLES", "30")), deadline=None,
          database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_three_laptops_converge_and_lose_no_version(team_db, blank, tmp_path, ops):
    _reset(team_db)
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    stores = []
    for n in range(LAPTOPS):
        path = folder / f"laptop{n}.db"
        shutil.copy(blank, path)  # copies of one board file: one board id, three origins
        store = open_store(path)
        connect_board(team_db, store)
        stores.append(store)
    counter = iter(range(10**6))
    renamed = False
    captured: dict[str, str] = {}  # voice id -> the customer name it was captured for
    seen: list[dict[str, set[str]]] = [defaultdict(set) for _ in range(LAPTOPS)]
    supersedes: dict[tuple[str, str], set[str]] = {}  # (voice, text) -> texts its author saw
    pushed: set[tuple[str, str]] = set()  # (voice, text) that reached a push
    authored: list[set[tuple[str, str]]] = [set() for _ in range(LAPTOPS)]

    def look(n: int) -> None:
        for voice_id, text in stores[n].conn.execute("SELECT id, text FROM voices"):
            seen[n][voice_id].add(text)

    def live(n: int) -> list:
        return sorted(stores[n].search(VoiceFilter(), limit=1000), key=lambda v: v.id)

    def sync(n: int) -> None:
        for voice_id, text in stores[n].conn.execute("SELECT id, text FROM voices"):
            if (voice_id, text) in authored[n]:
                pushed.add((voice_id, text))
        sync_board(stores[n])
        look(n)

    try:
        for op in ops:
            kind, n = op[0], op[1]
            store = stores[n]
            voices = live(n)
            if kind == "capture":
                text = f"voice {next(counter)}"
                draft = VoiceDraft(text, Kind.COMPLAINT, op[2], dt.date(2026, 5, 1))
                CreateVoice(draft).apply(store)
                voice_id = store.conn.execute("SELECT id FROM voices WHERE text = ?",
                                              [text]).fetchone()[0]
                captured[voice_id] = op[2]
                authored[n].add((voice_id, text))
                supersedes[(voice_id, text)] = set()
            elif kind == "sync":
                sync(n)
            elif kind in ("rename", "merge"):
                renamed = True  # a voice's customer is then no longer the name it was for
                customers = sorted(store.customers(), key=lambda c: c.id)
                if len(customers) < 2:
                    continue
                one = customers[op[2] % len(customers)]
                if kind == "rename":
                    with contextlib.suppress(ValidationError):  # a name in use here: the
                        store.update_customer(one._replace(name=op[3]))  # window refuses it
                else:
                    other = customers[op[3] % len(customers)]
                    if other.id != one.id:
                        MergeCustomers(one.id, other.id).apply(store)
            elif voices:
                voice = voices[op[2] % len(voices)]
                if kind == "edit":
                    text = f"voice {next(counter)}"
                    EditVoice(voice.id, draft_of(voice), dataclasses.replace(
                        draft_of(voice), text=text)).apply(store)
                    authored[n].add((voice.id, text))
                    supersedes[(voice.id, text)] = set(seen[n][voice.id]) | {voice.text}
                elif kind == "theme":
                    EditVoice(voice.id, draft_of(voice), dataclasses.replace(
                        draft_of(voice), themes=(op[3],))).apply(store)
                else:
                    DeleteVoices([voice.id]).apply(store)
            look(n)
        for _round in range(3):
            for n in range(LAPTOPS):
                sync(n)
        quiet = [sync_board(s) for s in stores]  # nothing left to send or take
        assert [(r.pushed, r.pulled) for r in quiet] == [(0, 0)] * LAPTOPS

        boards = [_rows(s) for s in stores]
        assert boards[1] == boards[0]
        assert boards[2] == boards[0]
        local_voices = [tuple(r) for r in boards[0]["voices"]]
        assert _server_voices(team_db) == local_voices
        for table in ("customers", "themes"):
            live_names = [name_key(r[1]) for r in boards[0][table] if r[-1] is None]
            assert len(live_names) == len(set(live_names)), table
        by_id = {r[0]: r for r in boards[0]["customers"]}
        final_text = {r[0]: r[3] for r in boards[0]["voices"]}
        for voice_id, name in captured.items():
            customer = by_id[[r for r in boards[0]["voices"] if r[0] == voice_id][0][1]]
            if not renamed:
                assert name_key(customer[1]) == name_key(name)  # on the customer it was for
        for voice in boards[0]["voices"]:
            if voice[-2] is None:  # a live voice (deleted_at) is on a live customer
                assert by_id[voice[1]][8] is None, voice
        with psycopg.connect(team_db) as conn:
            kept = defaultdict(set)
            for key, a, b in conn.execute("SELECT row_key, kept->>'text', replaced->>'text' "
                                          "FROM sync_conflicts WHERE table_name = 'voices'"):
                kept[key] |= {a, b}
        for voice_id, text in pushed:
            superseded = any(text in before for (v, _t), before in supersedes.items()
                             if v == voice_id and (v, _t) in pushed)
            assert (final_text.get(voice_id) == text or text in kept[voice_id]
                    or superseded), (voice_id, text)
    finally:
        for store in stores:
            store.close()
