"""What the pipeline needs of ClickHouse, whether an embedded chDB or a server.

Both take SQL with ``%(name)s`` placeholders; values are escaped by clickhouse-driver's own
escaping for both, so no value from a request or a file is ever pasted into SQL by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from clickhouse_driver.util.escape import escape_params

from streams.batch.packed import Packed

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
    cluster: str | None  # the cluster its tables span (streams.storage.backends.cluster), or None

    def execute(
        self, sql: str, params: dict[str, Any] | None = None, settings: dict[str, Any] | None = None
    ) -> None:
        """Run a statement; ``settings`` are query settings for it alone (a server's only)."""
        ...

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]: ...

    def query_packed(self, sql: str, params: dict[str, Any] | None = None) -> Columns:
        """A large result for a batch job: its string columns each packed in one buffer,
        then its integer columns as int64 arrays, each kind in the query's order."""
        ...

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None: ...

    def close(self) -> None: ...
