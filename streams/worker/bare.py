"""The bare Faust agent the benchmark compares against: raw bytes, take, decode, count.

Same broker and settings as the real worker; it measures Faust's own per-event ceiling
on this machine, so the live pipeline can be reported as a share of it.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any, cast

import faust
import orjson

from streams.settings import Settings
from streams.worker.app import faust_settings


def create_bare_app(settings: Settings) -> faust.App:
    app = faust.App(settings.group, **faust_settings(settings))
    counts: Counter[str] = Counter()
    progress: dict[str, float | None] = {"first_batch_at": None, "last_write_at": None}
    events = app.topic(settings.topic, partitions=settings.partitions)

    @app.agent(events)
    async def count(stream: faust.StreamT) -> None:
        async for batch in cast(faust.Stream, stream).take_events(
            settings.batch_size, within=settings.batch_within_s
        ):
            if progress["first_batch_at"] is None:
                progress["first_batch_at"] = time.time()
            for event in batch:
                counts[orjson.loads(event.value)["type"]] += 1
            progress["last_write_at"] = time.time()

    @app.page("/api/status")
    async def status(web: Any, request: Any) -> Any:
        return web.json(
            {
                "valid_events": sum(counts.values()),
                "written_events": sum(counts.values()),
                "dead_letters": 0,
                "assigned": len(app.consumer.assignment()),
                **progress,
            }
        )

    return app
