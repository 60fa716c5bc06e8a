"""The SQL engine's own validation (sql/derivation/events.sql) decides every message as the contract
models do: the project's bad-message sets and thousands of generated mutations of valid events
(missing, null, mistyped, empty, overlong and boundary values, every timestamp form), with the
same event time and counted values for each message both take. Then the two engines skip the same
lines with the same reasons, and settle conflicting duplicates alike."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from schemas.events import Rejection
from schemas.sla import SlaSettings
from schemas.wire import ContactEnded, SurveyAnswered, parse_event
from streams.batch.compute import compute_file
from streams.engine.contributions import COLUMNS
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.sql_derivation import WHOLE_COLUMNS, derive, events_step, file_source
from tests.helpers.bad_messages import BAD_MESSAGES
from tests.helpers.messy import BAD_LINES

pytestmark = pytest.mark.integration

ENVELOPE = {"event_id": "e-1", "schema_version": 1, "occurred_at": "2026-11-23T09:15:02.120Z",
            "client": "acme", "queue": "billing"}  # fmt: skip
CONTACT = {**ENVELOPE, "channel": "call", "contact_id": "c-1"}
VALID: list[dict[str, Any]] = [
    {**CONTACT, "type": "contact.arrived", "customer_id": "u-1"},
    {**CONTACT, "type": "contact.answered", "agent_id": "a-1"},
    {**CONTACT, "type": "contact.abandoned"},
    {**CONTACT, "type": "contact.replied", "agent_id": "a-1", "channel": "email"},
    {**CONTACT, "type": "contact.transferred", "to_queue": "sales"},
    {**CONTACT, "type": "contact.ended", "agent_id": "a-1", "talk_s": 301.5, "hold_s": 40, "wrap_s": 0,
     "resolved": True, "reason": "billing"},
    {**CONTACT, "type": "survey.answered", "csat": 4, "nps": 9, "ces": 6, "comment": "fine",
     "channel": "chat"},
    {**ENVELOPE, "type": "agent.state", "agent_id": "a-1", "state": "busy", "channel": "chat"},
]  # fmt: skip
TIMES = [
    "2026-11-23T09:15:02Z", "2026-11-23t09:15:02z", "2026-11-23T09:15:02.1Z",
    "2026-11-23T09:15:02.123456789Z",
    "2026-11-23T09:15:02+01:00", "2026-11-23T09:15:02-23:59", "2026-11-23T09:15:02+24:00",
    "2024-02-29T00:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z",
    "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z",
    "2026-11-23T23:59:60Z", "0001-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
    "1900-02-29T00:00:00Z", "2000-02-29T12:00:00+05:30", "2026-11-23 09:15:02Z", "2026-11-23T09:15:02",
    "2026-11-23T09:15Z", "2026-11-23T09:15:02.Z", "yesterday", "", "2026-11-23T09:15:02+0100",
    "2026-11-23T09:15:02+01:60", "１９９９-01-01T00:00:00Z",
]  # fmt: skip
ODD_VALUES: list[Any] = [
    None, "", "x", "é" * 256, "é" * 257, "x" * 64, "x" * 65, "x" * 2000, "x" * 2001, 0, -0.0, 1, 4, 4.0,
    4.5, 5, 6, 10, 11, -1, 1e9, 1e9 + 1, 123.456, True, False, [], {}, [1], {"a": 1}, "4", "true", 2**63,
    2**64 + 1,
    "call", "email", "chat", "fax", "busy", "offline", "sleeping", "contact.arrived",
]  # fmt: skip
FIELDS = ["event_id", "schema_version", "type", "occurred_at", "client", "queue", "channel", "contact_id",
          "customer_id", "agent_id", "to_queue", "talk_s", "hold_s", "wrap_s", "resolved", "reason", "csat",
          "nps", "ces", "comment", "state"]  # fmt: skip
_DROP = object()


def mutations(seed: int, count: int, twice: float = 0.0) -> list[bytes]:
    """Valid events with one to three fields dropped, nulled or given an odd value; a share
    ``twice`` of them also name a field twice, before or after the rest (valid JSON: the contract
    models read the last)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < twice:
            valid = rng.choice(VALID)
            body = json.dumps(valid).encode()
            field = json.dumps(
                {rng.choice(list(valid)): rng.choice([*ODD_VALUES, rng.choice(TIMES)])}
            ).encode()
            first = rng.random() < 0.5
            out.append(field[:-1] + b", " + body[1:] if first else body[:-1] + b", " + field[1:])
            continue
        body = dict(rng.choice(VALID))
        for _ in range(rng.choice([1, 1, 2, 3])):
            field = rng.choice(FIELDS)
            what = rng.random()
            if what < 0.15:
                body.pop(field, None)
            elif what < 0.3 and field == "occurred_at":
                body[field] = rng.choice(TIMES)
            else:
                body[field] = rng.choice([*ODD_VALUES, rng.choice(TIMES)])
        # The standard library writes integers of any size, and escapes non-ASCII on request.
        out.append(json.dumps(body, ensure_ascii=rng.random() < 0.5, separators=(",", ":")).encode())
    return out


def decisions(store: ClickHouse, path: Path) -> dict[int, tuple[Any, ...]]:
    """SQL's decision of each line (None where it leaves it to the contract models: ``unsure``)."""
    rows = store.query(
        f"SELECT line, unsure, valid, at_us, event_id, talk_us, csat, nps, ces FROM "
        f"({events_step(file_source(path))})" + WHOLE_COLUMNS
    )
    return {int(row[0]): None if row[1] else tuple(row[2:]) for row in rows}


def expected(raw: bytes) -> tuple[Any, ...] | None:
    """What the contract models make of a message: None when refused, else what SQL must read."""
    event = parse_event(raw)
    if isinstance(event, Rejection):
        return None
    talk = round(event.talk_s * 1_000_000) if isinstance(event, ContactEnded) else 0
    scores = (event.csat, event.nps, event.ces) if isinstance(event, SurveyAnswered) else (None, None, None)
    return (event.occurred_us, event.event_id, talk, *scores)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_message_is_decided_as_the_contract_models_decide_it(tmp_path: Path, seed: int) -> None:
    messages = [m for m, _ in BAD_MESSAGES] + list(BAD_LINES) + [orjson.dumps(v) for v in VALID]
    messages += [orjson.dumps({**VALID[0], "occurred_at": t}) for t in TIMES]
    messages += mutations(seed, 3000)
    named_twice = mutations(seed, 200, twice=1.0)
    messages = [m for m in messages + named_twice if b"\n" not in m]
    path = tmp_path / "messages.jsonl"
    path.write_bytes(b"\n".join(messages) + b"\n")
    store = connect(None, tmp_path / "chdb")
    try:
        found = decisions(store, path)
    finally:
        store.close()
    wrong = []
    unsure = 0
    for number, raw in enumerate(messages, start=1):
        want, got = expected(raw), found[number]
        if raw in named_twice:  # ClickHouse reads the first of a name given twice: SQL says so
            assert got is None, raw
            continue
        if got is None:
            unsure += 1
            continue
        if want is None:
            if got[0]:
                wrong.append((number, "taken by SQL, refused by the contract", raw[:160]))
        elif not got[0] or tuple(got[1:]) != want:
            wrong.append((number, f"contract {want}, SQL {got}", raw[:160]))
    valid = sum(1 for raw in messages if expected(raw) is not None)
    assert 0.2 * len(messages) < valid < 0.8 * len(messages)  # both kinds, in numbers
    assert not wrong, wrong[:5]
    assert unsure < 0.05 * len(messages)  # the contract models word reasons, SQL decides


@pytest.mark.parametrize("seed", [4, 5])
def test_both_engines_skip_the_same_lines_for_the_same_reasons(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    good = [orjson.dumps({**v, "event_id": f"g{n}-{i}", "contact_id": f"c{n}"})
            for n in range(200) for i, v in enumerate(VALID)]  # fmt: skip
    bad = mutations(seed, 400, twice=0.2) + [m for m, _ in BAD_MESSAGES if b"\n" not in m] + [b"", b"  \t"]
    # Conflicting duplicates: a rating sent twice under one id, an end with two talk times.
    rated = {"client": "rated", "contact_id": "r1"}
    rating = {**VALID[6], **rated, "event_id": "rating", "csat": 2}
    ending = {**VALID[5], "event_id": "ending", "contact_id": "c2"}
    conflicts = [orjson.dumps(rating), orjson.dumps({**rating, "csat": 5}), orjson.dumps(ending),
                 orjson.dumps({**ending, "talk_s": 9.0}),
                 orjson.dumps({**ending, "talk_s": 301.5e0, "x": 1})]  # fmt: skip
    # Beyond what either JSON reader of the SQL engine takes: NaN in an extra field (the contract
    # models take it, the fast decoder and ClickHouse do not), a name twice beside an integer too
    # long for Python's default conversion.
    odd = json.dumps({**VALID[0], "event_id": "nan", "x": float("nan")}).encode()
    long = (
        b'{"client": "acme", '
        + orjson.dumps({**VALID[1], "event_id": "long"})[1:-1]
        + b', "x": 1'
        + b"0" * 5000
        + b"}"
    )
    lines = good + bad + conflicts + [odd, long, orjson.dumps({**VALID[0], **rated, "event_id": "r-arrived"})]
    rng.shuffle(lines)
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")  # a Windows file: the line end is not content
    python_rows, report = compute_file(path, SlaSettings(), workers=2)
    store = connect(None, tmp_path / "chdb")
    try:
        derived = derive(store, file_source(path), SlaSettings())
    finally:
        store.close()
    assert derived.skipped.rejected == report.rejected and derived.skipped.valid == report.valid
    dead = [lines[n - 1] for n, reason in report.rejected if reason == "conflicting duplicate"]
    assert len([d for d in dead if b'"rating"' in d]) == 1 and len([d for d in dead if b'"ending"' in d]) == 1
    sql_rows = {key: list(vector) for key, vector in derived.vectors.items()}
    python = {(r.client, r.queue, r.channel): [getattr(r, c) for c in COLUMNS] for r in python_rows}
    assert {key[:3]: [float(v) / (1e6 if c.endswith("_s_sum") else 1) for c, v in zip(COLUMNS, vector,
            strict=True)] for key, vector in sql_rows.items()} == python  # fmt: skip
    winner = min([c for c in conflicts if b'"rating"' in c], key=lambda c: hashlib.sha256(c).digest())
    (row,) = [vector for key, vector in sql_rows.items() if key[0] == "rated"]
    assert row[COLUMNS.index("csat_responses")] == 1
    assert row[COLUMNS.index("csat_satisfied")] == (b'"csat":5' in winner)
