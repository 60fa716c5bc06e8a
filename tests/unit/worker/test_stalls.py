"""Stalled partitions: messages waiting and a done offset that does not move."""

from __future__ import annotations

from streams.worker.stalls import StallWatch


def test_a_partition_is_stalled_once_it_has_not_moved_for_long_enough_with_messages_waiting() -> None:
    progress = StallWatch(stall_after_s=10)
    assert progress.observe({("t", 0): (100, 40), ("t", 1): (50, 50)}, now=0) == ([], [])
    assert progress.observe({("t", 0): (100, 40), ("t", 1): (50, 50)}, now=9) == ([], [])
    stalled, resumed = progress.observe({("t", 0): (120, 40), ("t", 1): (50, 50)}, now=10)
    assert [(s.topic, s.partition, s.waiting, s.done, s.since_s) for s in stalled] == [("t", 0, 80, 40, 10)]
    assert resumed == []
    # still stalled: reported once, kept on the list
    assert progress.observe({("t", 0): (120, 40), ("t", 1): (50, 50)}, now=20) == ([], [])
    assert [s.partition for s in progress.stalled] == [0]
    stalled, resumed = progress.observe({("t", 0): (120, 41), ("t", 1): (50, 50)}, now=21)
    assert stalled == [] and [s.partition for s in resumed] == [0] and progress.stalled == []


def test_caught_up_or_new_partitions_are_never_stalled() -> None:
    progress = StallWatch(stall_after_s=5)
    for now in range(0, 60, 5):
        stalled, _ = progress.observe({("t", 0): (100, 100)}, now=now)  # nothing waiting
        assert stalled == []
    # messages arrive: they have waited since they were first seen
    assert progress.observe({("t", 0): (130, 100)}, now=61) == ([], [])
    stalled, _ = progress.observe({("t", 0): (130, 100)}, now=66)
    assert [s.since_s for s in stalled] == [5]
    # revoked: forgotten, and a new assignment starts afresh
    assert progress.observe({}, now=70)[1] != []
    assert progress.observe({("t", 0): (130, 100)}, now=71) == ([], [])
