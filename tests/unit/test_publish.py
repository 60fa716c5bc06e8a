"""``cckpi dashboards publish`` against a stand-in for Grafana's HTTP API (Grafana cannot run here):
the datasource gets its fixed uid, every dashboard is pushed, the token is sent, never printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from dashboards.panels import DASHBOARDS


class FakeGrafana(BaseHTTPRequestHandler):
    calls: list[tuple[str, str, str, Any]] = []
    datasources: dict[str, Any] = {}

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
        if self.path == "/api/datasources":
            self.datasources[body["uid"]] = body
        self._reply(200, {"status": "success", "uid": (body or {}).get("uid", "x")})

    def do_PUT(self) -> None:  # noqa: N802
        self._record()
        self._reply(200, {"status": "success"})

    def log_message(self, *args: Any) -> None:
        pass


def test_publish_pushes_datasource_and_every_dashboard() -> None:
    server = HTTPServer(("127.0.0.1", 0), FakeGrafana)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    env = {**os.environ, "GRAFANA_CLICKHOUSE_PASSWORD": "s3cret-pw"}
    try:
        for _ in range(2):  # the second run updates what the first created
            done = subprocess.run(
                [sys.executable, "-m", "cckpi", "dashboards", "publish", "--url", url, "--token", "tok-123"],
                capture_output=True, text=True, env=env, timeout=60,
            )  # fmt: skip
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
    assert pushed == list(DASHBOARDS) * 2
