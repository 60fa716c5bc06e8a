"""A ClickHouse server through clickhouse-driver's native protocol."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np

from streams.batch.packed import Packed
from streams.storage.backends.protocol import Columns, Row, bind

# ClickHouse error codes: readonly, database access denied (users.xml), a grant missing (SQL RBAC)
_READONLY, _ACCESS_DENIED, _NOT_GRANTED = 164, 291, 497
# The project's own options in a URL's query. clickhouse-driver reads every other one: its own
# (secure, verify, ca_certs, compression, client_name, ...), and any name it does not know as a
# setting of every query.
OWN_OPTIONS = frozenset({"cluster", "insert_quorum"})


def cluster_settings(cluster: str | None, insert_quorum: int) -> dict[str, Any]:
    """Query settings on a cluster (``streams.storage.backends.cluster``): an insert returns once its rows
    are on their shard (with a quorum, on that many replicas), since a batch's offsets are committed
    when it returns; a subquery of a distributed table is sent whole to every shard."""
    if cluster is None:
        return {}
    found: dict[str, Any] = {"insert_distributed_sync": 1, "distributed_product_mode": "global"}
    if insert_quorum > 1:
        found["insert_quorum"] = insert_quorum
    return found


@dataclass(frozen=True)
class Address:
    """A server's URL read: what clickhouse-driver's ``Client.from_url`` is given, and the
    project's own options taken out of it. The scheme (``clickhouses://`` is TLS), the host as
    written (``[::1]``), the port or the driver's default and the user's options pass unchanged."""

    url: str  # the database in its path, the project's settings added to the user's
    bootstrap: str  # no database (it may not exist yet), the user's options only
    database: str
    cluster: str | None

    @classmethod
    def parse(cls, url: str, database: str) -> Address:
        """The URL's path names the database, else ``database``."""
        parts = urlsplit(url)
        options = parse_qsl(parts.query, keep_blank_values=True)
        own = {name: value for name, value in options if name in OWN_OPTIONS}
        cluster = own.get("cluster") or None
        ours = {"use_numpy": 0, **cluster_settings(cluster, int(own.get("insert_quorum") or 0))}
        users = [(name, value) for name, value in options if name not in OWN_OPTIONS.union(ours)]
        database = parts.path.strip("/") or database
        return cls(
            url=parts._replace(path=f"/{database}", query=urlencode([*users, *ours.items()])).geturl(),
            bootstrap=parts._replace(path="", query=urlencode(users)).geturl(),
            database=database,
            cluster=cluster,
        )


# ClickHouse (19.x on; 18.16 has no such limit) refuses an insert whose rows fall in more than 100
# partitions, and a batch refused is retried for ever: the tables are partitioned by month, and a
# batch, a replay or an erasure may span more than 100 months (a backfill of years, a wrong clock).
NO_PARTITION_LIMIT = {"max_partitions_per_insert_block": 0}


def _unbounded_partitions(client: Any) -> dict[str, Any]:
    """The setting that lifts the limit, where the server has it and the user may set it (one
    who may not keeps the server's)."""
    from clickhouse_driver.errors import ServerException

    try:
        client.execute("SELECT 1", settings=NO_PARTITION_LIMIT)
    except ServerException:  # a setting the server does not know, or one the user may not change
        return {}
    return dict(NO_PARTITION_LIMIT)


class ServerClickHouse:
    """A ClickHouse server through clickhouse-driver's native protocol."""

    def __init__(self, url: str, database: str) -> None:
        from clickhouse_driver import Client
        from clickhouse_driver.errors import ServerException

        address = Address.parse(url, database)
        self.cluster = address.cluster
        self._client = Client.from_url(address.url)
        host, port = self._client.connection.hosts[0]
        self.description = (
            f"ClickHouse server at {f'[{host}]' if ':' in host else host}:{port}/{address.database}"
            + (" over TLS" if self._client.connection.secure_socket else "")
            + (f" on cluster {self.cluster}" if self.cluster else "")
        )
        bootstrap = Client.from_url(address.bootstrap)  # the same server and options, no database yet
        on_cluster = f" ON CLUSTER {self.cluster}" if self.cluster else ""
        try:
            bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS {address.database}{on_cluster}")
        except ServerException as error:
            if error.code not in (_READONLY, _ACCESS_DENIED, _NOT_GRANTED):  # a reader, or the worker's user
                raise
        finally:
            bootstrap.disconnect()
        self._lock = threading.Lock()  # a driver connection serves one query at a time
        self._client.settings.update(_unbounded_partitions(self._client))

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> None:
        with self._lock:
            self._client.execute(bind(sql, params), settings=settings)

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        with self._lock:
            return [tuple(row) for row in self._client.execute(bind(sql, params))]

    def query_packed(self, sql: str, params: dict[str, Any] | None = None) -> Columns:
        with self._lock:
            result = self._client.execute(
                bind(sql, params), columnar=True, settings={"strings_as_bytes": True}
            )
        columns: Columns = [], []  # no rows: the driver returns no columns either
        for column in result:
            if isinstance(column[0], bytes):
                columns[0].append(Packed.messages(column))
            elif isinstance(column[0], int):
                columns[1].append(np.array(column, np.int64))
            else:
                raise TypeError(f"query_packed reads string and integer columns, not {type(column[0])}")
        return columns

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        with self._lock:
            self._client.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES", list(rows))

    def close(self) -> None:
        with self._lock:
            self._client.disconnect()
