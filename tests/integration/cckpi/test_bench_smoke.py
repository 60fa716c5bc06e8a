"""CI runs a small version of the benchmark to prove it works end to end (figures are not judged)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.helpers.cli import cckpi

pytestmark = pytest.mark.integration

REQUIRED = ("live_events_per_s", "bare_faust_events_per_s", "latency_p99_s", "compute_events_per_s",
            "compute_sql_events_per_s", "duckdb_peer_events_per_s", "compute_vs_duckdb",
            "replay_events_per_s", "replay_sql_events_per_s", "query_p95_ms",
            "worker_peak_rss_mb")  # fmt: skip


def test_bench_smoke_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = cckpi("bench", "--events", "4000", "--runs", "1", "--latency-seconds", "3", "--query-events",
                 "20000", "--query-repeats", "3", "--json", str(out), timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    figures = orjson.loads(out.read_bytes())
    for key in REQUIRED:
        assert key in figures
    positive = ("live_events_per_s", "bare_faust_events_per_s", "compute_events_per_s", "query_p95_ms",
                "compute_sql_events_per_s", "duckdb_peer_events_per_s", "compute_vs_duckdb",
                "live_server_2w_events_per_s", "worker_peak_rss_mb", "replay_events_per_s",
                "replay_sql_events_per_s", "live_vs_bare_paired", "command_events_per_s_day",
                "command_events_per_s_contacts", "command_events_per_s_days",
                "wallboard_latency_p99_s_50_viewers")  # fmt: skip
    for key in positive:
        assert figures[key] > 0, key
    assert 0 < figures["latency_p50_s"] <= figures["latency_p99_s"]
    # the wallboard figure is measured at a real connection to the push stream
    assert figures["latency_p99_s"] <= figures["wallboard_latency_p99_s"]
    assert 0 <= figures["wallboard_delivery_max_s"] < 1
    assert figures["conditions"]["events"] == 4000
    assert figures["queries"]["replay_agrees"] and figures["queries"]["replay_sql_agrees"]
    assert "cckpi bench" in done.stdout
