"""A small HTTP receiver for platforms that push (webhooks) and for ``POST /ingest``: a token on
every request, a bounded body, events produced to Kafka and delivered before the answer.

With an archive (webhooks: Chatwoot posts each one once and never retries), every body is kept
as received before anything else is done with it, and the answer is 200 once it is kept: a body
that cannot be converted, or whose events Kafka did not take, is logged with its archive line,
and ``--replay`` of the archive recovers it. Without one (``/ingest``, whose callers retry), a bad
body is refused with its reasons and a broker that does not take the events is a 503. Whatever
the body, the answer is never a 500. One request's events at a time, so a slow broker slows the
answers (back-pressure) instead of filling memory.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from producers.bridges.archive import Archive
from producers.outputs import EventOutput

log = logging.getLogger("cckpi.receiver")
MAX_BODY = 8 << 20  # a JSON Lines batch of some thousands of events
KeyedMessage = tuple[bytes | None, bytes]  # key, value
Converted = tuple[int, dict[str, Any], list[KeyedMessage]]  # status, answer, messages to produce
# body, time received, the client the request's token is limited to (None: any)
Convert = Callable[[bytes, float, str | None], Converted]
Grants = Sequence[tuple[str | None, str]]  # each token with the client it is limited to (None: any)


def listen_address(text: str) -> tuple[str, int]:
    """HOST:PORT as a pair; ValueError naming the option otherwise."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:8088")
    return host, int(port)


def _given(request: web.Request) -> str:
    """The token of ``?token=`` or of ``Authorization: Bearer`` (the scheme in any case, RFC 7235)."""
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    bearer = credentials.strip() if scheme.lower() == "bearer" else ""
    return request.query.get("token") or bearer


def _granted(given: str, grants: Grants) -> tuple[str | None, str] | None:
    """The grant whose token is ``given``, every token compared in constant time."""
    found = None
    for grant in grants:
        if hmac.compare_digest(given.encode(), grant[1].encode()):
            found = grant
    return found


def receiver_app(
    path: str, grants: Grants, convert: Convert, output: EventOutput, archive: Archive | None = None
) -> web.Application:
    """The app: ``POST path`` with one of the ``grants``' tokens keeps the body (with an archive),
    converts it for the token's client, produces its events, then answers."""
    if not grants or any(not token for _, token in grants):
        raise ValueError("a receiver needs tokens, none of them empty")
    lock = asyncio.Lock()  # one producer, one request's events at a time

    def deliver(messages: list[KeyedMessage]) -> None:
        for key, value in messages:
            output.send_raw(key, value)
        output.flush()  # delivered before the platform hears it was taken

    async def receive(request: web.Request) -> web.Response:
        grant = _granted(_given(request), grants)
        if grant is None:
            return web.json_response({"error": "a valid token is required"}, status=401)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": f"body over {MAX_BODY} bytes"}, status=413)
        body, received = await request.read(), time.time()
        async with lock:
            line = None
            if archive is not None:
                try:
                    line = await asyncio.to_thread(archive.append, body, received)
                except OSError as error:  # nothing kept: the one case a webhook is lost
                    log.error("NOT ARCHIVED (%s): a payload of %d bytes is lost", error, len(body))
                    return web.json_response({"error": f"not archived: {error}"}, status=503)
            try:
                status, answer, messages = convert(body, received, grant[0])
            except Exception as error:  # a bug of the conversion: the body is kept, the answer is not a 500
                log.exception("conversion failed (archive line %s)", line)
                status, answer, messages = 422, {"error": f"conversion failed: {error}"}, []
            if status >= 400:
                log.warning("not converted (archive line %s): %s", line, answer.get("error", answer))
            try:
                await asyncio.to_thread(deliver, messages)
            except Exception as error:  # the broker: kept in the archive, or the caller retries
                log.warning("not delivered (archive line %s): %s", line, error)
                if line is None:
                    return web.json_response({"error": f"not delivered: {error}"}, status=503)
                return web.json_response({"archived": line, "delivered": False}, status=200)
        if line is not None:  # kept: taken, whatever became of it (the log says)
            return web.json_response({**answer, "archived": line}, status=200)
        return web.json_response(answer, status=status)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post(path, receive)
    return app


def serve(app: web.Application, host: str, port: int) -> None:
    """Run until SIGINT/SIGTERM."""
    web.run_app(app, host=host, port=port, print=None, access_log=None)
