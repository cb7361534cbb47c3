"""Reads a board's first cards and its customer list in plain threads, without Qt: the app
starts this before Qt loads, so the board is read while the window's libraries import."""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from app.board.domain import Kind, Voice
from app.board.filters import VoiceFilter

# A lane shows about eight cards at a time; the rest arrive as it scrolls (VoiceLaneModel).
FIRST_PAGE = 12


@dataclasses.dataclass(frozen=True)
class LaneResults:
    generation: int
    flt: VoiceFilter
    orders: dict[Kind, str]  # each lane's sort
    totals: dict[Kind, int]
    pages: dict[Kind, list[Voice]]
    board_total: int


def read_lanes(store: Any, generation: int, flt: VoiceFilter,
               orders: Mapping[Kind, str] | None = None,
               stale: Callable[[], bool] = lambda: False) -> LaneResults | None:
    """Every lane's count and first page, each in its lane's sort (best match where none is
    given); None when `stale()` says a newer request came."""
    sorts = {kind: (orders or {}).get(kind, "relevance") for kind in Kind}
    totals = store.count_by_kind(flt)
    pages = {}
    for kind in Kind:
        if stale():
            return None
        pages[kind] = store.search(dataclasses.replace(flt, kinds=(kind,)), limit=FIRST_PAGE,
                                   order=sorts[kind]) if totals[kind] else []
    # With no filter the lanes' counts are the board's; no second count needed.
    board_total = sum(totals.values()) if flt.is_empty else store.count(VoiceFilter())
    return LaneResults(generation, flt, sorts, totals, pages, board_total)


Listener = Callable[[str, Any], None]
HANDOVER_S = 0.0005


class _QuickHandover:
    """Lets threads take Python's lock from a busy main thread every 0.5 ms rather than
    5 ms: a reader needs it between SQLite's steps while the main thread loads modules or
    builds the window. Held by whoever reads at start (opening, first reads, a board switch
    during them); the usual interval comes back when the last one lets go."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._usual = sys.getswitchinterval()

    def hold(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._usual = sys.getswitchinterval()
                sys.setswitchinterval(min(self._usual, HANDOVER_S))
            self._holders += 1

    def release(self) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0:
                sys.setswitchinterval(self._usual)


quick_handover = _QuickHandover()


class BoardRead:
    """Two reads of one board, each in its own thread with its own connection: "lanes" (the
    first cards under `flt` in each lane's sort, as generation 0) and "customers". A read
    that fails reports "failed" with its message. Results wait here until listen() names
    who takes them."""

    def __init__(self, open_reader: Callable[[], Any], flt: VoiceFilter | None = None,
                 orders: Mapping[Kind, str] | None = None) -> None:
        self._open_reader = open_reader
        self._filter = flt or VoiceFilter()
        self._orders = orders
        self._lock = threading.Lock()
        self._listener: Listener | None = None
        self._done: list[tuple[str, Any]] = []
        self._left = 2
        quick_handover.hold()
        for what in ("lanes", "customers"):
            threading.Thread(target=self._read, args=(what,), daemon=True,
                             name=f"empty-chair first {what}").start()

    def _read(self, what: str) -> None:
        store = None
        try:
            store = self._open_reader()
            if what == "lanes":
                value: Any = read_lanes(store, 0, self._filter, self._orders)
            else:
                value = store.customers()
        except Exception as exc:  # noqa: BLE001 - a thread has no caller to raise to
            value, what = str(exc), "failed"
        finally:
            if store is not None:
                store.close()
        with self._lock:
            self._left -= 1
            if self._left == 0:
                quick_handover.release()
            listener = self._listener
            if listener is None:
                self._done.append((what, value))
                return
        listener(what, value)

    def listen(self, listener: Listener) -> None:
        """`listener(what, value)` gets each result: at once for reads already done, and from
        the reading thread for the others."""
        with self._lock:
            self._listener = listener
            done, self._done = self._done, []
        for what, value in done:
            listener(what, value)
