"""A replay split into N shards by customer adds up to the replay of the whole range, row for row
and event for event, on messy streams (rival arrivals naming other customers, duplicates, events
days late); the merge refuses runs with shards missing or replaying different ranges."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.sla import SlaSettings
from streams.engine.intervals import iso_utc
from streams.replay.rederive import replay
from streams.replay.shard import Shard, parse_shard
from streams.replay.sharded import ShardError, merge_shards, replay_shard
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from streams.storage.schema.tables import STORED_COLUMNS
from tests.helpers.cli import cckpi
from tests.helpers.events import numbered
from tests.helpers.harness import load_through_stages
from tests.helpers.messy import messy_stream

pytestmark = pytest.mark.integration
DAY = 86_400
START = datetime(2026, 11, 16, tzinfo=UTC)
BEGIN = int(START.timestamp())


def valid_events(seed: int, days: int, contacts: int) -> list[dict[str, Any]]:
    stream = messy_stream(seed, days=days, contacts=contacts, start=START)
    return [orjson.loads(m.value) for m in stream.messages if not (m.key or b"").startswith(b"bad-")]


def stored_rows(store: ClickHouse, run_id: str) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = store.query(
        f"SELECT client, queue, channel, toUInt32(interval_start), events, {', '.join(STORED_COLUMNS)} "
        "FROM replay_kpi FINAL WHERE run_id = %(r)s",
        {"r": run_id},
    )
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


@pytest.mark.parametrize(("seed", "parts"), [(31, 2), (32, 3)])
def test_shards_add_up_to_the_whole_replay(
    tmp_path: Path, store_url: str | None, seed: int, parts: int
) -> None:
    events = valid_events(seed, 3, 2500)
    store = connect(store_url, tmp_path, f"shards_{seed}")
    try:
        load_through_stages(store, events)
        begin = BEGIN
        client = sorted({e["client"] for e in events})[0]
        for since, until, who in [(begin, begin + 3 * DAY, None), (begin + DAY, begin + 2 * DAY, client)]:
            whole = replay(store, SlaSettings(), since, until, who)
            assert whole.agrees and whole.rows > 0
            run_id = f"sharded-{seed}-{who}"
            results = [replay_shard(store, SlaSettings(), since, until, who, Shard(k, parts), run_id)
                       for k in range(parts)]  # fmt: skip
            assert [len(r.missing) for r in results] == list(range(parts - 1, -1, -1))
            assert all(r.events > 0 for r in results)  # each shard has customers of its own
            merged = merge_shards(store, run_id)
            assert merged.agrees, merged.report["differences"][:3]
            assert merged.events == whole.events == sum(r.events for r in results)
            assert stored_rows(store, run_id) == stored_rows(store, whole.run_id)
            assert merged.report["totals"] == whole.report["totals"]
            assert merged.report["source"] == f"archive, {parts} shards"
    finally:
        store.close()


def test_a_merge_names_what_is_missing_or_inconsistent(tmp_path: Path) -> None:
    events = valid_events(33, 1, 300)
    store = connect(None, tmp_path)
    try:
        load_through_stages(store, events)
        begin = BEGIN
        with pytest.raises(ShardError, match="no shard of run 'r1'"):
            merge_shards(store, "r1")
        replay_shard(store, SlaSettings(), begin, begin + DAY, None, Shard(0, 3), "r1")
        with pytest.raises(ShardError, match=r"lacks shard\(s\) 2/3, 3/3 of 3"):
            merge_shards(store, "r1")
        replay_shard(store, SlaSettings(), begin, begin + 2 * DAY, None, Shard(1, 3), "r1")
        with pytest.raises(ShardError, match="different ranges"):
            merge_shards(store, "r1")
    finally:
        store.close()
    for bad in ("0/3", "4/3", "2", "a/b", "1/0"):
        with pytest.raises(ValueError, match="expected K/N"):
            parse_shard(bad)
    assert parse_shard(" 2/4 ") == Shard(1, 4) and str(Shard(1, 4)) == "2/4"


def test_the_command_line_runs_shards_then_merges(tmp_path: Path) -> None:
    events = valid_events(34, 1, 400)
    store = connect(None, tmp_path / "data", "cli")
    try:
        load_through_stages(store, events)
    finally:
        store.close()
    env = {"CCKPI_DATA_DIR": str(tmp_path / "data"), "CCKPI_DATABASE": "cli", "PATH": "/usr/bin:/bin"}
    span = ["--from", iso_utc(BEGIN), "--to", iso_utc(BEGIN + DAY)]

    def cli_replay(*args: str) -> subprocess.CompletedProcess[str]:
        return cckpi("replay", *args, env=env, cwd=tmp_path, timeout=300)

    first = cli_replay(*span, "--shard", "1/2", "--run-id", "audit-7")
    assert first.returncode == 0, first.stderr
    assert "shard 1/2 of audit-7" in first.stdout and "waiting for shard 2/2" in first.stdout
    early = cli_replay("--merge", "audit-7")
    assert early.returncode == 2 and "lacks shard(s) 2/2" in early.stderr
    second = cli_replay(*span, "--shard", "2/2", "--run-id", "audit-7")
    assert second.returncode == 0 and "cckpi replay --merge audit-7" in second.stdout, second.stdout
    merged = cli_replay("--merge", "audit-7", "--report", "merged.json")
    assert merged.returncode == 0, merged.stderr
    assert orjson.loads((tmp_path / "merged.json").read_bytes())["agrees"] is True
    no_run = cli_replay(*span, "--shard", "1/2")
    assert no_run.returncode == 2 and "--shard needs --run-id" in no_run.stderr


def test_a_contact_whose_arrivals_name_two_customers_goes_with_the_first(tmp_path: Path) -> None:
    """The engine takes a contact's first arrival (by time, then event id) and so its customer: c1's
    later arrival naming y must not take c1 to y's shard, away from x's c2, whose arrival soon
    after c1's end makes c1 no first-contact resolution."""
    store = connect(None, tmp_path)
    try:
        migrate(store)
        x, y = next((x, y) for x, y in combinations(CUSTOMERS, 2) if shard_of(store, x) != shard_of(store, y))
        base = BEGIN + 3600
        events = [
            numbered(1, "contact.arrived", base + 5, "c1", customer_id=y),  # a rival arrival
            numbered(2, "contact.arrived", base, "c1", customer_id=x),
            numbered(3, "contact.answered", base + 60, "c1", agent_id="a1"),
            numbered(
                4,
                "contact.ended",
                base + 400,
                "c1",
                agent_id="a1",
                talk_s=300,
                hold_s=0,
                wrap_s=30,
                resolved=True,
            ),
            numbered(5, "contact.arrived", base + 3600, "c2", customer_id=x),  # repeats: no FCR for c1
        ]
        load_through_stages(store, events)
        whole = replay(store, SlaSettings(), BEGIN, BEGIN + DAY, None)
        for k in range(2):
            replay_shard(store, SlaSettings(), BEGIN, BEGIN + DAY, None, Shard(k, 2), "rivals")
        merged = merge_shards(store, "rivals")
        assert whole.agrees and merged.agrees, merged.report["differences"]
        assert whole.report["totals"]["replay"]["fcr_success"] == 0
    finally:
        store.close()


CUSTOMERS = [f"cust-{n}" for n in range(8)]


def shard_of(store: ClickHouse, customer: str) -> int:
    return int(store.query("SELECT modulo(cityHash64('acme', %(c)s), 2)", {"c": customer})[0][0])
