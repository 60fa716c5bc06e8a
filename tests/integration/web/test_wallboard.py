"""The built-in wallboard in headless Chromium: it loads, shows ClickHouse's numbers, and a new
event changes them by push, without a reload. The test saves a screenshot."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from playwright.sync_api import sync_playwright

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, wait_drained
from schemas.locale_formats import percent
from schemas.targets import status
from streams.engine.staffing import required_for
from streams.kafka import ensure_topics
from streams.storage.backends.connect import connect
from streams.storage.kpi_reads import read_kpi_rows
from tests.helpers.browser import CHROMIUM_ARGS, chromium
from tests.helpers.events import as_messages
from tests.helpers.harness import Message, new_settings, produce

pytestmark = pytest.mark.integration


def offered(page: Any, card: str) -> int:
    """A count as the page writes it in any locale (1,234 / 1 234 / 1'234)."""
    return int(re.sub(r"\D", "", page.inner_text(f'[data-queue="{card}"] [data-metric=offered]')))


def spaced(text: str) -> str:
    """Text with the locales' no-break spaces as plain ones (ICU and Babel's CLDR may differ on which)."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def in_other_languages(browser: Any, url: str, today: Any, shots: Path) -> None:
    """A French browser reads the board in French with French formats; the selector switches it
    to German, and the choice is remembered over the browser's language."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(url)
    card = '[data-queue="acme/billing/call"]'
    page.wait_for_selector(f"{card} [data-metric=offered]", timeout=20_000)
    assert page.evaluate("document.documentElement.lang") == "fr"
    sl = today[("billing", "call")].service_level
    assert spaced(page.inner_text(f"{card} [data-metric=sltoday]")) == spaced(percent(sl, "fr_FR"))
    text = page.inner_text("main").lower()  # the labels are upper case on screen
    for french in ("NS aujourd'hui", "présentés aujourd'hui", "Taux d'abandon", "appel", "sur la file"):
        assert french.lower() in text, french
    for english in ("waiting now", "offered today", "SL today", "needed by its channels", "answer rate"):
        assert english.lower() not in text, english
    page.screenshot(path=str(shots / "wallboard-fr.png"))
    page.select_option("#language", "de")
    page.wait_for_function("document.documentElement.lang === 'de'", timeout=10_000)
    page.wait_for_selector(f"{card} [data-metric=offered]", timeout=20_000)
    text = page.inner_text("main").lower()
    for german in ("SL heute", "heute angeboten", "Abbruchquote", "Anruf", "in der Warteschlange"):
        assert german.lower() in text, german
    page.screenshot(path=str(shots / "wallboard-de.png"))
    again = context.new_page()  # remembered: a new page of the French browser is German still
    again.goto(url)
    again.wait_for_selector(f"{card} [data-metric=offered]", timeout=20_000)
    assert again.evaluate("document.documentElement.lang") == "de"
    context.close()


def test_wallboard_in_chromium(
    tmp_path: Path,
    broker: TansuBroker,
    clickhouse_server: Any,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, clickhouse_server.url)
    ensure_topics(settings)
    produce(settings, as_messages(simulated_events))
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    store = connect(clickhouse_server.url, settings.data_dir, settings.database)
    try:
        worker.wait_ready()
        wait_drained(settings)
        as_of = worker.get("/api/live")["as_of"]
        now = int(datetime.fromisoformat(as_of.replace("Z", "+00:00")).timestamp())
        today = {(r.queue, r.channel): r for r in read_kpi_rows(
            store, 60, "acme", since_s=now - now % 86_400, per_interval=False)}  # fmt: skip
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"http://{settings.web_host}:{settings.web_port}/wallboard?client=acme")
            page.wait_for_selector('[data-queue="acme/billing/call"] [data-metric=offered]', timeout=20_000)
            # The page shows ClickHouse's numbers, card by card.
            cards = page.eval_on_selector_all("section.card", "cs => cs.map(c => c.dataset.queue)")
            assert sorted(cards) == sorted(f"acme/{q}/{c}" for q, c in today)
            for (queue, channel), row in today.items():
                assert offered(page, f"acme/{queue}/{channel}") == row.offered
            card_of_call = '[data-queue="acme/billing/call"]'
            sl_text = page.inner_text(f"{card_of_call} [data-metric=sltoday]")
            assert sl_text == f"{round(today[('billing', 'call')].service_level * 100)}%"
            # An email's two-hour threshold: the rolling 15 and 60 minutes judge nothing yet.
            card_of_email = '[data-queue="acme/billing/email"]'
            rolling = [page.inner_text(f"{card_of_email} [data-metric={m}]") for m in ("sl15", "sl60")]
            assert rolling == ["—", "—"] and page.inner_text(f"{card_of_email} [data-metric=sltoday]") != "—"
            # Agents staffed now against the agents Erlang C needs for the last 15 minutes.
            lane = next(q for q in worker.get("/api/live?client=acme")["queues"]
                        if (q["queue"], q["channel"]) == ("billing", "call"))  # fmt: skip
            window, staffing = lane["15m"], lane["staffing"]
            assert staffing["staffed"] == sum(
                lane["agents"].get(s, 0) for s in ("available", "busy", "wrap", "away")
            )
            # Colours as schemas.targets judges, from the rules the page gets with every update.
            colour = status("service_level", today[("billing", "call")].service_level, lane["sl_target"])
            classes = page.get_attribute(f"{card_of_call} [data-metric=sltoday]", "class") or ""
            assert colour and colour in classes.split()
            cases = [("service_level", v, 0.8) for v in (0.9, 0.8, 0.76, 0.75, 0.74, None)]
            cases += [("abandon_rate", v, 0.05) for v in (0.02, 0.05, 0.1, 0.11)] + [("aht_s", 301.0, 300.0)]
            judged = page.evaluate("cases => cases.map(([kpi, v, t]) => status(kpi, v, t))", cases)
            assert judged == [status(kpi, v, t) or "" for kpi, v, t in cases]
            target = (lane["sl_threshold_s"], lane["sl_target"])
            need = required_for("call", window["offered"], window["aht_s"], *target, 900, 3)[1]
            assert staffing["required"] == need and need and need > 0
            # The queue's agents serve all its channels: they are set against what all need.
            lanes = [q for q in worker.get("/api/live?client=acme")["queues"] if q["queue"] == "billing"]
            together = sum(q["staffing"]["required"] or 0 for q in lanes)
            assert len(lanes) > 1 and staffing["queue_required"] == together >= need
            assert staffing["short"] == (staffing["staffed"] < together)
            shown = page.inner_text('[data-queue="acme/billing/call"] [data-metric=staffing]')
            assert f"{staffing['staffed']} agents on the queue / {together} needed by its channels" in shown
            assert f"(this one {need};" in shown

            # A new event changes the numbers by push: same page, no reload.
            page.evaluate("window.__marker = 'same page'")
            before = offered(page, "acme/billing/call")
            event = {
                "event_id": "wallboard-test-1", "schema_version": 1, "type": "contact.arrived",
                "occurred_at": as_of, "client": "acme", "queue": "billing", "channel": "call",
                "contact_id": "wallboard-test-contact", "customer_id": "wallboard-test-customer",
            }  # fmt: skip
            sent = time.monotonic()
            produce(settings, [Message(b"wallboard-test-contact", orjson.dumps(event))])
            page.wait_for_function(
                f"""() => Number(document.querySelector('[data-queue="acme/billing/call"] '
                    + '[data-metric=offered]').textContent) === {before + 1}""",
                timeout=15_000,
            )
            delay = time.monotonic() - sent
            assert page.evaluate("window.__marker") == "same page"
            assert int(page.inner_text('[data-queue="acme/billing/call"] [data-metric=waiting]')) >= 1

            # A chat waiting in a queue nobody staffs: the alert shows as a banner and turns its card
            # red. The queue's name is hostile markup: shown as text, never run.
            hostile = '<img src=x onerror="window.__xss=1">'
            event = {**event, "event_id": "wallboard-test-2", "queue": hostile, "channel": "chat",
                     "contact_id": "wallboard-test-chat"}  # fmt: skip
            produce(settings, [Message(b"wallboard-test-chat", orjson.dumps(event))])
            # The simulated day may have raised the same rule on another queue already: wait for
            # this queue's card, then check that the banner names the rule.
            card = page.wait_for_selector(
                f"section.card.red[data-queue='acme/{hostile}/chat'] [data-metric=alerting]", timeout=20_000
            )
            assert card is not None
            card = page.query_selector(f"section.card[data-queue='acme/{hostile}/chat']")
            assert card is not None and page.query_selector("[data-alert=no_agent_available]")
            assert "No agent available" in card.inner_text() and hostile in card.inner_text()
            assert page.evaluate("window.__xss") is None
            shown = [a["rule"] for a in worker.get("/api/live?client=acme")["alerts"]]
            assert page.eval_on_selector_all("[data-alert]", "as => as.length") == len(shown)
            shot = Path(os.environ.get("CCKPI_SCREENSHOT_DIR", tmp_path)) / "wallboard.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))
            in_other_languages(browser, page.url, today, shot.parent)

            # Hostile filter values reach SQL only as bound parameters: no rows, no error, no damage.
            for hostile in ("acme' OR '1'='1", "acme'; DROP TABLE kpi_minute; --", "\\' OR 1=1 --", "ac%me"):
                found = worker.get("/api/live?" + urlencode({"client": hostile, "queue": hostile}))
                assert found["queues"] == []
            # The page's push stream is open: the worker still stops cleanly within a container's
            # grace period (docker stop waits 10 s, then kills).
            stopped = worker.stop(timeout_s=10)
            browser.close()
        print(f"wallboard updated {delay:.2f}s after the event was produced; screenshot {shot}")
        assert shot.stat().st_size > 10_000
        assert stopped == 0
        assert read_kpi_rows(store, 60, "acme", since_s=now - now % 86_400, per_interval=False)
    finally:
        store.close()
        worker.stop()
