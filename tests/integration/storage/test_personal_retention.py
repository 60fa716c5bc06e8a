"""The retention of personal data: contacts older than the client's ``personal_data_days`` lose
their customer's id and words, except where a later contact of the customer could still change
their first-contact resolution; numbers and replays stay as they were (chDB, 18.16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from schemas.sla import SlaSettings
from streams.engine.pseudonyms import is_pseudonym, keyed_pseudonym
from streams.replay.rederive import replay
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.personal_retention import apply_retention
from tests.helpers.events import BASE, raw
from tests.helpers.harness import load_through_stages

pytestmark = pytest.mark.integration

DAY = 86_400
KEY = b"another test key, long enough.."


def _contact(contact: str, customer: str, day: float, resolved: bool = True) -> list[dict[str, Any]]:
    t = day * DAY
    return [
        raw("contact.arrived", t, contact, customer_id=customer, phone=f"+41 {customer}"),
        raw("contact.answered", t + 10, contact),
        raw("contact.ended", t + 300, contact, resolved=resolved),
        raw("survey.answered", t + 400, contact, csat=4, comment=f"from {customer}"),
    ]


def test_old_contacts_are_pseudonymised_where_no_number_can_move(
    tmp_path: Path, store_url: str | None
) -> None:
    events = [
        *_contact("a1", "cust-a", 0), *_contact("a2", "cust-a", 1, resolved=False),
        *_contact("a3", "cust-a", 40),
        *_contact("c1", "cust-c", 28), *_contact("c2", "cust-c", 33),  # c1 is old, but c2 repeats it
        *_contact("d1", "cust-d", 2),
    ]  # fmt: skip
    store = connect(store_url, tmp_path, "retention")
    try:
        load_through_stages(store, events)
        before = read_kpi_rows(store, 900)
        now_s = int(BASE.timestamp()) + 61 * DAY  # 30 days back: day 31
        done = apply_retention(store, "acme", 30, now_s, lambda c: keyed_pseudonym(KEY, "acme", c, 1))
        assert done is not None and done.customers == 2 and done.contacts == 3
        customers = dict(store.query("SELECT contact_id, customer_id FROM contacts FINAL"))
        assert {c for c, who in customers.items() if is_pseudonym(who)} == {"a1", "a2", "d1"}
        assert customers["a1"] == customers["a2"] != customers["d1"]
        assert (customers["a3"], customers["c1"], customers["c2"]) == ("cust-a", "cust-c", "cust-c")
        kept = store.query("SELECT contact_id FROM raw_events FINAL WHERE position(payload, 'from cust') > 0")
        assert sorted(c for (c,) in kept) == ["a3", "c1", "c2"]
        assert read_kpi_rows(store, 900) == before
        since, until = int(BASE.timestamp()), int(BASE.timestamp()) + 41 * DAY
        assert replay(store, SlaSettings(), since, until, None).agrees
        assert apply_retention(store, "acme", 30, now_s, lambda c: keyed_pseudonym(KEY, "acme", c, 1)) is None
    finally:
        store.close()
