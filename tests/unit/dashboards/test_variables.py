"""Dashboard variables reach ClickHouse escaped: Grafana's formats as its source has them, and no
panel, variable query or alert rule pastes a variable in any other way."""

from __future__ import annotations

import re

import pytest

from dashboards.alert_sql import RULES
from dashboards.generate import dashboard
from dashboards.interpolation import (
    VARIABLE,
    VARIABLE_FORMATS,
    Value,
    expand_macros,
    interpolate,
    plugin_format,
)
from dashboards.panels import DASHBOARDS
from dashboards.sql_parts import variable

ESCAPED = re.compile(r"decodeURLComponent\('\$\{(\w+):percentencode\}'\)")


@pytest.mark.parametrize(
    ("fmt", "value", "expected"),
    [
        ("raw", "o'brien", "o'brien"),
        ("raw", ["a", "b"], "a,b"),
        ("sqlstring", "o'brien", "'o''brien'"),
        ("sqlstring", 'say "hi"', "'say \\\"hi\\\"'"),
        ("sqlstring", "ends\\", "'ends\\'"),  # a backslash stays: ClickHouse reads it as an escape
        ("sqlstring", ["o'brien", "acme"], "'o''brien','acme'"),
        ("singlequote", "o'brien", "'o\\'brien'"),
        ("singlequote", ["a", "b"], "'a','b'"),
        ("percentencode", "o'brien", "o%27brien"),
        ("percentencode", "Europe/Zurich", "Europe%2FZurich"),
        ("percentencode", "\\' OR 1 -- ü!()*~", "%5C%27%20OR%201%20--%20%C3%BC%21%28%29%2A~"),
        ("percentencode", ["a", "b"], "%7Ba%2Cb%7D"),
        ("glob", ["a", "b"], "{a,b}"),
        ("glob", "a", "a"),
    ],
)
def test_grafana_formats(fmt: str, value: Value, expected: str) -> None:
    assert VARIABLE_FORMATS[fmt](value) == expected


def test_interpolation_takes_the_named_format_else_the_plugins() -> None:
    variables: dict[str, Value] = {"client": "o'brien", "many": ["a", "b"]}
    assert plugin_format("o'brien") == "o'brien" and plugin_format(["a", "b"]) == "'a','b'"
    sql = "'${client}' $client [[client]] ${client:sqlstring} ${client:percentencode} ${many} ${x} $__to"
    assert interpolate(sql, variables) == "'o'brien' o'brien o'brien 'o''brien' o%27brien 'a','b' ${x} $__to"
    assert interpolate("${client:nonesuch}", {"client": ["a", "b"]}) == "{a,b}"  # Grafana's fallback
    # Variables before macros, as Grafana then the plugin's backend: a value is no macro.
    encoded = expand_macros(variable("client"), 0, 1, {"client": "$__toTime"})
    assert encoded == "decodeURLComponent('%24__toTime')"


def interpolated_sql(uid: str) -> list[tuple[str, str]]:
    """Every text of a dashboard Grafana interpolates: its panels' SQL and its variables' queries."""
    board = dashboard(uid)
    texts = [(p["title"], t["rawSql"]) for p in board["panels"] for t in p["targets"]]
    return texts + [(v["name"], v["query"]) for v in board["templating"]["list"] if v["type"] == "query"]


@pytest.mark.parametrize("uid", list(DASHBOARDS))
def test_every_variable_reaches_clickhouse_percent_encoded(uid: str) -> None:
    board = dashboard(uid)
    variables = board["templating"]["list"]
    defined = {v["name"] for v in variables}
    assert not any(v.get("multi") or v.get("includeAll") for v in variables)  # one value each
    for title, sql in interpolated_sql(uid):
        assert set(ESCAPED.findall(sql)) <= defined, title
        rest = ESCAPED.sub("", sql)
        pasted = [m.group(0) for m in VARIABLE.finditer(rest) if not m.group(0).startswith("$__")]
        assert not pasted, f"{title}: {pasted} pasted unescaped; use dashboards.sql_parts.variable"


def test_alert_rules_read_no_dashboard_variable() -> None:
    for title, sql in RULES.values():  # Grafana's alerting has no dashboard variables to fill in
        assert not [m for m in VARIABLE.finditer(sql) if not m.group(0).startswith("$__")], title
