"""Webhooks on a real HTTP server and a real store (chDB and clickhouse-server 18.16): a request a
webhook refuses for good (404, 410) is set aside, kept with its body, and never blocks the queue;
5xx, 429 (after its Retry-After) and timeouts are retried; every outcome records its real attempts."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from cckpi.stack.broker import free_port
from schemas.sla import Webhook
from streams.alerting.webhooks import Delivery, Outbox, Outcome, http_post, webhook_key
from streams.engine.alert_rules import Alert
from streams.storage.alert_log import delivered, record_delivery, refused_deliveries, write_alerts
from streams.storage.backends.connect import connect
from streams.storage.schema.migrate import migrate

pytestmark = pytest.mark.integration
# Each webhook's answers in turn, then 200; "slow" answers after the client has given up.
ANSWERS: dict[str, list[int | str]] = {
    "gone": [404],
    "removed": [410, 410],
    "broken": [500, 502],
    "busy": [429],
    "slow": ["slow"],
}


@dataclass
class Run:
    outbox: Outbox
    posts: dict[str, list[bytes]] = field(default_factory=lambda: {path: [] for path in ANSWERS})
    waits: list[float] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(
        default_factory=list
    )  # (webhook name, alert, outcome, attempts, status)
    refused: list[tuple[str, str, str, int, int, str]] = field(default_factory=list)
    done: set[tuple[str, str, str]] = field(default_factory=set)


def alerts(count: int) -> list[Alert]:
    return [Alert(f"a{i}", "service_level", ("acme", "billing", "call"), 0.5, 0.8, 1_795_000_000_000_000 + i)
            for i in range(count)]  # fmt: skip


async def deliver(store_url: str | None, tmp_path: Path) -> Run:
    port = free_port()
    hooks = [Webhook(url=f"http://127.0.0.1:{port}/{path}", name=path) for path in ANSWERS]

    async def no_wait(seconds: float) -> None:
        run.waits.append(seconds)
        await asyncio.sleep(0)

    run = Run(Outbox(hooks, uniform=random.Random(3).uniform, sleep=no_wait))

    async def answer(request: web.Request) -> web.Response:
        posts = run.posts[request.match_info["path"]]
        posts.append(await request.read())
        planned = ANSWERS[request.match_info["path"]]
        status = planned[len(posts) - 1] if len(posts) <= len(planned) else 200
        if status == "slow":
            await asyncio.sleep(2)
            status = 200
        return web.Response(status=int(status), headers={"Retry-After": "7"} if status == 429 else {})

    app = web.Application()
    app.router.add_post("/{path}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    store = connect(store_url, tmp_path, "webhooks")
    migrate(store)

    async def record(delivery: Delivery, outcome: Outcome) -> None:
        alert, key = delivery.alert, webhook_key(delivery.webhook)
        record_delivery(store, alert.alert_id, delivery.state, key, outcome.attempts, outcome.refused,
                        outcome.status, delivery.body())  # fmt: skip

    write_alerts(store, alerts(2))
    run.outbox.add(alerts(2))
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as session:
            task = asyncio.create_task(run.outbox.run(http_post(session), record))
            for _ in range(200):
                if run.outbox.pending == 0:
                    break
                await asyncio.sleep(0.05)
            task.cancel()
        names = {webhook_key(h): h.name for h in hooks}
        rows = store.query(
            "SELECT webhook, alert_id, outcome, attempts, http_status FROM alert_deliveries FINAL"
        )
        run.rows = sorted((names[w], a, o, int(n), int(s)) for w, a, o, n, s in rows)
        run.refused, run.done = refused_deliveries(store), delivered(store, 0)
    finally:
        store.close()
        await runner.cleanup()
    return run


def test_refused_requests_are_set_aside_and_the_rest_retried(store_url: str | None, tmp_path: Path) -> None:
    run = asyncio.run(deliver(store_url, tmp_path))
    assert run.outbox.pending == 0 and (run.outbox.delivered, run.outbox.refused) == (7, 3)
    assert run.rows == sorted([
        ("gone", "a0", "refused", 1, 404), ("gone", "a1", "delivered", 1, 200),
        ("removed", "a0", "refused", 1, 410), ("removed", "a1", "refused", 1, 410),
        ("broken", "a0", "delivered", 3, 200), ("broken", "a1", "delivered", 1, 200),
        ("busy", "a0", "delivered", 2, 200), ("busy", "a1", "delivered", 1, 200),
        ("slow", "a0", "delivered", 2, 200), ("slow", "a1", "delivered", 1, 200),
    ])  # fmt: skip
    # Each refusal posted once, then the queue moved on; kept with the very body posted.
    assert (len(run.posts["gone"]), len(run.posts["removed"]), len(run.posts["broken"])) == (2, 2, 4)
    assert sorted((alert, status) for alert, _, _, _, status, _ in run.refused) == [
        ("a0", 404),
        ("a0", 410),
        ("a1", 410),
    ]
    for *_, body in run.refused:
        assert body.encode() in run.posts["gone"] + run.posts["removed"]
        assert orjson.loads(body)["state"] == "firing"
    assert len(run.done) == 10  # a restart sends neither a delivered nor a refused request again
    # Retry-After honoured; the other retries jittered within the doubling back-off's upper half.
    assert run.waits.count(7.0) == 1
    jittered = [w for w in run.waits if w != 7.0]
    assert len(jittered) == 3 and all(0.25 <= w <= 1.0 for w in jittered) and len(set(jittered)) == 3
