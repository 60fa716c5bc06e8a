"""Both stages in one process, stage one's facts handed straight to stage two: what the worker
does through the facts topic, for the bench's loaders and the tests that need no broker."""

from __future__ import annotations

from collections.abc import Sequence

from streams.stages.output import Record, StageOutput
from streams.stages.stage import Stage


def both_stages(
    one: Stage, two: Stage, records: Sequence[Record], *, version: int, now_s: int = 0
) -> tuple[StageOutput, StageOutput]:
    """Stage one over ``records``, then stage two over the facts it forwards; write the first
    output before the second, as the worker does."""
    first = one.ingest(records, version=version, now_s=now_s)
    return first, two.ingest(first.fact_records(), version=version, now_s=now_s)
