"""Grafana provisioning for one outsourcing client: its own datasource and SLA dashboard, in the
client's language (the SLA file's ``language``).

Each client gets a Grafana organisation of its own (create it first, e.g. with the API);
there, its only datasource logs in as the client's readonly ClickHouse user and defaults
to the client's database (see ``sql/tenants.py``), so no panel can show another client.
"""

from __future__ import annotations

import json

from dashboards.generate import DATASOURCE, dashboard
from schemas.vocabulary import Language
from streams.storage.tenants import client_database, client_user

PROVISIONING = "/etc/grafana/provisioning"


def password_variable(source_database: str, client: str) -> str:
    """The environment variable Grafana reads the client's ClickHouse password from."""
    return f"{client_database(source_database, client).upper()}_PASSWORD"


def client_provisioning(
    source_database: str,
    client: str,
    org_id: int,
    host: str = "clickhouse",
    port: int = 9000,
    language: Language = "en",
) -> dict[str, str]:
    """Provisioning files (path relative to Grafana's provisioning folder -> text).

    The dashboard's uid and file do not depend on the language: a client whose language changes
    gets the same dashboard rewritten in place, not a second one."""
    name = client_database(source_database, client)
    uid = name.replace("_", "-")[:40]
    datasource = {
        "apiVersion": 1,
        "datasources": [{
            "name": f"ClickHouse ({client})", "uid": uid, "orgId": org_id,
            "type": DATASOURCE["type"], "editable": False,
            "jsonData": {"host": host, "port": port, "protocol": "native", "defaultDatabase": name,
                         "username": client_user(source_database, client)},
            "secureJsonData": {"password": f"${{{password_variable(source_database, client)}}}"},
        }],
    }  # fmt: skip
    provider = {
        "apiVersion": 1,
        "providers": [{
            "name": name, "orgId": org_id, "folder": "SLA", "type": "file", "disableDeletion": True,
            "allowUiUpdates": False, "options": {"path": f"{PROVISIONING}/clients/{name}"},
        }],
    }  # fmt: skip
    board = json.loads(json.dumps(dashboard("cckpi-client-sla", language)).replace(DATASOURCE["uid"], uid))
    board["uid"] = f"sla-{uid}"[:40]
    board["title"] = f"SLA — {client}"
    return {
        f"datasources/{name}.yaml": json.dumps(datasource, indent=2),  # JSON is valid YAML
        f"dashboards/{name}.yaml": json.dumps(provider, indent=2),
        f"clients/{name}/cckpi-client-sla.json": json.dumps(board, indent=2, ensure_ascii=False),
    }
