"""A customer's erasure (events.md, "Personal data"): the keyed pseudonym that replaces their id,
and their events as they read once their personal data is gone.

The pseudonym is the same for all of a customer's events, so first-contact resolution and every
other number stay as they were. It also keeps the customer's stage-two partition (the live
first-contact state is kept per customer partition): a worker that reloads its state after an
erasure finds the customer's contacts where it left them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from itertools import count
from typing import Any

import orjson

from schemas.events import CONTRACT_FIELDS
from streams.engine.fcr import customer_partition

PREFIX = "anon:"  # what a pseudonym starts with: a retention run leaves such ids alone
PERSONAL = ("comment",)  # the contract's fields about a person, besides the customer's id


def keyed_pseudonym(key: bytes, client: str, customer_id: str, partitions: int) -> str:
    """The customer's stand-in: nobody without ``key`` can tell the id from it, and it falls in
    the same stage-two partition of ``partitions`` as the id."""
    home = customer_partition(client, customer_id, partitions)
    for attempt in count():
        message = f"{client}\x1f{customer_id}\x1f{attempt}".encode()
        candidate = PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
        if customer_partition(client, candidate, partitions) == home:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def is_pseudonym(customer_id: str) -> bool:
    return customer_id.startswith(PREFIX)


def erased_event(payload: bytes | str, names: Mapping[str, str]) -> bytes:
    """The event with its ``customer_id``, where ``names`` has it, replaced by the pseudonym, and
    its comment and every field the contract does not define (a producer's extras) removed. A
    message that is not a JSON object (a dead letter) keeps its bytes, every occurrence of an id
    replaced (nothing there says which text is the customer's)."""
    raw = payload.encode() if isinstance(payload, str) else bytes(payload)
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        for old, stand_in in names.items():
            raw = raw.replace(old.encode(), stand_in.encode())
        return raw
    kept: dict[str, Any] = {k: v for k, v in body.items() if k in CONTRACT_FIELDS and k not in PERSONAL}
    customer = kept.get("customer_id")
    new = names.get(customer) if isinstance(customer, str) else None
    if new is None and len(kept) == len(body):
        return raw  # nothing personal in it: its bytes stay as received
    if new is not None:
        kept["customer_id"] = new
    return orjson.dumps(kept)
