"""Customers with personal data in a simulated stream, and where a text is still stored."""

from __future__ import annotations

import random
from typing import Any

from streams.storage.backends.protocol import ClickHouse
from tests.helpers.events import raw

PERSON = "person-erase-me-4711"  # ids no other stored string contains
OTHER = "person-keep-me-0815"


def with_people(events: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """The stream with two of acme's repeat customers renamed PERSON and OTHER, their arrivals
    carrying a producer's extras and their surveys a comment."""
    arrivals = [e for e in events if e["type"] == "contact.arrived" and e["client"] == "acme"]
    counts: dict[str, int] = {}
    for e in arrivals:
        counts[e["customer_id"]] = counts.get(e["customer_id"], 0) + 1
    erased, kept = rng.sample(sorted(c for c, n in counts.items() if n >= 2), 2)
    renamed = {erased: PERSON, kept: OTHER}
    contacts = {e["contact_id"]: renamed[e["customer_id"]] for e in arrivals if e["customer_id"] in renamed}
    out = []
    for e in events:
        person = contacts.get(e.get("contact_id", ""))
        if person:
            e = {**e, **personal(e, person)}
        out.append(e)
    return out


def personal(event: dict[str, Any], person: str) -> dict[str, Any]:
    """What a producer adds about ``person`` to one of their events."""
    if event["type"] == "contact.arrived":
        return {"customer_id": person, "caller_number": f"+41 44 {person}", "email": f"{person}@example.ch"}
    if event["type"] == "survey.answered":
        return {"comment": f"I am {person}, call me back"}
    return {}


def a_contact(contact: str, person: str, at_s: float, resolved: bool = True) -> list[dict[str, Any]]:
    """One answered and ended call of ``person`` (at seconds after the events' BASE), surveyed."""
    events = [raw("contact.arrived", at_s, contact), raw("contact.answered", at_s + 15, contact),
              raw("contact.ended", at_s + 400, contact, resolved=resolved),
              raw("survey.answered", at_s + 500, contact, csat=5)]  # fmt: skip
    return [{**e, **personal(e, person)} for e in events]


def holding(store: ClickHouse, databases: str, text: str) -> list[str]:
    """Every column of every table of the databases named LIKE ``databases`` that holds ``text``."""
    found = []
    tables = store.query(
        "SELECT database, table, name FROM system.columns "
        "WHERE database LIKE %(like)s AND type LIKE '%%String%%'",
        {"like": databases},
    )
    for database, table, column in tables:
        where = f"position(toString(`{column}`), %(t)s) > 0"
        hits = store.query(f"SELECT count() FROM `{database}`.`{table}` WHERE {where}", {"t": text})
        if hits[0][0]:
            found.append(f"{database}.{table}.{column}")
    return found
