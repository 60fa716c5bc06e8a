"""A users.d file holds a password: only its owner may read it, from the first byte written."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from cckpi.users import write_users_xml

WATCHED: dict[str, list[int]] = {}  # path -> the file's size at each change of its mode


def _watch(event: str, args: tuple[object, ...]) -> None:
    if event == "os.chmod" and str(args[0]) in WATCHED:
        WATCHED[str(args[0])].append(os.stat(str(args[0])).st_size)
    elif event == "os.chmod" and isinstance(args[0], int):  # fchmod: by descriptor
        for path, sizes in WATCHED.items():
            if os.path.exists(path) and os.path.samestat(os.fstat(args[0]), os.stat(path)):
                sizes.append(os.fstat(args[0]).st_size)


sys.addaudithook(_watch)


@pytest.mark.parametrize("existing", [False, True])
def test_the_users_file_is_never_readable_by_others(tmp_path: Path, existing: bool) -> None:
    path = tmp_path / "grafana.xml"
    if existing:
        path.write_text("old")
        path.chmod(0o644)
    WATCHED[str(path)] = []
    old_mask = os.umask(0)  # what a careless environment gives a new file: readable by all
    try:
        write_users_xml(path, "grafana", "<clickhouse><users>secret</users></clickhouse>")
    finally:
        os.umask(old_mask)
    assert path.stat().st_mode & 0o777 == 0o600
    assert all(size == 0 for size in WATCHED.pop(str(path))), "the mode was set after the content"
    assert "secret" in path.read_text()
