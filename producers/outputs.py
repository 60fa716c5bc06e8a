"""Where produced events go: a Kafka topic (keyed as the contract says) or a JSONL file."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")  # every codec Kafka defines
UNCONFIRMED_AT_MOST = 100_000  # messages sent and not yet confirmed before a flush checks them
RESEND_FIRST_WAIT_S, RESEND_LAST_WAIT_S, RESEND_SAY_EVERY_S = 0.5, 10.0, 30.0


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
    """A batched kafka-python producer (with the crc32c extension for speed) that loses nothing to
    a broker that is down or restarting: what was not delivered is sent again at each flush,
    until it is (events keep their ids, so a copy delivered twice counts once)."""

    def __init__(
        self, bootstrap: str, topic: str, compression: str = "none", options: Mapping[str, Any] | None = None
    ) -> None:
        """``options``: kafka-python's security options (``streams.kafka_access``)."""
        if compression not in CODECS:
            raise ValueError(f"compression {compression!r}: one of {', '.join(CODECS)}")
        from kafka import KafkaProducer

        self.topic = topic
        defaults: dict[str, Any] = {
            "linger_ms": 20,
            "batch_size": 1 << 20,
            "max_request_size": 8 << 20,
            "acks": 1,
            "retries": 10,
            "max_block_ms": 5000,  # a send waits this long for a broker, then is kept for the next flush
            "compression_type": None if compression == "none" else compression,
        }
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, **{**defaults, **(options or {})})
        self._unconfirmed: list[tuple[bytes | None, bytes, Any]] = []  # key, value, future or None
        self.sent = 0
        self.resent = 0

    def send(self, event: dict[str, Any]) -> None:
        self.send_raw(message_key(event), orjson.dumps(event))

    def send_raw(self, key: bytes | None, value: bytes) -> None:
        self._unconfirmed.append((key, value, self._send(key, value)))
        self.sent += 1
        if len(self._unconfirmed) >= UNCONFIRMED_AT_MOST:
            self.flush()

    def _send(self, key: bytes | None, value: bytes) -> Any:
        from kafka.errors import KafkaTimeoutError

        try:
            return self._producer.send(self.topic, key=key, value=value)
        except KafkaTimeoutError:  # no broker to take it now
            return None

    def flush(self) -> None:
        """Return once every message sent is delivered; while the broker is away, wait and send
        what failed again (saying so once every ``RESEND_SAY_EVERY_S``)."""
        wait_s, said = RESEND_FIRST_WAIT_S, 0.0
        while True:
            self._producer.flush()
            failed = [(k, v) for k, v, future in self._unconfirmed if _resend(future)]
            self._unconfirmed = []
            if not failed:
                return
            if time.monotonic() - said >= RESEND_SAY_EVERY_S:
                said = time.monotonic()
                print(f"kafka: {len(failed)} messages not delivered yet (broker away?): sending again",
                      file=sys.stderr)  # fmt: skip
            time.sleep(wait_s)
            wait_s = min(wait_s * 2, RESEND_LAST_WAIT_S)
            self.resent += len(failed)
            self._unconfirmed = [(k, v, self._send(k, v)) for k, v in failed]

    def close(self) -> None:
        self.flush()
        self._producer.close()


def _resend(future: Any) -> bool:
    """Whether a message was not delivered for a reason that passes (the broker away, a timeout:
    kafka-python's retriable errors); one the broker refuses for good (too large, not allowed)
    stops the producer, before its position could be saved past it."""
    from kafka.errors import RetriableError

    if future is None or not future.failed():
        return future is None
    if isinstance(future.exception, RetriableError):
        return True
    raise RuntimeError(f"Kafka refused a message for good: {future.exception}") from future.exception
