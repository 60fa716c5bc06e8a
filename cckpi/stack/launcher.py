"""Start and stop the parts as child processes: the worker, and wait for it to catch up."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import orjson
from pydantic import SecretStr

from cckpi.stack.processes import stop_process, wait_until
from streams.kafka import committed_offsets, end_offsets
from streams.kafka_access import KafkaAccess
from streams.settings import Settings


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that hands these settings to a child process."""
    env = {
        "CCKPI_DATA_DIR": str(settings.data_dir),
        "CCKPI_DATABASE": settings.database,
        "CCKPI_TOPIC": settings.topic,
        "CCKPI_PARTITIONS": str(settings.partitions),
        "CCKPI_GROUP": settings.group,
        "CCKPI_WEB_HOST": settings.web_host,
        "CCKPI_WEB_PORT": str(settings.web_port),
        "CCKPI_BATCH_SIZE": str(settings.batch_size),
        "CCKPI_BATCH_WITHIN_S": str(settings.batch_within_s),
        "CCKPI_LAG_EVERY_S": str(settings.lag_every_s),
        "CCKPI_ALERT_EVERY_S": str(settings.alert_every_s),
        "CCKPI_STALL_AFTER_S": str(settings.stall_after_s),
        "CCKPI_RETENTION_HOURS": str(settings.retention_hours),
        "CCKPI_OPEN_RETENTION_HOURS": str(settings.open_retention_hours),
        "CCKPI_MAX_FUTURE_S": str(settings.max_future_s),
    }
    if settings.kafka_bootstrap:
        env["KAFKA_BOOTSTRAP"] = settings.kafka_bootstrap
    env.update(kafka_access_env(settings))
    if settings.clickhouse_url:
        env["CLICKHOUSE_URL"] = settings.clickhouse_url.get_secret_value()
    if settings.web_token:
        env["CCKPI_WEB_TOKEN"] = settings.web_token.get_secret_value()
    if settings.sla_file:
        env["CCKPI_SLA_FILE"] = str(settings.sla_file)
    if settings.pseudonym_key:
        env["CCKPI_PSEUDONYM_KEY"] = settings.pseudonym_key.get_secret_value()
    return env


def kafka_access_env(access: KafkaAccess) -> dict[str, str]:
    """The Kafka security variables set in ``access``, as a child process reads them."""
    env = {}
    for field, info in KafkaAccess.model_fields.items():
        value = getattr(access, field)
        if value is None or value == info.default:
            continue
        name = str(info.validation_alias.choices[0])  # type: ignore[union-attr]
        env[name] = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    return env


WORKER_COMMAND = ("-m", "cckpi", "worker")


class WorkerProcess:
    """``cckpi worker`` (or another start of it: ``command``, after the interpreter) as a child
    process, logging to a file."""

    def __init__(
        self,
        settings: Settings,
        log_path: Path,
        bare: bool = False,
        env: dict[str, str] | None = None,
        command: Sequence[str] = WORKER_COMMAND,
    ) -> None:
        self.settings = settings
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, *command, *(["--bare"] if bare else [])],
            env={**os.environ, **settings_env(settings), **(env or {})},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def get(self, path: str, timeout_s: float = 5.0) -> dict:
        url = f"http://{self.settings.web_host}:{self.settings.web_port}{path}"
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (loopback)
            return orjson.loads(response.read())

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        """Wait until the worker has joined its group and holds partitions."""
        wait_until(
            lambda: bool(self.get("/api/status", 1.0).get("assigned")),
            self.process, f"worker (see {self.log_path})", timeout_s,
        )  # fmt: skip

    def stop(self, timeout_s: float = 30.0) -> int:
        """SIGTERM (the worker stops cleanly), SIGKILL if it does not."""
        code = stop_process(self.process, timeout_s)
        self._log.close()
        return code

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def wait_drained(settings: Settings, timeout_s: float = 300.0) -> None:
    """Wait until the group has committed every message of the event and FCR-facts topics.

    Offsets are committed only after results are written, so this means the results of
    every event produced so far are in ClickHouse.
    """
    bootstrap, options = settings.require_bootstrap(), settings.kafka_options()
    deadline = time.monotonic() + timeout_s
    for topic in (settings.topic, settings.facts_topic):
        ends = {p: o for p, o in end_offsets(bootstrap, topic, settings.partitions, options).items() if o}
        while True:
            committed = committed_offsets(bootstrap, settings.group, topic, options)
            if all(committed.get(p, -1) >= end for p, end in ends.items()):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: committed {committed}, end {ends}")
            time.sleep(0.5)
