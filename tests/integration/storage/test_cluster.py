"""A replicated cluster: two Debian 18.16 servers on loopback, one shard, and a ZooKeeper of their
own. With CCKPI_CLICKHOUSE_CLUSTER the migrations make every table a Replicated local table and a
Distributed table over them, ON CLUSTER; an upgrade adds columns on both; what a worker writes
through one replica, the other reads, row for row; writing again replaces by key; a client's
database holds its rows on both; replay agrees on either replica; a customer erased through one
replica is gone from the other."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.chserver import ClickHouseCluster
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from streams.batch.compute import LineTally, compute_rows, read_events
from streams.engine.pseudonyms import keyed_pseudonym
from streams.replay.rederive import replay
from streams.settings import Settings
from streams.storage import erasure
from streams.storage.backends.cluster import ClusterError
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.erasure import erase_customers
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.schema.migrate import load_migrations, migrate
from streams.storage.schema.sql_files import MIGRATIONS_DIR
from streams.storage.tenants import provision_client
from tests.helpers.events import SIM_END, SIM_START, as_messages, raw
from tests.helpers.harness import new_settings, run_pipeline
from tests.helpers.personal import holding

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseCluster]:
    started = ClickHouseCluster(tmp_path_factory.mktemp("cluster"))
    yield started
    started.stop()


def tables(store: ClickHouse, database: str) -> dict[str, str]:
    rows = store.query("SELECT name, engine FROM system.tables WHERE database = %(d)s", {"d": database})
    return dict(rows)


def kpi_rows(store: ClickHouse) -> list[KpiRow]:
    return [row for row in read_kpi_rows(store, 900) if row.client != "legacy"]


def test_what_one_replica_writes_the_other_reads(
    tmp_path: Path,
    cluster: ClickHouseCluster,
    broker: TansuBroker,
    simulated_events: list[dict[str, Any]],
) -> None:
    before = tmp_path / "before"  # a database made before migration 012, upgraded in place
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:3]) < 12:
            shutil.copy(path, before / path.name)
    one = connect(cluster.url(0, insert_quorum=2), tmp_path, "clustered")
    two = connect(cluster.url(1, insert_quorum=2), tmp_path, "clustered")
    try:
        migrate(one, before)
        old = ("client", "queue", "channel", "interval_start", "source", "version", "offered", "handled")
        one.insert("kpi_interval", old, [("legacy", "q", "call", 1_795_000_500, "s", 1, 3, 2)])
        client = sorted({e["client"] for e in simulated_events})[0]
        views = provision_client(one, "clustered", client)  # before the upgrade: made again by it
        assert "012_transfers_effort_cost" in migrate(two)  # new columns on every replica
        assert migrate(one) == []  # recorded cluster-wide
        for store in (one, two):
            found = tables(store, "clustered")
            shared = {name for name in found if not name.endswith("_local")}
            created = [s for m in load_migrations() for s in m.statements if s.startswith("CREATE TABLE")]
            assert len(shared) == len(created) + 1  # and schema_migrations
            assert all(found[name] == "Distributed" for name in shared)
            assert all(found[f"{name}_local"].startswith("Replicated") for name in shared)
            seen = store.query(
                "SELECT offered, transferred, ces_sum FROM kpi_interval FINAL WHERE client = 'legacy'"
            )
            assert [tuple(row) for row in seen] == [(3, 0, 0)]  # the old row, with the new columns' defaults
        # A database and the cluster setting must agree: either mistake is refused, by name.
        alone = connect(cluster.servers[0].url, tmp_path, "clustered")  # the cluster's name left out
        single = connect(cluster.servers[0].url, tmp_path, "single")
        try:
            with pytest.raises(ClusterError, match="made on a cluster: set CCKPI_CLICKHOUSE_CLUSTER"):
                migrate(alone)
            migrate(single)  # a database of one server's tables, on a server of the cluster
            with pytest.raises(ClusterError, match="database single was made on one server"):
                migrate(connect(cluster.url(0), tmp_path, "single"))
        finally:
            alone.close()
            single.close()
        replicas = two.query("SELECT table, total_replicas, active_replicas FROM system.replicas "
                             "WHERE database = 'clustered'")  # fmt: skip
        assert len(replicas) == len(shared) and all(r[1:] == (2, 2) for r in replicas)

        settings = new_settings(tmp_path, broker.bootstrap, cluster.url(0, insert_quorum=2))
        run_pipeline(settings.model_copy(update={"database": "clustered"}), as_messages(simulated_events),
                     settings.clickhouse())  # a worker writing through replica one  # fmt: skip
        want = compute_rows(read_events((orjson.dumps(e) for e in simulated_events), LineTally()))
        assert kpi_rows(two) == want  # the other replica, at once: the inserts had a quorum of 2
        columns = [c for (c,) in two.query("SELECT name FROM system.columns WHERE database = 'clustered' "
                                           "AND table = 'kpi_interval'")]  # fmt: skip
        written = one.query(f"SELECT {', '.join(columns)} FROM kpi_interval")
        two.insert("kpi_interval", columns, written)  # every row written again, from the other side
        assert kpi_rows(one) == want  # replaced by key, not added
        theirs = [r for r in want if r.client == client]
        for store in (one, two):  # the client's database holds its rows, and only those, on each replica
            seen = store.query(f"SELECT client, sum(offered), sum(handled) FROM {views}.kpi_interval FINAL "
                               "GROUP BY client")  # fmt: skip
            assert seen == [(client, sum(r.offered for r in theirs), sum(r.handled for r in theirs))]
        assert provision_client(two, "clustered", client) == views  # idempotent
        since, until = int(SIM_START.timestamp()), int(SIM_END.timestamp())
        result = replay(two, SlaSettings(), since, until, None)
        assert result.agrees and result.events == sum(e["type"] != "agent.state" for e in simulated_events)

        # An erasure through one replica: on the other, no table holds the customer, nothing moved.
        person = next(e["customer_id"] for e in simulated_events if e["type"] == "contact.arrived"
                      and e["client"] == client and len(e["customer_id"]) > 12)  # fmt: skip
        assert holding(two, "clustered%", person)
        erased = erase_customers(one, client, {person: keyed_pseudonym(b"k" * 32, client, person, 3)})
        assert erased.raw_events >= 1 and erased.contacts >= 1
        assert holding(two, "clustered%", person) == []
        assert kpi_rows(two) == want and replay(two, SlaSettings(), since, until, None).agrees
    finally:
        one.close()
        two.close()


def test_an_erasure_whose_rewrite_is_the_only_row_left_finishes(
    tmp_path: Path, cluster: ClickHouseCluster, broker: TansuBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one contact of the one customer: the rewritten row is all a fence can copy, a block
    the replicated table has just seen; a deduplicated fence held the deletion to the timeout."""
    monkeypatch.setattr(erasure, "MUTATION_WAIT_S", 60.0)
    person = "cust-alone-0001"
    events = [raw("contact.arrived", 0, "c1", customer_id=person), raw("contact.answered", 5, "c1"),
              raw("contact.ended", 200, "c1")]  # fmt: skip
    settings = new_settings(tmp_path, broker.bootstrap, cluster.url(0, insert_quorum=2))
    settings = settings.model_copy(update={"database": "alone"})
    run_pipeline(settings, as_messages(events), settings.clickhouse())
    one = connect(cluster.url(0, insert_quorum=2), tmp_path, "alone")
    two = connect(cluster.url(1, insert_quorum=2), tmp_path, "alone")
    try:
        assert holding(two, "alone", person)
        erased = erase_customers(one, "acme", {person: keyed_pseudonym(b"k" * 32, "acme", person, 3)})
        assert erased.raw_events == 1 and erased.contacts == 1  # the arrival names the customer
        assert holding(one, "alone", person) == [] and holding(two, "alone", person) == []
    finally:
        one.close()
        two.close()


def test_the_settings_name_the_cluster_in_the_url() -> None:
    settings = Settings(clickhouse_url="clickhouse://h:9000/db", clickhouse_cluster="main",
                        clickhouse_insert_quorum=2)  # fmt: skip
    assert settings.clickhouse() == "clickhouse://h:9000/db?cluster=main&insert_quorum=2"
    with pytest.raises(ValueError, match="clickhouse_cluster|CCKPI_CLICKHOUSE_CLUSTER"):
        Settings(clickhouse_cluster="main; DROP")
