"""A throwaway clickhouse-server (Debian's 18.16) on loopback, for tests and benchmarks."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from cckpi.broker import free_port
from cckpi.processes import stop_process, wait_until

CONFIG = """<yandex>
  <logger><level>warning</level><log>{root}/server.log</log><errorlog>{root}/error.log</errorlog>
    <console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{tcp}</tcp_port>
  <http_port>{http}</http_port>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>{root}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
  <timezone>UTC</timezone>
</yandex>
"""
USERS = """<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"""


def server_binary() -> str:
    found = shutil.which("clickhouse-server") or shutil.which("clickhouse")
    if not found:
        raise RuntimeError(
            "clickhouse-server is not installed: apt-get update && apt-get install -y clickhouse-server"
        )
    return found


class ClickHouseServer:
    """A server in its own folder and ports; it can be stopped and started again (fault tests)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tcp_port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        (root / "config.xml").write_text(CONFIG.format(root=root, tcp=self.tcp_port, http=free_port()))
        (root / "users.xml").write_text(USERS)
        self.url = f"clickhouse://default@127.0.0.1:{self.tcp_port}"
        self.start()

    def start(self) -> None:
        binary = server_binary()
        command = [binary, "--config-file", str(self.root / "config.xml")]
        if Path(binary).name == "clickhouse":
            command = [binary, "server", "--config-file", str(self.root / "config.xml")]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        self.wait_ready()

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        from clickhouse_driver import Client

        # The driver logs every refused connection with a traceback; while starting, they are expected.
        logging.getLogger("clickhouse_driver.connection").setLevel(logging.CRITICAL)
        wait_until(
            lambda: bool(Client("127.0.0.1", port=self.tcp_port).execute("SELECT 1")),
            self.process, f"clickhouse-server (see {self.root}/error.log)", timeout_s, 0.3,
        )  # fmt: skip

    def stop(self) -> None:
        stop_process(self.process)
