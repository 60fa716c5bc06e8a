"""Long work shows a bar with the rate and the time left on a terminal, and nothing in a pipe."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

import pytest

from schemas.sla import SlaSettings
from streams.batch.packed import Packed
from streams.batch.parallel import batch_messages, messages_done
from tests.helpers.cli import cckpi, cckpi_command
from tests.helpers.messy import messy_stream


@pytest.fixture(scope="module")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "events.jsonl"
    path.write_bytes(b"".join(m.value + b"\n" for m in messy_stream(5, days=20, contacts=30_000).messages))
    return path


def compute(events: Path, terminal: bool) -> str:
    command = ("compute", "--events", str(events), "--format", "csv")
    if not terminal:
        return cckpi(*command, timeout=120).stderr
    leader, follower = pty.openpty()
    process = subprocess.Popen(cckpi_command(*command), stdout=subprocess.DEVNULL, stderr=follower,
                               env={**os.environ, "COLUMNS": "120"})  # fmt: skip
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    process.wait(timeout=120)
    os.close(leader)
    return seen.decode("utf-8", "replace")


def test_a_terminal_sees_the_bar(events_file: Path) -> None:
    shown = compute(events_file, terminal=True)
    assert "computing events.jsonl" in shown and "msg/s" in shown


def test_a_pipe_sees_only_the_summary(events_file: Path) -> None:
    said = compute(events_file, terminal=False)
    assert "msg/s" not in said and "\x1b[" not in said
    assert "valid event(s)" in said


@pytest.mark.parametrize("workers", [1, 2])
def test_the_engine_reports_every_message(workers: int) -> None:
    stream = messy_stream(6, days=2, contacts=800)
    messages = Packed.messages(stream.values())
    batch_messages(messages, SlaSettings(), workers, event_ids=Packed.messages([b"x"] * len(messages)))
    assert messages_done() == (len(messages), len(messages))
