"""Suite-wide hooks, run by the controlling process: the fault-test table, from every test process."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.helpers.faults import FAULTS_FILE, recorded_faults


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # the controller (or a run without xdist) names the file
        os.environ[FAULTS_FILE] = str(Path(tempfile.mkdtemp(prefix="cckpi-faults-")) / "faults.jsonl")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):
        return
    lines = recorded_faults(Path(os.environ.get(FAULTS_FILE, "/nonexistent")))
    if not lines:
        return
    write = terminalreporter.write_line
    terminalreporter.section("fault-test summary (results compared with cckpi compute)")
    write(f"{'test':<44} {'injected':<46} {'messages':>9} {'contacts':>9} {'in rows':>8} {'diff':>5}")
    for test, injected, sent, expected, found, differing in sorted(lines):
        write(f"{test[:44]:<44} {injected[:46]:<46} {sent:>9} {expected:>9} {found:>8} {differing:>5}")


# The longest tests (minutes each on 2 cores), started first so that the processes finish together.
LONGEST = ("test_faults.py", "test_crash_recovery.py", "test_bench_smoke.py", "test_cluster.py",
           "test_stage_restore.py", "test_killed_mid_write.py", "test_broker_restart.py")  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest first, then the other integration tests, then the unit tests that fill the gaps
    (pytest-xdist hands tests out in this order)."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::")[0]
        if path.endswith(LONGEST):
            return 0
        return 1 if path.startswith("tests/integration/") else 2

    items.sort(key=rank)
