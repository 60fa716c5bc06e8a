"""The live stages restarted from ClickHouse at any point, while the other stage is ahead or
behind, end with the rows of ``cckpi compute``.

No broker: the two stages run in this process on a long messy stream, with the default
retention, writing to a real chDB or clickhouse-server, and restore through the worker's own
``load_state``. Stage one runs days ahead of stage two (as after a restart, when it works
through the backlog before stage two's first fact arrives), so a restored stage must take its
horizon from its own stored watermark, not from the newest event in storage.
"""

from __future__ import annotations

import random
import time
import zlib
from collections import deque
from pathlib import Path
from typing import TypeVar

import pytest

from schemas.kpi import OUTPUT_COLUMNS
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import grain_rows
from streams.engine.retention import Retention
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from streams.stages.output import Record, batch_starts
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.schema.migrate import migrate
from streams.storage.state_reads import load_state
from streams.storage.writer import write_batch
from tests.helpers.harness import stored_grain_rows
from tests.helpers.messy import MessyStream, messy_stream

pytestmark = pytest.mark.integration
PARTITIONS = 3
S = TypeVar("S", ContactStage, FcrStage)
DEFAULT = Retention(72 * 3600 * 10**6, 336 * 3600 * 10**6)


def restored(stage: S, store: ClickHouse | None = None, first: dict[int, int] | None = None) -> S:
    """What a worker does on its first records of each partition (``first``: their offsets)."""
    for partition in range(PARTITIONS):
        if store is None:
            stage.restore(partition, [])
            continue
        assert first is not None
        loaded = load_state(store, stage, partition, first.get(partition, 1 << 62))
        stage.restore(
            partition,
            loaded.contacts,
            loaded.watermark_us,
            loaded.agent_events,
            loaded.latest_us,
            loaded.agent_rows,
        )
    return stage


def batches(stream: MessyStream, size: int) -> list[list[Record]]:
    offsets = [0] * PARTITIONS
    records: list[Record] = []
    for message in stream.messages:
        partition = zlib.crc32(message.key or b"") % PARTITIONS
        records.append((partition, offsets[partition], message.value))
        offsets[partition] += 1
    return [records[i : i + size] for i in range(0, len(records), size)]


@pytest.mark.parametrize(("seed", "one_restarts_at", "two_restarts_at", "read_again"), [
    (11, None, 0.55, False),  # stage one done with the whole stream when stage two restarts
    (12, 0.4, 0.3, True),  # both restart, stage two behind; each reads its last batch again
    (13, 0.7, 0.7, False),
    (14, 0.2, 0.8, True),  # stage one restarts behind stage two
])  # fmt: skip
def test_restarts_with_one_stage_days_ahead_give_the_rows_of_compute(
    tmp_path: Path,
    store_url: str | None,
    seed: int,
    one_restarts_at: float | None,
    two_restarts_at: float,
    read_again: bool,
) -> None:
    """``read_again``: each stage crashed after writing its last batch and before committing it,
    so it reads that batch again; it must judge it as it did (no event late the second time)."""
    stream = messy_stream(seed, days=9, contacts=6000)
    expected = compute_rows(read_events(stream.values(), LineTally()))
    database = f"restore_{seed}_{time.time_ns() % 10**9}"
    store = connect(store_url, tmp_path, database)
    try:
        migrate(store)
        # Read again, a batch spans more than the retention: judged at the watermark after it,
        # its first events would be late the second time.
        work = batches(stream, 15_000 if read_again else random.Random(seed).randint(1500, 4000))
        one = restored(ContactStage(SlaSettings(), PARTITIONS, retention=DEFAULT))
        two = restored(FcrStage(retention=DEFAULT, sources=PARTITIONS))
        facts: deque[tuple[int, int, bytes]] = deque()  # the facts topic: written, not yet read
        fact_offsets = [0] * PARTITIONS
        two_at = int(len(work) * two_restarts_at)
        one_at = None if one_restarts_at is None else int(len(work) * one_restarts_at)
        version = 0
        last_facts: list[tuple[int, int, bytes]] = []
        for n, records in enumerate(work):
            again = read_again and n > 0 and n == one_at
            if n == one_at:
                read = work[n - 1] if again else records
                one = restored(ContactStage(SlaSettings(), PARTITIONS, retention=DEFAULT), store,
                               batch_starts(read))  # fmt: skip
            for batch in [work[n - 1], records] if again else [records]:
                version += 1
                writes = one.ingest(batch, version=version)
                write_batch(store, writes, "contact-events")
                for partition, message in writes.facts:
                    facts.append((partition, fact_offsets[partition], message))
                    fact_offsets[partition] += 1
            if n < two_at:  # stage two keeps up until it stops; then stage one runs on alone
                version += 1
                last_facts = list(facts)
                write_batch(store, two.ingest(last_facts, version=version), "fcr")
                facts.clear()
        if read_again:
            facts.extendleft(reversed(last_facts))
        # restarted: the facts after its last commit are still waiting
        two = restored(FcrStage(retention=DEFAULT, sources=PARTITIONS), store, batch_starts(list(facts)))
        while facts:
            version += 1
            take = [facts.popleft() for _ in range(min(len(facts), 7))]
            write_batch(store, two.ingest(take, version=version), "fcr")
        rows = read_kpi_rows(store)
        breakdowns = {
            grain: stored_grain_rows(store, grain, SlaSettings()) for grain in ("reasons", "agents")
        }
        late = store.query("SELECT stage, type, reason FROM late_events WHERE reason NOT LIKE 'no arrival%'")
    finally:
        store.close()
    got = {(r.client, r.queue, r.channel, r.interval_start): r.model_dump(include=set(OUTPUT_COLUMNS))
           for r in rows}  # fmt: skip
    want = {(r.client, r.queue, r.channel, r.interval_start): r.model_dump(include=set(OUTPUT_COLUMNS))
            for r in expected}  # fmt: skip
    diff = {k: {c: (got.get(k, {}).get(c), v[c]) for c in v if got.get(k, {}).get(c) != v[c]}
            for k, v in want.items() if got.get(k) != v}  # fmt: skip
    assert set(got) == set(want) and not diff, dict(list(diff.items())[:5])
    events = list(read_events(stream.values(), LineTally()))
    for grain, stored in breakdowns.items():
        offline = [r.model_dump() for r in grain_rows(events, SlaSettings(), grain)]
        assert stored == offline, (
            grain,
            [(a, b) for a, b in zip(stored, offline, strict=False) if a != b][:2],
        )
    assert late == []  # within the default retention: only events of contacts that never arrived
