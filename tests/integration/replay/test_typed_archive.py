"""The archive's typed columns (sql/migrations/022 and 023): ClickHouse fills them from each stored
payload, however a producer wrote it, and the SQL replay that reads them gives the Python engine's
rows; rows whose columns do not agree with their payload are parsed instead; an archive written
before the columns existed upgrades in place and replays the same."""

from __future__ import annotations

import json
import random
import shutil
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest

from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.replay.rederive import replay
from streams.stages.contact_stage import ContactStage
from streams.stages.direct import both_stages
from streams.stages.fcr_stage import FcrStage
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from streams.storage.schema.sql_files import MIGRATIONS_DIR
from streams.storage.writer import write_batch

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 23, 6, tzinfo=UTC)
TWICE = b"a first talk time"


def written_as_producers_write(event: dict[str, Any], rng: random.Random) -> bytes:
    """One event in one of the forms real producers send: spaced or indented JSON, keys in any
    order, an extra object repeating counted names, durations as floats, the time with
    an offset, a long fraction or in lower case (which ClickHouse's time parser does not read), a
    name written twice (valid JSON; its rows are left to the parsing path)."""
    event = dict(event)
    form = rng.randrange(9)
    if form == 1 and "occurred_at" in event:  # the same instant at another offset
        at = datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00"))
        event["occurred_at"] = at.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
    if form == 2:
        event["occurred_at"] = event["occurred_at"].replace("T", "t").replace("Z", "z")
    if form == 3:  # digits past the microsecond, which both cut
        stamp = event["occurred_at"]
        event["occurred_at"] = stamp.replace("Z", "123Z" if "." in stamp else ".000000999Z")
    if form == 4:  # nested names a careless reader would take for the event's own
        event["detail"] = {"talk_s": 999, "type": "contact.ended", "resolved": False, "csat": 1}
    for name in ("talk_s", "hold_s", "wrap_s"):
        if name in event and rng.random() < 0.5:
            event[name] = float(event[name])
    keys = list(event)
    rng.shuffle(keys)
    ordered = {k: event[k] for k in keys}
    if form == 5:
        return json.dumps(ordered, indent=2).encode()
    if form == 6:
        return json.dumps(ordered, separators=(" , ", " : ")).encode()
    if form == 7:  # the same value under the same name twice: the readers agree on its value
        return b'{"schema_version": %d, ' % event["schema_version"] + orjson.dumps(ordered)[1:]
    if form == 8 and "talk_s" in event:  # another value first: the last one counts
        return b'{"talk_s": "%s", ' % TWICE + orjson.dumps(ordered)[1:]
    return orjson.dumps(ordered) if rng.random() < 0.5 else json.dumps(ordered).encode()


def load(store: ClickHouse, payloads: list[bytes]) -> None:
    contacts, fcr = ContactStage(SlaSettings(), 1), FcrStage()
    contacts.restore(0, [])
    fcr.restore(0, [])
    records = [(0, offset, payload) for offset, payload in enumerate(payloads)]
    for out in both_stages(contacts, fcr, records, version=time.time_ns(), now_s=int(time.time())):
        assert not out.dead_letters, out.dead_letters[:1]
        write_batch(store, out, "contact-events")


def day(seed: int, hours: int) -> list[dict[str, Any]]:
    return [e for _, e in Simulator(START, seed=seed).events(START + timedelta(hours=hours))]


@pytest.mark.parametrize("seed", [3, 8])
def test_sql_replay_reads_the_typed_columns_of_every_form_and_agrees(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    events = day(seed, rng.choice((3, 5)))
    store = connect(None, tmp_path, f"typed_{seed}")
    try:
        migrate(store)
        load(store, [written_as_producers_write(e, rng) for e in events])
        agree = dict(store.query("SELECT fields_agree, count() FROM raw_events GROUP BY fields_agree"))
        assert agree.get(0, 0) > 0 and agree[1] > 0.7 * len(events)  # both paths are taken
        for payload, agrees in store.query("SELECT payload, fields_agree FROM raw_events"):
            twice = payload.count('"schema_version"') > 1 or TWICE.decode() in payload
            assert agrees == (orjson.loads(payload)["occurred_at"][10] == "T" and not twice), payload
        since, until = int(START.timestamp()), int(START.timestamp()) + 6 * 3600
        both = replay(store, SlaSettings(), since, until, None, engines=("python", "sql"))
        assert both.agrees and both.report["engine_differences"] == [], both.report["engine_differences"][:3]
        assert both.rows > 20
        # What the typed columns say of the agreeing rows is what the payload says.
        talk = store.query(
            "SELECT sum(talk_us), countIf(resolved), countIf(csat IS NOT NULL), countIf(outbound) "
            "FROM raw_events WHERE fields_agree"
        )[0]
        want = [0, 0, 0, 0]
        for (payload,) in store.query("SELECT payload FROM raw_events WHERE fields_agree"):
            e = orjson.loads(payload)
            if e["type"] == "contact.ended":
                want[0] += round(e["talk_s"] * 1_000_000)
                want[1] += e["resolved"]
            want[2] += e["type"] == "survey.answered" and e.get("csat") is not None
            want[3] += e["type"] == "contact.arrived" and e.get("direction") == "outbound"
        assert list(talk) == want
    finally:
        store.close()


def test_an_archive_written_before_the_typed_columns_upgrades_and_replays_the_same(
    store_url: str | None, tmp_path: Path
) -> None:
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:3]) < 22:
            shutil.copy(path, before / path.name)
    backend = "chdb" if store_url is None else "server"
    store = connect(store_url, tmp_path / "data", f"typed_upgrade_{backend}")
    try:
        migrate(store, before)
        events = day(5, 3)
        load(store, [orjson.dumps(e) for e in events])
        since, until = int(START.timestamp()), int(START.timestamp()) + 4 * 3600
        applied = migrate(store)
        assert applied == ["022_raw_events_keys", "023_raw_events_fields"]
        found = "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'raw_events'"
        columns = {name for (name,) in store.query(found)}
        assert {"contact_key", "customer_key", "payload_hash"} <= columns
        assert ("fields_agree" in columns) == (store_url is None)  # 18.16 has no JSON functions
        # The rows written before replay as the live rows: the keys of old rows are read right.
        new = replay(store, SlaSettings(), since, until, None)
        assert new.agrees and new.rows > 20
        assert new.events == sum(e["type"] != "agent.state" for e in events)
        if store_url is None:
            # The rows written before get the columns filled on disk (a background mutation).
            deadline = time.monotonic() + 60
            pending = "SELECT count() FROM system.mutations WHERE table = 'raw_events' AND NOT is_done"
            while store.query(pending)[0][0]:
                assert time.monotonic() < deadline, store.query("SELECT * FROM system.mutations")
                time.sleep(0.2)
            parts = {
                column: set(names)
                for column, names in store.query(
                    "SELECT column, groupArray(name) FROM system.parts_columns "
                    "WHERE database = currentDatabase() AND table = 'raw_events' AND active "
                    "AND column IN ('payload', 'talk_us', 'fields_agree') GROUP BY column"
                )
            }
            assert parts["payload"] and parts["talk_us"] == parts["fields_agree"] == parts["payload"]
            assert store.query("SELECT min(fields_agree) FROM raw_events") == [(1,)]
            sql = replay(store, SlaSettings(), since, until, None, engines=("sql", "python"))
            assert sql.agrees and sql.report["engine_differences"] == [] and sql.events == new.events
    finally:
        store.close()
