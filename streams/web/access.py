"""Who may ask the worker's web server what: every request passes one gate before any route.

With ``CCKPI_WEB_TOKEN`` set, a request carries a token (``Authorization: Bearer``, the wallboard's
cookie, or ``?token=`` on a first load). The supervisors' token sees every client; a client's
wallboard token (``CCKPI_WALLBOARD_TOKENS``) sees its own client on the live routes only, whatever
the request's ``?client=`` says. Without any token configured the server binds to loopback
(``streams.settings``) and every request sees every client.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web as aioweb

from streams.settings import Settings

COOKIE = "cckpi_wallboard"  # the wallboard's token after its first load, never in a URL again
LIVE_ROUTES = frozenset({"/wallboard", "/api/live", "/api/live/stream"})  # what a client's token may ask
VIEWER = "cckpi_viewer"  # the request's key of who asks
Handler = Callable[[aioweb.Request], Awaitable[aioweb.StreamResponse]]


@dataclass(frozen=True)
class Viewer:
    """Who asks: ``client`` None sees every client (the supervisors)."""

    client: str | None
    token: str | None = None  # as given, to keep in the wallboard's cookie


def given_token(request: aioweb.Request) -> str | None:
    """The request's token: a first load's ``?token=``, else a Bearer header, else the cookie."""
    if "token" in request.query:
        return request.query["token"]
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    return request.cookies.get(COOKIE)


def viewer_of(settings: Settings, token: str | None) -> Viewer | None:
    """The viewer a token stands for; None for no token or a wrong one. Every known token is
    compared (in constant time each), so the time taken does not say which one nearly matched."""
    if settings.web_token is None:
        return Viewer(None)
    clients = [(token, client) for client, token in settings.client_tokens().items()]
    known: list[tuple[str, str | None]] = [(settings.web_token.get_secret_value(), None), *clients]
    found: Viewer | None = None
    for secret, client in known:
        if hmac.compare_digest((token or "").encode(), secret.encode()) and token:
            found = Viewer(client, token)
    return found


def filters(request: aioweb.Request) -> tuple[str | None, str | None]:
    """The client and queue a request may see: a client's token forces its own client."""
    viewer: Viewer = request[VIEWER]
    return viewer.client or request.query.get("client") or None, request.query.get("queue") or None


def gate(settings: Settings) -> Callable[..., Any]:
    """The middleware in front of every route, Faust's own included (401: no valid token;
    403: a client's token asking beyond its client)."""

    @aioweb.middleware
    async def check(request: aioweb.Request, handler: Handler) -> aioweb.StreamResponse:
        viewer = viewer_of(settings, given_token(request))
        if viewer is None:
            return aioweb.Response(status=401, text="a valid token is required\n")
        if viewer.client is not None:
            asked = request.query.get("client")
            if request.path not in LIVE_ROUTES or asked not in (None, "", viewer.client):
                return aioweb.Response(status=403, text="this token shows one client's live figures only\n")
        request[VIEWER] = viewer
        return await handler(request)

    return check


def keep_out_of_urls(response: aioweb.StreamResponse, request: aioweb.Request) -> None:
    """After a first load with ``?token=``, the browser holds the token in a cookie no script can
    read and no other site can send (the page then takes it out of its address)."""
    viewer: Viewer = request[VIEWER]
    if "token" in request.query and viewer.token:
        response.set_cookie(
            COOKIE, viewer.token, httponly=True, samesite="Strict", secure=request.secure, path="/"
        )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
