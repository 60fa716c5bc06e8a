"""Stage one of the live pipeline: validate, archive, merge contacts, count rows; forward FCR facts.

No Kafka and no ClickHouse here: the worker feeds it records and makes its output durable,
so the stream and a test run the very same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import AgentState, parse_events
from streams.engine.agent_states import AgentBoard
from streams.engine.contacts import ContactState
from streams.engine.fcr import customer_partition
from streams.engine.retention import Retention
from streams.engine.totals import GRAINS
from streams.stages.contact_book import ContactBook
from streams.stages.facts import encode_facts
from streams.stages.output import (
    ChangedContact,
    DeadLetter,
    Received,
    Record,
    StageOutput,
    TargetsInForce,
    batch_ends,
)

FACTS_PER_MESSAGE = 2000  # ~0.5 MB: under the broker's and producer's message size limits


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

    def _changed(self, contact: ContactState, partition: int) -> ChangedContact:
        arrival = contact.arrival
        stage_two = customer_partition(contact.client, arrival.customer_id, self.partitions) if arrival else 0
        return ChangedContact(contact.snapshot(), partition, stage_two)

    def _new_targets(self, book: ContactBook, out: StageOutput) -> None:
        """The first time a (client, queue, channel) shows up, store the targets in force."""
        for client, queue, channel, _ in book.totals.dirty[book.totals.grains[0]]:
            key = (client, queue, channel)
            if key not in self._targets_written:
                self._targets_written.add(key)
                thresholds, formula = self.sla.thresholds(*key), self.sla.formula(client)
                out.targets.append(TargetsInForce(client, queue, channel, thresholds, formula))

    def ingest(self, records: Sequence[Record], now_s: int, version: int) -> StageOutput:
        out = StageOutput(version, now_s)
        received = out.received
        touched: set[int] = set()
        by_target: dict[int, list[ContactState]] = defaultdict(list)
        # Watermarks before the batch: every fact in it was accepted at or after these.
        marks = {p: book.horizon.watermark_us for p, book in self.books.items()}
        parsed = parse_events([payload for _, _, payload in records])
        for (partition, offset, payload), event in zip(records, parsed, strict=True):
            if isinstance(event, Rejection):
                self.rejected += 1
                out.dead_letters.append(DeadLetter(partition, offset, payload, event.reason))
                continue
            self.valid += 1
            if event.occurred_us > self.watermark_us:
                self.watermark_us = event.occurred_us
            received.append(Received(event, payload, partition, offset))
            if isinstance(event, AgentState):
                self.agents.apply(event)
            else:
                self.books[partition].apply(event)
                touched.add(partition)
        pending_facts = {p for p, book in self.books.items() if book.fcr_changed}
        for partition in sorted(touched | pending_facts):
            book = self.books[partition]
            book.settle()
            out.contacts.extend(self._changed(c, partition) for c in book.take_changed())
            self._new_targets(book, out)
            out.add_totals(book.totals, f"contacts/{partition}")
            for contact in book.take_fcr_changed():
                assert contact.arrival is not None
                target = customer_partition(contact.client, contact.arrival.customer_id, self.partitions)
                by_target[target].append(contact)
            book.sweep()  # after its rows and changes are taken: they are written first
            out.add_late(book.horizon.take_late(), self.name, book.horizon.watermark_us)
        for target, contacts in sorted(by_target.items()):  # few, bounded messages per batch
            for start in range(0, len(contacts), FACTS_PER_MESSAGE):
                out.facts.append((target, encode_facts(contacts[start : start + FACTS_PER_MESSAGE], marks)))
        out.agents.extend(self.agents.take_changed())
        after = {p: book.horizon.watermark_us for p, book in self.books.items()}
        out.add_marks(self.name, marks, after, batch_ends(records))
        return out
