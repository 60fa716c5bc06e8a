"""A client's Grafana provisioning reads only through the client's own ClickHouse path."""

from __future__ import annotations

import json

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
