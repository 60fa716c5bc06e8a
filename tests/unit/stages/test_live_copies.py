"""Conflicting duplicates live (kpis.md, "Which event counts"): two copies of one event id with
different content, in any order, any batch split, across restarts, give the rows ``cckpi compute``
gives (the smaller SHA-256 counts), and each losing content is one dead letter."""

from __future__ import annotations

import hashlib
import random
import zlib
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from producers.outputs import message_key
from producers.simulator import Simulator
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.batch.grain_rows import breakdown_vectors
from streams.engine.agent_time import STATES
from streams.engine.contact_copies import Verdict, digest_of, merge, rank_of
from streams.engine.contacts import ContactState
from streams.engine.copies import CONFLICT_REASON
from streams.stages.contact_stage import ContactStage
from tests.helpers.events import answered, arrived, conflicts, ended, raw, survey
from tests.helpers.stage_runs import FakeTables, run


def stream(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    events = [e for _, e in Simulator(start, seed=seed).events(datetime(2026, 11, 23, 9, tzinfo=UTC))]
    copies = conflicts(events, rng, 0.08)
    # Same content in other bytes: plain duplicates, never a dead letter.
    same = [orjson.dumps(dict(reversed(list(e.items())))) for e in rng.sample(events, 40)]
    messages = [orjson.dumps(e) for e in events] + [orjson.dumps(c) for c in copies] + same
    rng.shuffle(messages)
    return messages


@pytest.mark.parametrize(
    ("seed", "restart_every", "crash_between"), [(1, None, False), (2, 3, False), (3, 4, True)]
)
def test_live_rows_equal_compute_with_conflicting_copies_in_any_order(
    seed: int, restart_every: int | None, crash_between: bool
) -> None:
    messages = stream(seed)
    report = LineTally()
    expected = compute_rows(read_events(messages, report))
    conflicting = sum(1 for _, reason in report.rejected if reason == CONFLICT_REASON)
    assert conflicting > 20  # the stream holds them, in numbers
    tables = FakeTables()
    run(messages, tables, restart_every, crash_between)
    assert tables.rows() == expected


def test_the_copy_with_the_smaller_sha_counts_whatever_came_first() -> None:
    base = raw("survey.answered", 600, event_id="csat:42", csat=1)
    copies = [orjson.dumps(base), orjson.dumps({**base, "csat": 5})]
    winner = min(copies, key=lambda c: hashlib.sha256(c).digest())
    for order in (copies, copies[::-1]):
        stage = ContactStage(SlaSettings(), 1, (900,))
        stage.restore(0, [])
        first = [orjson.dumps(raw("contact.arrived", 0, customer_id="u"))]
        out = stage.ingest([(0, n, m) for n, m in enumerate(first + order)], version=1)
        (contact,) = [c.contact for c in out.contacts]
        assert contact.survey is not None and contact.survey.csat == orjson.loads(winner)["csat"]
        dead = out.dead_letters + [None] * len(out.superseded)  # a superseded copy: from the archive
        assert len(dead) == 1
        assert len(out.received) == 2  # the arrival and the counting copy only
        if out.dead_letters:
            assert out.dead_letters[0].reason == CONFLICT_REASON and out.dead_letters[0].payload != winner


def test_a_copy_taking_a_slot_back_gives_it_to_the_next_in_line() -> None:
    # Two ends of one contact: e1 at 300 s counts; a copy of e1 at 900 s with a smaller SHA-256
    # wins, so the other end (e2, at 600 s) counts now.
    contact = ContactState("acme", "c1")
    events = [
        arrived(0),
        answered(5),
        ended(300, event_id="e1", talk_s=100),
        ended(600, event_id="e2", talk_s=200),
    ]
    for event in events:
        merge(contact, event, rank_of(orjson.dumps(event.event_id)), digest_of(event))
    late_copy = ended(900, event_id="e1", talk_s=999)
    verdict, against, _ = merge(contact, late_copy, 0, digest_of(late_copy))  # rank 0: the smallest
    assert verdict is Verdict.WINS and against > 0
    assert contact.ended is not None and (contact.ended.event_id, contact.ended.talk_us) == (
        "e2",
        200_000_000,
    )
    assert merge(contact, ended(300, event_id="e1", talk_s=100), 1 << 62, 0)[0] in (
        Verdict.LOST_AGAIN,
        Verdict.LOSES,
    )


def test_a_survey_taken_back_leaves_the_latest_other_answer() -> None:
    contact = ContactState("acme", "c1")
    for event in (arrived(0), survey(100, event_id="s1", csat=1), survey(200, event_id="s2", csat=3)):
        merge(contact, event, 1 << 60, digest_of(event))
    winner = survey(50, event_id="s2", csat=5)  # s2 again, earlier, with a smaller rank
    assert merge(contact, winner, 1, digest_of(winner))[0] is Verdict.WINS
    assert contact.survey is not None and (contact.survey.event_id, contact.survey.csat) == ("s1", 1)


def test_agent_state_copies_live_give_the_agent_rows_of_compute() -> None:
    """An agent's change sent twice under one id with another state (or time): the copy with the
    smaller SHA-256 counts, live as in compute, in any order and any batch split."""
    rng = random.Random(23)
    start = datetime(2026, 11, 23, 6, tzinfo=UTC)
    events = [e for _, e in Simulator(start, seed=23).events(datetime(2026, 11, 23, 10, tzinfo=UTC))]
    copies = []
    for event in events:
        if event["type"] == "agent.state" and rng.random() < 0.15:
            other = rng.choice([s for s in ("available", "busy", "away", "offline") if s != event["state"]])
            copies.append({**event, "state": other})
    assert len(copies) > 30
    messages = [orjson.dumps(e) for e in events] + [orjson.dumps(c) for c in copies]
    rng.shuffle(messages)
    report = LineTally()
    want = breakdown_vectors(read_events(messages, report), SlaSettings()).agents
    assert sum(1 for _, reason in report.rejected if reason == CONFLICT_REASON) == len(copies)
    stage = ContactStage(SlaSettings(), 2, (900,))
    for p in (0, 1):
        stage.restore(p, [])
    latest: dict[tuple[Any, ...], tuple[int, ...]] = {}
    dead = 0
    for n, at in enumerate(range(0, len(messages), 300)):
        batch = [
            (zlib.crc32(message_key(orjson.loads(m))) % 2, at + i, m)
            for i, m in enumerate(messages[at : at + 300])
        ]
        out = stage.ingest(batch, version=n + 1)
        dead += sum(1 for d in out.dead_letters if d.reason == CONFLICT_REASON) + len(out.superseded)
        for changes in out.kpi:
            if changes.kind == "agents" and changes.source.startswith("agents/"):
                for key, vector in changes.rows:
                    latest[(key, changes.source)] = vector
    live: dict[tuple[Any, ...], list[int]] = {}
    for (key, _), vector in latest.items():
        into = live.setdefault(key, [0] * len(vector))
        for i, value in enumerate(vector):
            into[i] += value
    states = len(STATES)
    assert {k: v[:states] for k, v in live.items() if any(v[:states])} == {
        k: list(v[:states]) for k, v in want.items() if any(v[:states])
    }
    assert dead == len(copies)
