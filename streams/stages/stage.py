"""What every live stage is to the worker: partitions it restores from storage, drops on a
rebalance, and batches of records it turns into the rows and messages to make durable.

The worker (``streams.worker``) and the storage reads (``streams.storage.state_reads.load_state``)
handle stage one and stage two through this interface alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Generic, Protocol, TypeVar

from schemas.wire import AgentState
from streams.engine.agent_time import AgentKey
from streams.engine.contacts import ContactState
from streams.engine.retention import Retention
from streams.stages.output import Record, StageOutput

B = TypeVar("B")


class Stage(Protocol):
    """A live stage: restored per partition, then fed batches."""

    name: str  # as its watermarks are stored
    partition_column: str  # of the contacts table: the partitions it restores
    restores_agents: bool  # stage one counts agents' state time: it needs their changes back

    @property
    def keeps(self) -> Retention | None:
        """How far back of its watermark the stage keeps contacts (None: all)."""
        ...

    def loaded(self, partition: int) -> bool: ...

    def restore(
        self,
        partition: int,
        contacts: Sequence[ContactState],
        watermark_us: int = 0,
        agent_events: Sequence[tuple[AgentState, bytes]] = (),
        latest_us: Mapping[str, int] | None = None,
        agent_rows: Sequence[AgentKey] = (),
    ) -> None: ...

    def drop(self, partition: int) -> None: ...

    def ingest(self, records: Sequence[Record], *, version: int, now_s: int = 0) -> StageOutput: ...


class PartitionBooks(Generic[B]):
    """The part every stage shares: one book of live state per partition it holds."""

    def __init__(self) -> None:
        self.books: dict[int, B] = {}

    def loaded(self, partition: int) -> bool:
        return partition in self.books

    def drop(self, partition: int) -> None:
        """Forget a partition handed to another worker (it restores it from storage)."""
        self.books.pop(partition, None)
