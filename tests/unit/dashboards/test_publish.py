"""``cckpi dashboards publish`` against a stand-in for Grafana's HTTP API (Grafana cannot run here):
the datasource gets its fixed uid, every dashboard is pushed, the token is sent, never printed."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from dashboards.generate import dashboard
from dashboards.panels import DASHBOARDS
from schemas.vocabulary import LANGUAGES
from tests.helpers.cli import cckpi


class FakeGrafana(BaseHTTPRequestHandler):
    calls: list[tuple[str, str, str, Any]] = []
    datasources: dict[str, Any] = {}
    provisioned: set[str] = set()  # uids this Grafana provisions from files (read-only)
    broken = False  # answer every change with a server error

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.calls.append((self.command, self.path, self.headers.get("Authorization", ""), body))
        return body

    def do_GET(self) -> None:  # noqa: N802
        self._record()
        uid = self.path.rsplit("/", 1)[-1]
        if self.path.startswith("/api/datasources/uid/") and uid in self.datasources:
            self._reply(200, self.datasources[uid])
        else:
            self._reply(404, {"message": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        body = self._record()
        if self.broken:
            self._reply(500, {"message": "database is locked"})
            return
        if self.path == "/api/dashboards/db" and body["dashboard"]["uid"] in self.provisioned:
            self._reply(400, {"message": "Cannot save provisioned dashboard"})  # Grafana's words
            return
        if self.path == "/api/datasources":
            self.datasources[body["uid"]] = body
        self._reply(200, {"status": "success", "uid": (body or {}).get("uid", "x")})

    def do_PUT(self) -> None:  # noqa: N802
        self._record()
        if self.path.rsplit("/", 1)[-1] in self.provisioned:
            self._reply(403, {"message": "Cannot update read-only data source"})  # Grafana's words
            return
        self._reply(200, {"status": "success"})

    def log_message(self, *args: Any) -> None:
        pass


def publish(url: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return cckpi("dashboards", "publish", "--url", url, "--token", "tok-123", env=env, timeout=60)


def test_publish_pushes_datasource_and_every_dashboard() -> None:
    FakeGrafana.calls, FakeGrafana.datasources, FakeGrafana.provisioned = [], {}, set()
    server = HTTPServer(("127.0.0.1", 0), FakeGrafana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    env = {**os.environ, "GRAFANA_CLICKHOUSE_PASSWORD": "s3cret-pw"}
    try:
        for _ in range(2):  # the second run updates what the first created
            done = publish(url, env)
            assert done.returncode == 0, done.stderr
            assert "tok-123" not in done.stdout + done.stderr and "s3cret-pw" not in done.stdout + done.stderr
    finally:
        server.shutdown()
    calls = FakeGrafana.calls
    assert all(auth == "Bearer tok-123" for _, _, auth, _ in calls)
    created = [body for method, path, _, body in calls if (method, path) == ("POST", "/api/datasources")]
    assert len(created) == 1 and created[0]["uid"] == "cckpi-clickhouse"
    assert created[0]["jsonData"]["username"] == "grafana"
    assert created[0]["secureJsonData"]["password"] == "s3cret-pw"
    assert any((m, p) == ("PUT", "/api/datasources/uid/cckpi-clickhouse") for m, p, _, _ in calls)
    pushed = [body["dashboard"]["uid"] for method, path, _, body in calls
              if (method, path) == ("POST", "/api/dashboards/db")]  # fmt: skip
    every = [dashboard(uid, language)["uid"] for language in LANGUAGES for uid in DASHBOARDS]
    assert len(set(every)) == len(DASHBOARDS) * len(LANGUAGES) and pushed == every * 2


def test_a_grafana_that_provisions_the_same_uids_is_told_apart_and_nothing_breaks() -> None:
    """The compose stack's Grafana provisions the datasource and dashboards from files: it refuses
    their update as read-only. That is said, the rest is published, and there is no traceback."""
    uids = list(DASHBOARDS)
    FakeGrafana.calls, FakeGrafana.provisioned = [], {"cckpi-clickhouse", uids[0]}
    FakeGrafana.datasources = {"cckpi-clickhouse": {"uid": "cckpi-clickhouse"}}
    server = HTTPServer(("127.0.0.1", 0), FakeGrafana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "GRAFANA_CLICKHOUSE_PASSWORD": "s3cret-pw"}
    try:
        done = publish(f"http://127.0.0.1:{server.server_port}", env)
        FakeGrafana.broken = True
        failed = publish(f"http://127.0.0.1:{server.server_port}", env)
    finally:
        FakeGrafana.broken = False
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert (
        "left datasource cckpi-clickhouse as it is" in done.stdout
        and f"left dashboard {uids[0]}" in done.stdout
    )
    assert all(f"published {uid}" in done.stdout for uid in uids[1:])
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "answered 500" in failed.stderr and "tok-123" not in failed.stderr
