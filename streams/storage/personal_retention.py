"""The retention of personal data (the SLA file's ``personal_data_days``): a client's contacts
older than that have their customer's id pseudonymised and their comments and extra fields
dropped, by the same erasure as a customer's request.

Only contacts whose first-contact resolution no later contact can touch are erased: a
customer's old contacts up to a quiet gap longer than the FCR window. A customer who keeps
coming back more often than that keeps their id on those contacts until they pause; every KPI
row stays as it was, and a replay still agrees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator

from schemas.sla import FCR_WINDOW_S, SlaSettings
from streams.engine.intervals import US_PER_S
from streams.engine.pseudonyms import PREFIX
from streams.storage.backends.protocol import ClickHouse
from streams.storage.erasure import ErasedRows, erase_customers

DAY_S = 86_400
CUSTOMERS_PER_ERASURE = 300  # its contacts and digests stay well under 18.16's 256 KiB query size

Contact = tuple[str, int, int]  # contact id, arrived_us, the last moment its FCR looks from (us)


def erasable(contacts: list[Contact], before_us: int, window_us: int) -> list[str]:
    """Of one customer's contacts, those to erase: arrived before ``before_us``, and followed by
    no contact of the customer within ``window_us`` of their last moment."""
    ordered = sorted(contacts, key=lambda c: c[1])
    reach = -1  # the latest moment an erased contact's FCR looks from, so far
    cut = 0
    for index, (_, arrived_us, last_us) in enumerate(ordered):
        if arrived_us >= before_us:
            break
        reach = max(reach, last_us)
        following = ordered[index + 1][1] if index + 1 < len(ordered) else None
        if following is None or following > reach + window_us:
            cut = index + 1
    return [c[0] for c in ordered[:cut]]


def expired(store: ClickHouse, client: str, before_us: int) -> dict[str, list[str]]:
    """The client's customers with contacts to erase, and those contacts."""
    rows = store.query(
        "SELECT customer_id, contact_id, min(arrived_us), "
        "max(greatest(greatest(ifNull(arrived_us, 0), ifNull(ended_us, 0)), last_event_us)) FROM contacts "
        "WHERE client = %(client)s AND arrived_us IS NOT NULL AND customer_id IN (SELECT customer_id "
        "FROM contacts WHERE client = %(client)s AND arrived_us < %(before)s AND customer_id != '' "
        "AND NOT startsWith(customer_id, %(prefix)s)) GROUP BY customer_id, contact_id",
        {"client": client, "prefix": PREFIX, "before": before_us},
    )
    by_customer: dict[str, list[Contact]] = defaultdict(list)
    for customer, contact, arrived_us, last_us in rows:
        by_customer[customer].append((contact, int(arrived_us), int(last_us)))
    found = {c: erasable(contacts, before_us, FCR_WINDOW_S * US_PER_S) for c, contacts in by_customer.items()}
    return {c: contacts for c, contacts in sorted(found.items()) if contacts}


def retention_days(sla: SlaSettings) -> dict[str, int]:
    """The clients whose SLA settings set ``personal_data_days``, with it."""
    return {
        name: c.personal_data_days for name, c in sorted(sla.config.clients.items()) if c.personal_data_days
    }


def apply_retention(
    store: ClickHouse, client: str, days: int, now_s: int, pseudonym_of: Callable[[str], str]
) -> ErasedRows | None:
    """Erase the client's personal data older than ``days`` (None: nothing was old enough)."""
    found = expired(store, client, (now_s - days * DAY_S) * US_PER_S)
    if not found:
        return None
    total = ErasedRows(customers=0)
    for chunk in _chunked(found):
        names = {customer: pseudonym_of(customer) for customer in chunk}
        contacts = {contact for customer in chunk for contact in chunk[customer]}
        total += erase_customers(store, client, names, reason="retention", contacts=contacts)
    return total


def _chunked(found: dict[str, list[str]]) -> Iterator[dict[str, list[str]]]:
    items = list(found.items())
    for start in range(0, len(items), CUSTOMERS_PER_ERASURE):
        yield dict(items[start : start + CUSTOMERS_PER_ERASURE])
