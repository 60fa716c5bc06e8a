"""A ClickHouse the command cannot reach (down, refused, an untrusted certificate) is said in one
line naming host and port, exit code 2: no traceback, no password."""

from __future__ import annotations

import os
import socket

from tests.helpers.cli import cckpi


def test_an_unreachable_clickhouse_is_one_line() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "CLICKHOUSE_URL": f"clickhouse://reader:s3cret-pass@127.0.0.1:{port}/x"}
    done = cckpi("migrate", env=env, timeout=60)
    said = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(said) == 1, done.stderr
    assert f"127.0.0.1:{port}" in said[0] and "s3cret" not in said[0]
