"""Malformed messages go to the dead-letter topic with their bytes and a reason; KPIs are untouched."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from cckpi.stack.broker import TansuBroker
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.replay.kafka_source import read_kafka
from tests.helpers.bad_messages import BAD_MESSAGES
from tests.helpers.events import as_messages, raw
from tests.helpers.faults import record_fault
from tests.helpers.harness import Message, new_settings, run_pipeline

pytestmark = pytest.mark.integration


def read_dead_letters(bootstrap: str, topic: str) -> list[tuple[bytes, dict[str, bytes]]]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=3000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    found = [(m.value, dict(m.headers)) for m in consumer]
    consumer.close()
    return found


def test_bad_messages_reach_the_dlq_with_reasons(
    tmp_path: Path,
    broker: TansuBroker,
    store_url: str | None,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    valid = as_messages(simulated_events[:3000])
    bad = [Message(f"bad-{i}".encode(), payload) for i, (payload, _) in enumerate(BAD_MESSAGES)]
    tombstone = Message(b"tombstone", None)  # type: ignore[arg-type]  # a value of null, as Kafka allows
    # A producer's zero time (as Go writes an unset one): an event, but not one the store can hold.
    zero = {**orjson.loads(valid[0].value), "event_id": "zero-time", "occurred_at": "0001-01-01T00:00:00Z"}
    zero_time = Message(b"zero-time", orjson.dumps(zero))
    messages = valid + bad * 2 + [tombstone, zero_time]  # each bad message twice: two dead letters
    random.Random(3).shuffle(messages)
    expected = compute_rows(read_events((m.value for m in valid), LineTally()))

    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    run = run_pipeline(settings, messages, store_url)
    kinds = len(BAD_MESSAGES) + 2  # and the tombstone, the zero time
    record_fault(f"malformed messages [{'server' if store_url else 'chdb'}]",
                 f"{len(messages) - len(valid)} bad of {len(messages)}, {kinds} kinds", len(messages),
                 expected, run.kpi_rows())  # fmt: skip

    assert [r.model_dump(include=set(OUTPUT_COLUMNS)) for r in run.kpi_rows()] == [
        r.model_dump(include=set(OUTPUT_COLUMNS)) for r in expected
    ]
    letters = read_dead_letters(broker.bootstrap, settings.dlq_topic)
    assert len(letters) == 2 * len(BAD_MESSAGES) + 2  # and the tombstone's (no bytes), the zero time's
    reason_of = {payload: words for payload, words in BAD_MESSAGES} | {zero_time.value: "outside 1970-01-01"}
    for payload, headers in letters:
        assert payload in reason_of  # the original bytes, unchanged
        assert reason_of[payload] in headers["reason"].decode()
        assert headers["source"].decode().startswith(settings.topic + "/")
    store = run.open_store()
    try:
        counted = store.query("SELECT count() FROM dead_letters FINAL")[0][0]
        reasons = store.query("SELECT reason, count() FROM dead_letters FINAL GROUP BY reason")
    finally:
        store.close()
    assert counted == 2 * len(BAD_MESSAGES) + 2
    assert sum(n for _, n in reasons) == counted
    # An audit replay from the topic reads past them all alike (the zero time is an event to it,
    # of no range it reads).
    inputs = read_kafka(broker.bootstrap, settings.topic, 86_400, 2**31, None)
    assert inputs.skipped == 2 * len(BAD_MESSAGES) + 1


@pytest.mark.parametrize("seed", [1, 6])
def test_events_stamped_ahead_of_the_clock_are_dead_letters(
    tmp_path: Path, broker: TansuBroker, seed: int
) -> None:
    """A simulation sent to production (or a wrong clock): beyond CCKPI_MAX_FUTURE_S ahead of
    the worker's clock an event is a dead letter with its reason, counts nothing and never
    moves "now"; within it, it counts."""
    rng = random.Random(seed)
    allowed_s = rng.choice([60, 300, 900])
    now = datetime.now(UTC).replace(microsecond=0)

    def call(ahead_s: float, tag: str) -> list[dict]:  # type: ignore[type-arg]
        start, end = now + timedelta(seconds=ahead_s), now + timedelta(seconds=ahead_s + 20)
        return [raw("contact.arrived", 0, tag, customer_id=tag, occurred_at=stamp(start)),
                raw("contact.abandoned", 0, tag, occurred_at=stamp(end))]  # fmt: skip

    fine = [e for n in range(rng.randint(3, 8)) for e in call(-rng.uniform(60, 3600), f"past{n}")]
    fine += call(allowed_s / 2, "soon")  # a clock a little ahead: counted
    ahead = [
        e for n in range(rng.randint(2, 5)) for e in call(allowed_s + rng.uniform(120, 30 * 86400), f"f{n}")
    ]
    events = fine + ahead
    rng.shuffle(events)
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(update={"max_future_s": allowed_s})
    run = run_pipeline(settings, as_messages(events), None)
    assert run.kpi_rows() == compute_rows(read_events((orjson.dumps(e) for e in fine), LineTally()))
    letters = read_dead_letters(broker.bootstrap, settings.dlq_topic)
    assert sorted(orjson.loads(p)["event_id"] for p, _ in letters) == sorted(e["event_id"] for e in ahead)
    assert all(b"ahead of the worker's clock" in h["reason"] for _, h in letters)
    store = run.open_store()
    try:
        (latest,) = store.query("SELECT max(after_us) FROM stage_watermarks")[0]
    finally:
        store.close()
    assert latest <= (now + timedelta(seconds=allowed_s)).timestamp() * 1e6


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
