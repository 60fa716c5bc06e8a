"""Which of N workers owns each message of a batch, so that a batch can use every core.

First-contact resolution needs all contacts of a customer together, and a contact needs
all of its events, so a message goes to the worker of its contact's customer. Only
arrivals must name the customer; other events follow their contact. Customers that one
contact names in different arrivals are joined, so they are decided together too. A
contact that never arrived is kept together by its own key. Messages that name no contact
(agent states, unreadable ones) are spread round-robin: they are only checked.

Contacts and customers are handled as 64-bit hashes: the slices are read in parallel and
send back only arrays, and the parent assigns a million messages in a few numpy calls.
Two keys sharing a hash only put their events in one worker, which is always correct.
The hashes are Python's ``hash``, the same in every process forked from one parent; a
replay instead takes ClickHouse's hashes of the archive's columns (:func:`known_routes`),
so no message is parsed twice. Any hash serves, as long as one batch uses one.
"""

from __future__ import annotations

from array import array
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from streams.batch.packed import Packed

NO_CONTACT = -1  # Python's hash() never returns -1

Keys = npt.NDArray[np.int64]
Routes = tuple[Keys, Keys]  # each message's contact key; the (contact, customer) pairs of arrivals


class _Route(msgspec.Struct):
    """The few fields routing reads; any type, since validation happens later, in full."""

    type: Any = None
    client: Any = None
    contact_id: Any = None
    customer_id: Any = None
    event_id: Any = None  # copies of one id are settled before counting (streams.batch.conflicts)


_ROUTE = msgspec.json.Decoder(_Route)


def route_keys(messages: Packed, lo: int, hi: int) -> tuple[bytes, bytes, bytes]:
    """Phase one, for messages ``lo`` to ``hi``: each one's contact key (``NO_CONTACT`` when
    it names none), a (contact, customer) key pair for each arrival naming a customer, and each
    one's event-id key (``NO_CONTACT`` when it has none), read in the same pass."""
    keys = array("q", [NO_CONTACT]) * (hi - lo)
    ids = array("q", [NO_CONTACT]) * (hi - lo)
    pairs = array("q")
    decode = _ROUTE.decode
    for i, line in enumerate(messages.views(range(lo, hi))):  # written out: a call a message cost
        try:
            route = decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # refused later, with a reason
            continue
        if isinstance(route.event_id, str):
            ids[i] = hash(route.event_id)
        client, contact_id = route.client, route.contact_id
        if isinstance(client, str) and isinstance(contact_id, str):
            contact = keys[i] = hash((client, contact_id))
            if route.type == "contact.arrived" and isinstance(route.customer_id, str):
                pairs.extend((contact, hash((client, route.customer_id))))
    return keys.tobytes(), pairs.tobytes(), ids.tobytes()


def known_routes(contacts: Keys, customers: Keys) -> Routes:
    """What :func:`route_keys` finds, from keys already known per message: each one's contact
    key, and its customer key where it is an arrival (``NO_CONTACT`` elsewhere)."""
    arrived = customers != NO_CONTACT
    return contacts, np.column_stack((contacts[arrived], customers[arrived])).ravel()


def _joined(pairs: Keys) -> Keys:
    """Each pair's customer replaced by its group's: customers one contact names are one group."""
    ordered = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]  # by contact, then customer
    by_contact, their_customers = ordered[:, 0], ordered[:, 1]
    # rare: one contact naming two customers
    shared = np.flatnonzero(
        (by_contact[1:] == by_contact[:-1]) & (their_customers[1:] != their_customers[:-1])
    )
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = parent.setdefault(node, node)
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    for i in shared.tolist():
        a, b = find(int(their_customers[i])), find(int(their_customers[i + 1]))
        if a != b:
            parent[max(a, b)] = min(a, b)
    customers = pairs[:, 1].copy()
    if parent:
        joined = np.array(sorted(parent), np.int64)
        roots = np.array([find(int(c)) for c in joined], np.int64)
        at = np.searchsorted(joined, customers).clip(max=len(joined) - 1)
        hit = joined[at] == customers
        customers[hit] = roots[at[hit]]
    return customers


def owners(keys: Keys, pairs: Keys, workers: int) -> bytes:
    """The worker of every message (one byte each), from the contact keys of all messages
    and the (contact, customer) pairs of all arrivals, as :func:`route_keys` found them."""
    named = np.flatnonzero(keys != NO_CONTACT)
    owner = np.arange(len(keys), dtype=np.int64) % workers
    owner[named] = keys[named] % workers
    pairs = pairs.reshape(-1, 2)
    if len(pairs):
        contacts, first = np.unique(pairs[:, 0], return_index=True)
        group_owner = _joined(pairs)[first] % workers
        at = np.searchsorted(contacts, keys[named]).clip(max=len(contacts) - 1)
        arrived = contacts[at] == keys[named]
        owner[named[arrived]] = group_owner[at[arrived]]
    return owner.astype(np.uint8).tobytes()
