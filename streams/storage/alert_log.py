"""Alerts and their deliveries in ClickHouse: what a restarted worker resumes from."""

from __future__ import annotations

import time
from typing import Any

from streams.engine.alert_rules import Alert
from streams.engine.intervals import US_PER_S
from streams.storage.backends.protocol import ClickHouse

ALERT_COLUMNS = ("alert_id", "rule", "client", "queue", "channel", "value", "threshold",
                 "started_at", "started_us", "ended_us", "version")  # fmt: skip
DELIVERY_COLUMNS = ("alert_id", "state", "webhook", "delivered_at", "attempts", "outcome", "http_status",
                    "body")  # fmt: skip


def alert_row(alert: Alert, version: int) -> list[Any]:
    client, queue, channel = alert.scope
    return [alert.alert_id, alert.rule, client, queue, channel, alert.value, alert.threshold,
            alert.started_us // US_PER_S, alert.started_us, alert.ended_us, version]  # fmt: skip


def write_alerts(store: ClickHouse, alerts: list[Alert]) -> None:
    """Store what fired or resolved; a later version of an alert supersedes the earlier."""
    if alerts:
        version = time.time_ns()
        store.insert("alerts", ALERT_COLUMNS, [alert_row(a, version + i) for i, a in enumerate(alerts)])


def read_alerts(store: ClickHouse, firing_only: bool = False, limit: int = 1000) -> list[Alert]:
    """The latest state of each alert, newest first (``firing_only``: those not yet resolved)."""
    where = "WHERE ended_us IS NULL" if firing_only else ""
    rows = store.query(
        f"SELECT {', '.join(ALERT_COLUMNS[:-1])} FROM alerts FINAL {where} "
        f"ORDER BY started_us DESC, alert_id LIMIT {int(limit)}"
    )
    return [
        Alert(alert_id, rule, (client, queue, channel), value, threshold, started_us, ended_us)
        for alert_id, rule, client, queue, channel, value, threshold, _, started_us, ended_us in rows
    ]


def record_delivery(
    store: ClickHouse,
    alert_id: str,
    state: str,
    webhook: str,
    attempts: int,
    refused: bool = False,
    http_status: int = 0,
    body: bytes = b"",
) -> None:
    """Record that ``webhook`` took the alert state, or refused it for good (kept with its body
    for a manual resend), after ``attempts`` posts."""
    outcome = "refused" if refused else "delivered"
    row = [alert_id, state, webhook, int(time.time()), attempts, outcome, http_status,
           body.decode() if refused else ""]  # fmt: skip
    store.insert("alert_deliveries", DELIVERY_COLUMNS, [row])


def refused_deliveries(store: ClickHouse) -> list[tuple[str, str, str, int, int, str]]:
    """Requests set aside, oldest first: (alert_id, state, webhook, attempts, HTTP status, body)."""
    rows = store.query(
        "SELECT alert_id, state, webhook, attempts, http_status, body FROM alert_deliveries FINAL "
        "WHERE outcome = 'refused' ORDER BY delivered_at, alert_id"
    )
    return [(a, s, w, int(n), int(h), b) for a, s, w, n, h, b in rows]


def delivered(store: ClickHouse, since_us: int) -> set[tuple[str, str, str]]:
    """(alert_id, state, webhook) taken or refused for good by a webhook, for alerts started since
    ``since_us``: neither is sent again."""
    rows = store.query(
        "SELECT alert_id, state, webhook FROM alert_deliveries WHERE alert_id IN "
        "(SELECT alert_id FROM alerts WHERE started_us >= %(since)s)",
        {"since": since_us},
    )
    return {(a, s, w) for a, s, w in rows}
