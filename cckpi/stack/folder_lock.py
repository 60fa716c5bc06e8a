"""One process at a time on an embedded ClickHouse (chDB) folder. chDB refuses a second opener
with "Cannot lock file" deep in the worker's log; the commands take this lock first instead,
and say in one line which folder is in use."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError


class FolderInUse(RuntimeError):
    """Another process holds the folder."""


def chdb_folder() -> Path | None:
    """The chDB folder the settings name, or None when they name a ClickHouse server (or are
    bad: the command then says what is wrong)."""
    from streams.settings import Settings

    try:
        settings = Settings()
    except ValidationError:
        return None
    return None if settings.clickhouse_url else settings.data_dir / "chdb"


@contextmanager
def holding(folder: Path) -> Iterator[None]:
    """Hold ``folder`` (its lock file beside it) until the block ends, or raise FolderInUse.
    The kernel drops the lock with the process, so a crash leaves nothing to clean up."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_name(f"{folder.name}.lock"), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderInUse(
                f"{folder} is in use by another cckpi worker or demo: stop it, or set CCKPI_DATA_DIR "
                "to another folder"
            ) from None
        yield
