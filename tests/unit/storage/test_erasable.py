"""Which of a customer's old contacts the retention of personal data may erase: no number moves."""

from __future__ import annotations

import pytest

from streams.storage.personal_retention import erasable

W = 7  # the FCR window, in these tests' units
CUT = 100  # contacts arrived before this are old


@pytest.mark.parametrize(
    ("contacts", "erased"),
    [
        ([("a", 1, 2)], ["a"]),  # all old: all go
        ([("a", 1, 2), ("b", 120, 121)], ["a"]),  # the next one comes long after
        ([("a", 90, 95), ("b", 101, 102)], []),  # a repeat within the window of a's end
        ([("a", 10, 11), ("b", 90, 99), ("c", 103, 104)], ["a"]),  # b is repeated: the cut is before b
        ([("a", 10, 50), ("b", 20, 21), ("c", 55, 56)], ["a", "b", "c"]),  # all old, erased together
        ([("a", 10, 98), ("b", 20, 21), ("c", 103, 104)], []),  # c repeats a, which ended late
        ([("b", 120, 121), ("a", 1, 2)], ["a"]),  # in any order
        ([("a", 150, 160)], []),  # nothing old
    ],
)
def test_the_cut_falls_in_a_quiet_gap(contacts: list[tuple[str, int, int]], erased: list[str]) -> None:
    assert erasable(contacts, CUT, W) == erased
