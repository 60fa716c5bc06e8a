"""The HTTP receivers on real parts: ``cckpi ingest`` and ``cckpi bridge chatwoot --listen`` take
what platforms post, refuse what they must with a reason (never a 500), the Chatwoot receiver keeps
every payload before it answers, and the worker's rows are ``cckpi compute``'s of what was taken
(Chatwoot's replayed from the payloads it archived)."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.processes import wait_until
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_file
from streams.kafka import end_offsets, ensure_topics
from tests.helpers.chatwoot_payloads import payloads
from tests.helpers.cli import cckpi, cckpi_command
from tests.helpers.events import SIM_START, raw
from tests.helpers.harness import drain, new_settings

pytestmark = pytest.mark.integration
TOKEN = "receiver-token-1234"
MAP = "queues:\n  '1': {client: acme, queue: web}\n  '2': {client: acme, queue: mail}\n"


def post(url: str, body: bytes, token: str | None = TOKEN, scheme: str = "Bearer") -> tuple[int, dict]:  # type: ignore[type-arg]
    headers = {"Authorization": f"{scheme} {token}"} if token else {}
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, orjson.loads(error.read())


def start(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = cckpi_command(*args, "--listen", f"127.0.0.1:{port}")
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )

    def up() -> bool:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)  # noqa: S310
        except urllib.error.HTTPError:
            return True  # it answers (404 for GET /)
        except OSError:
            return False
        return True

    wait_until(up, process, f"receiver (see {log})", 60)
    return process, f"http://127.0.0.1:{port}"


def test_posted_events_and_webhooks_reach_the_rows(
    tmp_path: Path,
    broker: TansuBroker,
    simulated_events: list[dict],  # type: ignore[type-arg]
) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, None)
    ensure_topics(settings)
    env = {"KAFKA_BOOTSTRAP": broker.bootstrap, "CCKPI_TOPIC": settings.topic, "CCKPI_RECEIVER_TOKEN": TOKEN}
    (tmp_path / "inboxes.yaml").write_text(MAP)
    archive = tmp_path / "chatwoot.jsonl"
    ingest, ingest_url = start(["ingest"], env, tmp_path / "ingest.log")
    chatwoot, chatwoot_url = start(
        ["bridge", "chatwoot", "--map", str(tmp_path / "inboxes.yaml"), "--archive", str(archive)],
        env,
        tmp_path / "chatwoot.log",
    )
    events = simulated_events[:3000]
    try:
        assert post(f"{ingest_url}/ingest", b"{}", token=None)[0] == 401
        assert post(f"{ingest_url}/ingest", b"{}", token="wrong-token-0000")[0] == 401
        assert post(f"{ingest_url}/ingest", b" " * (9 << 20))[0] == 413
        for junk in (b"\xff\xfe", b"[]", b"null", b'{"type": 5}', b""):  # refused with reasons
            assert post(f"{ingest_url}/ingest", junk)[0] == 400
        for start_at in range(0, len(events), 700):
            lines = [orjson.dumps(e) for e in events[start_at : start_at + 700]]
            status, answer = post(f"{ingest_url}/ingest", b"\n".join([*lines[:3], b"{broken", *lines[3:]]))
            assert (status, answer["accepted"], [r["line"] for r in answer["rejected"]]) == (
                207,
                len(lines),
                [4],
            )
        assert post(f"{ingest_url}/ingest", orjson.dumps(events[0]))[0] == 200  # again: counts once
        webhooks = payloads(int(SIM_START.timestamp()) + 3600)  # in the simulated morning
        for payload in webhooks:
            assert post(f"{chatwoot_url}/chatwoot", orjson.dumps(payload))[0] == 200
        refused = post(f"{chatwoot_url}/chatwoot", orjson.dumps({**webhooks[0], "meta": {}}))
        assert refused == (
            200,
            {
                "error": "conversation_created without meta.sender.id (the customer)",
                "archived": len(webhooks) + 1,
            },
        )  # kept: replayable once the map is fixed
        odd = [
            b"[1, 2]",
            b"not json",
            b'{"event": "message_created", "conversation": "x", "content_attributes": "[]"}',
            b'{"event": "conversation_updated", "changed_attributes": {"status": 5}, "id": [], '
            b'"inbox_id": {}}',
            b'{"event": "message_updated", "content_type": "input_csat", "content_attributes": '
            b'{"submitted_values": [{"name": "a", "value": 1}]}}',
        ]
        for number, body in enumerate(odd, start=len(webhooks) + 2):
            status, answer = post(f"{chatwoot_url}/chatwoot", body)
            assert (status, answer["archived"]) == (200, number) and (
                "error" in answer or answer["events"] == 0
            )
    finally:
        for process in (ingest, chatwoot):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    inboxes, converted = str(tmp_path / "inboxes.yaml"), str(tmp_path / "cw.jsonl")
    command = ["bridge", "chatwoot", "--replay", str(archive), "--map", inboxes, "--output", converted]
    replayed = cckpi(*command)
    assert replayed.returncode == 1 and "line 17: conversation_created without" in replayed.stderr, (
        replayed.stderr
    )  # the refused one
    assert archive.read_bytes().count(b"\n") == len(webhooks) + 1 + len(odd)  # every payload kept
    both = tmp_path / "both.jsonl"
    both.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events) + (tmp_path / "cw.jsonl").read_bytes())
    expected, _ = compute_file(both)
    run = drain(settings, None)
    columns = set(OUTPUT_COLUMNS)
    live = [r.model_dump(include=columns) for r in run.kpi_rows()]
    assert live == [r.model_dump(include=columns) for r in expected]
    assert any(r.client == "acme" and r.queue == "web" for r in run.kpi_rows())


def test_each_receiver_has_its_own_tokens_and_a_client_token_posts_only_its_client(
    tmp_path: Path, broker: TansuBroker
) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, None)
    ensure_topics(settings)
    tokens = {"any": "any-client-token-1", "acme": "acme-only-token-22", "globex": "globex-only-token-3"}
    chatwoot_token = "chatwoot-token-4444"
    env = {"KAFKA_BOOTSTRAP": broker.bootstrap, "CCKPI_TOPIC": settings.topic,
           "CCKPI_INGEST_TOKENS": f"{tokens['any']}, acme:{tokens['acme']},globex:{tokens['globex']}",
           "CCKPI_CHATWOOT_TOKEN": chatwoot_token}  # fmt: skip
    (tmp_path / "inboxes.yaml").write_text(MAP)
    ingest, ingest_url = start(["ingest"], env, tmp_path / "ingest.log")
    chatwoot, chatwoot_url = start(
        [
            "bridge",
            "chatwoot",
            "--map",
            str(tmp_path / "inboxes.yaml"),
            "--archive",
            str(tmp_path / "a.jsonl"),
        ],
        env,
        tmp_path / "chatwoot.log",
    )

    def sent() -> int:
        return sum(end_offsets(broker.bootstrap, settings.topic, settings.partitions).values())

    def body(*clients: str) -> bytes:
        return b"\n".join(orjson.dumps(raw("contact.arrived", i, f"c-{i}", client=c, customer_id="u"))
                          for i, c in enumerate(clients))  # fmt: skip

    url = f"{ingest_url}/ingest"
    try:
        # One receiver's token opens only that receiver.
        assert post(url, body("acme"), chatwoot_token)[0] == 401
        assert post(f"{chatwoot_url}/chatwoot", b"{}", tokens["any"])[0] == 401
        # A client's token: its own client's events taken, another's refused whole, nothing forwarded.
        assert post(url, body("acme", "acme"), tokens["acme"]) == (200, {"accepted": 2, "rejected": []})
        before = sent()
        status, answer = post(url, body("acme", "globex", "acme"), tokens["acme"])
        assert (status, answer["accepted"]) == (403, 0) and "line 2" in answer["error"]
        assert post(url, body("acme"), tokens["globex"])[0] == 403
        assert sent() == before
        # The token for any client; the scheme in any case (RFC 7235).
        assert post(url, body("acme", "globex"), tokens["any"], scheme="bearer")[0] == 200
        assert post(url, body("globex"), tokens["globex"], scheme="BEARER")[0] == 200
        assert post(url, body("globex"), tokens["globex"], scheme="Basic")[0] == 401
        assert post(f"{chatwoot_url}/chatwoot", b"{}", chatwoot_token, scheme="bearer")[0] == 200
        assert sent() == before + 3
    finally:
        for process in (ingest, chatwoot):
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def test_the_old_shared_token_still_opens_both_with_a_warning(tmp_path: Path, broker: TansuBroker) -> None:
    settings = new_settings(tmp_path, broker.bootstrap, None)
    ensure_topics(settings)
    env = {"KAFKA_BOOTSTRAP": broker.bootstrap, "CCKPI_TOPIC": settings.topic, "CCKPI_RECEIVER_TOKEN": TOKEN}
    ingest, url = start(["ingest"], env, tmp_path / "ingest.log")
    try:
        event = orjson.dumps(raw("contact.arrived", 0, "c-old", customer_id="u"))
        assert post(f"{url}/ingest", event)[0] == 200
    finally:
        ingest.send_signal(signal.SIGTERM)
        ingest.wait(timeout=30)
    said = (tmp_path / "ingest.log").read_text()
    assert "CCKPI_RECEIVER_TOKEN is deprecated" in said and "set CCKPI_INGEST_TOKENS" in said


@pytest.mark.parametrize("command", [["ingest"], ["bridge", "chatwoot", "--archive", "a.jsonl"]])
@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [("CCKPI_RECEIVER_TOKEN", "", "CCKPI_RECEIVER_TOKEN is set but empty"),
     ("CCKPI_RECEIVER_TOKEN", "  ", "CCKPI_RECEIVER_TOKEN is set but empty"),
     ("CCKPI_RECEIVER_TOKEN", "change-me", "CCKPI_RECEIVER_TOKEN is the placeholder 'change-me'"),
     ("CCKPI_INGEST_TOKENS", "acme:secret", "CCKPI_INGEST_TOKENS is the placeholder 'secret'"),
     ("CCKPI_CHATWOOT_TOKEN", "Change-Me", "CCKPI_CHATWOOT_TOKEN is the placeholder 'Change-Me'")],
)  # fmt: skip
def test_an_empty_or_placeholder_token_keeps_the_receiver_closed(
    tmp_path: Path, command: list[str], variable: str, value: str, said: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCKPI_")}
    done = cckpi(*command, "--listen", f"127.0.0.1:{free_port()}", env={**env, variable: value}, cwd=tmp_path,
                 timeout=60)  # fmt: skip
    assert done.returncode == 2 and said in done.stderr, done.stderr
