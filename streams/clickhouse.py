"""The one place that knows whether ClickHouse is an embedded chDB or a server.

Both take SQL with ``%(name)s`` placeholders; values are escaped by clickhouse-driver's own
escaping for both, so no value from a request or a file is ever pasted into SQL by hand.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import numpy as np
import numpy.typing as npt
import orjson
from clickhouse_driver.util.escape import escape_params

from streams.packed import Packed

Row = Sequence[Any]
Columns = tuple[list[Packed], list[npt.NDArray[np.int64]]]
_ESCAPE_CONTEXT = SimpleNamespace(server_info=SimpleNamespace(get_timezone=lambda: "UTC"))


def bind(sql: str, params: dict[str, Any] | None) -> str:
    """Substitute escaped parameters (clickhouse-driver's escaping, as for a server)."""
    if not params:
        return sql
    return sql % escape_params(params, _ESCAPE_CONTEXT)


class ClickHouse(Protocol):
    """What the pipeline needs from ClickHouse."""

    description: str

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None: ...

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def query_packed(self, sql: str, params: dict[str, Any] | None = None) -> Columns:
        """A large result for a batch job: its string columns each packed in one buffer,
        then its integer columns as int64 arrays, each kind in the query's order."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None: ...

    def close(self) -> None: ...


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
    return session


class ChdbClickHouse:
    """Embedded chDB in a data folder; one process owns the folder at a time."""

    def __init__(self, path: Path, database: str) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.description = f"chDB at {path}"
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

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> None:
        self._bytes(bind(sql, params))

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        text = bind(sql, params) + " SETTINGS output_format_json_quote_64bit_integers=0"
        data = self._bytes(text, "JSONCompact")
        return [tuple(row) for row in orjson.loads(data)["data"]] if data else []

    def query_packed(self, sql: str, params: dict[str, Any] | None = None) -> Columns:
        # Arrow hands over a million payloads far faster than any text format, already
        # packed: one buffer and its offsets (a bytes object each cost 0.7 s at 661k events).
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
        # One dumps of the whole batch: a dumps per row cost 1.6 us a row, holding the GIL
        # (live/bare on 400k events: 0.80, 0.82 against 0.77, 0.78).
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


_READONLY, _ACCESS_DENIED = 164, 291  # ClickHouse error codes


class ServerClickHouse:
    """A ClickHouse server through clickhouse-driver's native protocol."""

    def __init__(self, url: str, database: str) -> None:
        from clickhouse_driver import Client
        from clickhouse_driver.errors import ServerException

        parts = urlsplit(url)
        database = parts.path.strip("/") or database
        self.description = f"ClickHouse server at {parts.hostname}:{parts.port or 9000}/{database}"
        address = {
            "host": parts.hostname or "127.0.0.1",
            "port": parts.port or 9000,
            "user": unquote(parts.username or "default"),
            "password": unquote(parts.password or ""),
        }
        bootstrap = Client(**address)  # no database yet: it may not exist
        try:
            bootstrap.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
        except ServerException as error:
            if error.code not in (_READONLY, _ACCESS_DENIED):  # a client's readonly read path
                raise
        finally:
            bootstrap.disconnect()
        self._client = Client(**address, database=database, settings={"use_numpy": False})
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


def connect(
    url: str | None, data_dir: Path, database: str = "cckpi", own_process: bool = False
) -> ClickHouse:
    """Open the configured ClickHouse: a server where a URL is given, else chDB in data_dir
    (with ``own_process``, in a child process: see :mod:`streams.chdb_process`)."""
    if url:
        return ServerClickHouse(url, database)
    if own_process:
        from streams.chdb_process import ChdbProcess

        return ChdbProcess(data_dir / "chdb", database)
    return ChdbClickHouse(data_dir / "chdb", database)
