"""Replay's Kafka source: the topic read back by timestamp, outside any consumer group.

The consumer has no group id, so it commits nothing and never joins (or rebalances) the
live worker's group. It starts each partition at the first message produced at or after
the range's start minus a margin (``offsets_for_times``) and reads to the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from schemas.events import Rejection
from schemas.wire import Event, parse_events
from streams.batch.packed import Packed
from streams.engine.copies import Copy, settle_copies
from streams.engine.intervals import US_PER_S
from streams.kafka import polled_until_idle
from streams.replay.rederive import Inputs
from streams.replay.relevance import relevant

MARGIN_S = 3600  # events produced a little before they occurred (clock skew) are still read
IDLE_S = 1.0  # the end of the topic: no message for this long (Tansu's end offsets are unreliable)


def read_topic(
    bootstrap: str, topic: str, since_s: int, options: Mapping[str, Any] | None = None
) -> list[bytes]:
    """Every message of ``topic`` produced since ``since_s`` (by message timestamp); ``options``:
    kafka-python's security options (``streams.kafka_access``)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
        max_partition_fetch_bytes=16 * 1024 * 1024, fetch_max_bytes=64 * 1024 * 1024, **(options or {}),
    )  # fmt: skip
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        starts = consumer.offsets_for_times({tp: since_s * 1000 for tp in tps})
        for tp in tps:
            found = starts.get(tp)
            if found is None:  # nothing produced since: skip the partition
                consumer.pause(tp)
            else:
                consumer.seek(tp, found.offset)
        values: list[bytes] = []
        for polled in polled_until_idle(consumer, IDLE_S):
            for messages in polled.values():
                values.extend(b"" if m.value is None else m.value for m in messages)  # a tombstone: no event
        return values
    finally:
        consumer.close()


def read_kafka(
    bootstrap: str,
    topic: str,
    since_s: int,
    until_s: int,
    client: str | None,
    options: Mapping[str, Any] | None = None,
) -> Inputs:
    """The events from Kafka that the rows of [since, until) depend on; invalid ones are skipped
    (the live worker sent them to the dead-letter topic)."""
    payloads = read_topic(bootstrap, topic, since_s - MARGIN_S, options)
    events: list[Event] = []
    valid: list[bytes] = []
    for payload, event in zip(payloads, parse_events(payloads), strict=True):
        if not isinstance(event, Rejection):
            events.append(event)
            valid.append(payload)
    # Copies of one id that differ are settled over the whole read, before relevance: the
    # losing copy may name another contact.
    copies = (Copy(n, raw, event) for n, (raw, event) in enumerate(zip(valid, events, strict=True)))
    settled = settle_copies(copies)
    if settled.dropped:
        counted = [n for n in range(len(events)) if n not in settled.dropped]
        events, valid = [events[n] for n in counted], [valid[n] for n in counted]
    keep = relevant(events, since_s * US_PER_S, until_s * US_PER_S, client)
    picked = [events[i] for i in keep]
    return Inputs(
        event_ids=Packed.messages([e.event_id.encode() for e in picked]),
        payloads=Packed.messages([valid[i] for i in keep]),
        source="kafka",
        skipped=len(payloads) - len(valid),
    )
