"""A second worker or demo on a chDB folder another process holds stops at once, saying in one
line which folder is in use (exit code 2), instead of a traceback and chDB's "Cannot lock file"
in the worker's log; the folder is free again when the holder ends, however it ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cckpi.stack.folder_lock import FolderInUse, holding
from tests.helpers.cli import cckpi

_HOLDER = """
import sys, time
from pathlib import Path
from cckpi.stack.folder_lock import holding
with holding(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def _cckpi(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLICKHOUSE_URL", "KAFKA_BOOTSTRAP")}
    env["CCKPI_DATA_DIR"] = str(data_dir)
    return cckpi(*args, env=env, timeout=120)


def test_a_second_process_on_a_held_folder_says_which_and_stops(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "chdb"
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for command in (["worker"], ["demo", "--duration", "1"]):
            done = _cckpi(*command, data_dir=tmp_path / "data")
            assert done.returncode == 2, done.stderr[-2000:]
            (line,) = done.stderr.splitlines()
            assert line.startswith(f"cckpi {command[0]}: {folder} is in use"), line
        assert not (tmp_path / "data" / "worker.log").exists()  # the demo wrote nothing there
        with pytest.raises(FolderInUse), holding(folder):
            pass
    finally:
        holder.kill()
        holder.wait()
    with holding(folder):  # the kernel let go with the killed holder
        pass
