"""The two stages of the live pipeline as plain objects: records in, rows and facts out.

No Kafka and no ClickHouse here: the Faust agents feed these and do the I/O, so the
stream and a test run the very same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import AgentState, parse_events
from streams.agents import AgentBoard
from streams.book import ContactBook
from streams.contacts import ContactState
from streams.facts import decode_facts, encode_facts, fact_of
from streams.fcr import FCR_WINDOW_US, FcrBook
from streams.retention import LateEvent, Retention
from streams.storage import (
    agent_row,
    contact_row,
    customer_partition,
    kpi_rows,
    kpi_table,
    late_row,
    raw_row,
    sla_target_row,
    watermark_row,
)
from streams.totals import GRAINS, RowTotals

Record = tuple[int, int, bytes]  # partition, offset, message value
FACTS_PER_MESSAGE = 2000  # ~0.5 MB: under the broker's and producer's message size limits


@dataclass
class DeadLetter:
    partition: int
    offset: int
    payload: bytes
    reason: str


@dataclass
class Writes:
    """Everything one batch must make durable before its offsets are committed."""

    tables: dict[str, list[list[Any]]] = field(default_factory=lambda: defaultdict(list))
    dead_letters: list[DeadLetter] = field(default_factory=list)
    facts: list[tuple[int, bytes]] = field(default_factory=list)  # (stage-two partition, message)

    def add_late(self, late: Sequence[LateEvent], stage: str, watermark_us: int, now_s: int) -> None:
        self.tables["late_events"].extend(late_row(e, stage, watermark_us, now_s) for e in late)

    def add_watermarks(
        self, stage: str, before: dict[int, int], after: dict[int, int], ends: dict[int, int], version: int
    ) -> None:
        """Each partition's watermark before and after the batch, and the offset after it."""
        self.tables["stage_watermarks"].extend(
            watermark_row(stage, p, before[p], after[p], ends[p], version) for p in sorted(ends)
        )

    def add_totals(self, totals: RowTotals, source: str, version: int) -> None:
        for grain in totals.grains:
            changed = totals.take_dirty(grain)
            if changed:
                self.tables[kpi_table(grain, totals.columns)].extend(kpi_rows(changed, source, version))


def batch_ends(records: Sequence[Record]) -> dict[int, int]:
    """The offset after each partition's last record."""
    return {partition: offset + 1 for partition, offset, _ in records}  # offsets rise per partition


def batch_starts(records: Sequence[Record]) -> dict[int, int]:
    """Each partition's first offset in the records."""
    starts: dict[int, int] = {}
    for partition, offset, _ in records:
        starts.setdefault(partition, offset)
    return starts


class ContactStage:
    """Stage one: validate, archive, merge contacts, count rows; forward FCR facts."""

    name = "contacts"  # as its watermarks are stored
    partition_column = "kafka_partition"  # of the contacts table: the partitions it restores

    def __init__(
        self,
        sla: SlaSettings,
        partitions: int,
        grains: tuple[int, ...] = GRAINS,
        retention: Retention | None = None,
    ) -> None:
        self.sla = sla
        self.partitions = partitions
        self.grains = grains
        self.retention = retention
        self.books: dict[int, ContactBook] = {}
        self.agents = AgentBoard()
        self.valid = 0
        self.rejected = 0
        self.watermark_us = 0  # the latest event time seen: "now" for live views
        self._targets_written: set[tuple[str, str, str]] = set()

    @property
    def keeps(self) -> Retention | None:
        """How far back of its watermark the stage keeps contacts (None: all)."""
        return self.retention

    def loaded(self, partition: int) -> bool:
        return partition in self.books

    def restore(self, partition: int, contacts: Sequence[ContactState], watermark_us: int = 0) -> None:
        """Start a partition from the states stored for it (empty on a first run), at the
        watermark stored with them."""
        book = self.books[partition] = ContactBook(self.sla.thresholds, self.grains, self.retention)
        book.horizon.watermark_us = watermark_us
        for contact in contacts:
            book.restore(contact)
        for grain in self.grains:  # stored rows already hold these sums
            book.totals.dirty[grain].clear()
        # Forward every recent restored contact to stage two again: a previous owner may have
        # written one and stopped before its fact was delivered. Stage two merges duplicates.
        cutoff = book.horizon.cutoff_us
        book.fcr_changed.update(
            key for key, c in book.contacts.items() if c.arrival is not None and c.last_event_us >= cutoff
        )

    def drop(self, partition: int) -> None:
        self.books.pop(partition, None)

    def _write_new_targets(self, book: ContactBook, writes: Writes, version: int) -> None:
        """The first time a (client, queue, channel) shows up, store the targets in force."""
        for client, queue, channel, _ in book.totals.dirty[book.totals.grains[0]]:
            key = (client, queue, channel)
            if key not in self._targets_written:
                self._targets_written.add(key)
                writes.tables["sla_targets"].append(sla_target_row(self.sla, *key, version))

    def ingest(self, records: Sequence[Record], now_s: int, version: int) -> Writes:
        writes = Writes()
        raw = writes.tables["raw_events"]
        touched: set[int] = set()
        by_target: dict[int, list[ContactState]] = defaultdict(list)
        # Watermarks before the batch: every fact in it was accepted at or after these.
        marks = {p: book.horizon.watermark_us for p, book in self.books.items()}
        parsed = parse_events([payload for _, _, payload in records])
        for (partition, offset, payload), event in zip(records, parsed, strict=True):
            if isinstance(event, Rejection):
                self.rejected += 1
                writes.dead_letters.append(DeadLetter(partition, offset, payload, event.reason))
                continue
            self.valid += 1
            if event.occurred_us > self.watermark_us:
                self.watermark_us = event.occurred_us
            raw.append(raw_row(event, payload, partition, offset, now_s))
            if isinstance(event, AgentState):
                self.agents.apply(event)
            else:
                self.books[partition].apply(event)
                touched.add(partition)
        pending_facts = {p for p, book in self.books.items() if book.fcr_changed}
        for partition in sorted(touched | pending_facts):
            book = self.books[partition]
            book.settle()
            writes.tables["contacts"].extend(
                contact_row(c, version, partition, self.partitions) for c in book.take_changed()
            )
            self._write_new_targets(book, writes, version)
            writes.add_totals(book.totals, f"contacts/{partition}", version)
            for contact in book.take_fcr_changed():
                assert contact.arrival is not None
                target = customer_partition(contact.client, contact.arrival.customer_id, self.partitions)
                by_target[target].append(contact)
            book.sweep()  # after its rows and changes are taken: they are written first
            writes.add_late(book.horizon.take_late(), "contacts", book.horizon.watermark_us, now_s)
        for target, contacts in sorted(by_target.items()):  # few, bounded messages per batch
            for start in range(0, len(contacts), FACTS_PER_MESSAGE):
                writes.facts.append(
                    (target, encode_facts(contacts[start : start + FACTS_PER_MESSAGE], marks))
                )
        writes.tables["agent_states"].extend(agent_row(s) for s in self.agents.take_changed())
        after = {p: book.horizon.watermark_us for p, book in self.books.items()}
        writes.add_watermarks(self.name, marks, after, batch_ends(records), version)
        return writes


class FcrStage:
    """Stage two: FCR per customer partition, from the facts stage one forwards.

    Its clock is the slowest stage-one partition's watermark: facts from a partition that
    lags must not find their contacts evicted by the pace of another. Until every source
    has reported, nothing is evicted.
    """

    name = "fcr"
    partition_column = "customer_partition"

    def __init__(
        self, grains: tuple[int, ...] = GRAINS, retention: Retention | None = None, sources: int = 1
    ) -> None:
        self.grains = grains
        self.retention = retention
        self.sources = sources
        self.marks: dict[int, int] = {}  # stage-one partition -> its latest watermark
        self.books: dict[int, FcrBook] = {}

    @property
    def keeps(self) -> Retention | None:
        """Stage two keeps a fact until its FCR window has closed too."""
        retention = self.retention
        if retention is None:
            return None
        return Retention(retention.closed_us + FCR_WINDOW_US, retention.open_us + FCR_WINDOW_US)

    @property
    def clock_us(self) -> int:
        return min(self.marks.values()) if len(self.marks) >= self.sources else 0

    def loaded(self, partition: int) -> bool:
        return partition in self.books

    def restore(self, partition: int, contacts: Sequence[ContactState], watermark_us: int = 0) -> None:
        """Start a customer partition from the contacts stored for it, at its stored watermark."""
        book = self.books[partition] = FcrBook(grains=self.grains, retention=self.retention)
        book.horizon.watermark_us = watermark_us
        for contact in contacts:
            if contact.arrival is not None:
                book.apply(fact_of(contact), restoring=True)
        book.settle()
        # Rows stay dirty: storage may hold facts stage two had not yet counted.

    def drop(self, partition: int) -> None:
        self.books.pop(partition, None)

    def ingest(self, records: Sequence[Record], version: int, now_s: int = 0) -> Writes:
        writes = Writes()
        touched = set()
        before = {p: book.horizon.watermark_us for p, book in self.books.items()}
        for partition, _offset, payload in records:
            book = self.books[partition]
            marks, facts = decode_facts(payload)
            for source, watermark in marks.items():
                self.marks[source] = max(self.marks.get(source, 0), watermark)
            book.horizon.see(self.clock_us)
            for fact in facts:
                book.apply(fact)
            touched.add(partition)
        for partition in sorted(touched):
            book = self.books[partition]
            book.settle()
            writes.add_totals(book.totals, f"fcr/{partition}", version)
            book.sweep()
            writes.add_late(book.horizon.take_late(), "fcr", book.horizon.watermark_us, now_s)
        after = {p: book.horizon.watermark_us for p, book in self.books.items()}
        writes.add_watermarks(self.name, before, after, batch_ends(records), version)
        return writes
