"""What a stage hands back for one batch: domain objects, not table rows.

Everything in it must be durable before the batch's offsets are committed; how each kind maps
to ClickHouse columns is ``streams.storage.schema.tables``' business alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from schemas.sla import Thresholds
from schemas.wire import AgentState, ContactEvent
from streams.engine.agent_states import AgentStatus
from streams.engine.contacts import ContactState
from streams.engine.retention import LateEvent
from streams.engine.totals import RowKey, RowTotals

Record = tuple[int, int, bytes]  # partition, offset, message value


class DeadLetter(NamedTuple):
    partition: int
    offset: int
    payload: bytes
    reason: str


class Received(NamedTuple):
    """A valid event as it arrived: the raw archive ops replay from."""

    event: ContactEvent | AgentState
    payload: bytes
    partition: int
    offset: int


class Superseded(NamedTuple):
    """An archived copy of an event that a copy with other content and a smaller SHA-256 replaced
    (kpis.md, conflicting duplicates): its dead letter is made from the archive, where its bytes are."""

    client: str
    event_id: str
    rank: int  # the first 64 bits of its SHA-256: which archived copy it is


class ChangedContact(NamedTuple):
    contact: ContactState  # a snapshot: the live state goes on changing while this is written
    partition: int  # the stage-one partition that owns it
    customer_partition: int  # stage two's partition for its customer (0 before it arrived)


class TargetsInForce(NamedTuple):
    """The SLA targets of a (client, queue, channel), stored the first time it shows up."""

    client: str
    queue: str
    channel: str
    thresholds: Thresholds
    formula: str
    max_lag: int  # the pipeline alert limits in force, stored beside each lane for Grafana's rules
    max_dead_letters_15m: int


class Late(NamedTuple):
    event: LateEvent
    stage: str
    watermark_us: int


class StageMark(NamedTuple):
    """A partition's watermark before and after the batch, and the offset after it."""

    stage: str
    partition: int
    before_us: int
    after_us: int
    next_offset: int


class RowChanges(NamedTuple):
    """Rows a batch changed at one grain: their full vectors (of ``columns``) as they stand."""

    grain: int
    columns: tuple[str, ...]
    source: str  # whose partial sums these are: "contacts/2", "fcr/0"
    rows: list[tuple[RowKey, tuple[int, ...]]]
    kind: str = "kpi"  # or "reasons", "agents": rows of another table


@dataclass
class StageOutput:
    """One batch's results, made at ``now_s`` (wall clock) and stored under ``version``."""

    version: int
    now_s: int
    received: list[Received] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    superseded: list[Superseded] = field(default_factory=list)
    late: list[Late] = field(default_factory=list)
    targets: list[TargetsInForce] = field(default_factory=list)
    kpi: list[RowChanges] = field(default_factory=list)
    agents: list[AgentStatus] = field(default_factory=list)
    contacts: list[ChangedContact] = field(default_factory=list)
    marks: list[StageMark] = field(default_factory=list)
    facts: list[tuple[int, bytes]] = field(default_factory=list)  # (stage-two partition, message)
    latest: list[tuple[str, int]] = field(default_factory=list)  # (client, latest event time us)

    def fact_records(self) -> list[Record]:
        """The facts as stage two would read them off the facts topic, for a run with no broker
        between the stages (offset 0: such a run has no offsets to resume from)."""
        return [(partition, 0, message) for partition, message in self.facts]

    def add_late(self, late: Sequence[LateEvent], stage: str, watermark_us: int) -> None:
        self.late.extend(Late(e, stage, watermark_us) for e in late)

    def add_marks(
        self, stage: str, before: dict[int, int], after: dict[int, int], ends: dict[int, int]
    ) -> None:
        self.marks.extend(StageMark(stage, p, before[p], after[p], ends[p]) for p in sorted(ends))

    def add_totals(self, totals: RowTotals, source: str, kind: str = "kpi") -> None:
        """The rows changed since the last call, copied: the totals go on changing while this
        batch is written."""
        for grain in totals.grains:
            changed = totals.take_dirty(grain)
            if changed:
                rows = [(key, tuple(vector)) for key, vector in changed]
                self.kpi.append(RowChanges(grain, totals.columns, source, rows, kind))


def batch_ends(records: Sequence[Record]) -> dict[int, int]:
    """The offset after each partition's last record."""
    return {partition: offset + 1 for partition, offset, _ in records}  # offsets rise per partition


def batch_starts(records: Sequence[Record]) -> dict[int, int]:
    """Each partition's first offset in the records."""
    starts: dict[int, int] = {}
    for partition, offset, _ in records:
        starts.setdefault(partition, offset)
    return starts
