"""A worker SIGKILLed and started again shows and judges what it did before the kill: the agents
available, "now", the contacts waiting, and the dead letters of the last 15 minutes."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, wait_drained
from cckpi.stack.processes import wait_until
from tests.helpers.events import raw
from tests.helpers.harness import new_settings, produce
from tests.helpers.messy import Message

pytestmark = pytest.mark.integration


def messages(events: list[dict[str, Any]]) -> list[Message]:
    return [Message((e.get("contact_id") or e["agent_id"]).encode(), orjson.dumps(e)) for e in events]


def bad(count: int, tag: str) -> list[Message]:
    """Messages that are not events: each a dead letter."""
    return [Message(f"{tag}{i}".encode(), b'{"type": "contact.arrived", "nonsense": ' + bytes([48 + i]))
            for i in range(count)]  # fmt: skip


def board(worker: WorkerProcess) -> dict[str, Any]:
    live = worker.get("/api/live")
    return {
        "as_of": live["as_of"],
        "agents": {q["queue"]: q["agents"] for q in live["queues"]},
        "waiting": {q["queue"]: q.get("now", {}).get("waiting", 0) for q in live["queues"]},
        "alerts": sorted(a["rule"] for a in live["alerts"]),
    }


@pytest.mark.parametrize("seed", [3, 8])
def test_a_killed_worker_shows_and_judges_what_it_did(tmp_path: Path, broker: TansuBroker, seed: int) -> None:
    rng = random.Random(seed)
    agents, limit = rng.randint(3, 7), rng.randint(2, 4)
    sla = tmp_path / "sla.yaml"
    sla.write_text(
        "defaults: {sl_target: 0.8, channels: {call: {sl_threshold_s: 20}}}\n"
        f"alerting: {{max_lag: 1000000, max_dead_letters_15m: {limit}}}\n"
    )
    settings = new_settings(tmp_path, broker.bootstrap, None).model_copy(
        update={"sla_file": sla, "alert_every_s": 0.2}
    )
    # Every agent available from the start; calls answered at once, one still waiting at the end
    # (its agents are all busy elsewhere: nobody is "no agent available" while agents are free).
    events = [raw("agent.state", i, agent_id=f"a{i}", state="available") for i in range(agents)]
    for n in range(rng.randint(5, 12)):
        t = 60 + 40 * n
        contact = f"c{n}"
        events.append(raw("contact.arrived", t, contact, customer_id=f"u{n}"))
        events += [raw("contact.answered", t + 5, contact), raw("contact.ended", t + 120, contact)]
    events.append(raw("contact.arrived", 2000, "waiting", customer_id="w"))
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        produce(settings, messages(events) + bad(limit, "x"))  # at the limit: no alert yet
        wait_drained(settings)
        # Settled: an alert judged while partitions were read unevenly (a contact's answer not yet
        # read while another partition's clock ran ahead) resolves on the quiet stream.
        wait_until(lambda: board(worker)["waiting"].get("billing") == 1 and board(worker)["alerts"] == [],
                   worker.process, "shown", 60)  # fmt: skip
        before = board(worker)
        assert before["agents"]["billing"] == {"available": agents} and before["alerts"] == []
    finally:
        worker.kill()
    worker = WorkerProcess(settings, settings.data_dir / "worker-2.log")
    try:
        worker.wait_ready()
        try:
            wait_until(lambda: board(worker) == before, worker.process, "the board before the kill", 30)
        except TimeoutError:
            raise AssertionError((before, board(worker))) from None
        # One more dead letter (over the limit only with those before the kill) and one more call.
        later = [raw("contact.arrived", 2030, "later", customer_id="l")]
        produce(settings, messages(later) + bad(1, "y"))
        wait_until(lambda: board(worker)["waiting"].get("billing") == 2, worker.process, "shown", 60)
        wait_until(lambda: board(worker)["alerts"] == ["dead_letters"], worker.process, "dead letters", 30)
        after = board(worker)
        assert after["agents"]["billing"] == {"available": agents}
    finally:
        assert worker.stop() == 0
