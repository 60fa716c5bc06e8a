"""A replay shared by N machines: each replays its shard and stores its rows; one merges them.

Shards need no coordination beyond a run id they share and the store they write: each one's
rows are sums over whole customers (``streams.replay.shard``), so the run's rows are the
shards' rows added up, compared with the live rows as one replay is.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from schemas.sla import SlaSettings
from streams.engine.intervals import iso_utc, whole_intervals
from streams.engine.totals import RowKey
from streams.replay.comparison import Vectors
from streams.replay.rederive import (
    DIGEST_RULE,
    Derivation,
    Digests,
    ReplayResult,
    conclude,
    in_range,
    python_rows,
    read_archive,
)
from streams.replay.shard import Shard
from streams.storage.backends.protocol import ClickHouse
from streams.storage.replay_log import shard_rows, shards_of, write_shard

SHARDED_DIGEST_RULE = (
    f"sharded: sha256 over 'K/N <shard digest>' 0x0a for each shard holding the row, in shard order; "
    f"a shard's digest: {DIGEST_RULE}, over its customers' contacts"
)


class ShardResult(NamedTuple):
    run_id: str
    shard: Shard
    events: int
    rows: int
    missing: list[Shard]  # shards of the run not stored yet


class ShardError(ValueError):
    """A merge that cannot be made: shards missing or disagreeing on what they replayed."""


def replay_shard(
    store: ClickHouse,
    sla: SlaSettings,
    since_s: int,
    until_s: int,
    client: str | None,
    shard: Shard,
    run_id: str,
) -> ShardResult:
    """Replay one shard of [since, until) (widened to whole intervals) and store its rows under
    ``run_id``; nothing is compared until the run is merged."""
    since_s, until_s = whole_intervals(since_s, until_s)
    archived = read_archive(store, since_s, until_s, client, shard)
    vectors, digests = python_rows(archived, sla)
    rows = in_range(vectors, since_s, until_s)
    shard_rows_made = [
        [run_id, shard.part, *key, *digests[key], *vector] for key, vector in sorted(rows.items())
    ]
    events = len(archived.payloads)
    done = [
        run_id,
        shard.part,
        shard.parts,
        client or "",
        since_s,
        until_s,
        events,
        len(rows),
        int(time.time()),
    ]
    stored = write_shard(store, shard_rows_made, done)
    missing = [Shard(part, shard.parts) for part in range(shard.parts) if part not in stored]
    return ShardResult(run_id, shard, events, len(rows), missing)


def merge_shards(store: ClickHouse, run_id: str) -> ReplayResult:
    """Add up the stored shards of a run into one replay run, compared with the live rows."""
    shards = shards_of(store, run_id)
    if not shards:
        raise ShardError(f"no shard of run {run_id!r} is stored (cckpi replay --shard K/N --run-id {run_id})")
    replayed = {tuple(row[1:5]) for row in shards}
    if len(replayed) > 1:
        raise ShardError(f"the shards of run {run_id!r} replayed different ranges, clients or shard counts: "
                         + "; ".join(_what(*r) for r in sorted(replayed)))  # fmt: skip
    parts, client, since_s, until_s = replayed.pop()
    missing = sorted(set(range(parts)) - {row[0] for row in shards})
    if missing:
        named = ", ".join(str(Shard(part, parts)) for part in missing)
        raise ShardError(f"run {run_id!r} lacks shard(s) {named} of {parts}: replay them before merging")
    stored = shard_rows(store, run_id)
    rows: dict[RowKey, Sequence[int]] = {}
    digests: Digests = {}
    for row_client, queue, channel, start, held, events, *vector in stored:
        key = (row_client, queue, channel, int(start))
        rows[key] = [int(v) for v in vector]
        digests[key] = (_merged_digest(held, parts), int(events))
    derived: dict[str, Vectors] = {"python": rows}
    total = sum(int(row[5]) for row in shards)
    source = f"archive, {parts} shards"
    derivation = Derivation(run_id, int(time.time()), source, since_s, until_s, client or None, total,
                            derived, digests, digest_rule=SHARDED_DIGEST_RULE)  # fmt: skip
    return conclude(store, derivation)


def _merged_digest(held: Sequence[tuple[Any, str]], parts: int) -> str:
    lines = "".join(f"{Shard(int(part), parts)} {digest}\n" for part, digest in sorted(held))
    return hashlib.sha256(lines.encode()).hexdigest()


def _what(parts: int, client: str, since_s: int, until_s: int) -> str:
    return f"{parts} shards of {client or 'every client'} {iso_utc(since_s)}–{iso_utc(until_s)}"
