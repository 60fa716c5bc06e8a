"""The archive query and the Kafka source's filter pick the same events for a range.

Both follow ``streams.replay.relevance``: every event of the contacts arriving in the range, and
the arrivals of their customers that can decide first-contact resolution, no others.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from schemas.events import Rejection
from schemas.wire import Event, parse_event
from streams.batch.routing import owners
from streams.replay.rederive import read_archive
from streams.replay.relevance import relevant
from streams.stages.output import Received
from streams.storage.backends.connect import connect
from streams.storage.schema.migrate import migrate
from streams.storage.schema.tables import RAW_COLUMNS, raw_row
from tests.helpers.events import numbered

LO = 1_790_000_100 - 1_790_000_100 % 900  # an interval boundary
DAY = 86_400


def event(n: int, kind: str, at_s: int, contact: str, **extra: object) -> bytes:
    return orjson.dumps(numbered(n, kind, at_s, contact, **extra))


SCENARIO = [
    event(1, "contact.arrived", LO - 2 * DAY, "c0", customer_id="x"),  # before the range's contacts
    event(2, "contact.arrived", LO + 600, "c1", customer_id="x"),  # in the range
    event(3, "contact.answered", LO + 660, "c1", agent_id="a1"),
    event(4, "contact.ended", LO + 900, "c1", agent_id="a1", talk_s=200, hold_s=0, wrap_s=40, resolved=True),
    event(5, "survey.answered", LO + 8 * DAY, "c1", csat=5),  # the latest event of the range's contacts
    event(6, "contact.arrived", LO + 3 * DAY, "c2", customer_id="x"),  # can decide c1's FCR
    event(7, "contact.answered", LO + 3 * DAY + 60, "c2", agent_id="a1"),  # c2's, not an arrival
    event(8, "contact.arrived", LO + 14 * DAY, "c3", customer_id="x"),  # within the window of the survey
    event(9, "contact.arrived", LO + 16 * DAY, "c4", customer_id="x"),  # beyond it
    event(10, "contact.arrived", LO + 900, "c5", customer_id="y"),  # the next interval: outside the range
]


def test_the_archive_and_the_kafka_filter_read_the_same_events(tmp_path: Path, store_url: str | None) -> None:
    parsed: list[Event] = []
    for message in SCENARIO:
        found = parse_event(message)
        assert not isinstance(found, Rejection), found
        parsed.append(found)
    store = connect(store_url, tmp_path, "replay_reads")
    try:
        migrate(store)
        store.insert("raw_events", RAW_COLUMNS, [raw_row(Received(e, m, 0, n), LO) for n, (e, m) in
                                                 enumerate(zip(parsed, SCENARIO, strict=True))])  # fmt: skip
        archived = read_archive(store, LO, LO + 900, None)
        picked = {parsed[i].event_id for i in relevant(parsed, LO * 1_000_000, (LO + 900) * 1_000_000, None)}
        assert (
            {i.decode() for i in archived.event_ids}
            == picked
            == {"e002", "e003", "e004", "e005", "e006", "e008"}
        )
        # the routing keys read along put every event of customer x's contacts in one worker
        assert archived.routes is not None
        assert len(set(owners(*archived.routes, 64))) == 1
        assert len(read_archive(store, LO - 3 * DAY, LO - 3 * DAY + 900, None).payloads) == 0
    finally:
        store.close()
