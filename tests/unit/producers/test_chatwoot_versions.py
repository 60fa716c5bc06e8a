"""Chatwoot's webhooks as its releases send them (the 2021 shape, 2.14, 3.x, 4.x): each time taken
from the field that holds it in each shape, left out where a shape holds none, a changed CSAT answer
counting whatever the order, payloads of unexpected types reported and never a traceback; every
number worked out by hand, the same in any order of the bridge's output."""

from __future__ import annotations

import json
import random
from typing import Any

import orjson
import pytest

from producers.bridges.archive import record
from producers.bridges.chatwoot import NO_TIME, ChatwootBridge
from producers.bridges.queue_map import QueueMap, QueueTarget
from schemas.events import Rejection
from schemas.wire import parse_event
from streams.batch.compute import LineTally, compute_rows, read_events
from tests.helpers.chatwoot_versions import (
    VERSIONS,
    conversation,
    csat,
    event,
    message,
    status_change,
)

T = 1_790_000_100 - 1_790_000_100 % 900
MAP = QueueMap(queues={"1": QueueTarget(client="acme", queue="web")})


def convert(
    payloads: list[tuple[dict[str, Any], float | None]],
) -> tuple[ChatwootBridge, list[dict[str, Any]]]:
    """Each payload as an archive record (with its time of receipt) or a bare line (None)."""
    bridge = ChatwootBridge(MAP)
    events = []
    for number, (payload, received) in enumerate(payloads, start=1):
        body = orjson.dumps(payload)
        events += bridge.convert(number, body if received is None else record(body, received))
    for made in events:
        assert not isinstance(parse_event(orjson.dumps(made)), Rejection), made
    return bridge, events


def rows(events: list[dict[str, Any]]) -> dict[str, Any]:
    (row,) = compute_rows(read_events([orjson.dumps(e) for e in events], LineTally()))
    return row.model_dump()


def day(version: str, received: bool) -> list[tuple[dict[str, Any], float | None]]:
    """Four web chats of ``version``. 10: a customer writes at T, John replies 15 s later and
    resolves it at T+729 (talk 714 s). 11, 12, 13: nobody answers; each is auto-resolved an hour
    after it came. Service level by hand: 1 of 4 answered within 20 s: 25 %."""
    out: list[tuple[dict[str, Any], float | None]] = []

    def add(payload: dict[str, Any], at: float) -> None:
        out.append((payload, at + 0.8 if received else None))  # Chatwoot posts within a second

    c10 = conversation(version, 10, created=T, last=T)
    if version != "1.20":
        add(event("conversation_created", c10), T)
    add(message(version, c10, 501, T, kind="incoming", by="contact"), T)
    replied = conversation(version, 10, created=T, last=T + 15, first_reply=T + 15)
    add(message(version, replied, 502, T + 15), T + 15)
    done = conversation(
        version, 10, created=T, last=T + 15, first_reply=T + 15, status="resolved", updated=T + 729.25
    )
    add(event("conversation_status_changed", done, None, version), T + 729)
    if version != "1.20":
        add(
            event("conversation_updated", done, status_change(("open", "resolved"), T + 729.25), version),
            T + 729,
        )
    for n in (11, 12, 13):
        came = T + 60 * n
        c = conversation(version, n, created=came, last=came, contact=n)
        if version != "1.20":
            add(event("conversation_created", c), came)
        add(message(version, c, 600 + n, came, kind="incoming", by="contact"), came)
        closed = conversation(
            version,
            n,
            created=came,
            last=came,
            status="resolved",
            updated=came + 3600,
            assignee=None,
            contact=n,
        )
        add(event("conversation_status_changed", closed, None, version), came + 3600)
        if version != "1.20":
            add(
                event(
                    "conversation_updated", closed, status_change(("open", "resolved"), came + 3600), version
                ),
                came + 3600,
            )
    return out


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("received", [True, False], ids=["archived", "bare"])
def test_each_time_comes_from_the_field_that_holds_it(version: str, received: bool) -> None:
    bridge, events = convert(day(version, received))
    row = rows(events)
    assert (row["offered"], row["answered"], row["answered_in_sl"], row["wait_s_sum"]) == (4, 1, 1, 15)
    assert row["service_level"] == 0.25  # never the short abandons of a resolve read as "now"
    if version != "1.20" or received:
        # 4.x: updated_at; 2.4 on: the updated_at pair of conversation_updated; the 2021 shape:
        # the time the webhook came, kept with it in the archive.
        resolved_at = 729.8 if version == "1.20" else 729.25
        assert (row["handled"], row["talk_s_sum"]) == (1, pytest.approx(resolved_at - 15, abs=1e-3))
        assert (row["abandoned"], row["short_abandoned"]) == (3, 0)
    else:  # the 2021 shape replayed without its receipt: the ends are left out, and said
        assert (row["handled"], row["abandoned"]) == (0, 0)
        assert bridge.account.ignored[NO_TIME] == 4


@pytest.mark.parametrize("version", VERSIONS)
def test_any_order_of_the_output_gives_the_same_rows(version: str) -> None:
    _, events = convert(day(version, True))
    want = rows(events)
    for seed in range(4):
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        assert rows(shuffled) == want


@pytest.mark.parametrize("order", [1, -1], ids=["forward", "reversed"])
@pytest.mark.parametrize("received", [True, False], ids=["archived", "bare"])
def test_a_changed_rating_counts_its_latest_answer_in_either_order(order: int, received: bool) -> None:
    # The widget sends the rating (1), then the customer changes it to 5 and writes why: two
    # message_updated of one CSAT message. Chatwoot 4.x moves the conversation's updated_at with each.
    c = conversation("4.9", 10, created=T, last=T, first_reply=T + 5)
    first = csat({**c, "updated_at": T + 400.0}, 900, T + 300, 1)
    second = csat({**c, "updated_at": T + 460.5}, 900, T + 300, 5, "sorry, misclicked")
    answers = [(first, T + 400.4 if received else None), (second, T + 460.9 if received else None)][::order]
    _, events = convert([(event("conversation_created", c), None), *answers])
    surveys = [e for e in events if e["type"] == "survey.answered"]
    assert len({e["event_id"] for e in surveys}) == 2  # each revision its own event
    row = rows(events)
    assert (row["csat_responses"], row["csat_satisfied"]) == (1, 1)


def test_a_rating_as_text_or_decimal_is_read_and_nonsense_is_reported() -> None:
    c = conversation("4.9", 10, created=T, last=T)
    good = [csat(c, 900, T + 300, "4"), csat(c, 901, T + 300, 4.0)]  # type: ignore[arg-type]
    bad = [csat(c, 902, T + 300, 4.5), csat(c, 903, T + 300, 9), csat(c, 904, T + 300, True)]  # type: ignore[arg-type]
    bridge, events = convert([(p, None) for p in good + bad])
    assert [e["csat"] for e in events] == [4, 4]
    assert [u.number for u in bridge.account.unreadable] == [3, 4, 5]


ODD: list[Any] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    "x",
    "2021-13-45",
    [],
    [1, "a"],
    {},
    {"a": {"b": None}},
    '[{"status": 1}]',
    10**30,
]
PLACES = [
    ("changed_attributes",),
    ("content_attributes",),
    ("content_attributes", "submitted_values"),
    ("meta",),
    ("meta", "sender"),
    ("meta", "assignee"),
    ("sender",),
    ("conversation",),
    ("inbox_id",),
    ("id",),
    ("created_at",),
    ("updated_at",),
    ("timestamp",),
    ("first_reply_created_at",),
    ("message_type",),
    ("status",),
    ("event",),
    ("channel",),
    ("conversation", "meta"),
]


def test_payloads_of_unexpected_types_are_reported_never_a_traceback() -> None:
    rng = random.Random(11)
    c = conversation("4.9", 10, created=T, last=T + 15, first_reply=T + 15, status="resolved")
    bases = [
        event("conversation_created", c),
        event("conversation_status_changed", c),
        event("conversation_updated", c, status_change(("open", "resolved"), T + 700)),
        message("4.9", c, 501, T + 15),
        message("2.14", c, 502, T, kind="incoming", by="contact"),
        csat(c, 900, T + 300, 4),
    ]
    payloads = []
    for _ in range(600):
        payload = orjson.loads(orjson.dumps(rng.choice(bases)))
        for _ in range(rng.randint(1, 3)):
            place = rng.choice(PLACES)
            holder = payload
            for key in place[:-1]:
                holder = holder.get(key) if isinstance(holder.get(key), dict) else holder
            holder[place[-1]] = rng.choice(ODD)
        payloads.append(payload)
    payloads += [[1, 2], "text", None, 42]
    bridge = ChatwootBridge(MAP)
    lines = [json.dumps(p).encode() for p in payloads] + [b"{not json", b"\xff", b'{"event": 1e400}']
    made = 0
    for number, line in enumerate(lines, start=1):
        made += len(bridge.convert(number, line))
    account = bridge.account
    assert account.records == len(lines)  # every payload read and accounted for
    assert account.unreadable_count > 10 and made > 10  # both, in numbers
    assert all(u.reason for u in account.unreadable)
