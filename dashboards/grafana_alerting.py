"""Grafana alert rules for the conditions of kpis.md "Alerts", provisioned as a file beside the
dashboards, for teams that route alerts through Grafana rather than (or beside) the worker's
webhooks. Each rule runs its query from :mod:`dashboards.alert_sql` and fires per row whose
``holds`` is 1.

Lifecycle, as close as Grafana's model allows to the contract: evaluated every minute, an alert
fires at the first evaluation that holds (``for: 0s``), stays firing for two clean evaluations
(``keepFiringFor: 2m``) before it resolves, and Grafana's notification policy does not send it
again while it fires (its repeat interval, 4 h by default).
"""

from __future__ import annotations

from typing import Any

from dashboards.alert_sql import RULES

EVERY = "1m"
CLEAN_EVALUATIONS = 2
LOOK_BACK_S = 86_400  # the waiting rules read contacts that arrived within the last day


def _labels_text(rule: str) -> str:
    if rule == "consumer_lag":
        return "{{ $labels.topic }}"
    if rule == "dead_letters":
        return "pipeline"
    return "{{ $labels.client }} / {{ $labels.queue }} / {{ $labels.channel }}"


def _rule(name: str, title: str, sql: str, datasource: dict[str, str]) -> dict[str, Any]:
    return {
        "uid": f"cckpi-{name.replace('_', '-')}",
        "title": f"cckpi: {title}",
        "condition": "B",
        "data": [
            {
                "refId": "A",
                "relativeTimeRange": {"from": LOOK_BACK_S, "to": 0},
                "datasourceUid": datasource["uid"],
                "model": {
                    "refId": "A",
                    "datasource": dict(datasource),  # a copy each: no YAML aliases in the file
                    "editorType": "sql",
                    "format": 1,
                    "queryType": "table",
                    "rawSql": sql,
                },
            },
            {
                "refId": "B",
                "datasourceUid": "__expr__",
                "model": {
                    "refId": "B",
                    "datasource": {"type": "__expr__", "uid": "__expr__"},
                    "type": "threshold",
                    "expression": "A",
                    "conditions": [{"evaluator": {"type": "gt", "params": [0.5]}}],
                },
            },
        ],
        "noDataState": "OK",  # no lane with contacts: nothing to alert on
        "execErrState": "Error",
        "for": "0s",
        "keepFiringFor": f"{CLEAN_EVALUATIONS}m",
        "labels": {"cckpi_rule": name},
        "annotations": {"summary": f"{_labels_text(name)}: {title}"},
        "isPaused": False,
    }


def alert_rules(datasource: dict[str, str]) -> dict[str, Any]:
    """The provisioning file's content: one group, every rule of kpis.md, reading ``datasource``
    (the dashboards' ClickHouse)."""
    return {
        "apiVersion": 1,
        "groups": [{
            "orgId": 1,
            "name": "cckpi",
            "folder": "cckpi",
            "interval": EVERY,
            "rules": [_rule(name, title, sql, datasource) for name, (title, sql) in RULES.items()],
        }],
    }  # fmt: skip
