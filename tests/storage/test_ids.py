"""Row ids are RFC 9562 UUIDv7s: unique, time-ordered, ascending within a batch."""

import time
import uuid

from storage.ids import new_id, new_ids


def test_ids_are_version_7_uuids_in_ascending_order():
    ids = new_ids(5000)
    assert len(set(ids)) == 5000
    assert ids == sorted(ids)
    for text in ids[:500]:
        parsed = uuid.UUID(text)
        assert (str(parsed), parsed.version, parsed.variant) == (text, 7, uuid.RFC_4122)
    millis = int(ids[0].replace("-", "")[:12], 16)
    assert abs(millis - time.time() * 1000) < 60_000


def test_a_later_id_sorts_after_an_earlier_one():
    first = new_id()
    time.sleep(0.002)
    assert new_id() > first
