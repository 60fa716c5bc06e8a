"""Who may read the worker's web server, on a real worker with three clients' events: every route
refuses a request without the token or with a wrong one (Faust's own /router and /table are off);
a client's wallboard token sees its own client on every live route and nothing else; the
supervisors' token sees every client; and the wallboard in Chromium keeps the token out of its
address after the first load."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from playwright.sync_api import sync_playwright
from pydantic import SecretStr

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, wait_drained
from producers.simulator import Simulator
from streams.kafka import ensure_topics
from streams.settings import Settings
from streams.web.access import COOKIE
from streams.worker.app import create_app
from tests.helpers.browser import CHROMIUM_ARGS, chromium
from tests.helpers.events import as_messages
from tests.helpers.harness import new_settings, produce

pytestmark = pytest.mark.integration
SUPERVISORS = "supervisors-token-0123456789abcdef"
TOKENS = {"acme": "acme-token:with:colons_0123456789", "globex": "globex-token-fedcba9876543210"}
WRONG = ["", "wrong", SUPERVISORS[:-1], SUPERVISORS + "x", TOKENS["acme"].upper()]
# Routes Faust or a reverse proxy's habits might serve; each must refuse too.
PROBED = ["/", "/router", "/router/", "/table", "/table/", "/table/contacts", "/table/contacts/key",
          "/stats", "/stats/", "/assignment/", "/graph/", "/performance/", "/metrics", "/health",
          "/healthz", "/static/x", "/api", "/api/", "/wallboard/", "/no-such-route"]  # fmt: skip


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return orjson.loads(self.body)


def ask(settings: Settings, path: str, headers: dict[str, str] | None = None, stream: bool = False) -> Answer:
    """GET a path; a push stream is read up to its first event."""
    url = f"http://{settings.web_host}:{settings.web_port}{path}"
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            body = response.readline() if stream else response.read()
            while stream and not body.startswith(b"data: "):
                body = response.readline()
            return Answer(response.status, response.headers, body.removeprefix(b"data: "))
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def bearer(token: str, scheme: str = "Bearer") -> dict[str, str]:
    return {"Authorization": f"{scheme} {token}"}


class TokenWorker(WorkerProcess):
    """The worker process, asked with the supervisors' token (its readiness too)."""

    def get(self, path: str, timeout_s: float = 5.0) -> dict:
        url = f"http://{self.settings.web_host}:{self.settings.web_port}{path}"
        request = urllib.request.Request(url, headers=bearer(SUPERVISORS))
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310 (loopback)
            return orjson.loads(response.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, broker: TansuBroker) -> Iterator[Settings]:
    """A worker on chDB that has written an afternoon of acme's, globex's and initech's events."""
    tmp = tmp_path_factory.mktemp("access")
    settings = new_settings(tmp, broker.bootstrap, None).model_copy(update={
        "web_token": SecretStr(SUPERVISORS),
    })  # fmt: skip
    start = datetime(2026, 11, 23, 14, tzinfo=UTC)
    events = [e for _, e in Simulator(start, seed=3).events(datetime(2026, 11, 23, 15, 30, tzinfo=UTC))]
    assert {e.get("client") for e in events} >= {"acme", "globex", "initech"}
    ensure_topics(settings)
    produce(settings, as_messages(events))
    tokens = {"CCKPI_WALLBOARD_TOKENS": ",".join(f"{c}:{t}" for c, t in TOKENS.items())}
    worker = TokenWorker(settings, settings.data_dir / "worker.log", env=tokens)
    try:
        worker.wait_ready()
        wait_drained(settings)
        yield settings
    finally:
        worker.stop()


def served_routes(settings: Settings) -> list[str]:
    """Every route the worker's web app has, read from the app as the worker builds it."""
    app = create_app(settings)
    app.web.init_server()
    paths = []
    for resource in app.web.web_app.router.resources():  # type: ignore[attr-defined]  # aiohttp's
        canonical = resource.canonical
        paths.append(re.sub(r"\{[^}]+\}", "x", canonical))
    return sorted(set(paths))


def test_every_route_refuses_a_request_without_the_token(served: Settings) -> None:
    routes = served_routes(served)
    assert {"/api/status", "/api/live", "/api/live/stream", "/wallboard"} <= set(routes)
    assert not [r for r in routes if r.startswith(("/router", "/table"))]  # Faust's: off
    for path in [*routes, *PROBED]:
        for query in ("", "?client=acme"):
            assert ask(served, path + query).status == 401, path
            for wrong in WRONG:
                assert ask(served, path + query, bearer(wrong)).status == 401, (path, wrong)
                assert ask(served, f"{path}?token={wrong}").status == 401, (path, wrong)
                assert ask(served, path, {"Cookie": f"{COOKIE}={wrong}"}).status == 401, (path, wrong)
            assert ask(served, path, {"Authorization": TOKENS["acme"]}).status == 401  # no scheme
    for path in ("/router/", "/table/", "/table/contacts"):  # off, not merely guarded
        assert ask(served, path, bearer(SUPERVISORS)).status == 404, path
    assert ask(served, "/api/status", bearer(SUPERVISORS)).json()["assigned"]


def clients_of(live: dict[str, Any]) -> set[str]:
    """Every client a live summary names (the pipeline's own alerts name none)."""
    named = (
        {q["client"] for q in live["queues"]} | set(live["clients"]) | {a["client"] for a in live["alerts"]}
    )
    return named - {""}


def test_a_clients_token_sees_its_own_client_only(served: Settings) -> None:
    everyone = ask(served, "/api/live", bearer(SUPERVISORS)).json()
    assert clients_of(everyone) >= {"acme", "globex", "initech"}
    for client, token in TOKENS.items():
        own = ask(served, f"/api/live?client={client}", bearer(SUPERVISORS)).json()
        assert own["queues"] and clients_of(own) == {client}
        for headers, path in [
            (bearer(token), "/api/live"),
            (bearer(token, "bearer"), "/api/live"),  # the scheme in any case
            (bearer(token, "BEARER"), f"/api/live?client={client}"),
            ({"Cookie": f"{COOKIE}={token}"}, "/api/live"),
            ({}, f"/api/live?token={token}"),
        ]:
            mine = ask(served, path, headers)
            assert mine.status == 200, (client, path)
            assert clients_of(mine.json()) == {client}
            assert mine.json()["queues"] == own["queues"]  # the same numbers the supervisors see
        pushed = ask(served, "/api/live/stream", bearer(token), stream=True)
        assert pushed.status == 200 and clients_of(pushed.json()) == {client}
        assert pushed.json()["queues"] == own["queues"]
        others = [c for c in clients_of(everyone) if c != client]
        for other in [*others, client.upper()]:
            for path in ("/api/live", "/api/live/stream", "/wallboard"):
                assert ask(served, f"{path}?client={other}", bearer(token)).status == 403, (client, other)
        for path in ("/api/status", "/api/latency", "/", "/router/", "/table/"):  # the pipeline's
            assert ask(served, path, bearer(token)).status == 403, (client, path)


def test_the_first_load_gives_a_cookie_and_the_address_loses_the_token(served: Settings) -> None:
    first = ask(served, f"/wallboard?token={TOKENS['acme']}")
    cookie = first.headers["Set-Cookie"]
    assert first.status == 200 and cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert first.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in ask(served, "/wallboard", bearer(TOKENS["acme"])).headers

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            base = f"http://{served.web_host}:{served.web_port}"
            page.goto(f"{base}/wallboard?queue=&token={TOKENS['acme']}")
            page.wait_for_selector("section.card", timeout=20_000)
            assert "token" not in page.evaluate("location.href") and "token" not in page.url
            assert page.evaluate("document.cookie") == ""  # HttpOnly: no script reads it
            cards = page.eval_on_selector_all("section.card", "cs => cs.map(c => c.dataset.queue)")
            assert cards and all(card.startswith("acme/") for card in cards)
            assert page.eval_on_selector_all("#client option", "os => os.map(o => o.value)") == ["", "acme"]
            # Every request after the first load went without the token in its address.
            assert [url for url in requested if "token" in url] == [requested[0]]
            # The page's cookie answers for it, limited to acme, and reloading needs no token.
            asked = "r => fetch(r).then(a => a.status)"
            assert page.evaluate(asked, "/api/live?client=globex") == 403
            assert page.evaluate(asked, "/api/status") == 403
            page.reload()
            page.wait_for_selector("section.card", timeout=20_000)
            shown = page.eval_on_selector_all("section.card", "cs => cs.map(c => c.dataset.queue)")
            assert shown and all(card.startswith("acme/") for card in shown)
        finally:
            browser.close()
