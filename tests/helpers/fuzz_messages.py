"""Messages of every shape for property tests of the live stages: events of each kind with odd
values, times outside the stored range, names given twice, and bytes that are no event."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.stages.contact_stage import ContactStage
from streams.stages.direct import both_stages
from streams.stages.fcr_stage import FcrStage
from streams.stages.output import StageOutput

SAMPLES = [e for _, e in Simulator(datetime(2026, 11, 23, 8, tzinfo=UTC), seed=5).events(
    datetime(2026, 11, 23, 9, tzinfo=UTC))]  # fmt: skip
KINDS = {e["type"]: e for e in SAMPLES}
FIELDS = ["event_id", "schema_version", "type", "occurred_at", "client", "queue", "channel", "contact_id",
          "customer_id", "agent_id", "to_queue", "talk_s", "hold_s", "wrap_s", "resolved", "reason", "csat",
          "nps", "ces", "comment", "state", "direction", "bot_id", "extra"]  # fmt: skip
TIMES = ["1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z",
         "2106-02-07T06:28:15.999999Z", "2106-02-07T06:28:16Z", "9999-12-31T23:59:59Z",
         "2026-11-23T08:00:00-23:59", "2026-11-23T08:00:00.123456789+14:00"]  # fmt: skip
VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.sampled_from([10**400, -(10**400), 1e9, 0]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(TIMES),
    st.text(max_size=300), st.sampled_from(["", "c1", "c2", "u1", "a1", "call", "chat", "busy", "outbound"]),
    st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


def message(kind: str, changes: dict[str, Any], twice: bool, copy: int, stamp: str | None) -> bytes:
    body = {**KINDS[kind], "contact_id": "c1", "customer_id": "u1", "event_id": f"{kind}-{copy}"}
    if stamp is not None:
        body["occurred_at"] = stamp
    for name, value in changes.items():
        body[name] = value
    text = json.dumps(body, ensure_ascii=False)  # the standard library writes integers of any size
    if twice and changes:  # a name given twice: its first value is the base's
        name = next(iter(changes))
        text = "{" + json.dumps({name: KINDS[kind].get(name, 1)})[1:-1] + ", " + text[1:]
    return text.encode("utf-8", "surrogatepass")


MESSAGES = st.one_of(
    st.builds(message, st.sampled_from(sorted(KINDS)),
              st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=3), st.booleans(), st.integers(0, 3),
              st.one_of(st.none(), st.sampled_from(TIMES))),
    st.binary(max_size=40),
    st.sampled_from([b"", b"null", b"[]", b"{}", b'{"type": "contact.arrived"}', b"[" * 3000 + b"]" * 3000]),
)  # fmt: skip
BATCHES = st.lists(st.lists(MESSAGES, min_size=1, max_size=8), min_size=1, max_size=3)


def through_both_stages(
    stage: ContactStage, batches: list[list[bytes]]
) -> Iterator[tuple[list[bytes], tuple[StageOutput, StageOutput]]]:
    """Each batch (its messages over two partitions) through ``stage`` (restored empty here) and a
    stage two, with both outputs, as the worker takes them."""
    two = FcrStage()
    for partition in range(2):
        stage.restore(partition, [])
        two.restore(partition, [])
    offset = 0
    for batch in batches:
        records = [(n % 2, offset + n, payload) for n, payload in enumerate(batch)]
        offset += len(batch)
        yield batch, both_stages(stage, two, records, version=time.time_ns(), now_s=int(time.time()))


def new_stage(max_future_us: int | None = None) -> ContactStage:
    """Stage one over two partitions (with ``max_future_us``: the worker's clock rule)."""
    return ContactStage(SlaSettings(), 2, max_future_us=max_future_us)
