"""``cckpi bench``: the batch engines over one events file, beside the query a data engineer
would write instead (DuckDB over the same file, the core columns only).

The peer's rows are checked against ours on the columns it computes, so the ratio compares
equal work, not a shortcut: if they ever differ, the bench says so instead of a speed.
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from cckpi.bench.workloads import Message
from schemas.channels import DEFAULT_THRESHOLD_S
from schemas.sla import SlaSettings
from schemas.stamps import US_PER_S
from streams.batch.compute import compute_file
from streams.engine.contributions import IDX, Vector
from streams.engine.totals import RowKey
from streams.storage.backends.connect import connect
from streams.storage.sql_derivation import derive_kpi_vectors, file_source

# The contract's defaults (kpis.md "Settings and defaults"), which the bench runs with.
_THRESHOLD_US = " ".join(f"WHEN '{c}' THEN {int(t * US_PER_S)}" for c, t in DEFAULT_THRESHOLD_S.items())
PEER_SQL = f"""
WITH events AS (
    SELECT type, event_id, client, contact_id, queue, channel, coalesce(direction, 'inbound') AS direction,
        epoch_us(CAST(occurred_at AS TIMESTAMPTZ)) AS at_us,
        CAST(round(coalesce(talk_s, 0) * 1000000) AS BIGINT)
          + CAST(round(coalesce(hold_s, 0) * 1000000) AS BIGINT)
          + CAST(round(coalesce(wrap_s, 0) * 1000000) AS BIGINT) AS handle_us
    FROM read_json($path, format = 'newline_delimited', columns = {{
        type: 'VARCHAR', event_id: 'VARCHAR', client: 'VARCHAR', contact_id: 'VARCHAR',
        queue: 'VARCHAR', channel: 'VARCHAR', occurred_at: 'VARCHAR',
        talk_s: 'DOUBLE', hold_s: 'DOUBLE', wrap_s: 'DOUBLE', direction: 'VARCHAR'}})
    WHERE contact_id IS NOT NULL
),
contacts AS (
    SELECT client, contact_id,
        arg_min(queue, (at_us, event_id)) FILTER (WHERE type = 'contact.arrived') AS queue,
        arg_min(channel, (at_us, event_id)) FILTER (WHERE type = 'contact.arrived') AS channel,
        min(at_us) FILTER (WHERE type = 'contact.arrived') AS arrived_us,
        arg_min(direction, (at_us, event_id)) FILTER (WHERE type = 'contact.arrived') AS direction,
        min(at_us) FILTER (WHERE type = 'contact.self_served') AS self_served_us,
        min(at_us) FILTER (WHERE type = 'contact.answered') AS answered_us,
        min(at_us) FILTER (WHERE type = 'contact.abandoned') AS abandoned_us,
        arg_min(handle_us, (at_us, event_id)) FILTER (WHERE type = 'contact.ended') AS handle_us
    FROM events GROUP BY client, contact_id
)
SELECT client, queue, channel, (arrived_us // 900000000) * 900 AS interval_start,
    count(*) AS offered,
    count(answered_us) AS answered,
    count(*) FILTER (WHERE answered_us - arrived_us
        <= CASE channel {_THRESHOLD_US} END) AS answered_in_sl,
    coalesce(sum(answered_us - arrived_us), 0) AS wait_s_sum,
    count(*) FILTER (WHERE answered_us IS NULL AND abandoned_us IS NOT NULL AND self_served_us IS NULL)
        AS abandoned,
    coalesce(sum(handle_us) FILTER (WHERE answered_us IS NOT NULL), 0) AS handle_s_sum
FROM contacts WHERE arrived_us IS NOT NULL AND direction = 'inbound'  -- outbound: no inbound column
GROUP BY ALL
"""
PEER_COLUMNS = ("offered", "answered", "answered_in_sl", "wait_s_sum", "abandoned", "handle_s_sum")


def duckdb_peer(path: Path) -> tuple[float, dict[RowKey, tuple[int, ...]]] | None:
    """Seconds the peer query takes over the file, and its rows; None without DuckDB."""
    try:
        import duckdb
    except ImportError:
        return None
    began = time.perf_counter()
    with duckdb.connect() as connection:
        found = connection.execute(PEER_SQL, {"path": str(path)}).fetchall()
    elapsed = time.perf_counter() - began
    return elapsed, {(c, q, ch, int(s)): tuple(int(v) for v in rest) for c, q, ch, s, *rest in found}


def _python_compute(path: Path) -> tuple[float, int, int]:
    """In the child: seconds ``cckpi compute``'s engine takes over the file, valid events, rows."""
    began = time.perf_counter()
    rows, report = compute_file(path)
    return time.perf_counter() - began, report.valid, len(rows)


def python_engine(path: Path) -> tuple[float, int, int]:
    """Seconds the Python engine takes over the file, in a new process as ``cckpi compute`` runs
    (start-up not counted, as for the SQL engine): forked from the bench, its workers would
    inherit the bench's heap of messages, a fifth slower than a user's command."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=spawn) as pool:
        return pool.submit(_python_compute, path).result()


def whole_command(path: Path, workdir: Path) -> float:
    """Seconds ``cckpi compute --events FILE`` takes as a user runs it: the process started,
    the file read, every row written out (start-up and output counted)."""
    with (workdir / "rows.jsonl").open("wb") as rows:
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "cckpi", "compute", "--events", str(path)], stdout=rows, check=True
        )
        return time.perf_counter() - began


def sql_engine(path: Path) -> tuple[float, dict[RowKey, Vector]]:
    """Seconds the SQL derivation takes over the file (embedded ClickHouse in its own process),
    and its rows."""
    with tempfile.TemporaryDirectory(prefix="cckpi-bench-sql-") as scratch:
        store = connect(None, Path(scratch), own_process=True)
        try:
            began = time.perf_counter()
            vectors = derive_kpi_vectors(store, file_source(path), SlaSettings())
            return time.perf_counter() - began, vectors
        finally:
            store.close()


def peer_agrees(peer: dict[RowKey, tuple[int, ...]], ours: dict[RowKey, Vector]) -> bool:
    """Whether the peer's rows equal ours on the columns it computes."""
    mine = {key: tuple(v[IDX[c]] for c in PEER_COLUMNS) for key, v in ours.items() if v[IDX["offered"]]}
    return peer == mine


def engines(path: Path, events: int) -> dict[str, Any]:
    """Events per second of the SQL engine and of the DuckDB peer over the file."""
    sql_s, ours = sql_engine(path)
    out: dict[str, Any] = {"compute_sql_events_per_s": events / sql_s}
    peer = duckdb_peer(path)
    if peer is not None:
        peer_s, rows = peer
        out["duckdb_peer_events_per_s"] = events / peer_s
        out["duckdb_peer_agrees"] = peer_agrees(rows, ours)
    return out


def recompute(messages: list[Message], workdir: Path) -> float:
    """``cckpi compute``'s rate (events a second) over the messages, written once as a file."""
    path = workdir / "events.jsonl"
    if not path.exists():
        path.write_bytes(b"".join(value + b"\n" for _, value in messages))
    elapsed, valid, rows = python_engine(path)
    assert valid == len(messages) and rows
    return len(messages) / elapsed
