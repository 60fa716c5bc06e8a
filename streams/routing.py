"""Which of N workers owns each line of a file of events, so that a batch can use every core.

First-contact resolution needs all contacts of a customer together, and a contact needs
all of its events, so a line goes to the worker of its contact's customer. Only arrivals
must name the customer; other events follow their contact. Customers that one contact
names in different arrivals are joined, so they are decided together too. Lines that name
no contact (agent states, unreadable lines) are spread round-robin: they are only checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from streams.packed import Packed


class _Route(msgspec.Struct):
    """The few fields routing reads; any type, since validation happens later, in full."""

    type: Any = None
    client: Any = None
    contact_id: Any = None
    customer_id: Any = None


_ROUTE = msgspec.json.Decoder(_Route)


def _route(line: bytes | memoryview) -> _Route | None:
    try:
        route = _ROUTE.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if isinstance(route.client, str) and isinstance(route.contact_id, str):
        return route
    return None


class _Customers:
    """Union-find over (client, customer_id), so a contact's customers share one owner."""

    def __init__(self) -> None:
        self.parent: dict[tuple[str, str], tuple[str, str]] = {}

    def find(self, node: tuple[str, str]) -> tuple[str, str]:
        parent = self.parent
        root = parent.setdefault(node, node)
        while root != parent[root]:
            root = parent[root]
        while node != root:  # path compression
            parent[node], node = root, parent[node]
        return root

    def join(self, a: tuple[str, str], b: tuple[str, str]) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _arrival_lines(messages: Packed) -> Iterator[bytes | memoryview]:
    """Every message that may be an arrival, found by scanning the buffer in C.

    A message with any JSON escape may spell its type some other way, and one holding a
    newline would be cut by the scan, so then every message is a candidate.
    """
    data = messages.data
    if b"\\" in data or not messages.one_per_line():
        yield from messages.views(range(len(messages)))
        return
    find, rfind = data.find, data.rfind
    at = find(b"contact.arrived")
    while at >= 0:
        start = rfind(b"\n", 0, at) + 1
        end = find(b"\n", at)
        end = len(data) if end < 0 else end
        yield data[start:end]
        at = find(b"contact.arrived", end)


def customer_groups(messages: Packed, workers: int) -> dict[tuple[str, str], int]:
    """The worker of every arrived contact (client, contact_id): its customer's group's."""
    customer_of: dict[tuple[str, str], tuple[str, str]] = {}
    customers = _Customers()
    for line in _arrival_lines(messages):
        route = _route(line)
        if route is None or route.type != "contact.arrived" or not isinstance(route.customer_id, str):
            continue
        contact = (route.client, route.contact_id)
        customer = (route.client, route.customer_id)
        known = customer_of.setdefault(contact, customer)
        if known != customer:
            customers.join(known, customer)
    return {contact: hash(customers.find(customer)) % workers for contact, customer in customer_of.items()}


def owners(messages: Packed, lo: int, hi: int, groups: dict[tuple[str, str], int], workers: int) -> bytes:
    """The worker of each of the messages ``lo`` to ``hi``, one byte each."""
    out = bytearray(hi - lo)
    get = groups.get
    for i, line in enumerate(messages.views(range(lo, hi))):
        route = _route(line)
        fallback = (lo + i) % workers
        out[i] = fallback if route is None else get((route.client, route.contact_id), fallback)
    return bytes(out)
