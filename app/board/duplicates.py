"""Near-identical voices: the same customer, the same kind, (nearly) the same words."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from difflib import SequenceMatcher
from typing import Protocol

from app.board.domain import Voice

_WORDS = re.compile(r"\w+")
SIMILAR = 0.9  # SequenceMatcher ratio of the normalised words
GROUPS = 200  # groups shown at once in the duplicates dialog


class DuplicateStore(Protocol):
    def voice_wordings(self) -> Iterator[tuple[int, str, str, str]]:
        """(key, customer id, kind, text) of every live voice, by customer, oldest first."""
    def voices_by_key(self, keys: list[int]) -> list[Voice]: ...


def _normal(text: str) -> str:
    return " ".join(_WORDS.findall(text.lower()))


def duplicate_groups(wordings: Iterable[tuple[int, str, str, str]],
                     threshold: float = SIMILAR, limit: int = GROUPS) -> list[list[int]]:
    """Keys of voices that say the same thing: one customer, one kind, words alike to
    `threshold` once case and punctuation are set aside; lengths more than a fifth apart are
    never alike. The first of a group is its oldest."""
    by_customer: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for key, customer_id, kind, text in wordings:
        by_customer[(customer_id, kind)].append((key, _normal(text)))
    groups: list[list[int]] = []
    for items in by_customer.values():
        taken: set[int] = set()
        for i, (key, text) in enumerate(items):
            if key in taken:
                continue
            group = [key]
            for other, other_text in items[i + 1:]:
                if other in taken or abs(len(text) - len(other_text)) > 0.2 * max(len(text), 1):
                    continue
                if other_text == text or SequenceMatcher(
                        None, text, other_text, autojunk=False).ratio() >= threshold:
                    group.append(other)
                    taken.add(other)
            if len(group) > 1:
                groups.append(group)
                if len(groups) >= limit:
                    return groups
    return groups


def find_duplicates(store: DuplicateStore, threshold: float = SIMILAR,
                    limit: int = GROUPS) -> list[list[Voice]]:
    return [store.voices_by_key(g) for g in duplicate_groups(store.voice_wordings(),
                                                             threshold, limit)]
