"""Generate the Grafana dashboard JSON from :mod:`dashboards.panels` (``python -m dashboards.generate``).

The JSON is committed; a test proves it equals what this code generates.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dashboards.panels import DASHBOARDS, Panel

OUT = Path(__file__).resolve().parent / "provisioning" / "dashboards"
DATASOURCE = {"type": "grafana-clickhouse-datasource", "uid": "cckpi-clickhouse"}
# The Grafana the panels are written for (its built-in panels carry its version): the compose
# stack's image, which a test keeps equal.
GRAFANA_VERSION = "11.6.3"
STATUS_COLOURS = {"in SLA": "green", "at risk": "orange", "breached": "red", "no calls": "text"}


def _variables(uid: str) -> list[dict[str, Any]]:
    if uid == "cckpi-operations":
        return []
    client = {
        "name": "client", "label": "Client", "type": "query", "datasource": DATASOURCE,
        "query": "SELECT DISTINCT client FROM sla_targets ORDER BY client", "refresh": 1,
    }  # fmt: skip
    timezone = {
        "name": "timezone", "type": "query", "hide": 2, "datasource": DATASOURCE, "refresh": 1,
        "query": "SELECT any(timezone) FROM sla_targets FINAL WHERE client = '${client}'",
    }  # fmt: skip
    if uid != "cckpi-client-sla":
        return [client, timezone]
    grain = {
        "name": "grain", "label": "Period", "type": "custom", "query": "day,week,month",
        "current": {"text": "day", "value": "day"},
        "options": [{"text": g, "value": g, "selected": g == "day"} for g in ("day", "week", "month")],
    }  # fmt: skip
    return [client, timezone, grain]


def _panel(panel: Panel, index: int, y: int, x: int) -> dict[str, Any]:
    overrides = []
    if "status" in panel.sql:
        overrides.append({
            "matcher": {"id": "byName", "options": "status"},
            "properties": [
                {"id": "custom.cellOptions", "value": {"type": "color-background"}},
                {"id": "mappings", "value": [{"type": "value", "options": {
                    text: {"color": colour, "index": i}
                    for i, (text, colour) in enumerate(STATUS_COLOURS.items())
                }}]},
            ],
        })  # fmt: skip
    return {
        "id": index,
        "type": panel.kind,
        "pluginVersion": GRAFANA_VERSION,
        "title": panel.title,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": overrides},
        "options": {"showHeader": True} if panel.kind == "table" else {},
        "targets": [{
            "refId": "A", "datasource": DATASOURCE, "editorType": "sql", "rawSql": panel.sql,
            "format": 0 if panel.kind == "timeseries" else 1,
            "queryType": "timeseries" if panel.kind == "timeseries" else "table",
        }],
    }  # fmt: skip


def dashboard(uid: str) -> dict[str, Any]:
    title, panels = DASHBOARDS[uid]
    laid_out, x, y, row_height = [], 0, 0, 0
    for index, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        laid_out.append(_panel(panel, index, y, x))
        x += panel.width
        row_height = max(row_height, panel.height)
    return {
        "uid": uid,
        "title": title,
        "tags": ["cckpi"],
        "timezone": "utc",
        "refresh": "10s" if uid == "cckpi-wallboard" else "1m",
        "time": {"from": "now-6h" if uid != "cckpi-client-sla" else "now-30d", "to": "now"},
        "schemaVersion": 39,
        "editable": False,
        "templating": {"list": _variables(uid)},
        "panels": laid_out,
    }


def render(uid: str) -> str:
    return json.dumps(dashboard(uid), indent=2, sort_keys=True) + "\n"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for uid in DASHBOARDS:
        (OUT / f"{uid}.json").write_text(render(uid))
        print(f"wrote {OUT / f'{uid}.json'}")


if __name__ == "__main__":
    main()
