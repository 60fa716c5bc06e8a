"""Push the datasource and the dashboards to a Grafana through its HTTP API (grafana-client)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dashboards.generate import DATASOURCE, dashboard
from dashboards.panels import DASHBOARDS
from schemas.vocabulary import LANGUAGES

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


@dataclass
class Published:
    """What a publish did: pushed, and left alone because that Grafana provisions it from files."""

    pushed: list[str]
    provisioned: list[str]


class PublishError(RuntimeError):
    """Grafana refused something for another reason; the message says what and where."""


def _provisioned(error: Any) -> bool:
    """Grafana's answer to a change of something it provisions from files (read-only)."""
    text = f"{error.message} {error.response}".lower()
    return error.status_code in (400, 403) and ("read-only" in text or "provisioned" in text)


def publish(url: str, token: str, access: ClickHouseAccess) -> Published:
    """Create or update the datasource (fixed uid), the folder and every dashboard in every language.

    A Grafana that provisions the same uids from files (the compose stack's own) refuses their
    update as read-only: those are left as they are, and said so.
    """
    from grafana_client import GrafanaApi, TokenAuth
    from grafana_client.client import GrafanaClientError, GrafanaException

    api = GrafanaApi.from_url(url, credential=TokenAuth(token))
    model = datasource_model(access)
    done = Published([], [])
    try:
        try:
            api.datasource.get_datasource_by_uid(model["uid"])
            api.datasource.update_datasource_by_uid(model["uid"], model)
        except GrafanaClientError as error:
            if _provisioned(error):
                done.provisioned.append(f"datasource {model['uid']}")
            elif error.status_code == 404:
                api.datasource.create_datasource(model)
            else:
                raise
        try:
            api.folder.get_folder(FOLDER_UID)
        except GrafanaClientError as error:
            if error.status_code != 404:
                raise
            api.folder.create_folder("cckpi", uid=FOLDER_UID)
        for language, name in ((language, name) for language in LANGUAGES for name in DASHBOARDS):
            body = json.loads(json.dumps(dashboard(name, language)))  # each language its own uid
            uid = body["uid"]
            try:
                api.dashboard.update_dashboard(
                    {"dashboard": body, "folderUid": FOLDER_UID, "overwrite": True}
                )
                done.pushed.append(uid)
            except GrafanaClientError as error:
                if not _provisioned(error):
                    raise
                done.provisioned.append(f"dashboard {uid}")
    except GrafanaException as error:
        raise PublishError(f"Grafana at {url} answered {error.status_code}: {error.message}") from error
    return done
