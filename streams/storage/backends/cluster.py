"""The migrations' tables on a replicated ClickHouse cluster (``CCKPI_CLICKHOUSE_CLUSTER``).

Each table of ``sql/`` becomes two, created ``ON CLUSTER``: ``<name>_local``, a Replicated
engine of the same kind on every server (its replicas share a ZooKeeper path per shard), and
``<name>``, a ``Distributed`` table over them that every query and insert of the pipeline uses
unchanged. Rows go to a shard by a hash of the table's sorting key, so every version of a key
meets on one shard and ``FINAL`` replaces by key as on one server; aggregates merge across
shards. ClickHouse 18.16 cannot alter a ``Distributed`` table ``ON CLUSTER`` ("isn't
replicated"): an added column alters the local tables, then makes the ``Distributed`` table
again (it holds no rows: inserts are synchronous, see ``streams.storage.backends.server``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

LOCAL = "_local"
_CREATE = re.compile(
    r"^CREATE TABLE IF NOT EXISTS (?P<table>\w+) \((?P<body>.*)\) ENGINE = (?P<engine>\w*MergeTree)"
    r"\((?P<args>[^)]*)\)(?P<tail>.*)$",
    re.S | re.I,
)
_ORDER_BY = re.compile(r"ORDER BY \(?(?P<key>[^)\n]*)\)?\s*$", re.I)
_ADD_COLUMN = re.compile(r"^ALTER TABLE (?P<table>\w+) (?P<rest>ADD COLUMN .*)$", re.S | re.I)


class ClusterError(ValueError):
    """A migration statement the cluster form cannot be made of."""


def local_table(table: str) -> str:
    return table + LOCAL


def zookeeper_path(database: str, table: str) -> str:
    """Where the replicas of a table's shard meet: one path per shard, database and table."""
    return f"/clickhouse/tables/{{shard}}/{database}/{table}"


def distributed(
    table: str, cluster: str, database: str, sharding: str, columns: Sequence[Sequence[str]] = ()
) -> str:
    """The statement making ``table`` the cluster-wide face of ``<table>_local``. Names are
    qualified: each server runs DDL ``ON CLUSTER`` in its own default database.

    ``columns``: the local table's (name, type, default kind, expression), given when it has
    ``MATERIALIZED`` columns: the distributed table reads them as ``ALIAS`` columns of the same
    expression, since ClickHouse 18.16 sends a distributed table's materialized columns with an
    insert and every shard refuses them ("Cannot insert column ..., because it is MATERIALIZED").
    """
    local = local_table(table)
    body = f"AS {database}.{local}"
    if any(kind == "MATERIALIZED" for _, _, kind, _ in columns):
        defined = [  # an ordinary column has no kind and no expression: "name type"
            f"{name} {kind_of} {'ALIAS' if kind == 'MATERIALIZED' else kind} {expression}".rstrip()
            for name, kind_of, kind, expression in columns
        ]
        body = f"({', '.join(defined)})"
    return (
        f"CREATE TABLE IF NOT EXISTS {database}.{table} ON CLUSTER {cluster} {body} "
        f"ENGINE = Distributed({cluster}, {database}, {local}, {sharding})"
    )


def clustered_create(statement: str, cluster: str, database: str) -> list[str]:
    """A ``CREATE TABLE IF NOT EXISTS`` of ``sql/`` as its replicated local table and its
    distributed table."""
    found = _CREATE.match(statement.strip())
    order = _ORDER_BY.search(statement.strip())
    if found is None or order is None:
        raise ClusterError(f"cannot make a cluster table of: {statement[:120]}")
    table, local = found["table"], local_table(found["table"])
    where = (f"'{zookeeper_path(database, local)}'", "'{replica}'", found["args"].strip())
    args = ", ".join(a for a in where if a)
    replicated = (
        f"CREATE TABLE IF NOT EXISTS {database}.{local} ON CLUSTER {cluster} ({found['body']}) "
        f"ENGINE = Replicated{found['engine']}({args}){found['tail']}"
    )
    return [replicated, distributed(table, cluster, database, f"cityHash64({order['key'].strip()})")]


def clustered_add_column(statement: str) -> tuple[str, str]:
    """An ``ALTER TABLE t ADD COLUMN ...`` of ``sql/``: the table, and the clause to apply to its
    local tables on every server (the caller joins a migration's clauses per table)."""
    found = _ADD_COLUMN.match(statement.strip())
    if found is None:
        raise ClusterError(f"cannot run on a cluster: {statement[:120]}")
    return found["table"], found["rest"]


def sharding_key(engine_full: str) -> str:
    """The sharding key of an existing ``Distributed`` table, from its ``engine_full``."""
    found = re.match(r"^Distributed\([^,]+,[^,]+,[^,]+,\s*(?P<key>.*)\)\s*$", engine_full.strip())
    if found is None:
        raise ClusterError(f"not a Distributed table with a sharding key: {engine_full}")
    return found["key"]
