"""The worker's HTTP surface: status, live figures, their push stream, and the wallboard page.

It binds to loopback by default; who may ask what is decided before any route, by
:mod:`streams.web.access` (a client's token sees its own client only). Request values reach SQL
only as bound parameters (see ``streams.storage.kpi_reads.read_kpi_rows``).
"""

from __future__ import annotations

import asyncio
import time
from importlib.resources import files
from typing import Any, Protocol

import faust
import orjson
from aiohttp import web as aioweb

from schemas.sla import SlaSettings, cldr_locale
from schemas.translations import language_of
from streams.settings import Settings
from streams.stages.contact_stage import ContactStage
from streams.stages.now import agents_by_state
from streams.storage.backends.protocol import ClickHouse
from streams.web.access import filters, keep_out_of_urls
from streams.web.figures import live_summary
from streams.web.live_feed import LiveFeed
from streams.web.wallboard_text import LANGUAGE_COOKIE, viewer_locale, words

PUSH_EVERY_S = 0.5  # how often an idle stream checks that the worker is not stopping
KEEPALIVE_S = 5.0
WALLBOARD = files("streams.web").joinpath("wallboard.html").read_text(encoding="utf-8")


class Counters(Protocol):
    """The worker's counters the pages read: how many batches and facts it has taken."""

    batches: int
    facts_received: int

    def latency(self) -> dict[str, Any]: ...

    def pushed(self, after_batch: int, through_batch: int) -> None: ...


class WorkerView(Protocol):
    """What the pages need of the worker (its runtime, passed in: the web never imports it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sla(self) -> SlaSettings: ...

    @property
    def contacts(self) -> ContactStage: ...

    @property
    def meter(self) -> Counters: ...

    @property
    def store(self) -> ClickHouse: ...

    def status(self) -> dict[str, Any]: ...


class AlertView(Protocol):
    """The alerts the pages show (the worker's alert service)."""

    def shown(self, locale: str = "en") -> list[dict[str, Any]]: ...

    def status(self) -> dict[str, Any]: ...


class _NoAlerts:
    def shown(self, locale: str = "en") -> list[dict[str, Any]]:
        return []

    def status(self) -> dict[str, Any]:
        return {}


def alerts_for(shown: list[dict[str, Any]], client: str | None, queue: str | None) -> list[dict[str, Any]]:
    """A client's board shows its own alerts only; the pipeline's go to the unfiltered board."""
    if client is None and queue is None:
        return shown
    return [a for a in shown if a["client"] and client in (None, a["client"]) and queue in (None, a["queue"])]


def asked_locale(request: Any) -> str:
    """The locale a request asks its alerts' text in (``?locale=``, as the wallboard sends it)."""
    try:
        return cldr_locale(request.query.get("locale") or "en")
    except ValueError:  # an unknown locale: English, as for a request that names none
        return "en"


def wallboard_page(runtime: WorkerView, request: Any) -> str:
    """The page in its viewer's language: the selector's choice (a cookie), else the browser's,
    else the client's it shows."""
    client, _ = filters(request)
    known = client is not None and client in runtime.sla.config.clients
    locale = viewer_locale(
        request.cookies.get(LANGUAGE_COOKIE),
        request.headers.get("Accept-Language"),
        runtime.sla.locale_of(client) if known else None,
    )
    shown = orjson.dumps(words(language_of(locale))).decode().replace("</", "<\\/")
    return (WALLBOARD.replace("__LANG__", language_of(locale)).replace("__LOCALE__", locale.replace("_", "-"))
            .replace("__WORDS__", shown))  # fmt: skip


async def summary(
    runtime: WorkerView,
    client: str | None,
    queue: str | None,
    alerts: AlertView | None = None,
    locale: str = "en",
) -> dict[str, Any]:
    """Live figures; the in-memory parts are read on the loop, the query runs in a thread."""
    stage = runtime.contacts
    waiting = stage.waiting(stage.watermark_us)
    agents = agents_by_state(stage.agents)
    shown = alerts_for((alerts or _NoAlerts()).shown(locale), client, queue)
    figures = await asyncio.to_thread(
        live_summary, runtime.store, waiting, agents, runtime.sla, stage.watermark_us, client, queue
    )
    return {**figures, "alerts": shown}


def register_pages(app: faust.App, runtime: WorkerView, alerts: AlertView | None = None) -> None:
    alerting: AlertView = alerts or _NoAlerts()

    @app.page("/api/status")
    async def status(web: Any, request: Any) -> Any:
        return web.json({**runtime.status(), **alerting.status(), "assigned": len(app.consumer.assignment())})

    @app.page("/api/latency")
    async def latency(web: Any, request: Any) -> Any:
        return web.json(runtime.meter.latency())

    def worker_state() -> tuple[int, ...]:
        """What moves when a screen has something new to show: a batch written, facts taken, an
        alert fired or resolved (perhaps after the batch's summary, or on a quiet stream), the live state's
        watermark (a restart restores it without a batch), and every ``KEEPALIVE_S`` in any case
        (the state may move otherwise: the figures are asked again, at most that often)."""
        meter = runtime.meter
        changes = int(alerting.status().get("alert_changes", 0))
        every = int(time.monotonic() // KEEPALIVE_S)
        return meter.batches, meter.facts_received, changes, runtime.contacts.watermark_us, every

    async def figures_of(client: str | None, queue: str | None, locale: str) -> dict[str, Any]:
        return await summary(runtime, client, queue, alerting, locale)

    feed = LiveFeed(worker_state, figures_of)

    @app.page("/api/live")
    async def live(web: Any, request: Any) -> Any:
        client, queue = filters(request)
        _, figures = await feed.summary((client, queue, asked_locale(request)))
        return web.json(figures)

    @app.page("/api/live/stream")
    async def stream(web: Any, request: Any) -> Any:
        """Server-sent events: the view's summary whenever the worker wrote a batch (shared by every
        screen showing the same view), else a keepalive; it ends when the worker stops (an open
        stream would hold the shutdown for the web server's whole grace period, past a
        container's stop timeout)."""
        response = aioweb.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        client, queue = filters(request)
        view = (client, queue, asked_locale(request))
        reflected = runtime.meter.batches  # batches this client saw reflected already
        while not app.should_stop:
            marker, figures = await feed.summary(view)
            payload = orjson.dumps({**figures, "sent_at": time.time()})
            try:
                await response.write(b"data: " + payload + b"\n\n")
            except (ConnectionResetError, RuntimeError):
                return response
            runtime.meter.pushed(reflected, marker[0])
            reflected = marker[0]
            while not app.should_stop and not await feed.changed_since(marker, PUSH_EVERY_S):
                pass  # a new marker comes at least every KEEPALIVE_S: the keepalive
        return response

    @app.page("/wallboard")
    async def wallboard(web: Any, request: Any) -> Any:
        page = aioweb.Response(text=wallboard_page(runtime, request), content_type="text/html")
        keep_out_of_urls(page, request)
        return page
