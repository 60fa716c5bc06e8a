"""A ClickHouse server through clickhouse-driver's native protocol."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np

from streams.batch.packed import Packed
from streams.storage.protocol import Columns, Row, bind

# ClickHouse error codes: readonly, database access denied (users.xml), a grant missing (SQL RBAC)
_READONLY, _ACCESS_DENIED, _NOT_GRANTED = 164, 291, 497


def cluster_settings(cluster: str | None, insert_quorum: int) -> dict[str, Any]:
    """Query settings on a cluster (``streams.storage.cluster``): an insert returns once its rows
    are on their shard (with a quorum, on that many replicas), since a batch's offsets are committed
    when it returns; a subquery of a distributed table is sent whole to every shard."""
    if cluster is None:
        return {}
    found: dict[str, Any] = {"insert_distributed_sync": 1, "distributed_product_mode": "global"}
    if insert_quorum > 1:
        found["insert_quorum"] = insert_quorum
    return found


class ServerClickHouse:
    """A ClickHouse server through clickhouse-driver's native protocol."""

    def __init__(self, url: str, database: str) -> None:
        from clickhouse_driver import Client
        from clickhouse_driver.errors import ServerException

        parts = urlsplit(url)
        database = parts.path.strip("/") or database
        options = dict(parse_qsl(parts.query))
        self.cluster: str | None = options.get("cluster") or None
        self.description = f"ClickHouse server at {parts.hostname}:{parts.port or 9000}/{database}" + (
            f" on cluster {self.cluster}" if self.cluster else ""
        )
        address = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 9000,
            "user": unquote(parts.username or "default"),
            "password": unquote(parts.password or ""),
        }
        bootstrap = Client(**address)  # no database yet: it may not exist
        on_cluster = f" ON CLUSTER {self.cluster}" if self.cluster else ""
        try:
            bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS {database}{on_cluster}")
        except ServerException as error:
            if error.code not in (_READONLY, _ACCESS_DENIED, _NOT_GRANTED):  # a reader, or the worker's user
                raise
        finally:
            bootstrap.disconnect()
        self._client = Client(**address, database=database, settings={"use_numpy": False, **cluster_settings(
            self.cluster, int(options.get("insert_quorum", 0)))})  # fmt: skip
        self._lock = threading.Lock()  # a driver connection serves one query at a time

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        with self._lock:
            self._client.execute(bind(sql, params))

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
