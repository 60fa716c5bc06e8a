"""The replay tables: each run's rows and verdict, and the shards of a run replayed on several
machines (what a merge adds up), written and read here only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.tables import STORED_COLUMNS

REPLAY_COLUMNS = ("run_id", "client", "queue", "channel", "interval_start", "inputs_sha256", "events",
                  *STORED_COLUMNS)  # fmt: skip
RUN_COLUMNS = ("run_id", "started_at", "source", "client", "from_time", "to_time", "events",
               "rows_differing", "agrees")  # fmt: skip
SHARD_COLUMNS = ("run_id", "part", "parts", "client", "from_time", "to_time", "events", "rows", "finished_at")
SHARD_ROW_COLUMNS = ("run_id", "part", "client", "queue", "channel", "interval_start", "inputs_sha256",
                     "events", *STORED_COLUMNS)  # fmt: skip


def write_run(store: ClickHouse, rows: Sequence[Sequence[Any]], run: Sequence[Any]) -> None:
    """A run's rows (REPLAY_COLUMNS), then the run itself (RUN_COLUMNS): a run stored means its
    rows are."""
    store.insert("replay_kpi", REPLAY_COLUMNS, [list(row) for row in rows])
    store.insert("replay_runs", RUN_COLUMNS, [list(run)])


def write_shard(store: ClickHouse, rows: Sequence[Sequence[Any]], done: Sequence[Any]) -> set[int]:
    """A shard's rows (SHARD_ROW_COLUMNS), then the shard (SHARD_COLUMNS); the parts of its run
    stored so far."""
    store.insert("replay_shard_kpi", SHARD_ROW_COLUMNS, [list(row) for row in rows])
    store.insert("replay_shards", SHARD_COLUMNS, [list(done)])
    run_id = done[0]
    return {
        part
        for (part,) in store.query("SELECT part FROM replay_shards FINAL WHERE run_id = %(r)s", {"r": run_id})
    }


def shards_of(store: ClickHouse, run_id: str) -> list[Any]:
    """Each stored shard of a run: part, parts, client, from and to (seconds), events."""
    return store.query(
        "SELECT part, parts, client, toUInt32(from_time), toUInt32(to_time), events "
        "FROM replay_shards FINAL WHERE run_id = %(r)s ORDER BY part",
        {"r": run_id},
    )


def shard_rows(store: ClickHouse, run_id: str) -> list[Any]:
    """A run's rows added up over its shards: the row's key, each shard's (part, inputs digest),
    the events, then the stored columns' sums."""
    sums = ", ".join(f"sum({c})" for c in STORED_COLUMNS)
    return store.query(
        "SELECT client, queue, channel, toUInt32(interval_start), "
        f"groupArray((part, inputs_sha256)), sum(events), {sums} "
        "FROM replay_shard_kpi FINAL WHERE run_id = %(r)s GROUP BY client, queue, channel, interval_start",
        {"r": run_id},
    )
