"""The webhook rules in bare numbers: which answers are retried, Retry-After read both ways, the
jittered back-off's bounds, and a bounded queue."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.sla import Webhook
from streams.alerting.webhooks import MAX_BACKOFF_S, Outbox, backoff_s, retried, retry_after_s
from streams.engine.alert_rules import Alert

NOW = datetime(2026, 12, 7, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "again"),
    [(500, True), (502, True), (503, True), (429, True), (408, True), (425, True),
     (400, False), (401, False), (403, False), (404, False), (410, False), (413, False), (301, False)],
)  # fmt: skip
def test_only_answers_that_may_change_are_retried(status: int, again: bool) -> None:
    assert retried(status) is again


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (" 120 ", 120.0), ("86400", 3600.0), ("Mon, 07 Dec 2026 10:00:30 GMT", 30.0),
     ("Mon, 07 Dec 2026 09:00:00 GMT", 0.0), ("soon", None), ("", None), (None, None), ("-5", None)],
)  # fmt: skip
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    assert retry_after_s(header, NOW) == seconds


@pytest.mark.parametrize(
    ("failures", "low", "high"), [(1, 0.25, 0.5), (2, 0.5, 1.0), (5, 4.0, 8.0), (40, 30, 60)]
)
def test_backoff_doubles_within_its_upper_half_up_to_a_minute(failures: int, low: float, high: float) -> None:
    assert (backoff_s(failures, lambda a, b: a), backoff_s(failures, lambda a, b: b)) == (low, high)
    assert backoff_s(99, lambda a, b: b) == MAX_BACKOFF_S


def test_a_full_queue_drops_its_oldest_and_counts_it() -> None:
    outbox = Outbox([Webhook(url="http://127.0.0.1:9/hook")], max_queued=3)
    outbox.add(Alert(f"a{i}", "service_level", ("acme", "q", "call"), 0.5, 0.8, i) for i in range(5))
    assert (outbox.pending, outbox.dropped) == (3, 2)
