"""Generate the Grafana dashboard JSON from :mod:`dashboards.panels` (``python -m dashboards.generate``),
every dashboard in every language of :mod:`schemas.vocabulary` (the words: :mod:`dashboards.words`).

The JSON is committed; a test proves it equals what this code generates.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from dashboards.grafana_alerting import alert_rules
from dashboards.panels import DASHBOARDS, Panel
from dashboards.sql_parts import CLIENT
from dashboards.words import (
    CLIENT_LABEL,
    HEADERS,
    NAMED,
    PERIOD_LABEL,
    PERIOD_WORDS,
    UNITS,
    VALUES,
    glossary,
    kpis_of,
    named,
    say,
)
from schemas.translations import SOURCE_LANGUAGE
from schemas.vocabulary import LANGUAGES, Language

OUT = Path(__file__).resolve().parent / "provisioning" / "dashboards"
ALERTING = OUT.parent / "alerting" / "cckpi-alert-rules.yaml"
DATASOURCE = {"type": "grafana-clickhouse-datasource", "uid": "cckpi-clickhouse"}
# The Grafana the panels are written for (its built-in panels carry its version): the compose
# stack's image, which a test keeps equal.
GRAFANA_VERSION = "11.6.3"
STATUS_COLOURS = {"in SLA": "green", "at risk": "orange", "breached": "red", "no calls": "text"}
# The columns a time series is split by: the ClickHouse plugin makes them labels of each series.
SERIES_LABELS = ("queue",)


def uid_in(uid: str, language: Language) -> str:
    """A dashboard's uid in a language: English keeps the uid it always had, so installs update."""
    return uid if language == SOURCE_LANGUAGE else f"{uid}-{language}"


def path_of(uid: str, language: Language) -> Path:
    """Its provisioned file: English at the top, other languages in a folder each (Grafana's file
    provider reads the folder tree, so one provider loads them all)."""
    return OUT / f"{uid}.json" if language == SOURCE_LANGUAGE else OUT / language / f"{uid}.json"


def _variables(uid: str, language: Language) -> list[dict[str, Any]]:
    if uid == "cckpi-operations":
        return []
    client = {
        "name": "client", "label": say(CLIENT_LABEL, language), "type": "query", "datasource": DATASOURCE,
        "query": "SELECT DISTINCT client FROM sla_targets ORDER BY client", "refresh": 1,
    }  # fmt: skip
    timezone = {
        "name": "timezone", "type": "query", "hide": 2, "datasource": DATASOURCE, "refresh": 1,
        "query": f"SELECT any(timezone) FROM sla_targets FINAL WHERE client = {CLIENT}",
    }  # fmt: skip
    if uid != "cckpi-client-sla":
        return [client, timezone]
    # A custom variable's "label : value" pairs show the label and give the SQL the value.
    shown = {grain: say(message, language) for grain, message in PERIOD_WORDS.items()}
    grain = {
        "name": "grain", "label": say(PERIOD_LABEL, language), "type": "custom",
        "query": ",".join(g if text == g else f"{text} : {g}" for g, text in shown.items()),
        "current": {"text": shown["day"], "value": "day"},
        "options": [{"text": text, "value": g, "selected": g == "day"} for g, text in shown.items()],
    }  # fmt: skip
    return [client, timezone, grain]


def output_columns(sql: str) -> list[str]:
    """The names of a query's result columns: its outer SELECT list's aliases (or bare names)."""
    begin = re.search(r"\bSELECT\b", sql)
    assert begin is not None, sql
    depth, items, item = 0, [], ""
    for at in range(begin.end(), len(sql)):
        char = sql[at]
        depth += (char in "([") - (char in ")]")
        if depth == 0 and re.match(r"\s+FROM\b", sql[at:]):
            break
        if depth == 0 and char == ",":
            items.append(item)
            item = ""
        else:
            item += char
    items.append(item)
    return [m.group(1) if (m := re.search(r"\bAS\s+(\w+)\s*$", i.strip())) else i.strip() for i in items]


def _column(panel: Panel, column: str, language: Language) -> dict[str, Any]:
    """A column's override: its header in the reader's words, its unit, its values' words."""
    shown = say(HEADERS[column], language)
    columns = output_columns(panel.sql)
    if panel.kind == "timeseries" and column != columns[0]:  # a series per label: its value follows
        shown += "".join(f" ${{__field.labels.{label}}}" for label in SERIES_LABELS if label in columns)
    properties: list[dict[str, Any]] = [{"id": "displayName", "value": shown}]
    unit = panel.columns.get(column, UNITS.get(column, panel.unit))
    if unit != panel.unit:
        properties.append({"id": "unit", "value": unit})
    if column == "status":
        properties.append({"id": "custom.cellOptions", "value": {"type": "color-background"}})
    shown_values = {value: say(message, language) for value, message in VALUES.get(column, {}).items()}
    shown_values.update({value: named(column, value, language) for value in NAMED.get(column, ())})
    if shown_values:
        options = {
            value: {"index": i, "text": text, **({"color": STATUS_COLOURS[value]} if value in STATUS_COLOURS
                                                  and column == "status" else {})}
            for i, (value, text) in enumerate(shown_values.items())
        }  # fmt: skip
        properties.append({"id": "mappings", "value": [{"type": "value", "options": options}]})
    return {"matcher": {"id": "byName", "options": column}, "properties": properties}


def _description(panel: Panel, language: Language) -> str:
    """What the panel is for, then the definition of each KPI it shows, from the vocabulary."""
    columns = [c for c in output_columns(panel.sql) if c in HEADERS]
    kpis = list(dict.fromkeys(k for m in [panel.text, *(HEADERS[c] for c in columns)] for k in kpis_of(m)))
    parts = [say(panel.description, language)] if panel.description else []
    return "\n\n".join([*parts, glossary(kpis, language)] if kpis else parts)


def _panel(panel: Panel, index: int, y: int, x: int, language: Language) -> dict[str, Any]:
    split = panel.kind == "timeseries"
    columns = [c for c in output_columns(panel.sql) if not (split and c in SERIES_LABELS)]
    overrides = [_column(panel, column, language) for column in columns]
    return {
        "id": index,
        "type": panel.kind,
        "pluginVersion": GRAFANA_VERSION,
        "title": say(panel.text, language),
        "description": _description(panel, language),
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


def dashboard(uid: str, language: Language = SOURCE_LANGUAGE) -> dict[str, Any]:
    """One dashboard in one language: the same panels and SQL, the reader's words."""
    title, panels = DASHBOARDS[uid]
    laid_out, x, y, row_height = [], 0, 0, 0
    for index, panel in enumerate(panels, start=1):
        if x + panel.width > 24:
            x, y, row_height = 0, y + row_height, 0
        laid_out.append(_panel(panel, index, y, x, language))
        x += panel.width
        row_height = max(row_height, panel.height)
    return {
        "uid": uid_in(uid, language),
        "title": say(title, language),
        "tags": ["cckpi"] if language == SOURCE_LANGUAGE else ["cckpi", language],
        "timezone": "utc",
        "refresh": "10s" if uid == "cckpi-wallboard" else "1m",
        "time": {"from": "now-6h" if uid != "cckpi-client-sla" else "now-30d", "to": "now"},
        "schemaVersion": 39,
        "editable": False,
        "templating": {"list": _variables(uid, language)},
        "panels": laid_out,
    }


def render(uid: str, language: Language = SOURCE_LANGUAGE) -> str:
    return json.dumps(dashboard(uid, language), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (the SQL) as literal blocks a reader can follow."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def render_alert_rules() -> str:
    header = "# Generated by python -m dashboards.generate from dashboards/alert_sql.py: do not edit.\n"
    return header + yaml.dump(alert_rules(DATASOURCE), Dumper=_Dumper, sort_keys=False, width=1000)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for language in LANGUAGES:
        for uid in DASHBOARDS:
            path = path_of(uid, language)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(uid, language), encoding="utf-8")
            print(f"wrote {path}")
    ALERTING.parent.mkdir(parents=True, exist_ok=True)
    ALERTING.write_text(render_alert_rules())
    print(f"wrote {ALERTING}")


if __name__ == "__main__":
    main()
