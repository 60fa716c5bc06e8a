"""Alerts on the live pipeline: they fire and resolve in event time, show on the live board, reach a
webhook that fails at first exactly once each, and a restarted worker sends nothing again."""

from __future__ import annotations

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import orjson
import pytest

from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.launcher import WorkerProcess
from cckpi.stack.processes import wait_until
from streams.storage.alert_log import read_alerts
from tests.helpers.events import raw
from tests.helpers.harness import PipelineRun, new_settings, produce
from tests.helpers.messy import Message

pytestmark = pytest.mark.integration


class Receiver:
    """A webhook receiver answering 503 to its first ``failures`` posts, then 200."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[dict[str, Any]] = []
        self.posts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.posts += 1
                ok = receiver.posts > receiver.failures
                if ok:
                    receiver.received.append(json.loads(body))
                self.send_response(200 if ok else 503)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook?token=secret"


def calls(start_s: float, count: int, wait_s: float, abandons: int, tag: str) -> list[Message]:
    """``count`` calls from ``start_s`` (seconds after the test's base time), answered after ``wait_s``;
    the first ``abandons`` give up after 30 s instead."""
    events = []
    for i in range(count):
        c, t = f"{tag}-{i}", start_s + 7 * i
        events.append(raw("contact.arrived", t, c, customer_id=f"u-{tag}-{i}"))
        if i < abandons:
            events.append(raw("contact.abandoned", t + 30, c))
        else:
            events += [raw("contact.answered", t + wait_s, c), raw("contact.ended", t + wait_s + 200, c)]
    return [Message(e["contact_id"].encode(), orjson.dumps(e)) for e in events]


def status(worker: WorkerProcess) -> dict[str, Any]:
    return worker.get("/api/status")


@pytest.mark.parametrize("seed", [2])
def test_alerts_fire_resolve_and_reach_a_failing_webhook_once(
    tmp_path: Path, broker: TansuBroker, seed: int
) -> None:
    rng = random.Random(seed)
    receiver = Receiver(failures=rng.randint(2, 4))
    sla = tmp_path / "sla.yaml"
    sla.write_text(
        # Calls wait 90 s: a tick between two batches would see them waiting, so the longest-wait
        # rule is set out of reach (its own test is the quiet-stream one below).
        "defaults: {sl_target: 0.8, abandon_rate_max: 0.1,\n"
        "           channels: {call: {sl_threshold_s: 20, alert_longest_wait_s: 100000}}}\n"
        f"alerting: {{webhooks: [{{url: '{receiver.url}', name: test}}], max_lag: 1000000}}\n"
        "clients: {acme: {language: fr, locale: fr_CH}}\n"  # its webhooks speak French
    )
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(
        update={"sla_file": sla, "alert_every_s": 0.2}
    )
    count = rng.randint(6, 10)
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        # Slow answers and abandons: service level and abandon rate both break. Its agents are
        # logged in (available), so no evaluation, whichever events it has read, finds calls
        # waiting with nobody available.
        on = [raw("agent.state", -60, agent_id=a, state="available") for a in ("a1", "a2")]
        produce(settings, [Message(e["agent_id"].encode(), orjson.dumps(e)) for e in on])
        produce(settings, calls(0, count, 90, 2, "slow"))
        wait_until(lambda: status(worker).get("alerts_firing") == 2, worker.process, "two alerts firing", 60)
        shown = {a["rule"] for a in worker.get("/api/live")["alerts"]}
        assert shown == {"service_level", "abandon_rate"}
        # The board shows each alert in its viewer's language, whatever the client's.
        german = {a["rule"]: a["text"] for a in worker.get("/api/live?locale=de_CH")["alerts"]}
        assert "Servicelevel über 15 Min." in german["service_level"]
        assert "Abbruchquote" in german["abandon_rate"]
        assert worker.get("/api/live?client=other")["alerts"] == []  # another client's board: none
        # Half an hour later in event time, a clean quarter: two evaluations with new batches resolve them.
        for part in range(3):
            before = status(worker)["alert_evaluations"]
            produce(settings, calls(1800 + 300 * part, count, 3, 0, f"fast{part}"))
            wait_until(
                lambda b=before: status(worker)["alert_evaluations"] > b, worker.process, "evaluated", 60
            )
        wait_until(lambda: status(worker)["alerts_firing"] == 0, worker.process, "alerts resolved", 60)
        wait_until(lambda: status(worker)["webhook_pending"] == 0, worker.process, "delivered", 90)
        assert status(worker)["webhook_failures"] >= receiver.failures
    finally:
        assert worker.stop() == 0
    delivered = sorted((m["rule"], m["state"]) for m in receiver.received)
    assert delivered == [("abandon_rate", "firing"), ("abandon_rate", "resolved"),
                         ("service_level", "firing"), ("service_level", "resolved")]  # fmt: skip
    firing = next(m for m in receiver.received if m["rule"] == "service_level" and m["state"] == "firing")
    assert firing["client"] == "acme" and firing["value"] < 0.8 and firing["language"] == "fr"
    assert "alerte déclenchée : acme/" in firing["text"] and "Niveau de service sur 15 min" in firing["text"]
    store = PipelineRun(settings, None).open_store()
    try:
        stored = read_alerts(store)
    finally:
        store.close()
    assert sorted(a.rule for a in stored) == ["abandon_rate", "service_level"]
    assert all(a.ended_us is not None and a.ended_us > a.started_us for a in stored)
    # A restart resumes from the store: nothing is firing, nothing is sent again.
    worker = WorkerProcess(settings, settings.data_dir / "worker-2.log")
    try:
        worker.wait_ready()
        produce(settings, calls(3600, 3, 3, 0, "after"))
        wait_until(lambda: status(worker).get("alert_evaluations", 0) > 0, worker.process, "evaluated", 60)
        assert status(worker)["webhook_pending"] == 0 and status(worker)["alerts_firing"] == 0
    finally:
        assert worker.stop() == 0
    assert len(receiver.received) == 4
    receiver.server.shutdown()


def test_an_alert_resolves_on_a_quiet_stream(tmp_path: Path, broker: TansuBroker) -> None:
    """The batch that clears an alert may be the stream's last: evaluations go on without new
    batches, so the alert resolves instead of firing on a settled state for ever."""
    sla = tmp_path / "sla.yaml"
    sla.write_text("defaults: {sl_target: 0.01, channels: {call: {sl_threshold_s: 20}}}\n"
                   "alerting: {max_lag: 1000000}\n")  # fmt: skip
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(
        update={"sla_file": sla, "alert_every_s": 0.2}
    )
    waited = [raw("contact.arrived", 0, "slow", customer_id="u-slow"),
              raw("contact.arrived", 300, "quick", customer_id="u-quick"),
              raw("contact.answered", 301, "quick")]  # fmt: skip
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        produce(settings, [Message(e["contact_id"].encode(), orjson.dumps(e)) for e in waited])
        # Read unevenly (one contact before the other), the board may pass through other alerts.
        shown = lambda: sorted(a["rule"] for a in worker.get("/api/live")["alerts"])  # noqa: E731
        wanted = ["longest_wait", "no_agent_available"]  # its agent busy with the quick one
        wait_until(lambda: shown() == wanted, worker.process, "firing", 60)
        answered = raw("contact.answered", 302, "slow")
        produce(settings, [Message(b"slow", orjson.dumps(answered))])  # the last event of the stream
        wait_until(lambda: status(worker)["alerts_firing"] == 0, worker.process, "resolved", 30)
        assert worker.get("/api/live")["alerts"] == []
    finally:
        assert worker.stop() == 0
