"""The worker's embedded store in a child process answers as the in-process one does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from streams.storage.backends.chdb_child import ChdbProcess
from streams.storage.backends.connect import connect
from streams.storage.backends.embedded import ChdbClickHouse
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate
from streams.storage.schema.tables import RAW_COLUMNS

ROWS = [
    ["acme", 1_790_000_000 + n, 1_790_000_000_000_000 + n, f"e{n}", "contact.arrived", "sales", "call",
     f"c{n}", "", "cust", '{"note":"line\\nbreak, \\"quoted\\""}', 0, n, 1_790_000_000]
    for n in range(3000)
]  # fmt: skip
COUNTS = "SELECT count(), uniqExact(event_id), max(kafka_offset) FROM raw_events"
PAYLOADS = "SELECT event_id, payload FROM raw_events ORDER BY kafka_offset"
KEYED = "SELECT payload, toInt64(kafka_offset) - 5 FROM raw_events ORDER BY kafka_offset"


def _filled(store: ClickHouse) -> ClickHouse:
    migrate(store)
    store.insert("raw_events", RAW_COLUMNS, ROWS)
    return store


@pytest.fixture
def child(tmp_path: Path) -> ChdbProcess:
    store = connect(None, tmp_path / "child", "answers", own_process=True)
    assert isinstance(store, ChdbProcess)
    yield _filled(store)  # type: ignore[misc]
    store.close()


def test_child_answers_as_the_session_in_this_process(child: ChdbProcess, tmp_path: Path) -> None:
    local = _filled(ChdbClickHouse(tmp_path / "local" / "chdb", "answers"))
    try:
        assert child.query(COUNTS) == local.query(COUNTS) == [(3000, 3000, 2999)]
        (ids, payloads), _ = child.query_packed(PAYLOADS)
        assert list(ids) == [r[3].encode() for r in ROWS]
        assert list(payloads) == list(local.query_packed(PAYLOADS)[0][1]) == [r[10].encode() for r in ROWS]
        assert child.query_packed(PAYLOADS + " LIMIT 0") == local.query_packed(PAYLOADS + " LIMIT 0")
        # integer columns come as int64 arrays, after the string ones
        strings, [offsets] = child.query_packed(KEYED)
        assert len(strings) == 1 and offsets.dtype == np.int64
        assert offsets.tolist() == [r[12] - 5 for r in ROWS]
        assert offsets.tolist() == local.query_packed(KEYED)[1][0].tolist()
        with pytest.raises(TypeError, match="string and integer columns"):
            local.query_packed("SELECT payload, toFloat64(kafka_offset) FROM raw_events")
        assert child.peak_rss_mb > 100  # the child's own memory, chDB loaded
    finally:
        local.close()


def test_a_bad_statement_raises_clickhouses_error(child: ChdbProcess) -> None:
    with pytest.raises(RuntimeError, match="no_such_column"):
        child.query("SELECT no_such_column FROM raw_events")
    assert child.query("SELECT count() FROM raw_events") == [(3000,)]  # the child lives on


def test_the_child_ignores_sigterm_and_a_dead_child_is_replaced(child: ChdbProcess) -> None:
    first = child._child
    assert first is not None
    os.kill(first.pid, signal.SIGTERM)  # the worker stopping: its last batch still gets written
    assert child.query("SELECT count() FROM raw_events") == [(3000,)]
    first.kill()
    first.wait()
    with pytest.raises(ConnectionError):
        child.query("SELECT 1")
    assert child.query(COUNTS) == [(3000, 3000, 2999)]  # a new child, the same folder
    assert child._child is not None and child._child.pid != first.pid


def test_closing_ends_the_child(tmp_path: Path) -> None:
    store = connect(None, tmp_path, "closing", own_process=True)
    assert isinstance(store, ChdbProcess)
    process = store._child
    assert process is not None
    store.close()
    assert process.poll() == 0


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_the_child_ends_when_its_worker_is_killed(tmp_path: Path) -> None:
    opens = (
        "import sys, time; from pathlib import Path; from streams.storage.backends.connect import connect; "
        "store = connect(None, Path(sys.argv[1]), 'killed', own_process=True); "
        "print(store._child.pid, flush=True); time.sleep(120)"
    )
    worker = subprocess.Popen([sys.executable, "-c", opens, str(tmp_path)], stdout=subprocess.PIPE)
    assert worker.stdout is not None
    child = int(worker.stdout.readline())
    assert _running(child)
    worker.kill()  # no close: the child sees its socket end and leaves
    worker.wait()
    deadline = time.monotonic() + 30
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _running(child)
