"""What is happening now, from the live state: contacts waiting and agents by state."""

from __future__ import annotations

from collections import Counter, defaultdict

from streams.engine.agent_states import AgentBoard
from streams.engine.intervals import US_PER_S
from streams.engine.totals import Lane
from streams.stages.contact_book import ContactBook


def waiting_now(books: list[ContactBook], now_us: int) -> dict[Lane, dict[str, float]]:
    """Inbound contacts arrived by ``now_us`` and neither answered, abandoned, self-served nor
    ended by then, per client/queue/channel: the count and the longest wait are taken at the
    same instant (a contact stamped later is not waiting yet: it would count with a wait of
    0 s), as the panels' ``waiting_at`` takes them from the stored contacts."""
    out: dict[Lane, dict[str, float]] = defaultdict(lambda: {"waiting": 0, "longest_wait_s": 0.0})
    for book in books:
        for c in book.contacts.values():
            a = c.arrival
            if a is None or a.at_us > now_us or a.outbound:
                continue
            gone = (c.answered, c.abandoned, c.self_served)
            if any(slot is not None and slot[0] <= now_us for slot in gone):
                continue
            if c.ended is not None and c.ended.at_us <= now_us:
                continue
            slot = out[(c.client, a.queue, a.channel)]
            slot["waiting"] += 1
            slot["longest_wait_s"] = max(slot["longest_wait_s"], (now_us - a.at_us) / US_PER_S)
    return out


def agents_by_state(board: AgentBoard) -> dict[tuple[str, str], dict[str, int]]:
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for status in board.agents.values():
        counts[(status.client, status.queue)][status.state] += 1
    return {key: dict(counter) for key, counter in counts.items()}
