"""The one place that picks the ClickHouse: a server where a URL is set, else embedded chDB."""

from __future__ import annotations

from pathlib import Path

from streams.storage.backends.embedded import ChdbClickHouse
from streams.storage.backends.protocol import ClickHouse
from streams.storage.backends.server import ServerClickHouse


def connect(
    url: str | None, data_dir: Path, database: str = "cckpi", own_process: bool = False
) -> ClickHouse:
    """Open the configured ClickHouse: a server where a URL is given, else chDB in data_dir
    (with ``own_process``, in a child process: see :mod:`streams.storage.backends.chdb_child`)."""
    if url:
        return ServerClickHouse(url, database)
    if own_process:
        from streams.storage.backends.chdb_child import ChdbProcess

        return ChdbProcess(data_dir / "chdb", database)
    return ChdbClickHouse(data_dir / "chdb", database)
