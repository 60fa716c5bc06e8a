"""Conflicting duplicates on the real parts (kpis.md, "Which event counts"): copies of one event
id with different content, shuffled into a stream that two worker runs read (the second after a
restart), give ``cckpi compute``'s rows; each losing content is one dead letter, made from the
archive when its copy was archived by the first run; the archive holds the counting copy, and
a losing one only where it counted before the winner came (under another event time: replay
settles them as live did)."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseServer
from producers.outputs import message_key
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.engine.copies import CONFLICT_REASON, rank
from tests.helpers.events import conflicts
from tests.helpers.harness import Message, drain, new_settings, produce, run_pipeline

pytestmark = pytest.mark.integration


def test_the_counting_copy_wins_live_across_a_restart(
    tmp_path: Path,
    broker: TansuBroker,
    clickhouse_server: ClickHouseServer,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    """On Debian's 18.16 (the in-process stages test every order and crash on the engine's side;
    this proves the worker, the migration and the archive's SQL on the oldest server)."""
    store_url = clickhouse_server.url
    rng = random.Random(17)
    events = simulated_events[:4000]
    copies = conflicts(events, rng, 0.06)
    messages = [orjson.dumps(e) for e in events] + [orjson.dumps(c) for c in copies]
    rng.shuffle(messages)
    report = LineTally()
    expected = compute_rows(read_events(messages, report))
    dead = sorted(n for n, reason in report.rejected if reason == CONFLICT_REASON)
    assert len(dead) > 30
    as_messages = [Message(message_key(orjson.loads(m)), m) for m in messages]
    half = len(as_messages) // 2
    settings = new_settings(tmp_path, broker.bootstrap, store_url)
    run_pipeline(settings, as_messages[:half], store_url)  # stops; the rest is read after a restart
    produce(settings, as_messages[half:])
    run = drain(settings, store_url)
    columns = set(OUTPUT_COLUMNS)
    live = [r.model_dump(include=columns) for r in run.kpi_rows()]
    assert live == [r.model_dump(include=columns) for r in expected]
    store = run.open_store()
    try:
        letters = store.query(
            "SELECT payload FROM dead_letters FINAL WHERE reason = %(reason)s", {"reason": CONFLICT_REASON}
        )
        archived = store.query("SELECT event_id, payload FROM raw_events FINAL")
    finally:
        store.close()
    assert sorted(p for (p,) in letters) == sorted(messages[n - 1].decode() for n in dead)
    by_id: dict[str, list[str]] = {}
    for event_id, payload in archived:
        by_id.setdefault(event_id, []).append(payload)
    for copy in copies:
        kept = by_id[copy["event_id"]]
        candidates = [m for m in messages if orjson.loads(m)["event_id"] == copy["event_id"]]
        winner = min(candidates, key=rank)
        assert winner.decode() in kept
        if len(kept) > 1:  # a loser archived before the winner came, under another time
            loser = next(m for m in candidates if m != winner)
            assert messages.index(loser) < messages.index(winner)
            assert orjson.loads(loser)["occurred_at"] != orjson.loads(winner)["occurred_at"]
