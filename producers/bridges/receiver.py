"""A small HTTP receiver for platforms that push (webhooks) and for ``POST /ingest``: a token on
every request, a bounded body, events produced to Kafka and delivered before the answer.

The conversion is the caller's (``convert``: body bytes in; status, answer and events out);
this module only does the HTTP and the delivery, one request's events at a time, so a slow
broker slows the answers (back-pressure) instead of filling memory.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from producers.outputs import EventOutput

log = logging.getLogger("cckpi.receiver")
MAX_BODY = 8 << 20  # a JSON Lines batch of some thousands of events
KeyedMessage = tuple[bytes | None, bytes]  # key, value
Converted = tuple[int, dict[str, Any], list[KeyedMessage]]  # status, answer, messages to produce


def _authorized(request: web.Request, token: str) -> bool:
    given = request.query.get("token") or request.headers.get("Authorization", "").removeprefix("Bearer ")
    return hmac.compare_digest(given.encode(), token.encode())


def receiver_app(
    path: str,
    token: str,
    convert: Callable[[bytes], Converted],
    output: EventOutput,
    archive: Path | None = None,
) -> web.Application:
    """The app: ``POST path`` converts the body, produces its events, then answers."""
    lock = asyncio.Lock()  # one producer, one request's events at a time

    def deliver(body: bytes, messages: list[KeyedMessage]) -> None:
        if archive is not None:  # everything received, convertible or not: --replay reads it again
            with archive.open("ab") as handle:
                handle.write(body.rstrip(b"\n") + b"\n")
        for key, value in messages:
            output.send_raw(key, value)
        output.flush()  # delivered before the platform hears it was taken

    async def receive(request: web.Request) -> web.Response:
        if not _authorized(request, token):
            return web.json_response({"error": "a valid token is required"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": f"body over {MAX_BODY} bytes"}, status=413)
        body = await request.read()
        status, answer, messages = convert(body)
        if status >= 400:
            log.warning("refused (%d): %s", status, answer)
        try:
            async with lock:
                await asyncio.to_thread(deliver, body, messages)
        except Exception as error:  # the broker: the platform retries later
            log.warning("not delivered: %s", error)
            return web.json_response({"error": f"not delivered: {error}"}, status=503)
        return web.json_response(answer, status=status)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    return app


def serve(app: web.Application, host: str, port: int) -> None:
    """Run until SIGINT/SIGTERM."""
    web.run_app(app, host=host, port=port, print=None, access_log=None)
