"""Which part of a replay one machine takes: shard K of N, split by customer.

First-contact resolution compares a contact with its customer's other arrivals, so a shard
holds whole customers: a contact belongs to the shard of the customer its first arrival names
(by occurred_at, then event_id, as the engine picks it), decided over exactly the events the
whole replay would read. Every contact then sits in one shard with every arrival its FCR
depends on, and the rows of the N shards add up to the rows of one replay.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_FORM = re.compile(r"(\d+)/(\d+)")


class Shard(NamedTuple):
    part: int  # 0-based; shown 1-based, as users count
    parts: int

    def __str__(self) -> str:
        return f"{self.part + 1}/{self.parts}"


def parse_shard(text: str) -> Shard:
    """``K/N`` with 1 ≤ K ≤ N, as ``--shard`` takes it."""
    found = _FORM.fullmatch(text.strip())
    if found is None or not 1 <= int(found[1]) <= int(found[2]):
        raise ValueError(f"--shard: expected K/N with 1 <= K <= N (e.g. 2/4), got {text!r}")
    return Shard(int(found[1]) - 1, int(found[2]))
