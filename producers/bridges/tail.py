"""Following a log file the way ``tail -F`` does, from a saved position, across rotation.

A rotated log (renamed, a new file at the path) is read to its end before the new file is
opened from its start; a truncated one (copytruncate) is read again from its start, known by
its size or, when it has grown past the old offset again, by its first bytes. A log rotated
while nobody read it is finished in the rotated file (``queue_log.1``) that still has the
saved position's inode. Only whole
lines are given out: a line still being written waits for its newline. The position is saved
by the caller once what it read is delivered, so a restart neither skips nor repeats more than
the lines after the last save (repeats are harmless: their event ids are the same).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

HEAD_BYTES = 64


def _head(path: Path) -> str:
    with path.open("rb") as handle:
        return handle.read(HEAD_BYTES).hex()


@dataclass
class Position:
    inode: int = 0
    offset: int = 0  # bytes of whole lines read
    line: int = 0  # lines read, for line numbers in reports
    head: str = ""  # the file's first bytes: a file truncated and written again past the offset
    memory: dict[str, Any] = field(default_factory=dict)  # what the reader keeps of the lines before

    @classmethod
    def load(cls, path: Path | None) -> Position:
        if path is None or not path.exists():
            return cls()
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise ValueError(f"{path}: not a position file ({error}); remove it to start over") from error

    def save(self, path: Path | None) -> None:
        if path is None:
            return
        # Never half written, and durable before the caller acts on it: the content reaches the
        # disk before the rename, and the rename itself (the directory) before save returns.
        temporary = path.with_suffix(path.suffix + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(self)))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class Tail:
    """The lines of ``path`` from ``position`` on; with ``follow``, for ever (until ``stopped``)."""

    def __init__(self, path: Path, position: Position, follow: bool, poll_s: float = 0.5) -> None:
        self.path = path
        self.position = position
        self.follow = follow
        self.poll_s = poll_s

    def _open(self) -> IO[bytes] | None:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return None
        if self._replaced(handle.fileno()):
            # A new or truncated file: its start (what the reader keeps of the lines before, it keeps).
            self.position = Position(os.fstat(handle.fileno()).st_ino, memory=self.position.memory)
        handle.seek(self.position.offset)
        return handle

    def _resume(self) -> IO[bytes] | None:
        """The file the position is in: the path, or, when the log was rotated while nobody read
        it, the rotated file that still has the position's inode (read to its end first)."""
        if self.position.inode:
            try:
                current: int | None = os.stat(self.path).st_ino
            except FileNotFoundError:
                current = None
            if current != self.position.inode:
                for sibling in sorted(self.path.parent.glob(self.path.name + "?*")):
                    try:
                        if os.stat(sibling).st_ino == self.position.inode:
                            handle = sibling.open("rb")
                            handle.seek(self.position.offset)
                            return handle
                    except OSError:
                        continue
        return self._open()

    def _replaced(self, fd: int | None = None) -> bool:
        """Whether the path (or the open file ``fd``) is another file than the position's, or
        this one truncated."""
        try:
            now = os.fstat(fd) if fd is not None else os.stat(self.path)
            head = _head(self.path)
        except FileNotFoundError:
            return False  # rotated, the new file not there yet: keep reading the old one
        position = self.position
        return (
            now.st_ino != position.inode
            or now.st_size < position.offset
            or (position.head != "" and head[: len(position.head)] != position.head)
        )

    def _took(self, raw: bytes) -> tuple[int, str]:
        if not self.position.head:
            self.position.head = raw[:HEAD_BYTES].hex()
        self.position.offset += len(raw)
        self.position.line += 1
        return self.position.line, raw.decode("utf-8", "replace")

    def lines(
        self, stopped: Callable[[], bool] = lambda: False, idle: Callable[[], None] = lambda: None
    ) -> Iterator[tuple[int, str]]:
        """(line number, text) of each whole line; the position moves past each line given.
        ``idle`` is called whenever a follower waits for more (deliver and save then)."""
        handle = self._resume()
        pending = b""
        try:
            while not stopped():
                chunk = handle.readline() if handle is not None else b""
                if chunk:
                    pending += chunk
                    if pending.endswith(b"\n"):
                        yield self._took(pending)
                        pending = b""
                    continue
                ended = not self.follow or (handle is not None and self._replaced())
                if pending and ended:  # the file's last line, without a newline: whole all the same
                    yield self._took(pending)
                    pending = b""
                if not self.follow:
                    return
                if handle is None or ended:
                    if handle is not None:
                        handle.close()
                    handle = self._open()
                    if handle is not None:
                        continue
                idle()
                time.sleep(self.poll_s)
        finally:
            if handle is not None:
                handle.close()
