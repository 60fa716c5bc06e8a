"""A client's Grafana provisioning reads only through the client's own ClickHouse path."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from dashboards.clients import client_provisioning
from streams.storage.tenants import client_database, client_user, slug, users_xml


def test_every_panel_of_a_client_dashboard_uses_the_client_datasource() -> None:
    files = client_provisioning("cckpi", "acme", org_id=7)
    (datasource,) = json.loads(files["datasources/cckpi_client_acme.yaml"])["datasources"]
    assert datasource["orgId"] == 7
    assert datasource["jsonData"]["defaultDatabase"] == client_database("cckpi", "acme")
    assert datasource["jsonData"]["username"] == client_user("cckpi", "acme")
    assert datasource["secureJsonData"]["password"] == "${CCKPI_CLIENT_ACME_PASSWORD}"
    (provider,) = json.loads(files["dashboards/cckpi_client_acme.yaml"])["providers"]
    assert provider["orgId"] == 7 and provider["options"]["path"].endswith("/clients/cckpi_client_acme")
    board = json.loads(files["clients/cckpi_client_acme/cckpi-client-sla.json"])
    uids = {ds["uid"] for panel in board["panels"] for ds in
            [panel["datasource"], *(t["datasource"] for t in panel["targets"])]}  # fmt: skip
    uids |= {v["datasource"]["uid"] for v in board["templating"]["list"] if "datasource" in v}
    assert uids == {datasource["uid"]}
    assert "cckpi-clickhouse" not in json.dumps(files)


def test_client_names_become_safe_distinct_identifiers() -> None:
    assert slug("acme") == "acme"
    odd = ["Acme Corp", "acme corp", "x'; DROP TABLE kpi_interval; --", "ünïcode", "a" * 300]
    slugs = [slug(name) for name in odd]
    assert len(set(slugs)) == len(odd)
    assert all(s.replace("_", "").isalnum() and s.isascii() and len(s) <= 40 for s in slugs)


def test_users_xml_keeps_only_a_digest_of_the_password() -> None:
    text = users_xml("cckpi", "acme", "correct-horse-battery-staple")
    assert "correct-horse" not in text
    assert "<database>cckpi_client_acme</database>" in text and "<readonly>2</readonly>" in text


def test_a_french_client_reads_its_dashboard_in_french() -> None:
    english = json.loads(
        client_provisioning("cckpi", "acme", org_id=7)["clients/cckpi_client_acme/cckpi-client-sla.json"]
    )
    files = client_provisioning("cckpi", "acme", org_id=7, language="fr")
    board = json.loads(files["clients/cckpi_client_acme/cckpi-client-sla.json"])
    assert board["uid"] == english["uid"] and board["title"] == english["title"]  # the same one, rewritten
    assert (
        board["panels"][0]["title"] == "Niveau de service par rapport à l'objectif, par jour, semaine ou mois"
    )
    assert board["templating"]["list"][0]["label"] == "Client"
    assert [p["targets"] for p in board["panels"]] == [p["targets"] for p in english["panels"]]
    german = json.loads(
        client_provisioning("cckpi", "acme", 7, language="de")[
            "clients/cckpi_client_acme/cckpi-client-sla.json"
        ]
    )
    assert german["panels"][0]["title"].startswith("Servicelevel im Vergleich zum Ziel")
    assert german["templating"]["list"][0]["label"] == "Auftraggeber"


def test_cckpi_clients_writes_the_dashboard_in_the_language_of_the_sla_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command reads the client's language from $CCKPI_SLA_FILE (the store is a stand-in:
    the read path itself is tested against clickhouse-server in tests/integration/storage)."""
    import streams.storage.backends.connect as connect
    import streams.storage.tenants as tenants
    from cckpi.cli import main

    sla = tmp_path / "sla.yaml"
    sla.write_text("clients:\n  acme: {language: de, locale: de_CH}\n  globex: {language: fr}\n")
    monkeypatch.chdir(tmp_path)  # no .env from the checkout
    for name in ("CLICKHOUSE_URL", "CCKPI_DATABASE", "CCKPI_CLIENT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CCKPI_SLA_FILE", str(sla))
    monkeypatch.setattr(connect, "connect", lambda *_: SimpleNamespace(close=lambda: None))
    monkeypatch.setattr(
        tenants, "provision_client", lambda _, database, client: client_database(database, client)
    )
    for client, title in (
        ("acme", "Servicelevel"),
        ("globex", "Niveau de service"),
        ("initech", "Service level"),
    ):
        assert (
            main(["clients", "provision", "--client", client, "--grafana-dir", str(tmp_path / "grafana")])
            == 0
        )
        written = tmp_path / "grafana" / "clients" / f"cckpi_client_{client}" / "cckpi-client-sla.json"
        assert json.loads(written.read_text(encoding="utf-8"))["panels"][0]["title"].startswith(title), client
