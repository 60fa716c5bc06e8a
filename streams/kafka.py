"""Create the topics the pipeline uses, and read where consumers stand (for drain checks)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from streams.settings import Settings


def ensure_topics(settings: Settings) -> None:
    """Create the source, dead-letter and FCR-facts topics if missing, with
    CCKPI_KAFKA_REPLICATION_FACTOR replicas each."""
    admin = KafkaAdminClient(bootstrap_servers=settings.require_bootstrap(), **settings.kafka_options())
    replicas = settings.kafka_replication_factor
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(settings.topic, settings.partitions, replicas),
            NewTopic(settings.facts_topic, settings.partitions, replicas),
            NewTopic(settings.dlq_topic, 1, replicas),
        ]
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another process won the race
                admin.create_topics(missing)
    finally:
        admin.close()


def end_offsets(
    bootstrap: str, topic: str, partitions: int, options: Mapping[str, Any] | None = None
) -> dict[int, int]:
    """The next offset per partition, found by reading to the end.

    Tansu's ListOffsets answers with the last batch's base offset + 1, not the end, so
    the end is measured by consuming (cheap next to the work being checked).
    """
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **(options or {}))
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning()
        ends = {p: 0 for p in range(partitions)}
        for polled in polled_until_idle(consumer):
            for tp, messages in polled.items():
                ends[tp.partition] = max(ends[tp.partition], messages[-1].offset + 1)
        return ends
    finally:
        consumer.close()


def polled_until_idle(
    consumer: KafkaConsumer, idle_s: float = 1.0, deadline: float = float("inf"), max_records: int = 100_000
) -> Iterator[dict[TopicPartition, list[Any]]]:
    """Poll until nothing has come for ``idle_s`` (the end of what is assigned: Tansu's end
    offsets are unreliable) or until ``deadline`` (monotonic)."""
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < idle_s and time.monotonic() < deadline:
        polled = consumer.poll(timeout_ms=200, max_records=max_records)
        if polled:
            idle_since = time.monotonic()
            yield polled


def committed_offsets(
    bootstrap: str, group: str, topic: str, options: Mapping[str, Any] | None = None
) -> dict[int, int]:
    """The group's committed offsets for one topic."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, **(options or {}))
    try:
        listed = admin.list_group_offsets(group)
    finally:
        admin.close()
    offsets = listed.get(group, listed) if isinstance(listed, dict) else {}
    return {tp.partition: meta.offset for tp, meta in offsets.items() if getattr(tp, "topic", None) == topic}


def undecodable(
    bootstrap: str,
    group: str,
    topics: list[str],
    give_up_s: float = 30.0,
    options: Mapping[str, Any] | None = None,
) -> list[tuple[str, int, int, str]]:
    """(topic, partition, offset, cause) of each partition whose messages after the group's
    committed offset this process cannot read: what stopped a worker, said where it is. Each
    partition is read from there until the error, its end, or ``give_up_s``."""
    found = []
    for topic in topics:
        committed = committed_offsets(bootstrap, group, topic, options)
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False, **(options or {})
        )
        try:
            for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                tp = TopicPartition(topic, partition)
                consumer.assign([tp])
                consumer.seek(tp, committed.get(partition, 0))
                failure = _first_unreadable(consumer, tp, time.monotonic() + give_up_s)
                if failure is not None:
                    found.append((topic, partition, *failure))
        finally:
            consumer.close()
    return found


def _first_unreadable(consumer: KafkaConsumer, tp: TopicPartition, deadline: float) -> tuple[int, str] | None:
    """Read on from the consumer's position: the offset where reading fails, and why."""
    position = consumer.position(tp)
    try:
        for _ in polled_until_idle(consumer, deadline=deadline, max_records=10_000):
            position = consumer.position(tp)  # read up to here
    except Exception as error:  # noqa: BLE001 - whatever the client cannot read is the finding
        name, text = type(error).__name__, str(error)
        return position, text if text.startswith(name) else f"{name}: {text}"
    return None
