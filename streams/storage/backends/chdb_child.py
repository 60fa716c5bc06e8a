"""Embedded chDB in a child process of its own, for the long-running worker.

In the worker's process a chDB query holds the GIL for most of its run, starving the event
loop while a thread inserts a batch, and loading chDB costs memory before any data. In a
child, the inserts run on the other core while the worker reads on, and the worker's memory
is its own. The child owns the data folder (only one process may open it), ignores the
terminal's and the launcher's signals so the worker can write its last batch while stopping,
and ends when the worker closes it or dies (its end of the socket then reads as closed). If
the child dies, the next call starts another.

The wire: a request is ``fmt`` and SQL separated by a newline, then the data that follows the
SQL (an insert's rows; may be empty); the reply is a status (``ok``/``error``, then the
child's peak RSS in MiB), then the result or the error text.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from streams.memory import peak_rss_mb
from streams.storage.backends.embedded import ChdbClickHouse, open_session

_READY_S = 120.0  # loading chDB and opening a large folder


class ChdbProcess(ChdbClickHouse):
    """:class:`ChdbClickHouse` whose session lives in a child process."""

    peak_rss_mb: float = 0.0  # the child's, as of its last reply (read without a call)

    def _open(self, path: Path, database: str) -> None:
        self.description = f"chDB at {path} (own process)"
        self.cluster: str | None = None  # one process, no cluster
        self._path, self._database = path, database
        self._conn: Connection | None = None
        self._child: subprocess.Popen[bytes] | None = None
        self._start()  # now, as the in-process session opens: a folder in use fails here

    def _start(self) -> Connection:
        ours, theirs = socket.socketpair()
        with theirs:
            self._child = subprocess.Popen(
                [sys.executable, "-m", "streams.storage.backends.chdb_child", str(self._path), self._database,
                 str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
            )  # fmt: skip
        self._conn = Connection(ours.detach())
        if not self._conn.poll(_READY_S):
            self._child.kill()
            raise ConnectionError(f"chDB process for {self._path} did not start")
        self._reply()  # the child's first reply: the session is open
        return self._conn

    def _release(self, wait: bool) -> None:
        """Close our end (the child reads the end of its requests and leaves); with ``wait``,
        until it has (a child that stopped answering is reaped when it does)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._child is not None:
            try:
                self._child.wait(timeout=60) if wait else self._child.poll()
            except subprocess.TimeoutExpired:  # hung closing its session: its writes are done
                self._child.kill()
            self._child = None

    def _reply(self) -> bytes:
        assert self._conn is not None
        status, peak = self._conn.recv_bytes().split()
        self.peak_rss_mb = float(peak)
        data = self._conn.recv_bytes()
        if status != b"ok":
            raise RuntimeError(data.decode("utf-8", "replace"))
        return data

    def _bytes(self, sql: str, fmt: str = "CSV", data: bytes = b"") -> bytes:
        with self._lock:
            try:
                conn = self._conn if self._conn is not None else self._start()
                conn.send_bytes(f"{fmt}\n{sql}".encode())
                conn.send_bytes(data)  # apart: a batch's rows are not copied into one request
                return self._reply()
            except (EOFError, OSError) as error:  # the child died: the next call starts one
                self._release(wait=False)
                raise ConnectionError(f"chDB process for {self._path} ended: {error!r}") from error

    def _arrow(self, sql: str) -> Any:
        import pyarrow as pa

        data = self._bytes(sql, "Arrow")
        if not data:
            return pa.table({})
        return pa.ipc.open_file(pa.py_buffer(data)).read_all()

    def close(self) -> None:
        with self._lock:
            self._release(wait=True)


def _serve(path: str, database: str, fd: int) -> None:
    """The child: open the session, then answer requests until the worker's end closes."""
    for name in (signal.SIGINT, signal.SIGTERM):
        signal.signal(name, signal.SIG_IGN)  # the worker says when: by closing the socket
    conn = Connection(fd)
    session = open_session(path, database)
    _answer(conn, b"ok", b"")
    while True:
        try:
            request, data = conn.recv_bytes(), conn.recv_bytes()
        except (EOFError, OSError):
            break
        fmt, _, sql = request.partition(b"\n")
        try:
            result = session.query((sql + data).decode(), fmt.decode())
        except Exception as error:  # the worker's retry loop decides what to do
            _answer(conn, b"error", str(error).encode())
            continue
        _answer(conn, b"ok", result.bytes())
    session.close()


def _answer(conn: Connection, status: bytes, data: Any) -> None:
    conn.send_bytes(b"%s %.1f" % (status, peak_rss_mb()))
    conn.send_bytes(data)


if __name__ == "__main__":
    # chDB's engine can hang in interpreter teardown once its session is closed (as in the
    # worker): leave without it.
    import os
    import traceback

    try:
        _serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    os._exit(0)
