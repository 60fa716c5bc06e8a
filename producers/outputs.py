"""Where produced events go: a Kafka topic (keyed as the contract says) or a JSONL file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")  # every codec Kafka defines


def contract_key(contact_id: str | None, agent_id: str | None, event_id: str) -> bytes:
    """The contract's message key: contact_id, or agent_id for agent events."""
    return str(contact_id or agent_id or event_id).encode()


def message_key(event: dict[str, Any]) -> bytes:
    """:func:`contract_key` of an event as a JSON object."""
    return contract_key(event.get("contact_id"), event.get("agent_id"), event["event_id"])


class EventOutput(Protocol):
    def send(self, event: dict[str, Any]) -> None: ...

    def send_raw(self, key: bytes | None, value: bytes) -> None: ...

    def flush(self) -> None:
        """Return once everything sent so far is delivered (written, or acknowledged)."""
        ...

    def close(self) -> None: ...


def open_output(
    target: str, topic: str, compression: str, bootstrap: str | None, options: Mapping[str, Any] | None = None
) -> EventOutput:
    """Where a producer's events go: ``kafka`` (at ``bootstrap``) or a JSON Lines file path;
    ValueError naming what is missing."""
    if target != "kafka":
        return JsonlOutput(Path(target))
    if not bootstrap:
        raise ValueError("--output kafka needs KAFKA_BOOTSTRAP")
    return KafkaOutput(bootstrap, topic, compression, options)


class JsonlOutput:
    """One JSON object per line."""

    def __init__(self, path: Path) -> None:
        self._handle: IO[bytes] = path.open("wb")
        self.sent = 0

    def send(self, event: dict[str, Any]) -> None:
        self.send_raw(None, orjson.dumps(event))

    def send_raw(self, key: bytes | None, value: bytes) -> None:
        self._handle.write(value + b"\n")
        self.sent += 1

    def flush(self) -> None:
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


class KafkaOutput:
    """A batched kafka-python producer (with the crc32c extension for speed)."""

    def __init__(
        self, bootstrap: str, topic: str, compression: str = "none", options: Mapping[str, Any] | None = None
    ) -> None:
        """``options``: kafka-python's security options (``streams.kafka_access``)."""
        if compression not in CODECS:
            raise ValueError(f"compression {compression!r}: one of {', '.join(CODECS)}")
        from kafka import KafkaProducer

        self.topic = topic
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap,
            linger_ms=20,
            batch_size=1 << 20,
            max_request_size=8 << 20,
            acks=1,
            retries=10,
            compression_type=None if compression == "none" else compression,
            **(options or {}),
        )
        self.sent = 0

    def send(self, event: dict[str, Any]) -> None:
        self.send_raw(message_key(event), orjson.dumps(event))

    def send_raw(self, key: bytes | None, value: bytes) -> None:
        self._producer.send(self.topic, key=key, value=value)
        self.sent += 1

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.flush()
        self._producer.close()
