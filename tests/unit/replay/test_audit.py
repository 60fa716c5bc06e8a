"""The replay's audit arithmetic: per-row input digests, differences and totals."""

from __future__ import annotations

import hashlib

from streams.batch.digests import inputs_digest
from streams.engine.contributions import HANDLE, OFFERED, WIDTH
from streams.replay.comparison import Difference, differences, totals


def test_digest_is_the_sorted_distinct_events_each_on_its_line() -> None:
    events = [(b"e2", b'{"b":1}'), (b"e10", b'{"a":1}'), (b"e2", b'{"b":1}'), (b"e2", b'{"a":0}')]
    expected = hashlib.sha256(b'e10\x1f{"a":1}\ne2\x1f{"a":0}\ne2\x1f{"b":1}\n').hexdigest()
    assert inputs_digest(events) == (expected, 3)
    assert inputs_digest(reversed(events)) == (expected, 3)  # the order read does not matter


def test_a_row_with_no_inputs_has_the_empty_digest() -> None:
    assert inputs_digest([]) == (hashlib.sha256(b"").hexdigest(), 0)


def test_differences_name_each_column_in_output_units() -> None:
    row, gone = ("acme", "billing", "call", 0), ("acme", "billing", "chat", 900)
    live = {row: [0] * WIDTH, gone: [1] + [0] * (WIDTH - 1)}
    replay = {row: [0] * WIDTH}
    replay[row][HANDLE] = 1_500_000
    found = differences(live, replay)
    assert found[0] == Difference(
        ("acme", "billing", "call", "1970-01-01T00:00:00Z"), "handle_s_sum", 0.0, 1.5
    )
    assert len(found) == 1 + WIDTH  # a missing row differs in every column
    assert found[1 + OFFERED] == Difference(
        ("acme", "billing", "chat", "1970-01-01T00:15:00Z"), "offered", 1, None
    )
    assert differences(live, live) == []


def test_totals_sum_exactly_before_turning_microseconds_into_seconds() -> None:
    vectors = [[0] * WIDTH for _ in range(10)]
    for vector in vectors:
        vector[HANDLE] = 100_000  # 0.1 s: ten of them summed as floats are not 1.0
    assert totals(vectors)["handle_s_sum"] == 1.0
