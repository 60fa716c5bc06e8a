"""Stage two of the live pipeline: first-contact resolution per customer partition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from schemas.wire import AgentState
from streams.engine.agent_time import AgentKey
from streams.engine.contacts import ContactState
from streams.engine.fcr import FCR_WINDOW_US, fact_of
from streams.engine.retention import Retention
from streams.engine.totals import GRAINS
from streams.stages.facts import decode_facts
from streams.stages.fcr_book import FcrBook
from streams.stages.output import Record, StageOutput, batch_ends
from streams.stages.stage import PartitionBooks


class FcrStage(PartitionBooks[FcrBook]):
    """Stage two: FCR per customer partition, from the facts stage one forwards.

    A partition's clock is the slowest stage-one partition's watermark, as the fact messages
    on that partition announce it: facts from a source that lags must not find their contacts
    evicted by the pace of another. Marks read on one partition say nothing of the messages
    still queued on another (a stage-one batch sent them at lower watermarks), so each
    partition keeps its own. Until every source has reported on it, nothing is evicted there.
    """

    name = "fcr"
    partition_column = "customer_partition"
    restores_agents = False

    def __init__(
        self, grains: tuple[int, ...] = GRAINS, retention: Retention | None = None, sources: int = 1
    ) -> None:
        super().__init__()
        self.grains = grains
        self.retention = retention
        self.sources = sources
        self.marks: dict[int, dict[int, int]] = {}  # own partition -> source -> its latest watermark

    @property
    def keeps(self) -> Retention | None:
        """Stage two keeps a fact until its FCR window has closed too."""
        retention = self.retention
        if retention is None:
            return None
        return Retention(retention.closed_us + FCR_WINDOW_US, retention.open_us + FCR_WINDOW_US)

    def clock_us(self, partition: int) -> int:
        """The watermark every fact still to come on ``partition`` was accepted at or after."""
        marks = self.marks.get(partition, {})
        return min(marks.values()) if len(marks) >= self.sources else 0

    def restore(
        self,
        partition: int,
        contacts: Sequence[ContactState],
        watermark_us: int = 0,
        agent_events: Sequence[tuple[AgentState, bytes]] = (),
        latest_us: Mapping[str, int] | None = None,
        agent_rows: Sequence[AgentKey] = (),
    ) -> None:
        """Start a customer partition from the contacts stored for it, at its stored watermark
        (agents are stage one's business: their changes, latest times and rows are not used here)."""
        book = self.books[partition] = FcrBook(grains=self.grains, retention=self.retention)
        book.horizon.watermark_us = watermark_us
        for contact in contacts:
            if contact.arrival is not None:
                book.apply(fact_of(contact), restoring=True)
        book.settle()
        # Rows stay dirty: storage may hold facts stage two had not yet counted.

    def drop(self, partition: int) -> None:
        super().drop(partition)
        self.marks.pop(partition, None)

    def ingest(self, records: Sequence[Record], *, version: int, now_s: int = 0) -> StageOutput:
        """Merge a batch of fact messages from stage one into their customers' FCR books, at the
        slowest source partition's watermark; return the FCR rows it changed, stored under
        ``version``."""
        out = StageOutput(version, now_s)
        touched = set()
        before = {p: book.horizon.watermark_us for p, book in self.books.items()}
        for partition, _offset, payload in records:
            book = self.books[partition]
            marks, facts = decode_facts(payload)
            known = self.marks.setdefault(partition, {})
            for source, watermark in marks.items():
                known[source] = max(known.get(source, 0), watermark)
            book.horizon.see(self.clock_us(partition))
            for fact in facts:
                book.apply(fact)
            touched.add(partition)
        for partition in sorted(touched):
            book = self.books[partition]
            book.settle()
            out.add_totals(book.totals, f"fcr/{partition}")
            out.add_totals(book.reasons, f"fcr/{partition}", "reasons")
            out.add_totals(book.agents, f"fcr/{partition}", "agents")
            book.sweep()
            out.add_late(book.horizon.take_late(), self.name, book.horizon.watermark_us)
        after = {p: book.horizon.watermark_us for p, book in self.books.items()}
        out.add_marks(self.name, before, after, batch_ends(records))
        return out
