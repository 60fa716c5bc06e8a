"""Erasing a customer (events.md, "Personal data"), on chDB and clickhouse-server: afterwards no
column of any table holds their id, their comments and extra fields are gone, every KPI row is
as it was, and a replay of the range agrees with the live rows."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.sla import SlaSettings
from streams.engine.pseudonyms import pseudonym
from streams.replay.rederive import replay
from streams.stages.output import DeadLetter, StageOutput
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.erasure import erase_customers
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.tenants import provision_client
from streams.storage.writer import write_batch
from tests.helpers.events import SIM_END, SIM_START
from tests.helpers.harness import load_through_stages

pytestmark = pytest.mark.integration

KEY = b"a test key of thirty-two bytes.."
PERSON = "person-erase-me-4711"
OTHER = "person-keep-me-0815"


def _with_people(events: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The simulated day with two customers renamed to ids no other string contains, their
    arrivals carrying a producer's extras and their surveys a comment."""
    arrivals = [e for e in events if e["type"] == "contact.arrived" and e["client"] == "acme"]
    counts: dict[str, int] = {}
    for e in arrivals:
        counts[e["customer_id"]] = counts.get(e["customer_id"], 0) + 1
    repeaters = sorted(c for c, n in counts.items() if n >= 2)
    erased, kept = rng.sample(repeaters, 2)
    renamed = {erased: PERSON, kept: OTHER}
    contacts = {e["contact_id"]: renamed[e["customer_id"]] for e in arrivals if e["customer_id"] in renamed}
    out = []
    for e in events:
        e = dict(e)
        person = contacts.get(e.get("contact_id", ""))
        if e["type"] == "contact.arrived" and person:
            e.update(customer_id=person, caller_number=f"+41 44 {person}", email=f"{person}@example.ch")
        if e["type"] == "survey.answered" and person:
            e["comment"] = f"I am {person}, call me back"
        out.append(e)
    return out


def _holding(store: ClickHouse, text: str) -> list[str]:
    """Every column of every table, in every database of the installation, that holds ``text``."""
    found = []
    tables = store.query(
        "SELECT database, table, name FROM system.columns WHERE database LIKE 'erasure%%' "
        "AND type LIKE '%%String%%'"
    )
    for database, table, column in tables:
        where = f"position(toString(`{column}`), %(t)s) > 0"
        hits = store.query(f"SELECT count() FROM `{database}`.`{table}` WHERE {where}", {"t": text})
        if hits[0][0]:
            found.append(f"{database}.{table}.{column}")
    return found


def test_an_erased_customer_is_nowhere_and_every_number_stays(
    tmp_path: Path, store_url: str | None, simulated_events: list[dict[str, Any]]
) -> None:
    events = _with_people(simulated_events, random.Random(7))
    store = connect(store_url, tmp_path, "erasure")
    try:
        load_through_stages(store, events)
        provision_client(store, "erasure", "acme")
        bad = [orjson.dumps({"type": "contact.arrived", "client": "acme", "customer_id": PERSON, "x": 1}),
               f"not json but names {PERSON} and \"{PERSON}\"".encode()]  # fmt: skip
        letters = StageOutput(1, 0)
        letters.dead_letters.extend(DeadLetter(0, 10_000 + i, b, "invalid") for i, b in enumerate(bad))
        write_batch(store, letters, "contact-events")
        assert _holding(store, PERSON)  # else this test proves nothing
        before = read_kpi_rows(store, 900)

        stand_in = pseudonym(KEY, "acme", PERSON, 1)
        erased = erase_customers(store, "acme", {PERSON: stand_in})

        assert _holding(store, PERSON) == []
        assert _holding(store, f"{PERSON}@example.ch") == _holding(store, "call me back") == []
        assert _holding(store, OTHER)  # nobody else was touched
        assert erased.raw_events > 2 and erased.contacts >= 2 and erased.dead_letters == 2
        assert read_kpi_rows(store, 900) == before
        since, until = int(SIM_START.timestamp()), int(SIM_END.timestamp())
        assert replay(store, SlaSettings(), since, until, None).agrees
        logged = store.query("SELECT client, reason, customers, raw_events FROM erasures")
        assert logged == [("acme", "request", 1, erased.raw_events)]
        archived = store.query(
            "SELECT payload FROM raw_events FINAL WHERE customer_id = %(p)s AND type = 'contact.arrived'",
            {"p": stand_in},
        )
        assert len(archived) >= 2 and all(set(orjson.loads(p)) & {"caller_number", "email"} == set()
                                          for (p,) in archived)  # fmt: skip
        again = erase_customers(store, "acme", {PERSON: stand_in})
        assert again.total == 0
    finally:
        store.close()
