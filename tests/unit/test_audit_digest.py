"""The replay's per-row input digest: the rule an auditor re-derives with sha256sum."""

from __future__ import annotations

import hashlib

from streams.audit import inputs_digest


def test_digest_is_the_sorted_distinct_events_each_on_its_line() -> None:
    events = [(b"e2", b'{"b":1}'), (b"e10", b'{"a":1}'), (b"e2", b'{"b":1}'), (b"e2", b'{"a":0}')]
    expected = hashlib.sha256(b'e10\x1f{"a":1}\ne2\x1f{"a":0}\ne2\x1f{"b":1}\n').hexdigest()
    assert inputs_digest(events) == (expected, 3)
    assert inputs_digest(reversed(events)) == (expected, 3)  # the order read does not matter


def test_a_row_with_no_inputs_has_the_empty_digest() -> None:
    assert inputs_digest([]) == (hashlib.sha256(b"").hexdigest(), 0)
