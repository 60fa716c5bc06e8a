"""A throwaway ZooKeeper (Debian's package) on loopback: what a replicated ClickHouse cluster needs."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from cckpi.stack.broker import free_port
from cckpi.stack.processes import stop_process, wait_until

JAR = Path("/usr/share/java/zookeeper.jar")


def _answers(port: int) -> bool:
    """Whether a ZooKeeper serves on the port (its ``srvr`` four-letter command)."""
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"srvr")
        return b"Mode:" in conn.recv(1000)


class ZooKeeper:
    """A standalone ZooKeeper keeping its data in ``root``."""

    def __init__(self, root: Path) -> None:
        java = shutil.which("java")
        if java is None or not JAR.exists():
            raise RuntimeError("ZooKeeper is not installed: apt-get update && apt-get install -y zookeeper")
        root.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        command = [java, "-Xmx256m", "-cp", str(JAR), "org.apache.zookeeper.server.ZooKeeperServerMain",
                   str(self.port), str(root / "data")]  # fmt: skip
        log_path = root / "zookeeper.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_until(lambda: _answers(self.port), self.process, f"ZooKeeper (see {log_path})", 60.0, 0.3)

    def stop(self) -> None:
        stop_process(self.process)
