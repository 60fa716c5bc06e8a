"""Every panel and variable query that reads a dashboard variable, run as Grafana sends it, with
client names that quoting gets wrong (a quote; backslashes, one ending the name) and with values a
viewer could type into the URL to read other clients' rows (chDB and clickhouse-server 18.16).

Each named client is the same simulated centre as acme under another name, so its panels must
show acme's numbers; a hostile value must read exactly what an unknown client reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clickhouse_driver.errors import ServerException

from dashboards.generate import dashboard
from dashboards.interpolation import VARIABLE
from dashboards.panels import DASHBOARDS, expand_macros
from dashboards.sql_parts import CLIENT
from producers.scenario import DEFAULT_SCENARIO, Scenario
from producers.simulator import Simulator
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from tests.helpers.harness import load_through_stages

pytestmark = pytest.mark.integration

START = datetime(2026, 11, 2, 8, tzinfo=UTC)
END = START + timedelta(hours=2)
SINCE, UNTIL = int(START.timestamp()), int(END.timestamp())
ACME = next(c for c in DEFAULT_SCENARIO.clients if c.name == "acme")
NAMED = ("o'brien", "back\\slash\\")
ATTEMPTS = (
    "x' OR 1=1 --",  # ends a '${client}' literal
    "\\' OR 1 --",  # ends a ${client:sqlstring} literal: ClickHouse reads \' as a quote
    "acme' --",  # another client's rows
    "acme%27 OR 1 --",  # an encoded quote, for the decoding to undo
)
ReadError = (RuntimeError, ServerException)  # chDB's, the server's


def centre(name: str) -> list[dict[str, Any]]:
    """acme's simulated traffic (one seed) under another name; event ids kept apart."""
    simulator = Simulator(START, seed=8, scenario=Scenario((replace(ACME, name=name),)))
    events = [event for _, event in simulator.events(END)]
    for event in events:
        event["event_id"] = f"{name}/{event['event_id']}"
    return events


@pytest.fixture(scope="module", params=["chdb", "server"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouse]:
    url = None if request.param == "chdb" else request.getfixturevalue("clickhouse_server").url
    seeded = connect(url, tmp_path_factory.mktemp(f"names-{request.param}"), f"names_{request.param}")
    clients = ("acme", *NAMED)
    firing = START + timedelta(hours=1)  # an alert for each client (the worker writes them, not the stages)
    try:
        load_through_stages(seeded, [e for name in clients for e in centre(name)])
        targets = ("client", "queue", "channel", "version", "timezone", "sl_threshold_s", "sl_target")
        seeded.insert(
            "sla_targets",
            targets,
            [[c, t.queue, t.channel, 1, ACME.timezone, 20.0, 0.8] for c in clients for t in ACME.teams],
        )
        alert = ("alert_id", "rule", "client", "queue", "channel", "started_at", "started_us", "version")
        seeded.insert("alerts", alert, [[f"{c}/1", "service_level", c, "billing", "call", firing,
                                         int(firing.timestamp()) * 10**6, 1] for c in clients])  # fmt: skip
        yield seeded
    finally:
        seeded.close()


def reads(sql: str, variable: str) -> bool:
    """Whether Grafana fills ``variable`` in ``sql`` (in any of its syntaxes)."""
    return any(variable in (m.group(1), m.group(2), m.group(4)) for m in VARIABLE.finditer(sql))


def reading_variables() -> list[tuple[str, str]]:
    """Every panel's SQL and variable query that reads the client variable (operations reads none)."""
    texts = []
    for uid in DASHBOARDS:
        board = dashboard(uid)
        texts += [(p["title"], t["rawSql"]) for p in board["panels"] for t in p["targets"]]
        texts += [(f"variable {v['name']}", v["query"]) for v in board["templating"]["list"] if "query" in v]
    return list(dict.fromkeys(t for t in texts if reads(t[1], "client")))


READING = reading_variables()


def test_every_panel_but_the_operations_ones_reads_the_client() -> None:
    titles = {p.title for uid, (_, panels) in DASHBOARDS.items() if uid != "cckpi-operations" for p in panels}
    assert {title for title, _ in READING} == titles | {"variable timezone"}


def run(
    store: ClickHouse, sql: str, client: str, timezone: str = ACME.timezone, grain: str = "day"
) -> list[Any]:
    return store.query(
        expand_macros(sql, SINCE, UNTIL, {"client": client, "timezone": timezone, "grain": grain})
    )


def as_acme(rows: list[Any], name: str) -> list[tuple[Any, ...]]:
    """Rows with the client's name (and the ids made from it) written as acme's."""
    return [tuple(v.replace(name, "acme") if isinstance(v, str) else v for v in row) for row in rows]


def same(got: list[tuple[Any, ...]], want: list[tuple[Any, ...]]) -> bool:
    def equal(a: Any, b: Any) -> bool:
        if isinstance(a, float) and isinstance(b, float):
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        return bool(a == b)

    return len(got) == len(want) and all(
        len(g) == len(w) and all(equal(a, b) for a, b in zip(g, w, strict=True))
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.parametrize("name", NAMED)
def test_every_panel_shows_a_client_whatever_its_name(store: ClickHouse, name: str) -> None:
    for title, sql in READING:
        want = run(store, sql, "acme")
        got = run(store, sql, name)
        assert same(as_acme(got, name), want), title
        assert got, f"{title}: no rows for {name!r} where acme has some"


@pytest.mark.parametrize("attempt", ATTEMPTS)
def test_a_value_typed_into_the_url_reads_nothing_of_any_client(store: ClickHouse, attempt: str) -> None:
    for title, sql in READING:
        assert run(store, sql, attempt) == run(store, sql, "nobody"), title
        assert not any(name in str(run(store, sql, attempt)) for name in ("acme", *NAMED)), title


def test_hostile_period_and_time_zone_read_nothing_more(store: ClickHouse) -> None:
    """An unknown grain counts by day; an unknown time zone is refused by ClickHouse."""
    for title, sql in READING:
        if reads(sql, "grain"):
            assert same(run(store, sql, "acme", grain="week' OR 1=1 --"), run(store, sql, "acme")), title
        if reads(sql, "timezone"):
            with pytest.raises(ReadError, match="(?i)time ?zone"):
                run(store, sql, "acme", timezone="UTC') OR 1=1 --")


def test_sqlstring_quoting_is_not_enough_for_clickhouse(store: ClickHouse) -> None:
    """Why the panels percent-encode: with Grafana's ``sqlstring``, a backslash breaks a name and
    opens the query to every client's rows."""
    sql = "SELECT DISTINCT client FROM kpi_interval WHERE client = ${client:sqlstring} ORDER BY client"
    with pytest.raises(ReadError):
        run(store, sql, NAMED[1])
    assert len(run(store, sql, ATTEMPTS[1])) == 1 + len(NAMED)  # acme's too
    encoded = f"SELECT DISTINCT client FROM kpi_interval WHERE client = {CLIENT}"
    assert run(store, encoded, NAMED[1]) == [(NAMED[1],)]


def test_the_store_holds_the_names_as_written(store: ClickHouse) -> None:
    assert sorted(r[0] for r in store.query("SELECT DISTINCT client FROM kpi_interval")) == sorted(
        ("acme", *NAMED)
    )
