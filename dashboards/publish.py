"""Push the datasource and the dashboards to a Grafana through its HTTP API (grafana-client)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dashboards.generate import DATASOURCE, dashboard
from dashboards.panels import DASHBOARDS

FOLDER_UID = "cckpi"


@dataclass(frozen=True)
class ClickHouseAccess:
    """How Grafana reaches ClickHouse: a SELECT-only user (the password is a secret)."""

    host: str
    port: int
    user: str
    password: str
    database: str = "cckpi"


def datasource_model(access: ClickHouseAccess) -> dict[str, Any]:
    return {
        "name": "ClickHouse (cckpi)",
        "uid": DATASOURCE["uid"],
        "type": DATASOURCE["type"],
        "access": "proxy",
        "jsonData": {
            "host": access.host, "port": access.port, "protocol": "native",
            "username": access.user, "defaultDatabase": access.database,
        },
        "secureJsonData": {"password": access.password},
    }  # fmt: skip


def publish(url: str, token: str, access: ClickHouseAccess) -> list[str]:
    """Create or update the datasource (fixed uid), the folder and every dashboard; return their uids."""
    from grafana_client import GrafanaApi, TokenAuth
    from grafana_client.client import GrafanaClientError

    api = GrafanaApi.from_url(url, credential=TokenAuth(token))
    model = datasource_model(access)
    try:
        api.datasource.get_datasource_by_uid(model["uid"])
        api.datasource.update_datasource_by_uid(model["uid"], model)
    except GrafanaClientError as error:
        if error.status_code != 404:
            raise
        api.datasource.create_datasource(model)
    try:
        api.folder.get_folder(FOLDER_UID)
    except GrafanaClientError as error:
        if error.status_code != 404:
            raise
        api.folder.create_folder("cckpi", uid=FOLDER_UID)
    published = []
    for uid in DASHBOARDS:
        body = json.loads(json.dumps(dashboard(uid)))
        api.dashboard.update_dashboard({"dashboard": body, "folderUid": FOLDER_UID, "overwrite": True})
        published.append(uid)
    return published
