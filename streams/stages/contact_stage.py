"""Stage one of the live pipeline: validate, archive, merge contacts, count rows; forward FCR facts.

No Kafka and no ClickHouse here: the worker feeds it records and makes its output durable,
so the stream and a test run the very same code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import AgentState, Event, parse_events
from streams.engine.agent_states import AgentBoard
from streams.engine.agent_time import AgentKey
from streams.engine.contact_copies import Verdict, digest_of, rank_of
from streams.engine.contacts import ContactState
from streams.engine.copies import CONFLICT_REASON
from streams.engine.fcr import customer_partition
from streams.engine.intervals import INTERVAL_S, US_PER_S
from streams.engine.retention import Retention
from streams.engine.totals import GRAINS, Lane
from streams.stages.contact_book import ContactBook
from streams.stages.facts import encode_facts
from streams.stages.now import waiting_now
from streams.stages.output import (
    ChangedContact,
    DeadLetter,
    Received,
    Record,
    StageOutput,
    Superseded,
    TargetsInForce,
    batch_ends,
)
from streams.stages.stage import PartitionBooks

NEVER_AHEAD = 1 << 62  # no event is stamped later than this
# The stored time columns (ClickHouse DateTime) hold 1970-01-01 up to 2106-02-07 06:28:15: an event
# stamped outside (a producer's zero time, 0001-01-01, is one) could be written only wrong, or not
# at all, and a write that fails is retried for ever.
STORED_UNTIL_US = (1 << 32) * US_PER_S
STORED_RANGE_REASON = "occurred_at outside 1970-01-01 … 2106-02-07, the times the stored columns hold"
FACTS_PER_MESSAGE = 2000  # ~0.5 MB: under the broker's and producer's message size limits


def future_reason(ahead_us: int | None) -> str:
    """Why an event stamped ahead of the worker's clock is a dead letter."""
    ahead_s = (ahead_us or 0) / US_PER_S
    return f"occurred_at more than {ahead_s:g} s ahead of the worker's clock (CCKPI_MAX_FUTURE_S)"


def refusal(event: Event | Rejection, clock_us: int, ahead_us: int | None) -> str:
    """Why a message the live stage does not take is a dead letter: the contract's reason, else
    a time ahead of the clock (``clock_us``) or outside what the store holds."""
    if isinstance(event, Rejection):
        return event.reason
    return future_reason(ahead_us) if event.occurred_us > clock_us else STORED_RANGE_REASON


def agent_time_source(partition: int) -> str:
    """The source of a partition's agent state-time rows: one owner, rewritten whole on restore."""
    return f"agents/{partition}"


class _BatchArchive:
    """What a batch archives: every valid event as received, but of each contact event id only
    the copy that counts (a copy replaced within the batch, which is rare, is never written)."""

    def __init__(self) -> None:
        self.kept: list[Received] = []

    def drop(self, client: str, event_id: str) -> Received | None:
        """Take back the copy of an event id kept in this batch, if any (the latest)."""
        kept = self.kept
        for at in range(len(kept) - 1, -1, -1):
            event = kept[at].event
            if event.event_id == event_id and event.client == client and not isinstance(event, AgentState):
                return kept.pop(at)
        return None


class ContactStage(PartitionBooks[ContactBook]):
    """Stage one: validate, archive, merge contacts, count rows; forward FCR facts."""

    name = "contacts"  # as its watermarks are stored
    partition_column = "kafka_partition"  # of the contacts table: the partitions it restores
    restores_agents = True

    def __init__(
        self,
        sla: SlaSettings,
        partitions: int,
        grains: tuple[int, ...] = GRAINS,
        retention: Retention | None = None,
        max_future_us: int | None = None,
    ) -> None:
        super().__init__()
        self.sla = sla
        self.max_future_us = max_future_us  # how far ahead of the clock an event may be stamped
        self.partitions = partitions
        self.grains = grains
        self.retention = retention
        self.agents = AgentBoard()
        self.valid = 0
        self.rejected = 0
        self.watermark_us = 0  # the latest event time seen: "now" for live views
        self.latest_us: dict[str, int] = {}  # per client: how long agents' open states last
        self._targets_written: set[tuple[str, str, str]] = set()
        self._changes = 0  # batches and restores: what the waiting-now memo depends on
        self._waiting: tuple[tuple[int, int], dict[Lane, dict[str, float]]] | None = None

    def waiting(self, now_us: int) -> dict[Lane, dict[str, float]]:
        """Contacts waiting at ``now_us`` per lane, scanned once per batch and "now": the alert
        evaluation and every wallboard poll ask, and each scan walks every open contact."""
        key = (self._changes, now_us)
        if self._waiting is None or self._waiting[0] != key:
            self._waiting = (key, waiting_now(list(self.books.values()), now_us))
        return self._waiting[1]

    @property
    def keeps(self) -> Retention | None:
        """How far back of its watermark the stage keeps contacts (None: all)."""
        return self.retention

    def restore(
        self,
        partition: int,
        contacts: Sequence[ContactState],
        watermark_us: int = 0,
        agent_events: Sequence[tuple[AgentState, bytes]] = (),
        latest_us: Mapping[str, int] | None = None,
        agent_rows: Sequence[AgentKey] = (),
    ) -> None:
        """Start a partition from the states stored for it (empty on a first run), at the
        watermark stored with them, the agent changes of its archive, the latest event time
        stored per client and the keys of its agent state-time rows stored from the floor on."""
        self._changes += 1
        book = self.books[partition] = ContactBook(self.sla.thresholds, self.grains, self.retention)
        book.horizon.watermark_us = watermark_us
        book.hold_floor()
        for contact in contacts:
            book.restore(contact)
            self._saw(contact.client, contact.last_event_us)
        for client, at_us in (latest_us or {}).items():
            self._saw(client, at_us)
        for event, payload in agent_events:  # the board too: alerts and the wallboard read it
            rank, digest = rank_of(payload), digest_of(event)
            verdict, _ = book.apply_agent(event, restoring=True, rank=rank, digest=digest)
            if verdict in (Verdict.NEW, Verdict.WINS):
                self.agents.apply(event, replaces=verdict is Verdict.WINS)
            self._saw(event.client, event.occurred_us)
        self.watermark_us = max(self.watermark_us, *self.latest_us.values(), 0)  # "now" for live views
        # The restored agents stay changed: their agent_states rows are written again with the
        # next batch, since a kill may have come between the archive and those rows.
        self._advance_agents(set(self.latest_us))
        # A batch that stopped after its agent rows but before archiving its agent events may
        # have left rows this clock never makes (an open state carried past a change not yet
        # read): every stored row is written again, zero where the clock has no time.
        for client, queue, agent_id, start_s in agent_rows:
            book.agent_time.touch((client, queue, agent_id, start_s * US_PER_S))
        for totals in (book.totals, book.reasons, book.agents):  # stored rows hold these sums
            for grain in totals.grains:
                totals.dirty[grain].clear()
        # Agents' state time is written again (its dirty rows stay): the stored rows may have
        # lasted until another latest event than the one known now.
        # Forward every recent restored contact to stage two again: a previous owner may have
        # written one and stopped before its fact was delivered. Stage two merges duplicates.
        cutoff = book.horizon.cutoff_us
        book.fcr_changed.update(
            key for key, c in book.contacts.items() if c.arrival is not None and c.last_event_us >= cutoff
        )

    def _saw(self, client: str, at_us: int) -> None:
        if client not in self.latest_us or at_us > self.latest_us[client]:  # before 1970 too
            self.latest_us[client] = at_us

    def _advance_agents(self, clients: set[str]) -> None:
        """Agents' open states last until their client's latest event, in every partition."""
        for client in clients:
            latest = self.latest_us.get(client, 0)
            for book in self.books.values():
                book.clock.advance(client, latest, book.clock_floor_us)

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
                limits = self.sla.config.alerting
                out.targets.append(TargetsInForce(
                    client, queue, channel, thresholds, formula, limits.max_lag, limits.max_dead_letters_15m
                ))  # fmt: skip

    def _merge_copy(self, out: StageOutput, archive: _BatchArchive, copy: Received) -> None:
        """Merge a contact event as received, settling it against the other copies of its id
        (``streams.engine.contact_copies``): a losing copy is a dead letter and never archived; a
        winning one replaces the copy that counted, whose dead letter comes from this batch, or
        from the archive when an earlier batch archived it."""
        event, book = copy.event, self.books[copy.partition]
        rank = rank_of(copy.payload)
        if isinstance(event, AgentState):
            verdict, against = book.apply_agent(event, rank=rank, digest=digest_of(event))
            if verdict in (Verdict.NEW, Verdict.WINS) and not book.horizon.beyond(event.occurred_us):
                self.agents.apply(event, replaces=verdict is Verdict.WINS)
        else:
            verdict, against = book.apply_copy(event, rank, digest_of(event))
        if verdict is Verdict.NEW:  # nearly every event: archived, nothing to settle
            archive.kept.append(copy)
            return
        if verdict is Verdict.LOSES:
            self.rejected += 1
            out.dead_letters.append(DeadLetter(copy.partition, copy.offset, copy.payload, CONFLICT_REASON))
            return
        if verdict is Verdict.WINS:
            replaced = archive.drop(event.client, event.event_id)
            if replaced is None:
                out.superseded.append(Superseded(event.client, event.event_id, against))
            else:
                out.dead_letters.append(
                    DeadLetter(replaced.partition, replaced.offset, replaced.payload, CONFLICT_REASON)
                )
        if verdict is Verdict.LOST_AGAIN or (verdict is Verdict.SAME and rank > against):
            return  # a dead letter already, or a duplicate in greater bytes: the archive has it
        if verdict is Verdict.SAME and rank < against:  # the counting content in smaller bytes
            archive.drop(event.client, event.event_id)
        archive.kept.append(copy)

    def ingest(self, records: Sequence[Record], *, version: int, now_s: int = 0) -> StageOutput:
        """Merge a batch of messages (partition, offset, value) read from the source topic.

        Each valid event goes into its contact (or its agent's clock and the agents' board), once
        per event id, in any order; a copy of a known id with other bytes is settled against it
        (``streams.engine.contact_copies``). What is not an event, or is stamped more than
        ``max_future_us`` after ``now_s`` (the worker's clock), is a dead letter with its reason.
        Returns everything the batch changed: KPI, reason and agent rows at every grain, the
        contacts' states, the agents' latest states, the archive's new copies, the dead letters,
        late events, the FCR facts for stage two (per customer partition) and the watermarks,
        all stored under ``version`` (a later version of a row replaces an earlier one).
        """
        self._changes += 1
        out = StageOutput(version, now_s)
        archive = _BatchArchive()
        touched: set[int] = set()
        clients: set[str] = set()
        by_target: dict[int, list[ContactState]] = defaultdict(list)
        # Watermarks before the batch: every fact in it was accepted at or after these.
        marks = {p: book.horizon.watermark_us for p, book in self.books.items()}
        for book in self.books.values():
            book.hold_floor()
        parsed = parse_events([payload for _, _, payload in records])
        ahead = self.max_future_us
        clock_us = NEVER_AHEAD if ahead is None else now_s * US_PER_S + ahead
        latest_us = min(clock_us, STORED_UNTIL_US - 1)
        for (partition, offset, payload), event in zip(records, parsed, strict=True):
            if isinstance(event, Rejection) or not 0 <= event.occurred_us <= latest_us:
                reason = refusal(event, clock_us, ahead)
                self.rejected += 1
                out.dead_letters.append(DeadLetter(partition, offset, payload, reason))
                continue
            self.valid += 1
            if event.occurred_us > self.watermark_us:
                self.watermark_us = event.occurred_us
            self._saw(event.client, event.occurred_us)
            clients.add(event.client)
            touched.add(partition)
            self._merge_copy(out, archive, Received(event, payload, partition, offset))
        out.received = archive.kept
        self._advance_agents(clients)
        out.latest.extend((client, self.latest_us[client]) for client in sorted(clients))
        pending_facts = {p for p, book in self.books.items() if book.fcr_changed}
        moved_agents = {p for p, book in self.books.items() if book.agent_time.dirty[INTERVAL_S]}
        for partition in sorted(touched | pending_facts | moved_agents):
            book = self.books[partition]
            book.settle()
            out.contacts.extend(self._changed(c, partition) for c in book.take_changed())
            self._new_targets(book, out)
            out.add_totals(book.totals, f"contacts/{partition}")
            out.add_totals(book.reasons, f"contacts/{partition}", "reasons")
            out.add_totals(book.agents, f"contacts/{partition}", "agents")
            out.add_totals(book.agent_time, agent_time_source(partition), "agents")
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
