"""Kafka over SASL end to end: the simulator produces and the worker consumes through a listener that
checks every login (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) before passing bytes to the broker; with a
wrong password, or against the embedded broker's own SASL, each command stops at once with one line.

The embedded broker cannot check a login (../shared/notes): Tansu 0.6.0 with ``--authentication``
keeps SCRAM users only in storage engines this build lacks, so it refuses every user, and it has no
PLAIN. The checking here is the test's own, answering as Apache Kafka does, as stunnel is the TLS
in test_kafka_tls.py; against Tansu's ``--authentication`` only the refusal is tested.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from cckpi.stack.broker import TansuBroker, free_port
from cckpi.stack.launcher import kafka_access_env
from schemas.kpi import OUTPUT_COLUMNS
from streams.batch.compute import compute_file
from streams.kafka_access import PROBE_TIMEOUT_S, KafkaAccess, kafka_problem
from tests.helpers.cli import cckpi
from tests.helpers.harness import drain, new_settings

pytestmark = pytest.mark.integration

API_VERSIONS, SASL_HANDSHAKE, SASL_AUTHENTICATE = 18, 17, 36
UNSUPPORTED_SASL_MECHANISM, SASL_AUTHENTICATION_FAILED = 33, 58
HASHES = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}
USER = "cckpi-worker"


class Refused(Exception):
    """A login the listener turns down, with Apache Kafka's message for it."""


@dataclass
class Login:
    """One connection's SASL exchange (KIP-84 and RFC 5802, as a Kafka broker runs it)."""

    passwords: dict[str, str]
    mechanism: str = ""
    user: str | None = None  # set once the login succeeded
    name: str = ""  # SCRAM, between its two steps: who, what was said, the salted password
    said: str = ""
    salted: bytes = b""

    def step(self, token: bytes) -> bytes:
        if self.mechanism == "PLAIN":
            _, name, password = token.decode().split("\0")
            if not hmac.compare_digest(self.passwords.get(name, "\0"), password):
                raise Refused("Authentication failed: Invalid username or password")
            self.user = name
            return b""
        return self.scram_final(token) if self.said else self.scram_first(token)

    def refused(self) -> Refused:
        return Refused(
            f"Authentication failed during authentication due to invalid credentials "
            f"with SASL mechanism {self.mechanism}"
        )

    def scram_first(self, token: bytes) -> bytes:
        bare = token.decode().split(",", 2)[2]
        attributes = dict(pair.split("=", 1) for pair in bare.split(","))
        self.name = attributes["n"].replace("=2C", ",").replace("=3D", "=")
        if self.name not in self.passwords:
            raise self.refused()
        salt, nonce = os.urandom(16), attributes["r"] + secrets.token_urlsafe(18)
        first = f"r={nonce},s={base64.b64encode(salt).decode()},i=4096"
        password = self.passwords[self.name].encode()
        self.said = f"{bare},{first}"
        self.salted = hashlib.pbkdf2_hmac(HASHES[self.mechanism], password, salt, 4096)
        return first.encode()

    def scram_final(self, token: bytes) -> bytes:
        without_proof, _, proof = token.decode().rpartition(",p=")
        digest, nonce = HASHES[self.mechanism], self.said.rsplit("r=", 1)[1].split(",")[0]
        stored = hashlib.new(digest, hmac.digest(self.salted, b"Client Key", digest)).digest()
        message = f"{self.said},{without_proof}".encode()
        signature = hmac.digest(stored, message, digest)
        client_key = bytes(a ^ b for a, b in zip(base64.b64decode(proof), signature, strict=True))
        if f",r={nonce}," not in f",{without_proof}," or hashlib.new(digest, client_key).digest() != stored:
            raise self.refused()
        self.user = self.name
        server_key = hmac.digest(self.salted, b"Server Key", digest)
        return b"v=" + base64.b64encode(hmac.digest(server_key, message, digest))


def uvarint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


def read_uvarint(frame: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = frame[at]
        value, shift, at = value | (byte & 0x7F) << shift, shift + 7, at + 1
        if byte < 0x80:
            return value, at


def auth_bytes(frame: bytes, version: int) -> bytes:
    """The token of a SaslAuthenticate request (v2 is the flexible encoding)."""
    (name_length,) = struct.unpack_from(">h", frame, 8)
    at = 10 + max(name_length, 0)
    if version < 2:
        (length,) = struct.unpack_from(">i", frame, at)
        return frame[at + 4 : at + 4 + length]
    tags, at = read_uvarint(frame, at)
    for _ in range(tags):
        _, at = read_uvarint(frame, at)
        size, at = read_uvarint(frame, at)
        at += size
    length, at = read_uvarint(frame, at)
    return frame[at : at + length - 1]


def authenticate_response(correlation: int, version: int, error: int, message: str, token: bytes) -> bytes:
    """A SaslAuthenticate response (v2 is the flexible encoding; no session lifetime, so no re-login)."""
    if version < 2:
        body = struct.pack(">ihh", correlation, error, len(message)) + message.encode()
        body += struct.pack(">i", len(token)) + token
        return body + (struct.pack(">q", 0) if version == 1 else b"")
    body = struct.pack(">ibh", correlation, 0, error) + uvarint(len(message) + 1) + message.encode()
    return body + uvarint(len(token) + 1) + token + struct.pack(">qb", 0, 0)


def handshake_response(correlation: int, error: int, mechanisms: list[str]) -> bytes:
    names = b"".join(struct.pack(">h", len(name)) + name.encode() for name in mechanisms)
    return struct.pack(">ihi", correlation, error, len(mechanisms)) + names


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    (size,) = struct.unpack(">i", await reader.readexactly(4))
    return await reader.readexactly(size)


def framed(payload: bytes) -> bytes:
    return struct.pack(">i", len(payload)) + payload


class SaslListener:
    """Checks each connection's login, then passes its bytes to the broker and back; before a login
    only ApiVersions passes, as on a Kafka listener with SASL."""

    def __init__(self, port: int, broker_port: int, passwords: dict[str, str]) -> None:
        self.port, self.broker_port, self.passwords = port, broker_port, passwords
        self.logins: list[tuple[str, str, str]] = []  # mechanism, user, client id
        self.unauthenticated: list[int] = []  # API keys asked for before a login
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self.serve, "127.0.0.1", port), self.loop
        ).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.broker_port)
        try:
            if await self.log_in(reader, writer, up_reader, up_writer):
                await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            up_writer.close()

    async def log_in(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> bool:
        login = Login(self.passwords)
        while login.user is None:
            frame = await read_frame(reader)
            key, version, correlation, name_length = struct.unpack_from(">hhih", frame)
            if key == API_VERSIONS:
                up_writer.write(framed(frame))
                writer.write(framed(await read_frame(up_reader)))
            elif key == SASL_HANDSHAKE:
                login.mechanism = frame[10 + max(name_length, 0) + 2 :].decode()
                known = login.mechanism in ("PLAIN", *HASHES)
                error = 0 if known else UNSUPPORTED_SASL_MECHANISM
                writer.write(framed(handshake_response(correlation, error, ["PLAIN", *HASHES])))
            elif key == SASL_AUTHENTICATE and login.mechanism:
                try:
                    token = login.step(auth_bytes(frame, version))
                except Refused as refused:
                    said = authenticate_response(
                        correlation, version, SASL_AUTHENTICATION_FAILED, str(refused), b""
                    )
                    writer.write(framed(said))
                    await writer.drain()
                    with contextlib.suppress(TimeoutError):  # the client closes once it has read why
                        await asyncio.wait_for(reader.read(), 10)
                    return False
                writer.write(framed(authenticate_response(correlation, version, 0, "", token)))
            else:
                self.unauthenticated.append(key)
                return False
            await writer.drain()
        client = frame[10 : 10 + max(name_length, 0)].decode()
        self.logins.append((login.mechanism, login.user, client))
        return True


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


@dataclass(frozen=True)
class SaslBroker:
    bootstrap: str  # the checking listener: the only address clients are given
    password: str
    listener: SaslListener


@pytest.fixture
def sasl_broker(tmp_path: Path) -> Iterator[SaslBroker]:
    port, password = free_port(), secrets.token_hex(16)
    broker = TansuBroker(tmp_path / "tansu.log", advertised=f"127.0.0.1:{port}")
    listener = SaslListener(port, broker.port, {USER: password})
    try:
        yield SaslBroker(f"127.0.0.1:{port}", password, listener)
    finally:
        listener.stop()
        broker.stop()


def test_the_simulator_and_the_worker_through_sasl(tmp_path: Path, sasl_broker: SaslBroker) -> None:
    simulated = ("simulate", "--start", "2026-11-23T08:00:00Z", "--duration", "2h", "--seed", "5")
    made = cckpi(*simulated, "--output", str(tmp_path / "events.jsonl"))
    assert made.returncode == 0, made.stderr
    expected, _ = compute_file(tmp_path / "events.jsonl")
    assert sum(r.answered for r in expected) > 20

    secured = new_settings(tmp_path, sasl_broker.bootstrap, None).model_copy(
        update={
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_mechanism": "SCRAM-SHA-256",
            "kafka_sasl_username": USER,
            "kafka_sasl_password": SecretStr(sasl_broker.password),
        }
    )
    env = {
        "KAFKA_BOOTSTRAP": sasl_broker.bootstrap,
        "CCKPI_TOPIC": secured.topic,
        "CCKPI_PARTITIONS": str(secured.partitions),
        **kafka_access_env(secured),
    }
    sent = cckpi(*simulated, "--output", "kafka", env={**os.environ, **env})
    assert sent.returncode == 0, sent.stderr
    run = drain(secured, None)  # the worker gets the same SASL settings (launcher.settings_env)
    columns = set(OUTPUT_COLUMNS)
    assert [r.model_dump(include=columns) for r in run.kpi_rows()] == [
        r.model_dump(include=columns) for r in expected
    ]
    listener = sasl_broker.listener
    assert listener.unauthenticated == [], "a client came without SASL"
    assert {(mechanism, user) for mechanism, user, _ in listener.logins} == {("SCRAM-SHA-256", USER)}
    clients = {client for *_, client in listener.logins}
    assert any(c.startswith("kafka-python-producer") for c in clients), clients  # the simulator
    assert any(c.startswith("faust") for c in clients), clients  # the worker's aiokafka


@pytest.mark.parametrize("mechanism", ["PLAIN", "SCRAM-SHA-512"])
def test_each_mechanism_logs_in(tmp_path: Path, sasl_broker: SaslBroker, mechanism: str) -> None:
    env = {
        "KAFKA_BOOTSTRAP": sasl_broker.bootstrap,
        "CCKPI_TOPIC": f"sasl-{mechanism.lower()}",
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": mechanism,
        "KAFKA_SASL_USERNAME": USER,
        "KAFKA_SASL_PASSWORD": sasl_broker.password,
    }
    sent = cckpi("simulate", "--events", "50", "--output", "kafka", env={**os.environ, **env})
    assert sent.returncode == 0, sent.stderr
    assert sasl_broker.listener.logins and sasl_broker.listener.unauthenticated == []
    assert {(m, user) for m, user, _ in sasl_broker.listener.logins} == {(mechanism, USER)}


@pytest.mark.parametrize(
    ("checker", "mechanism", "said"),
    [
        ("listener", "PLAIN", "Invalid username or password"),
        ("listener", "SCRAM-SHA-512", "invalid credentials"),
        ("tansu", "SCRAM-SHA-256", "e=unknown-user"),
    ],
)
def test_a_wrong_password_is_refused_in_one_line(
    tmp_path: Path, checker: str, mechanism: str, said: str
) -> None:
    """A wrong password at the checking listener; any login at Tansu's own ``--authentication``
    (it knows no user)."""
    port, tansu = free_port(), checker == "tansu"
    advertised = None if tansu else f"127.0.0.1:{port}"
    broker = TansuBroker(tmp_path / "tansu.log", advertised=advertised, authentication=tansu)
    listener = None if tansu else SaslListener(port, broker.port, {USER: secrets.token_hex(16)})
    bootstrap = broker.bootstrap if tansu else f"127.0.0.1:{port}"
    wrong = {
        "KAFKA_BOOTSTRAP": bootstrap,
        "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "KAFKA_SASL_MECHANISM": mechanism,
        "KAFKA_SASL_USERNAME": USER,
        "KAFKA_SASL_PASSWORD": secrets.token_hex(16),
        "CCKPI_DATA_DIR": str(tmp_path / "data"),
        "CCKPI_WEB_PORT": str(free_port()),
    }
    log = tmp_path / "queue_log"
    log.write_text("1764000000|NONE|NONE|NONE|QUEUESTART|\n")
    try:
        for command in (["worker"], ["bridge", "asterisk", "--queue-log", str(log)]):
            stopped = cckpi(*command, env={**os.environ, **wrong}, timeout=60)
            assert stopped.returncode == 2, (command, stopped.stderr[-2000:])
            lines = stopped.stderr.strip().splitlines()
            assert len(lines) == 1 and f"SASL {mechanism} refused for '{USER}'" in lines[0], (command, lines)
            assert said in lines[0], (command, lines)
        # Waiting out the probe takes its whole timeout; a refusal said at once comes before it,
        # however loaded the machine. Timed in this process: a command's start-up on a loaded
        # machine is no part of it (a worker took 12.3 s to say it beside the suite).
        began = time.monotonic()
        access = KafkaAccess(**{k: v for k, v in wrong.items() if k.startswith("KAFKA_S")})  # type: ignore[arg-type]
        problem = kafka_problem(bootstrap, access)
        assert problem is not None and said in problem, problem
        assert time.monotonic() - began < PROBE_TIMEOUT_S, "waited out the probe instead of saying it"
    finally:
        if listener is not None:
            listener.stop()
        broker.stop()
