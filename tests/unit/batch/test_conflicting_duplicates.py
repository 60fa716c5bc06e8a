"""Copies of one event id with different content: the smaller SHA-256 counts, whatever the order,
the worker count or the path; each losing content is one dead letter; same content is a plain
duplicate (kpis.md, "Which event counts")."""

from __future__ import annotations

import hashlib
import itertools
import random
from typing import Any

import orjson
import pytest

from streams.batch.compute import compute_bytes
from streams.batch.jsonl import LineTally, read_events
from streams.engine.copies import CONFLICT_REASON
from tests.helpers.events import raw


def line(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def contact(contact: str = "c1", customer: str = "u1") -> list[bytes]:
    return [
        line(raw("contact.arrived", 0, contact, customer_id=customer)),
        line(raw("contact.answered", 10, contact)),
        line(raw("contact.ended", 300, contact)),
    ]


def rows_of(lines: list[bytes], workers: int) -> tuple[list[dict[str, Any]], LineTally]:
    rows, report = compute_bytes(b"\n".join(lines), workers=workers)
    return [r.model_dump() for r in rows], report


def smaller(a: bytes, b: bytes) -> bytes:
    return min(a, b, key=lambda copy: hashlib.sha256(copy).digest())


@pytest.mark.parametrize("workers", [1, 2])
def test_two_ratings_under_one_id_count_the_smaller_sha_in_either_order(workers: int) -> None:
    one = raw("survey.answered", 600, event_id="csat:42", csat=1)
    five = {**one, "csat": 5}
    copies = [line(one), line(five)]
    winner = orjson.loads(smaller(*copies))
    found = set()
    for order in (copies, copies[::-1]):
        # Many contacts around it, so that two workers share the file.
        lines = contact() + order + [x for n in range(40) for x in contact(f"o{n}", f"v{n}")]
        rows, report = rows_of(lines, workers)
        (row,) = [r for r in rows if r["csat_responses"]]
        found.add(row["csat_satisfied"])
        assert [reason for _, reason in report.rejected] == [CONFLICT_REASON]
        (number,) = [n for n, _ in report.rejected]
        assert orjson.loads(lines[number - 1])["csat"] != winner["csat"]  # the losing content
    assert found == {int(winner["csat"] >= 4)}


@pytest.mark.parametrize("workers", [1, 2])
def test_copies_naming_different_contacts_are_settled_across_workers(workers: int) -> None:
    # A producer reused an id for another contact's arrival: only one of the two arrivals counts.
    first = raw("contact.arrived", 0, "a", customer_id="u-a", event_id="reused")
    second = raw("contact.arrived", 60, "b", customer_id="u-b", event_id="reused")
    copies = [line(first), line(second)]
    spread = [x for n in range(60) for x in contact(f"o{n}", f"v{n}")]
    offered = set()
    for order in (copies, copies[::-1]):
        rows, report = rows_of(spread[:90] + order + spread[90:], workers)
        offered.add(sum(r["offered"] for r in rows))
        assert [reason for _, reason in report.rejected] == [CONFLICT_REASON]
    assert offered == {61}


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda b: line(dict(reversed(list(b.items())))),  # key order
        lambda b: orjson.dumps(b, option=orjson.OPT_INDENT_2).replace(b"\n", b" "),  # whitespace
        lambda b: line({**b, "csat": 4.0}),  # 4 against 4.0
        lambda b: line({**b, "comment": None}),  # null against absent
        lambda b: line({**b, "x_crm": {"ticket": 7}}),  # a field the contract does not know
        lambda b: line({**b, "occurred_at": "2026-11-23T10:10:00+01:00"}),  # the same instant
    ],
    ids=["key order", "whitespace", "4.0", "null", "extra field", "offset"],
)
def test_the_same_content_in_other_bytes_is_a_plain_duplicate(rewrite: Any) -> None:
    body = raw("survey.answered", 600, event_id="same", csat=4)
    assert body["occurred_at"] == "2026-11-23T09:10:00Z"
    lines = contact() + [line(body), rewrite(body)]
    assert lines[-1] != lines[-2]
    rows, report = rows_of(lines, 1)
    assert report.rejected == [] and report.valid == 5
    assert rows[0]["csat_satisfied"] == 1


def test_an_invalid_copy_takes_no_part() -> None:
    good = raw("survey.answered", 600, event_id="s", csat=5)
    bad = {**good, "csat": 9}  # out of range: a dead letter for its own reason
    rows, report = rows_of(contact() + [line(bad), line(good)], 1)
    assert [reason for _, reason in report.rejected] == ["csat: Input should be less than or equal to 5"]
    assert rows[0]["csat_satisfied"] == 1


def test_three_contents_give_two_dead_letters_once_each_and_any_order_the_same_rows() -> None:
    base = raw("contact.ended", 300, "c1", event_id="end")
    contents = [line({**base, "talk_s": talk}) for talk in (100, 200, 300)]
    again = line({**orjson.loads(contents[1]), "hold_s": 10.0})  # content two again, other bytes
    results = set()
    for order in itertools.permutations([*contents, again]):
        lines = [line(raw("contact.arrived", 0, customer_id="u")), line(raw("contact.answered", 5)), *order]
        rows, report = rows_of(lines, 1)
        assert [reason for _, reason in report.rejected] == [CONFLICT_REASON] * 2
        results.add(rows[0]["talk_s_sum"])
    assert len(results) == 1


def test_reading_a_file_settles_copies_as_the_engine_does() -> None:
    # The grains' path (reasons, agents, staffing) reads the whole file with read_events.
    rng = random.Random(7)
    for _ in range(20):
        a = raw("contact.ended", 300, event_id="e", talk_s=rng.randint(1, 500))
        b = {**a, "talk_s": rng.randint(501, 900)}
        lines = contact() + [line(a), line(b)][:: rng.choice([1, -1])]
        report = LineTally()
        events = list(read_events(lines, report))
        kept = [e for e in events if e.event_id == "e"]
        assert len(kept) == 1 and kept[0].talk_s == orjson.loads(smaller(line(a), line(b)))["talk_s"]
        assert [reason for _, reason in report.rejected] == [CONFLICT_REASON]
