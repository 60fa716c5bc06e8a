"""``cckpi simulate --output kafka`` makes the worker's topics, with the worker's partitions,
before it produces: a broker that creates topics on first write would give the default count."""

from __future__ import annotations

from typing import Any

import pytest

import producers.outputs
import streams.kafka
from cckpi.cli import main
from streams.settings import Settings


def test_the_topics_are_made_as_the_worker_makes_them_before_the_first_event(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, Any]] = []

    class Recording:
        def __init__(self, bootstrap: str, topic: str, *rest: object) -> None:
            calls.append(("output", topic))

        def send(self, event: dict[str, Any]) -> None:
            calls.append(("send", None))

        def send_raw(self, key: bytes | None, value: bytes) -> None:
            calls.append(("send", None))

        def flush(self) -> None: ...

        def close(self) -> None: ...

    monkeypatch.setattr(streams.kafka, "ensure_topics", lambda s: calls.append(("topics", s)))
    monkeypatch.setattr(producers.outputs, "KafkaOutput", Recording)
    monkeypatch.setenv("CCKPI_PARTITIONS", "7")
    assert main(["simulate", "--output", "kafka", "--bootstrap", "broker:9092", "--topic", "events",
                 "--events", "5", "--start", "2026-11-23T09:00:00Z"]) == 0  # fmt: skip
    (kind, settings), *rest = calls
    assert kind == "topics" and isinstance(settings, Settings)
    assert (settings.kafka_bootstrap, settings.topic, settings.partitions) == ("broker:9092", "events", 7)
    assert rest[0] == ("output", "events") and ("send", None) in rest
