"""Following a log like ``tail -F``: whole lines only, across rotation and truncation, and from
a saved position after a restart."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from producers.bridges.tail import Position, Tail


def next_within(lines: Iterator[tuple[int, str]]) -> tuple[int, str]:
    """The next line, or a failure after 5 s (a follower that hangs fails the test, never blocks it)."""
    got: list[tuple[int, str]] = []
    reader = threading.Thread(target=lambda: got.append(next(lines)), daemon=True)
    reader.start()
    reader.join(timeout=5)
    assert got, "no line within 5 s"
    return got[0]


def test_whole_lines_across_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text("a\nb\nc")  # c is still being written
    tail = Tail(log, Position(), follow=True, poll_s=0.01)
    lines = tail.lines()
    assert [next_within(lines) for _ in range(2)] == [(1, "a\n"), (2, "b\n")]
    with log.open("a") as handle:
        handle.write(" rest\n")
    assert next_within(lines) == (3, "c rest\n")
    os.rename(log, tmp_path / "queue_log.1")  # logrotate: rename, then a new file
    with (tmp_path / "queue_log.1").open("a") as handle:
        handle.write("d\n")  # written to the old file before Asterisk reopened
    log.write_text("e\n")
    assert [next_within(lines) for _ in range(2)] == [(4, "d\n"), (1, "e\n")]
    log.write_text("")  # copytruncate: the same file, emptied
    with log.open("a") as handle:
        handle.write("f\n")
    assert next_within(lines) == (1, "f\n")
    lines.close()
    saved = tmp_path / "position.json"
    tail.position.save(saved)
    with log.open("a") as handle:
        handle.write("g\nh")  # h: the file's last line, without a newline
    again = Tail(log, Position.load(saved), follow=False)
    assert list(again.lines()) == [(2, "g\n"), (3, "h")]


def test_a_file_replaced_while_stopped_is_read_from_its_start(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    log.write_text("1\n2\n3\n")
    first = Tail(log, Position(), follow=False)
    assert len(list(first.lines())) == 3
    os.rename(log, tmp_path / "old")
    log.write_text("4\n")
    assert list(Tail(log, first.position, follow=False).lines()) == [(1, "4\n")]


def test_a_saved_position_is_on_disk_before_the_rename_and_the_rename_before_save_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[str] = []
    fsync, replace = os.fsync, Path.replace

    def synced(fd: int) -> None:
        steps.append("fsync directory" if os.path.isdir(f"/proc/self/fd/{fd}") else "fsync file")
        fsync(fd)

    def renamed(self: Path, target: Path) -> Path:
        steps.append("rename")
        return replace(self, target)

    monkeypatch.setattr(os, "fsync", synced)
    monkeypatch.setattr(Path, "replace", renamed)
    saved = tmp_path / "position.json"
    Position(inode=7, offset=120, line=3).save(saved)
    assert steps == ["fsync file", "rename", "fsync directory"]
    assert Position.load(saved).offset == 120
