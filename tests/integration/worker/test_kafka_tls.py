"""Kafka over TLS end to end: a bridge produces and the worker consumes through a TLS-terminating
listener (Debian's stunnel4) in front of the broker, each verifying the broker's certificate; with
a CA that did not sign it, each stops at once with one line instead of retrying.

The embedded broker's own TLS does not work (../shared/notes), so the TLS is stunnel's, as it
would be in front of any broker that speaks plain Kafka.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cckpi.stack.broker import TansuBroker, free_port, wait_for_port
from cckpi.stack.launcher import kafka_access_env
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_file
from streams.kafka import ensure_topics
from tests.helpers.cli import cckpi
from tests.helpers.harness import drain, new_settings
from tests.helpers.pki import Pki, make_pki

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class TlsBroker:
    bootstrap: str  # the TLS listener: the only address clients are given
    pki: Pki


@pytest.fixture
def tls_broker(tmp_path: Path) -> Iterator[TlsBroker]:
    pki = make_pki(tmp_path)
    tls_port = free_port()
    broker = TansuBroker(tmp_path / "tansu.log", advertised=f"127.0.0.1:{tls_port}")
    config = tmp_path / "stunnel.conf"
    config.write_text(
        f"foreground = yes\npid =\nsyslog = no\noutput = {tmp_path / 'stunnel.log'}\n"
        f"[kafka]\naccept = 127.0.0.1:{tls_port}\nconnect = 127.0.0.1:{broker.port}\n"
        f"cert = {pki.cert}\nkey = {pki.key}\n"
    )
    stunnel = subprocess.Popen(["stunnel4", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(tls_port)
        yield TlsBroker(f"127.0.0.1:{tls_port}", pki)
    finally:
        stunnel.terminate()
        stunnel.wait(10)
        broker.stop()


def test_a_bridge_and_the_worker_through_tls(tmp_path: Path, tls_broker: TlsBroker) -> None:
    log = tmp_path / "queue_log"
    made = cckpi("simulate", "--start", "2026-11-23T08:00:00Z", "--duration", "3h", "--seed", "5",
                 "--output", f"queue_log:{log}")  # fmt: skip
    assert made.returncode == 0, made.stderr
    queues = f"{log}.queues.yaml"
    offline = cckpi("bridge", "asterisk", "--queue-log", str(log), "--map", queues,
                    "--output", str(tmp_path / "calls.jsonl"))  # fmt: skip
    assert offline.returncode == 0, offline.stderr
    expected, _ = compute_file(tmp_path / "calls.jsonl")
    assert sum(r.answered for r in expected) > 20

    secured = new_settings(tmp_path, tls_broker.bootstrap, None).model_copy(
        update={"kafka_security_protocol": "SSL", "kafka_ssl_cafile": tls_broker.pki.ca}
    )
    ensure_topics(secured)
    env = {"KAFKA_BOOTSTRAP": tls_broker.bootstrap, "CCKPI_TOPIC": secured.topic, **kafka_access_env(secured)}
    sent = cckpi("bridge", "asterisk", "--queue-log", str(log), "--map", queues, env={**os.environ, **env})
    assert sent.returncode == 0, sent.stderr
    run = drain(secured, None)  # the worker gets the same TLS settings (launcher.settings_env)
    columns = set(OUTPUT_COLUMNS)
    assert [r.model_dump(include=columns) for r in run.kpi_rows()] == [
        r.model_dump(include=columns) for r in expected
    ]


def test_an_untrusted_broker_is_refused_in_one_line(tmp_path: Path, tls_broker: TlsBroker) -> None:
    wrong = {"KAFKA_BOOTSTRAP": tls_broker.bootstrap, "KAFKA_SECURITY_PROTOCOL": "SSL",
             "KAFKA_SSL_CAFILE": str(tls_broker.pki.stranger), "CCKPI_DATA_DIR": str(tmp_path / "data"),
             "CCKPI_WEB_PORT": str(free_port())}  # fmt: skip
    log = tmp_path / "queue_log"
    log.write_text("1764000000|NONE|NONE|NONE|QUEUESTART|\n")
    for command in (["worker"], ["bridge", "asterisk", "--queue-log", str(log)]):
        began = time.monotonic()
        stopped = cckpi(*command, env={**os.environ, **wrong}, timeout=60)
        assert stopped.returncode == 2, (command, stopped.stderr[-2000:])
        said = stopped.stderr.strip().splitlines()
        assert len(said) == 1 and "certificate is not trusted" in said[0], (command, said)
        assert time.monotonic() - began < 30, "retried instead of saying it"
