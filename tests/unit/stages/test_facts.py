"""Stage two's facts: what crosses the topic, and how two views of a contact merge."""

from __future__ import annotations

from streams.batch.whole_set import merge_contacts
from streams.engine.contacts import ContactState
from streams.engine.fcr import Fact, fact_of
from streams.stages.facts import decode_facts, encode_facts
from tests.helpers.events import abandoned, answered, arrived, ended, replied, survey


def contact(*events: object) -> ContactState:
    return next(iter(merge_contacts(events).values()))  # type: ignore[arg-type]


def test_a_fact_carries_what_fcr_and_eviction_need_and_round_trips() -> None:
    full = contact(arrived(0, customer="u7", queue="sales", channel="chat"), answered(5),
                   replied(9), ended(300, resolved=False), survey(400, csat=5))  # fmt: skip
    fact = fact_of(full)
    assert (fact.customer_id, fact.queue, fact.channel, fact.answered, fact.abandoned) == (
        "u7", "sales", "chat", True, False)  # fmt: skip
    assert (fact.ended_us, fact.resolved, fact.still_open, fact.may_succeed) == (
        full.ended.at_us if full.ended else None, False, False, False)  # fmt: skip
    assert fact.last_event_us == full.last_event_us
    waiting = fact_of(contact(arrived(0, channel="email")))
    assert waiting.still_open and not waiting.may_succeed
    assert decode_facts(encode_facts([full, full], {2: 9, 0: 7})) == ({0: 7, 2: 9}, [fact, fact])


def test_merging_takes_the_first_arrival_and_end_and_any_answer() -> None:
    late_view = fact_of(contact(arrived(60, customer="u2", event_id="b"), abandoned(90), ended(500)))
    first = fact_of(contact(arrived(60, customer="u1", event_id="a"), answered(70), ended(400)))
    known = Fact(**{f: getattr(late_view, f) for f in Fact.__struct_fields__})
    assert known.merge(first)  # earlier arrival (tie on time: smaller event id), answer, end
    assert (known.customer_id, known.arrived_id, known.answered, known.abandoned) == ("u1", "a", True, True)
    assert known.ended_us == first.ended_us
    assert not known.merge(late_view)  # nothing earlier: FCR inputs unchanged
    bumped = Fact(**{f: getattr(first, f) for f in Fact.__struct_fields__})
    bumped.last_event_us = known.last_event_us + 10
    assert not known.merge(bumped) and known.last_event_us == bumped.last_event_us
