"""The events a bench run is fed: a seeded simulation as Kafka messages, sent as fast as the
broker takes them or paced at a steady rate."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import orjson

from producers.outputs import KafkaOutput, message_key
from producers.simulator import Simulator

Message = tuple[bytes, bytes]


def simulated_messages(count: int, seed: int = 7) -> list[Message]:
    """The first ``count`` events of a seeded simulation, as (key, value) messages."""
    simulator = Simulator(datetime(2026, 10, 1, tzinfo=UTC), seed=seed)
    messages = []
    for _, event in simulator.events():
        messages.append((message_key(event), orjson.dumps(event)))
        if len(messages) >= count:
            break
    return messages


def shapes(messages: list[Message]) -> dict[str, list[bytes]]:
    """Files as users bring them to ``cckpi compute``: one simulated day (every kind of event),
    a contacts-heavy file with no agent events (a ticketing export), and the whole multi-day run."""
    values = [value for _, value in messages]
    first_day = orjson.loads(values[0])["occurred_at"][:10]
    day = [v for v in values if orjson.loads(v)["occurred_at"][:10] == first_day]
    contacts = [v for v in values if b'"type":"agent.state"' not in v]
    return {"day": day, "contacts": contacts, "days": values}


def produce(bootstrap: str, topic: str, messages: list[Message], rate: float | None = None) -> None:
    """Send messages, as fast as possible or paced at ``rate`` per second."""
    output = KafkaOutput(bootstrap, topic)
    began = time.monotonic()
    for n, (key, value) in enumerate(messages):
        if rate is not None and n % 10 == 0:
            ahead = began + n / rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        output.send_raw(key, value)
        if rate is not None and n % 10 == 9:
            output.flush()  # paced: each message leaves now, its timestamp is honest
    output.close()
