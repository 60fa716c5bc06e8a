"""Embedded chDB (in-process ClickHouse) in a data folder."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from streams.batch.packed import Packed
from streams.storage.backends.protocol import Columns, Row, bind

_COLUMN_TYPES = (
    "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = %(table)s"
)


def open_session(path: Path | str, database: str) -> Any:
    """A chDB session on the folder, in ``database`` (created if need be)."""
    try:
        import chdb.session  # imported here: loading chDB costs time and memory
    except ImportError as error:
        raise RuntimeError(
            "embedded chDB is not installed here (pip install 'cckpi[embedded]'): "
            "set CLICKHOUSE_URL to a ClickHouse server"
        ) from error

    session = chdb.session.Session(str(path))
    session.query(f"CREATE DATABASE IF NOT EXISTS {database}")
    session.query(f"USE {database}")
    session.query("SET max_partitions_per_insert_block = 0")  # see streams.storage.backends.server
    return session


class ChdbClickHouse:
    """Embedded chDB in a data folder; one process owns the folder at a time."""

    def __init__(self, path: Path, database: str) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.description = f"chDB at {path}"
        self.cluster: str | None = None  # one process, no cluster
        self._lock = threading.Lock()  # one session, used from the worker's threads
        self._metas: dict[tuple[str, tuple[str, ...]], list[dict[str, str]]] = {}
        self._open(path, database)

    def _open(self, path: Path, database: str) -> None:
        self._session = open_session(path, database)

    def _bytes(self, sql: str, fmt: str = "CSV", data: bytes = b"") -> bytes:
        """Run one statement (``data`` follows its text: an insert's rows); its result in ``fmt``."""
        with self._lock:
            return self._session.query(sql + data.decode() if data else sql, fmt).bytes()

    def _arrow(self, sql: str) -> Any:
        """Run one query; its result as a pyarrow Table."""
        with self._lock:
            return self._session.query(sql, "ArrowTable")

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> None:
        if settings:  # only a cluster's erasure asks for them, and chDB is never one
            raise ValueError(f"chDB takes no per-statement settings: {sorted(settings)}")
        self._bytes(bind(sql, params))

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = bind(sql, params) + " SETTINGS output_format_json_quote_64bit_integers=0"
        data = self._bytes(text, "JSONCompact")
        return [tuple(row) for row in orjson.loads(data)["data"]] if data else []

    def query_packed(self, sql: str, params: dict[str, Any] | None = None) -> Columns:
        # Arrow hands over a million payloads already packed, one buffer and its offsets,
        # where any text format makes a bytes object of each.
        import pyarrow as pa

        table = self._arrow(bind(sql, params) + " SETTINGS output_format_arrow_string_as_string=0")
        columns: Columns = [], []
        for column in table.columns:
            if pa.types.is_binary(column.type):
                columns[0].append(Packed.arrow(column))
            elif pa.types.is_integer(column.type):
                columns[1].append(column.to_numpy().astype(np.int64))
            else:
                raise TypeError(f"query_packed reads string and integer columns, not {column.type}")
        return columns

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
        if not rows:
            return
        # One dumps of the whole batch: a dumps per row holds the GIL for longer.
        body = orjson.dumps({"meta": self._meta(table, tuple(columns)), "data": rows})
        self._bytes(f"INSERT INTO {table} ({', '.join(columns)}) FORMAT JSONCompact ", data=body)

    def _meta(self, table: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
        """The JSONCompact header of an insert: each column's name and type."""
        key = (table, columns)
        meta = self._metas.get(key)
        if meta is None:
            types = dict(self.query(_COLUMN_TYPES, {"table": table}))
            meta = self._metas[key] = [{"name": name, "type": types[name]} for name in columns]
        return meta

    def close(self) -> None:
        with self._lock:
            self._session.close()
