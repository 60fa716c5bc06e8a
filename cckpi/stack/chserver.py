"""A throwaway clickhouse-server (Debian's 18.16) on loopback, for tests and benchmarks."""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

from cckpi.stack.broker import free_port
from cckpi.stack.processes import stop_process, wait_until

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
# The native protocol over TLS on a port of its own, beside the plain one (which readiness is checked on).
TLS_CONFIG = """
  <tcp_port_secure>{port}</tcp_port_secure>
  <openSSL><server><certificateFile>{certificate}</certificateFile><privateKeyFile>{key}</privateKeyFile>
    <verificationMode>none</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile></server></openSSL>
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

    def __init__(
        self,
        root: Path,
        tcp_port: int | None = None,
        extra_config: str = "",
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        """``tls``: a certificate and its key, served on :attr:`tls_port` as well."""
        self.root = root
        self.tcp_port = tcp_port or free_port()
        self.tls_port = free_port() if tls else None
        if tls:
            extra_config += TLS_CONFIG.format(port=self.tls_port, certificate=tls[0], key=tls[1])
        root.mkdir(parents=True, exist_ok=True)
        config = CONFIG.format(root=root, tcp=self.tcp_port, http=free_port())
        (root / "config.xml").write_text(config.replace("</yandex>", f"{extra_config}</yandex>"))
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


CLUSTER_CONFIG = """
  <remote_servers><{name}><shard><internal_replication>true</internal_replication>{replicas}</shard></{name}>
  </remote_servers>
  <zookeeper><node><host>127.0.0.1</host><port>{zookeeper}</port></node></zookeeper>
  <macros><shard>01</shard><replica>{replica}</replica></macros>
  <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
  <interserver_http_host>127.0.0.1</interserver_http_host><interserver_http_port>{interserver}</interserver_http_port>
"""


class ClickHouseCluster:
    """One shard of ``replicas`` servers on loopback, replicated through a ZooKeeper of their own:
    the smallest replicated cluster, as the migrations make tables for it."""

    def __init__(self, root: Path, replicas: int = 2, name: str = "cckpi") -> None:
        from cckpi.stack.zookeeper import ZooKeeper

        self.name = name
        self.zookeeper = ZooKeeper(root / "zookeeper")
        ports = [free_port() for _ in range(replicas)]
        members = "".join(f"<replica><host>127.0.0.1</host><port>{p}</port></replica>" for p in ports)
        self.servers: list[ClickHouseServer] = []
        try:
            for number, port in enumerate(ports, 1):
                config = CLUSTER_CONFIG.format(
                    name=name, replicas=members, zookeeper=self.zookeeper.port,
                    replica=f"replica{number}", interserver=free_port(),
                )  # fmt: skip
                self.servers.append(ClickHouseServer(root / f"replica{number}", port, config))
        except BaseException:
            self.stop()
            raise

    def url(self, replica: int, insert_quorum: int = 0) -> str:
        """The URL of one replica (0-based), naming the cluster as CCKPI_CLICKHOUSE_CLUSTER does."""
        return f"{self.servers[replica].url}?cluster={self.name}&insert_quorum={insert_quorum}"

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        self.zookeeper.stop()
