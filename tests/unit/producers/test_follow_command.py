"""``cckpi bridge asterisk --follow`` as a service runs it: stopped and started again, across a
rotation, every line's events are written, none twice over what a restart may repeat."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import orjson

from tests.helpers.cli import cckpi_command

T = 1_790_000_100 - 1_790_000_100 % 900


def call(n: int) -> str:
    return (f"{T + n}|{n}.1|support|NONE|ENTERQUEUE||555{n}|1\n"
            f"{T + n + 5}|{n}.1|support|PJSIP/a|CONNECT|5|x|1\n"
            f"{T + n + 65}|{n}.1|support|PJSIP/a|COMPLETECALLER|5|60|1\n")  # fmt: skip


def follow(log: Path, out: Path, position: Path) -> subprocess.Popen[bytes]:
    command = ["bridge", "asterisk", "--queue-log", str(log), "--follow", "--position", str(position),
               "--output", str(out)]  # fmt: skip
    return subprocess.Popen(cckpi_command(*command), stderr=subprocess.PIPE)


def written(out: Path, count: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if out.exists() and out.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.1)
    raise AssertionError(f"{out}: fewer than {count} events after {timeout_s} s")


def saved(position: Path, offset: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if position.exists() and orjson.loads(position.read_bytes())["offset"] == offset:
            return
        time.sleep(0.1)
    raise AssertionError(f"{position}: offset {offset} not saved after {timeout_s} s")


def test_follow_stop_rotate_start_again(tmp_path: Path) -> None:
    log, position = tmp_path / "queue_log", tmp_path / "queue_log.pos"
    log.write_text(call(1) + call(2))
    first = follow(log, tmp_path / "one.jsonl", position)
    written(tmp_path / "one.jsonl", 2 * 5)  # a call: arrived, answered, busy, ended, available
    with log.open("a") as handle:
        handle.write(call(3))
    written(tmp_path / "one.jsonl", 3 * 5)
    saved(position, log.stat().st_size)  # while idle, without being stopped
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=20) in (0, -signal.SIGTERM, 143, 1), first.stderr
    with log.open("a") as handle:  # written while the bridge was down, then rotated
        handle.write(call(4))
    os.rename(log, tmp_path / "queue_log.1")
    log.write_text(call(5))
    second = follow(log, tmp_path / "two.jsonl", position)
    written(tmp_path / "two.jsonl", 2 * 5)
    second.send_signal(signal.SIGTERM)
    second.wait(timeout=20)
    events = [
        orjson.loads(line)
        for name in ("one", "two")
        for line in (tmp_path / f"{name}.jsonl").read_bytes().splitlines()
    ]
    calls = {e["contact_id"] for e in events if "contact_id" in e}
    assert calls == {"1.1", "2.1", "3.1", "4.1", "5.1"}  # 4 from queue_log.1, rotated meanwhile
    ids = [e["event_id"] for e in events]
    assert len(set(ids)) == 5 * 5 and len(ids) == len(set(ids))  # every event, once
