"""What each fault test injected and what came out: the table the integration suite prints last."""

from __future__ import annotations

FAULT_SUMMARY: list[tuple[str, str, int, int, int, int]] = []


def record_fault(test: str, injected: str, sent: int, expected_rows: list, rows: list) -> None:  # type: ignore[type-arg]
    """Note what a fault test injected and what came out, for the summary printed at the end."""
    key = ("client", "queue", "channel", "interval_start")
    want = {tuple(getattr(r, k) for k in key): r for r in expected_rows}
    got = {tuple(getattr(r, k) for k in key): r for r in rows}
    differing = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
    FAULT_SUMMARY.append((test, injected, sent, sum(r.offered for r in expected_rows),
                          sum(r.offered for r in rows), differing))  # fmt: skip
