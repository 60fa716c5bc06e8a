"""Stage one's agent rows, batch by batch in any batch size, equal the offline agent rows:
state time split at intervals, changes out of order and redelivered, agents who never log
off (12 hours at most), a batch spanning days beyond the retention."""

from __future__ import annotations

import random
import zlib
from collections import defaultdict

import pytest

from schemas.sla import SlaSettings
from streams.batch.grain_rows import breakdown_vectors
from streams.batch.jsonl import LineTally, read_events
from streams.engine.agent_time import STATES
from streams.engine.retention import Retention
from streams.stages.contact_stage import ContactStage
from tests.helpers.messy import messy_stream

HOUR_US = 3600 * 10**6
PARTITIONS = 3


@pytest.mark.parametrize(("seed", "batch"), [(4, 20_000), (11, 5000), (12, 700)])
def test_agent_rows_of_the_stage_equal_the_offline_rows(seed: int, batch: int) -> None:
    rng = random.Random(seed)
    stream = messy_stream(seed, days=rng.uniform(4, 6), contacts=rng.randint(2000, 3000))
    stage = ContactStage(SlaSettings(), PARTITIONS, retention=Retention(24 * HOUR_US, 48 * HOUR_US))
    for partition in range(PARTITIONS):
        stage.restore(partition, [])
    offsets: dict[int, int] = defaultdict(int)
    records = []
    for message in stream.messages:
        partition = zlib.crc32(message.key) % PARTITIONS
        records.append((partition, offsets[partition], message.value))
        offsets[partition] += 1
    stored: dict[tuple[str, tuple[str, str, str, int]], tuple[int, ...]] = {}  # latest per source and row
    for start in range(0, len(records), batch):
        for changes in stage.ingest(records[start : start + batch], version=start).kpi:
            if changes.kind == "agents" and changes.source.startswith("agents/"):
                stored.update(((changes.source, key), vector) for key, vector in changes.rows)
    live: dict[tuple[str, str, str, int], list[int]] = defaultdict(lambda: [0] * len(STATES))
    for (_, key), vector in stored.items():
        live[key] = [a + b for a, b in zip(live[key], vector, strict=True)]
    offline = breakdown_vectors(read_events(stream.values(), LineTally()), SlaSettings()).agents
    expected = {key: vector[: len(STATES)] for key, vector in offline.items() if any(vector[: len(STATES)])}
    assert any(key[2].startswith("ghost-") for key in expected)  # an agent who never logged off
    assert {key: vector for key, vector in live.items() if any(vector)} == expected
