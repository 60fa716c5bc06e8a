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
from streams.engine.pseudonyms import keyed_pseudonym
from streams.replay.rederive import replay
from streams.stages.output import DeadLetter, StageOutput
from streams.storage.backends.connect import connect
from streams.storage.erasure import erase_customers
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.tenants import provision_client
from streams.storage.writer import write_batch
from tests.helpers.events import SIM_END, SIM_START
from tests.helpers.harness import load_through_stages
from tests.helpers.personal import OTHER, PERSON, holding, with_people

pytestmark = pytest.mark.integration

KEY = b"a test key of thirty-two bytes.."


def test_an_erased_customer_is_nowhere_and_every_number_stays(
    tmp_path: Path, store_url: str | None, simulated_events: list[dict[str, Any]]
) -> None:
    events = with_people(simulated_events, random.Random(7))
    store = connect(store_url, tmp_path, "erasure")
    try:
        load_through_stages(store, events)
        provision_client(store, "erasure", "acme")
        bad = [orjson.dumps({"type": "contact.arrived", "client": "acme", "customer_id": PERSON, "x": 1}),
               f"not json but names {PERSON} and \"{PERSON}\"".encode()]  # fmt: skip
        letters = StageOutput(1, 0)
        letters.dead_letters.extend(DeadLetter(0, 10_000 + i, b, "invalid") for i, b in enumerate(bad))
        write_batch(store, letters, "contact-events")
        assert holding(store, "erasure%", PERSON)  # else this test proves nothing
        before = read_kpi_rows(store, 900)

        stand_in = keyed_pseudonym(KEY, "acme", PERSON, 1)
        erased = erase_customers(store, "acme", {PERSON: stand_in})

        assert holding(store, "erasure%", PERSON) == []
        assert holding(store, "erasure%", f"{PERSON}@example.ch") == []  # a producer's extra field
        assert holding(store, "erasure%", f"I am {PERSON}") == []  # their words
        assert holding(store, "erasure%", OTHER)  # nobody else was touched
        assert erased.raw_events >= 2 and erased.contacts >= 2 and erased.dead_letters == 2
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
