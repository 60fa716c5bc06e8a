"""A copy that lost its place after it was archived becomes a dead letter made from the archive,
on chDB and clickhouse-server: its own bytes and offset, not the copy that replaced it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from schemas.sla import SlaSettings
from streams.engine.copies import CONFLICT_REASON, rank
from streams.stages.contact_stage import ContactStage
from streams.storage.backends.connect import connect
from streams.storage.schema.migrate import migrate
from streams.storage.writer import write_batch
from tests.helpers.events import raw

pytestmark = pytest.mark.integration


def test_a_replaced_copy_is_a_dead_letter_from_the_archive(tmp_path: Path, store_url: str | None) -> None:
    store = connect(store_url, tmp_path, "superseded")
    try:
        migrate(store)
        arrival = orjson.dumps(raw("contact.arrived", 0, customer_id="u"))
        one = raw("contact.ended", 300, event_id="end-1", talk_s=100)
        copies = sorted([orjson.dumps(one), orjson.dumps({**one, "talk_s": 250})], key=rank)
        winner, loser = copies
        stage = ContactStage(SlaSettings(), 1, (900,))
        stage.restore(0, [])
        first = stage.ingest([(0, 0, arrival), (0, 1, loser)], version=1)  # the loser first: it counts
        write_batch(store, first, "contact-events")
        second = stage.ingest([(0, 2, winner)], version=2)  # then the winner, in a later batch
        assert len(second.superseded) == 1 and not second.dead_letters
        write_batch(store, second, "contact-events")
        letters = store.query("SELECT kafka_offset, reason, payload FROM dead_letters FINAL")
        archived = store.query("SELECT payload FROM raw_events FINAL WHERE event_id = 'end-1'")
    finally:
        store.close()
    assert letters == [(1, CONFLICT_REASON, loser.decode())]
    assert archived == [(winner.decode(),)]  # the same event time: the archive keeps the winner
