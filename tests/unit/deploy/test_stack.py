"""The production stack as an operator runs it: only production services start by default, the
SLA file is the operator's, every long-running part restarts, ClickHouse is healthy only once its
real server listens, the worker scales, a single broker's internal topics fit it, backups have a
disk and Grafana's alerts a destination."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.helpers.compose import ROOT, MissingVariable, compose, interpolate, mounts

COMPOSE = compose()
SERVICES = COMPOSE["services"]
PRODUCTION = {"kafka", "clickhouse", "grafana", "migrate", "worker"}
# They run to their end; migrate, as the administrator, before the workers.
ONE_SHOT = {"simulator", "migrate"}


def test_only_production_services_start_by_default() -> None:
    default = {name for name, service in SERVICES.items() if not service.get("profiles")}
    assert default == PRODUCTION
    assert SERVICES["simulator"]["profiles"] == ["demo"]  # docker compose --profile demo up


def test_the_worker_reads_the_operators_sla_file_and_compose_refuses_without_it() -> None:
    (sla,) = [
        v for v in SERVICES["worker"]["volumes"] if isinstance(v, dict) and v["target"] == "/app/sla.yaml"
    ]
    assert sla["source"].startswith("${CCKPI_SLA_FILE_HOST:?") and sla["bind"]["create_host_path"] is False
    assert sla.get("read_only") is True
    with pytest.raises(MissingVariable, match="CCKPI_SLA_FILE_HOST"):
        interpolate(sla["source"], {})
    source = interpolate(sla["source"], {"CCKPI_SLA_FILE_HOST": "./sla.yaml"})
    ignored = subprocess.run(["git", "check-ignore", "-q", source], cwd=ROOT, check=False)
    assert ignored.returncode == 0, f"{source} must be git-ignored: it may name secrets"


def test_every_long_running_service_restarts() -> None:
    for name, service in SERVICES.items():
        if name not in ONE_SHOT:
            assert service.get("restart") in ("unless-stopped", "always"), name
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["worker"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_the_worker_can_be_scaled() -> None:
    (port,) = SERVICES["worker"]["ports"]
    host, inside = port.removeprefix("127.0.0.1:").rsplit(":", 1)
    first, _, last = host.partition("-")
    assert inside == "6066" and last and int(last) - int(first) + 1 >= 3  # a port per partition


def test_a_single_broker_needs_one_replica_of_every_internal_topic() -> None:
    environment = SERVICES["kafka"]["environment"]
    for key in ("OFFSETS_TOPIC_REPLICATION_FACTOR", "TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                "TRANSACTION_STATE_LOG_MIN_ISR"):  # fmt: skip
        assert environment[f"KAFKA_{key}"] == 1, key


def _healthcheck(tmp_path: Path, server: str) -> int:
    """Run ClickHouse's healthcheck with stand-ins: ``hostname -i`` prints the container's
    addresses, and the client reaches the temporary init server on 127.0.0.1 only."""
    command = interpolate(" ".join(SERVICES["clickhouse"]["healthcheck"]["test"][1:]), {})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "hostname").write_text('#!/bin/sh\n[ "$1" = -i ] && echo "172.18.0.3 fd00::3"\n')
    (bin_dir / "clickhouse-client").write_text(
        '#!/bin/bash\nhost=127.0.0.1\nwhile [ $# -gt 0 ]; do [ "$1" = --host ] && host=$2; shift; done\n'
        f'[ "{server}" = real ] || [ "$host" = 127.0.0.1 ] || [ "$host" = localhost ]\n'
    )
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "CLICKHOUSE_USER": "u", "CLICKHOUSE_PASSWORD": "p"}
    return subprocess.run(["sh", "-c", command], env=env, check=False, timeout=30).returncode


def test_clickhouse_is_healthy_only_once_the_real_server_listens(tmp_path: Path) -> None:
    assert _healthcheck(tmp_path, "temporary") != 0  # the image's init server: loopback only
    assert _healthcheck(tmp_path, "real") == 0


def test_backups_have_a_disk_on_a_volume() -> None:
    (config,) = [s for s, t in mounts("clickhouse") if t.startswith("/etc/clickhouse-server/config.d/")]
    root = ET.parse(ROOT / config).getroot()
    path = root.findtext("storage_configuration/disks/backups/path")
    assert root.findtext("backups/allowed_disk") == "backups" and path
    volumes = {target: source for source, target in mounts("clickhouse")}
    assert volumes[path.rstrip("/")] in COMPOSE["volumes"]  # a named volume, not the container


def test_grafana_alerts_have_a_contact_point_and_a_policy() -> None:
    folder = ROOT / "dashboards/provisioning/alerting"
    documents = [yaml.safe_load(path.read_text()) for path in sorted(folder.glob("*.yaml"))]
    points = {p["name"]: p for d in documents for p in d.get("contactPoints", [])}
    (policy,) = [p for d in documents for p in d.get("policies", [])]
    (receiver,) = points[policy["receiver"]]["receivers"]
    url = receiver["settings"]["url"]
    assert url.startswith("$") and url.lstrip("${").rstrip("}") in SERVICES["grafana"]["environment"]
