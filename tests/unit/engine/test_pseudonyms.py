"""The erasure's pseudonym and erased events (events.md, "Personal data")."""

from __future__ import annotations

import orjson
import pytest

from streams.engine.fcr import customer_partition
from streams.engine.pseudonyms import erased_event, is_pseudonym, keyed_pseudonym

KEY = b"k" * 32


@pytest.mark.parametrize("partitions", [1, 2, 3, 7, 12, 256])
@pytest.mark.parametrize("customer", ["u1", "+41 44 123 45 67", "é-client", "x" * 200])
def test_a_pseudonym_is_stable_keyed_and_keeps_the_partition(partitions: int, customer: str) -> None:
    one = keyed_pseudonym(KEY, "acme", customer, partitions)
    assert one == keyed_pseudonym(KEY, "acme", customer, partitions) and is_pseudonym(one)
    assert customer not in one and one != keyed_pseudonym(b"other key", "acme", customer, partitions)
    assert one != keyed_pseudonym(KEY, "globex", customer, partitions)  # another client's customer
    assert customer_partition("acme", one, partitions) == customer_partition("acme", customer, partitions)


def test_an_erased_event_loses_the_comment_and_extras_and_names_the_pseudonym() -> None:
    survey = {"event_id": "e1", "type": "survey.answered", "client": "acme", "contact_id": "c1",
              "customer_id": "u1", "csat": 4.0, "comment": "call me", "phone": "+41",
              "nested": {"u1": 1}}  # fmt: skip
    erased = orjson.loads(erased_event(orjson.dumps(survey), {"u1": "anon:1"}))
    assert erased == {"event_id": "e1", "type": "survey.answered", "client": "acme", "contact_id": "c1",
                      "customer_id": "anon:1", "csat": 4.0}  # fmt: skip


def test_what_holds_nothing_personal_keeps_its_bytes() -> None:
    answered = b'{"type": "contact.answered",  "contact_id": "c1", "agent_id": "u1"}'
    assert erased_event(answered, {"u1": "anon:1"}) == answered  # an agent named like a customer stays


def test_bytes_that_are_no_json_object_lose_every_occurrence_of_the_id() -> None:
    assert erased_event(b'oops "cust-9" cust-9, {', {"cust-9": "anon:1"}) == b'oops "anon:1" anon:1, {'
    assert erased_event(b'["cust-9"]', {"cust-9": "anon:1"}) == b'["anon:1"]'
