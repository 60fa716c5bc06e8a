"""The production stack's compose file names only files and variables that exist, pins its images,
binds ports to loopback, and keeps secrets out of the repository."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.helpers.compose import ROOT, MissingVariable, compose, interpolate, mounts, service_environment

COMPOSE = compose()
TEXT = (ROOT / "docker-compose.yml").read_text()


def env_example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")]  # fmt: skip
    return {key: value for key, value in pairs}


def test_every_variable_is_in_env_example_and_every_secret_is_required() -> None:
    names = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", TEXT))
    assert names and names <= set(env_example()), names - set(env_example())
    for name in names:  # compose stops, naming the variable, when one is unset or empty
        for service in COMPOSE["services"]:
            values = {**env_example(), name: ""}
            if any(
                f"${{{name}" in str(v) for v in COMPOSE["services"][service].get("environment", {}).values()
            ):
                with pytest.raises(MissingVariable, match=name):
                    service_environment(service, values)
    grafana = set(COMPOSE["services"]["grafana"]["environment"])
    for path in (ROOT / "dashboards/provisioning").rglob("*.yaml"):  # Grafana expands $VAR from its own
        named = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", path.read_text()))
        assert named <= set(env_example()) & grafana, (path.name, named - (set(env_example()) & grafana))


def test_every_file_and_build_context_exists() -> None:
    for name, service in COMPOSE["services"].items():
        if "build" in service:
            assert (ROOT / service["build"] / "Dockerfile").is_file(), name
        for source, _ in mounts(name):
            if source.startswith("${"):
                source = interpolate(source, env_example())
                assert not (ROOT / source).exists() or source == "./sla.yaml", source  # the operator's
                continue
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source}"
            else:
                assert source in COMPOSE.get("volumes", {}), f"{name}: named volume {source}"


def test_images_are_pinned_ports_are_loopback_and_health_checked() -> None:
    for name, service in COMPOSE["services"].items():
        image = service.get("image")
        if image:
            assert re.search(r":\d+(\.\d+)+", image), f"{name}: pin {image}"
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name}: {port}"
    for name in ("kafka", "clickhouse"):
        assert "healthcheck" in COMPOSE["services"][name]


def test_no_secret_is_committed() -> None:
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()
    secrets = {k: v for k, v in env_example().items() if "PASSWORD" in k or "TOKEN" in k}
    assert secrets and all(value == "change-me" for value in secrets.values())
    for path in ("docker-compose.yml", "dashboards/provisioning/datasources/clickhouse.yaml"):
        # a key holding a password is only ever given a variable
        assert not re.search(
            r"^\s*[\w-]*password[\w-]*:\s*[^$\s{]", (ROOT / path).read_text(), re.I | re.M
        ), path


def test_host_clients_have_a_listener_and_state_has_volumes() -> None:
    kafka = COMPOSE["services"]["kafka"]
    advertised = dict(
        part.split("://") for part in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",")
    )
    host = advertised["HOST"]
    assert (
        host.startswith("127.0.0.1:")
        and f"127.0.0.1:{host.split(':')[1]}:{host.split(':')[1]}" in kafka["ports"]
    )
    mounted = {service: [target for _, target in mounts(service)] for service in COMPOSE["services"]}
    assert kafka["environment"]["KAFKA_LOG_DIRS"] in mounted["kafka"]
    assert "/var/lib/grafana" in mounted["grafana"] and "/var/lib/clickhouse" in mounted["clickhouse"]
    assert "/var/lib/cckpi" in mounted["worker"]


def test_dashboards_are_written_for_the_grafana_the_stack_runs() -> None:
    from dashboards.generate import GRAFANA_VERSION, OUT

    assert COMPOSE["services"]["grafana"]["image"] == f"grafana/grafana:{GRAFANA_VERSION}"
    for path in OUT.rglob("*.json"):  # every language's
        panels = yaml.safe_load(path.read_text())["panels"]
        assert panels and all(p["pluginVersion"] == GRAFANA_VERSION for p in panels), path.name


def test_each_receiver_has_its_own_token() -> None:
    """One token for Chatwoot and /ingest would let whoever reads Chatwoot's webhook URL post any
    client's events; the deprecated shared token would also print a warning at every start."""
    chatwoot = COMPOSE["services"]["chatwoot-bridge"]["environment"]
    ingest = COMPOSE["services"]["ingest"]["environment"]
    assert "CCKPI_CHATWOOT_TOKEN" in chatwoot and "CCKPI_INGEST_TOKENS" in ingest
    assert "CCKPI_RECEIVER_TOKEN" not in {*chatwoot, *ingest}
