"""The main job a new user runs: ``cckpi demo`` on embedded defaults, bounded by --duration."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from tests.helpers.cli import cckpi, cckpi_command

pytestmark = pytest.mark.integration


def left_running(broker_port: str, folder: Path) -> list[str]:
    """The demo's broker, and workers started in its folder, still running (another test's
    workers, running beside this one, are not the demo's)."""
    found = subprocess.run(["pgrep", "-f", f"tcp://127.0.0.1:{broker_port}|cckpi worker"],
                           capture_output=True, text=True).stdout.split()  # fmt: skip
    mine = []
    for pid in found:
        try:
            cwd = Path(f"/proc/{pid}/cwd").resolve()
            line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        if "cckpi worker" not in line or cwd.is_relative_to(folder.resolve()):
            mine.append(f"{pid}: {line}")
    return mine


def test_demo_runs_on_embedded_defaults_and_exits_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "CLICKHOUSE_URL")}
    env["COLUMNS"] = "200"
    done = cckpi("demo", "--duration", "12", "--speed", "600", cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Tansu" in done.stdout
    assert "final KPI summary" in done.stdout
    assert "sla.example.yaml" in done.stdout  # the checkout's example: targets and alerts show
    assert "acme" in done.stdout and "billing" in done.stdout
    # agents on each queue next to what Erlang C needs (the header may wrap between the words)
    assert "staffed /" in done.stdout and "need" in done.stdout
    # Every child is gone: nothing listens or runs after the demo exits.
    port = re.search(r"Tansu \(in memory\) at 127\.0\.0\.1:(\d+)", done.stdout)
    assert port, done.stdout[:500]
    assert not left_running(port.group(1), tmp_path)
    assert (tmp_path / "data" / "worker.log").exists()


def test_demo_stopped_by_sigterm_leaves_nothing_running(tmp_path: Path) -> None:
    """``kill``, ``timeout`` or a service manager stop the demo with SIGTERM, not Ctrl-C."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "CLICKHOUSE_URL")}
    demo = subprocess.Popen(
        cckpi_command("demo", "--speed", "600"),
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert demo.stdout is not None
    seen = []
    for line in demo.stdout:  # the worker is up once the wallboard address is printed
        seen.append(line)
        if "wallboard" in line:
            break
    port = re.search(r"Tansu \(in memory\) at 127\.0\.0\.1:(\d+)", "".join(seen))
    assert port, "".join(seen)
    demo.send_signal(signal.SIGTERM)
    try:  # keep reading, so a demo that does not stop shows what it was doing
        rest, _ = demo.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        demo.kill()
        rest, _ = demo.communicate()
    assert demo.returncode == 143, "".join(seen) + rest
    assert not left_running(port.group(1), tmp_path)
