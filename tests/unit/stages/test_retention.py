"""Retention of live state: quiet contacts and old rows are evicted, later events are late.

The law checked throughout: the rows written live equal ``cckpi compute`` of every event
except those recorded as late; nothing else is lost, and state stops growing.
"""

from __future__ import annotations

import random
from collections import deque
from datetime import UTC, datetime
from typing import Any

import msgspec
import orjson
import pytest

from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.engine.fcr import fcr_final
from streams.engine.retention import Retention
from streams.stages.contact_book import orphan_events
from streams.stages.contact_stage import ContactStage
from streams.stages.facts import decode_facts
from streams.stages.fcr_book import FcrBook
from streams.stages.fcr_stage import FcrStage
from streams.stages.output import StageOutput
from streams.storage.writer import inserts
from tests.helpers.events import abandoned, answered, arrived, ended, survey
from tests.helpers.stage_runs import PARTITIONS, FakeTables, msgspec_to_dict, partition_of

HOUR_US = 3_600_000_000


class LiveRun:
    """Both stages with a retention, fed in batches, writing to tables kept like FINAL reads them."""

    def __init__(
        self,
        hours: float,
        open_hours: float | None = None,
        partitions: int = PARTITIONS,
        lag_seed: int | None = None,
    ) -> None:
        """With ``lag_seed``, stage two takes fact messages as a lagging consumer would: each
        partition's in order, but the partitions drained unevenly, so one may run batches ahead."""
        retention = Retention(int(hours * HOUR_US), int((open_hours or hours) * HOUR_US))
        self.contacts = ContactStage(SlaSettings(), partitions, retention=retention)
        self.fcr = FcrStage(retention=retention, sources=partitions)
        self.partitions = partitions
        for p in range(partitions):
            self.contacts.restore(p, [])
            self.fcr.restore(p, [])
        self.tables = FakeTables()
        self.late: list[dict[str, Any]] = []
        self.offsets = [0] * partitions
        self.batches = 0
        self.lag = None if lag_seed is None else random.Random(lag_seed)
        self.queued: list[deque[bytes]] = [deque() for _ in range(partitions)]

    def feed(self, messages: list[bytes], batch: int = 300) -> None:
        for start in range(0, len(messages), batch):
            self.batches += 1
            records = []
            for payload in messages[start : start + batch]:
                p = partition_of(payload) % self.partitions
                records.append((p, self.offsets[p], payload))
                self.offsets[p] += 1
            writes = self.contacts.ingest(records, version=self.batches)
            self._written(writes)
            for p, message in writes.facts:
                self.queued[p].append(message)
            self._deliver(drain=self.lag is None)
        self._deliver(drain=True)

    def _deliver(self, drain: bool) -> None:
        """Hand stage two the queued fact messages: all of them, or a random share of each
        partition's oldest."""
        facts = []
        for p, queue in enumerate(self.queued):
            take = len(queue) if drain or self.lag is None else self.lag.choice((0, 0, 1, len(queue)))
            facts += [(p, 0, queue.popleft()) for _ in range(take)]
        if facts:
            self.batches += 1
            self._written(self.fcr.ingest(facts, version=self.batches))

    def _written(self, out: StageOutput) -> None:
        self.tables.write(out)
        self.late += [
            dict(zip(columns, row, strict=True))
            for table, columns, rows in inserts(out, "contact-events", 0)
            if table == "late_events"
            for row in rows
        ]

    def live_contacts(self) -> int:
        return sum(len(book.contacts) for book in self.contacts.books.values())

    def late_ids(self, stage: str = "contacts") -> set[str]:
        return {row["event_id"] for row in self.late if row["stage"] == stage}

    def orphan_ids(self) -> set[str]:
        """Events of contacts still waiting for their arrival: recorded late when evicted, which
        the stream may end before (a survey long after its contact was forgotten)."""
        orphans = [c for b in self.contacts.books.values() for c in b.contacts.values() if c.arrival is None]
        return {e.event_id for c in orphans for e in orphan_events(c)}


def without(messages: list[bytes], event_ids: set[str]) -> list[bytes]:
    return [m for m in messages if orjson.loads(m).get("event_id") not in event_ids]


@pytest.fixture(scope="module")
def day() -> list[bytes]:
    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    events = [e for _, e in Simulator(start, seed=5).events(datetime(2026, 11, 23, 14, tzinfo=UTC))]
    return [orjson.dumps(e) for e in events]


def test_state_stops_growing_and_rows_equal_compute_of_what_was_not_late(day: list[bytes]) -> None:
    run = LiveRun(1)
    run.feed(day)
    contacts = {orjson.loads(m).get("contact_id") for m in day} - {None}
    assert run.live_contacts() < 0.35 * len(contacts)  # eight hours seen, about one kept
    evicted = sum(book.horizon.evicted_contacts for book in run.contacts.books.values())
    assert evicted > 0.6 * len(contacts)
    assert not run.late_ids("fcr")
    counted = without(day, run.late_ids() | run.orphan_ids())  # orphans: late once evicted
    assert run.tables.rows() == compute_rows(read_events(counted, LineTally()))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_stage_two_partition_running_ahead_makes_nothing_late(day: list[bytes], seed: int) -> None:
    """Fact messages on one partition announce watermarks that facts still queued on another
    were accepted below: each partition's evictions must wait for its own messages' marks."""
    run = LiveRun(1, lag_seed=seed)
    batch = random.Random(seed).choice((700, 1500, 3000))  # batches spanning many minutes of events
    run.feed(day, batch)
    assert not run.late_ids("fcr")
    assert sum(book.horizon.evicted_contacts for book in run.fcr.books.values()) > 0
    counted = without(day, run.late_ids() | run.orphan_ids())
    assert run.tables.rows() == compute_rows(read_events(counted, LineTally()))


def test_a_sweep_leaves_nothing_that_may_leave(day: list[bytes]) -> None:
    """Sweeps visit only the contacts filed as due (streams.engine.expiry); after each, no contact
    that a pass over the whole book would evict is still kept, in either stage, and no row
    of an ended interval without live contacts stays unless it waits to be written."""
    run = LiveRun(1, open_hours=3)
    swept = 0
    for start in range(0, len(day), 300):
        books = [*run.contacts.books.values(), *run.fcr.books.values()]
        before = [book.horizon.next_sweep_us for book in books]
        run.feed(day[start : start + 300])
        for book, scheduled in zip(books, before, strict=True):
            horizon = book.horizon
            if horizon.next_sweep_us == scheduled:
                continue  # no sweep in this batch
            swept += 1
            if isinstance(book, FcrBook):
                kept = [f for f in book.facts.values() if horizon.quiet_since(f.last_event_us, f.still_open)
                        and fcr_final(f, horizon.cutoff_us)]  # fmt: skip
            else:
                kept = [c for c in book.contacts.values() if horizon.quiet(c)]
            assert not kept
            for grain, rows in book.totals.rows.items():
                for key in rows:
                    interval = key[3] - key[3] % 900
                    ended = (interval + 900) * 1_000_000 <= horizon.cutoff_us
                    assert not ended or interval in book.anchored or key in book.totals.dirty[grain]
    assert swept > 20
    assert run.tables.rows() == compute_rows(read_events(without(day, run.late_ids()), LineTally()))


def test_events_beyond_the_retention_are_late_and_only_those(day: list[bytes]) -> None:
    first_hours = ("T06", "T07")
    held = [m for i, m in enumerate(day) if i % 10 == 0 and b'"contact_id"' in m
            and any(f'{h}:'.encode() in m[:200] for h in first_hours)]  # fmt: skip
    held_ids = {orjson.loads(m)["event_id"] for m in held}
    on_time = without(day, held_ids)
    run = LiveRun(2, open_hours=6)
    run.feed(on_time)
    # Late so far: only the events of contacts whose arrival is held back (orphans for hours).
    held_arrivals = {orjson.loads(m)["contact_id"] for m in held if b'"contact.arrived"' in m}
    assert run.late and {row["contact_id"] for row in run.late} <= held_arrivals
    run.feed(held)  # six hours behind the watermark
    late = run.late_ids()
    late_contacts = {row["contact_id"] for row in run.late}
    assert all(
        orjson.loads(m)["contact_id"] in late_contacts for m in on_time if orjson.loads(m)["event_id"] in late
    )
    assert len(late & held_ids) > 0.8 * len(held_ids)
    assert {row["reason"] for row in run.late} <= {
        "contact evicted from live state",
        "contact quiet beyond the live retention",  # in the book until the batch's sweep
        "older than the live retention",
        "arrival older than the live retention",
        "no arrival within the live retention",
    }
    everything = compute_rows(read_events(day, LineTally()))
    assert run.tables.rows() != everything  # the late events matter
    assert run.tables.rows() == compute_rows(read_events(without(day, late), LineTally()))


def dumps(*events: Any) -> list[bytes]:
    return [orjson.dumps(msgspec_to_dict(e)) for e in events]


def ticks(start_s: int, end_s: int) -> list[bytes]:
    """Short abandoned calls every ten minutes: they move the watermark (one step per event)."""
    times = range(start_s, end_s + 1, 600)
    return dumps(*(e for t in times for e in (arrived(t, f"tick{t}", f"u{t}"), abandoned(t + 1, f"tick{t}"))))


def test_one_event_stamped_days_ahead_does_not_evict_live_state() -> None:
    run = LiveRun(1, partitions=1)
    run.feed(dumps(arrived(0, "c1"), answered(10, "c1"), ended(200, "c1")))
    run.feed(dumps(arrived(5 * 86_400, "wrong-clock", "u9")))
    assert ("acme", "c1") in run.contacts.books[0].contacts
    run.feed(dumps(survey(300, "c1", csat=4)))
    assert not run.late


def test_a_survey_for_an_evicted_contact_is_late_and_changes_no_row() -> None:
    run = LiveRun(1, partitions=1)
    run.feed(dumps(arrived(0, "c1"), answered(10, "c1"), ended(200, "c1")))
    run.feed(ticks(600, 3 * 3600))  # the watermark moves three hours on
    before = run.tables.rows()
    assert ("acme", "c1") not in run.contacts.books[0].contacts
    run.feed(dumps(survey(3 * 3600 + 5, "c1", csat=5)))
    assert [(r["contact_id"], r["reason"]) for r in run.late] == [("c1", "contact evicted from live state")]
    assert run.tables.rows() == before


def test_an_event_for_a_quiet_contact_not_yet_swept_is_late_all_the_same() -> None:
    """Sweeps run between batches: within one, a contact can be quiet beyond the retention
    and still in the book. Its event is late just as if the sweep had run first."""
    call = dumps(arrived(0, "c1"), answered(10, "c1"), ended(200, "c1"))
    run, without_survey = LiveRun(1, partitions=1), LiveRun(1, partitions=1)
    run.feed(call)
    run.feed(ticks(600, 2 * 3600) + dumps(survey(2 * 3600 + 5, "c1", csat=5)))  # one batch
    assert [(r["contact_id"], r["reason"]) for r in run.late] == [
        ("c1", "contact quiet beyond the live retention")
    ]
    assert ("acme", "c1") not in run.contacts.books[0].contacts  # the batch's sweep evicts it
    without_survey.feed(call)
    without_survey.feed(ticks(600, 2 * 3600))
    assert run.tables.rows() == without_survey.tables.rows()


def test_an_orphan_that_never_arrives_is_evicted_and_its_events_recorded_late() -> None:
    run = LiveRun(1, partitions=1)
    run.feed(dumps(answered(10, "ghost"), ended(300, "ghost")))
    run.feed(ticks(600, 2 * 3600))
    assert sorted(r["type"] for r in run.late) == ["contact.answered", "contact.ended"]
    assert {r["reason"] for r in run.late} == {"no arrival within the live retention"}
    run.feed(dumps(arrived(0, "ghost")))  # its arrival, finally: late as well
    assert run.late[-1]["reason"] == "contact evicted from live state"


def test_fcr_still_sees_the_arrivals_of_evicted_facts() -> None:
    """c2 (abandoned, so final at once) is evicted from stage two; c1's FCR window is still
    open, and a later change to c1 must still find c2's arrival after c1's end."""
    run = LiveRun(1, partitions=1)
    run.feed(dumps(arrived(0, "c1"), answered(5, "c1"), ended(300, "c1")))
    run.feed(dumps(arrived(600, "c2"), abandoned(620, "c2")))
    run.feed(ticks(900, 2 * 3600) + dumps(answered(2 * 3600 + 1, "c1")))  # c1 stays live
    run.feed(ticks(2 * 3600 + 600, 2 * 3600 + 600))  # stage two's clock: the marks before a batch
    book = run.fcr.books[0]
    assert ("acme", "c2") not in book.facts and ("acme", "c1") in book.facts
    assert run.tables.rows()[0].fcr_success == 0


def test_a_fact_decided_again_still_sees_the_arrival_of_an_evicted_one() -> None:
    """m ended, then p (same customer) arrived, so m is no first-contact resolution. p leaves
    stage two long before m's window closes; when the customer's open email changes later,
    m is decided again and must still count p's arrival."""
    run = LiveRun(1, open_hours=6, partitions=1)
    fed = dumps(arrived(0, "mail", channel="email"), arrived(10, "m"), answered(20, "m"), ended(300, "m"))
    fed += dumps(arrived(600, "p"), abandoned(620, "p")) + ticks(900, 3 * 3600)
    fed += dumps(answered(3 * 3600 + 700, "mail", channel="email"))  # the customer is decided again
    for start in range(0, len(fed), 4):
        run.feed(fed[start : start + 4])
    book = run.fcr.books[0]
    assert ("acme", "p") not in book.facts and ("acme", "m") in book.facts
    assert not run.late
    assert run.tables.rows() == compute_rows(read_events(fed, LineTally()))


def test_a_new_arrival_older_than_the_cutoff_is_late_not_a_fresh_row() -> None:
    run = LiveRun(1, partitions=1)
    run.feed(dumps(arrived(0, "c1"), answered(5, "c1"), ended(100, "c1")))
    run.feed(ticks(600, 3 * 3600))
    before = run.tables.rows()
    run.feed(dumps(arrived(50, "c9", "u9")))  # its interval's row is evicted: no restart from zero
    assert [(r["contact_id"], r["reason"]) for r in run.late] == [("c9", "older than the live retention")]
    assert run.tables.rows() == before


def test_an_email_waiting_longer_than_the_retention_stays_live_while_open() -> None:
    run = LiveRun(1, open_hours=48, partitions=1)
    run.feed(dumps(arrived(0, "mail", channel="email"), arrived(60, "call"), abandoned(70, "call")))
    run.feed(ticks(600, 20 * 3600))
    assert ("acme", "mail") in run.contacts.books[0].contacts  # open: kept
    assert ("acme", "call") not in run.contacts.books[0].contacts  # closed and quiet: evicted
    run.feed(dumps(answered(20 * 3600 + 5, "mail", channel="email")))
    assert not run.late
    mail = next(
        r
        for r in run.tables.rows()
        if r.channel == "email" and r.interval_start.startswith("2026-11-23T09:00")
    )
    assert mail.answered == 1


def test_retention_settings_name_the_field_and_the_problem() -> None:
    from pydantic import ValidationError

    from streams.settings import Settings

    with pytest.raises(ValidationError, match="retention_hours"):
        Settings(retention_hours=0)
    with pytest.raises(ValidationError, match="CCKPI_OPEN_RETENTION_HOURS=2 must be at least"):
        Settings(retention_hours=3, open_retention_hours=2)
    assert Settings(retention_hours=1.5).retention() == Retention(int(1.5 * HOUR_US), 336 * HOUR_US)


def test_stage_two_restored_ahead_of_its_facts_takes_them_as_the_duplicates_they_are() -> None:
    """Stage two restores a partition when its first fact message comes, from the contacts
    stage one has stored by then: state that may be ahead of the facts still queued for it. A
    contact closed in that state is quiet and final, and the restore's first sweep evicts it;
    the queued facts that led there must not be recorded late: they bring nothing new."""
    run = LiveRun(1, open_hours=6, partitions=1)
    run.feed(dumps(arrived(0, "c1", channel="email")) + ticks(600, 3 * 3600))  # open: kept live
    assert ("acme", "c1") in run.contacts.books[0].contacts
    queued = []
    for held in (answered(10, "c1", channel="email"), ended(300, "c1", channel="email", resolved=False)):
        out = run.contacts.ingest([(0, run.offsets[0], *dumps(held))], version=run.batches + 1)
        run.offsets[0] += 1
        run.batches += 1
        run.tables.write(out)
        queued += out.fact_records()
    assert len(queued) == 2 and not run.late
    stored = run.fcr.books[0].horizon.watermark_us
    run.fcr = FcrStage(retention=run.fcr.retention, sources=1)  # a new worker's stage two
    run.fcr.restore(0, run.tables.contacts_of("customer_partition", 0), stored)
    for record in queued:  # one message a batch: the first batch's sweep evicts the closed contact
        run.batches += 1
        run._written(run.fcr.ingest([record], version=run.batches))
    assert ("acme", "c1") not in run.fcr.books[0].facts
    assert not run.late_ids("fcr"), run.late
    # A view that does add something (here an earlier end, resolved) is late, as before.
    marks, (fact,) = decode_facts(queued[-1][2])
    fact.ended_us, fact.resolved = fact.ended_us - 1, True
    run._written(
        run.fcr.ingest(
            [(0, 0, msgspec.json.encode({"v": 2, "marks": sorted(marks.items()), "facts": [fact]}))],
            version=99,
        )
    )
    assert [r["reason"] for r in run.late] == ["contact evicted from live FCR state"]
