"""What each fault test injected and what came out: the table the suite prints last.

Tests run in several processes (pytest-xdist): each appends its line to one file that the
controlling process names (``FAULTS_FILE``) and reads back at the end.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

FAULTS_FILE = "CCKPI_TEST_FAULTS_FILE"
Line = tuple[str, str, int, int, int, int]


def record_fault(test: str, injected: str, sent: int, expected_rows: list, rows: list) -> None:  # type: ignore[type-arg]
    """Note what a fault test injected and what came out, for the summary printed at the end."""
    key = ("client", "queue", "channel", "interval_start")
    want = {tuple(getattr(r, k) for k in key): r for r in expected_rows}
    got = {tuple(getattr(r, k) for k in key): r for r in rows}
    differing = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
    line = (
        test,
        injected,
        sent,
        sum(r.offered for r in expected_rows),
        sum(r.offered for r in rows),
        differing,
    )
    target = os.environ.get(FAULTS_FILE)
    if target:
        with open(target, "a", encoding="utf-8") as out:  # one short line: appends do not interleave
            out.write(json.dumps(line) + "\n")


def recorded_faults(path: Path) -> list[Line]:
    """The lines every test process wrote."""
    if not path.exists():
        return []
    lines: list[Line] = []
    for text in path.read_text(encoding="utf-8").splitlines():
        test, injected, sent, expected, found, differing = json.loads(text)
        lines.append((str(test), str(injected), int(sent), int(expected), int(found), int(differing)))
    return lines
