"""How every Kafka client of cckpi reaches a secured cluster: SASL (PLAIN, SCRAM-SHA-256,
SCRAM-SHA-512) and TLS, from one set of variables, for kafka-python and for Faust alike.

Managed Kafka services mostly require SASL_SSL; each client the project runs (the worker, the
simulator, the bridges, ``/ingest``, replay's Kafka source, the topic checks) takes its options
from here, so no client is left plain. One TLS context serves both libraries: the broker's
certificate is verified against the CA file (or the system's) and its host name checked.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
PROBE_TIMEOUT_S = 10.0


class KafkaAccess(BaseSettings):
    """The security settings of every Kafka client (a part of ``streams.settings.Settings``)."""

    kafka_security_protocol: Protocol = Field(
        "PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: Mechanism = Field("PLAIN", validation_alias=AliasChoices("KAFKA_SASL_MECHANISM"))
    kafka_sasl_username: str | None = Field(None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME"))
    kafka_sasl_password: SecretStr | None = Field(None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD"))
    # The CA that signed the broker's certificate (unset: the system's CAs), and a client
    # certificate and key where the cluster wants one (mutual TLS).
    kafka_ssl_cafile: Path | None = Field(None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE"))
    kafka_ssl_certfile: Path | None = Field(None, validation_alias=AliasChoices("KAFKA_SSL_CERTFILE"))
    kafka_ssl_keyfile: Path | None = Field(None, validation_alias=AliasChoices("KAFKA_SSL_KEYFILE"))
    kafka_ssl_key_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("KAFKA_SSL_KEY_PASSWORD")
    )
    # Replicas of each topic the worker creates (a cluster of three brokers: 3).
    kafka_replication_factor: int = Field(
        1, ge=1, le=16, validation_alias=AliasChoices("CCKPI_KAFKA_REPLICATION_FACTOR")
    )

    @property
    def kafka_tls(self) -> bool:
        return self.kafka_security_protocol in ("SSL", "SASL_SSL")

    @property
    def kafka_sasl(self) -> bool:
        return self.kafka_security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")

    @model_validator(mode="after")
    def _kafka_security_complete(self) -> KafkaAccess:
        protocol = f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}"
        if self.kafka_sasl:
            for name, value in (("KAFKA_SASL_USERNAME", self.kafka_sasl_username),
                                ("KAFKA_SASL_PASSWORD", self.kafka_sasl_password)):  # fmt: skip
                if value is None:
                    raise ValueError(f"{protocol} needs {name}")
        files = (("KAFKA_SSL_CAFILE", self.kafka_ssl_cafile), ("KAFKA_SSL_CERTFILE", self.kafka_ssl_certfile),
                 ("KAFKA_SSL_KEYFILE", self.kafka_ssl_keyfile))  # fmt: skip
        for name, path in files:
            if path is None:
                continue
            if not self.kafka_tls:
                raise ValueError(f"{name} is set but {protocol} uses no TLS: set SSL or SASL_SSL")
            if not path.is_file():
                raise ValueError(f"{name}={path}: no such file")
        if self.kafka_ssl_keyfile is not None and self.kafka_ssl_certfile is None:
            raise ValueError("KAFKA_SSL_KEYFILE is set without KAFKA_SSL_CERTFILE")
        return self

    def kafka_ssl_context(self) -> ssl.SSLContext | None:
        """The TLS context of every client (None without TLS): the broker verified, its name checked."""
        if not self.kafka_tls:
            return None
        context = ssl.create_default_context(
            cafile=str(self.kafka_ssl_cafile) if self.kafka_ssl_cafile else None
        )
        if self.kafka_ssl_certfile is not None:
            password = self.kafka_ssl_key_password.get_secret_value() if self.kafka_ssl_key_password else None
            keyfile = str(self.kafka_ssl_keyfile) if self.kafka_ssl_keyfile else None
            context.load_cert_chain(str(self.kafka_ssl_certfile), keyfile, password)
        return context

    def kafka_options(self) -> dict[str, Any]:
        """kafka-python's keyword arguments for these settings (none for a plain cluster)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.kafka_security_protocol}
        if self.kafka_tls:
            options["ssl_context"] = self.kafka_ssl_context()
        if self.kafka_sasl:
            assert self.kafka_sasl_password is not None  # the validator saw to it
            options.update(
                sasl_mechanism=self.kafka_sasl_mechanism,
                sasl_plain_username=self.kafka_sasl_username,
                sasl_plain_password=self.kafka_sasl_password.get_secret_value(),
            )
        return options

    def faust_credentials(self) -> Any:
        """Faust's ``broker_credentials`` for these settings (None for a plain cluster)."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return None
        import faust  # only the worker pays for the import

        context = self.kafka_ssl_context()
        if not self.kafka_sasl:
            return faust.SSLCredentials(context)
        assert self.kafka_sasl_password is not None
        return faust.SASLCredentials(
            username=self.kafka_sasl_username,
            password=self.kafka_sasl_password.get_secret_value(),
            ssl_context=context,
            mechanism=self.kafka_sasl_mechanism,
        )


def kafka_problem(bootstrap: str, access: KafkaAccess, timeout_s: float = PROBE_TIMEOUT_S) -> str | None:
    """Why no client could reach the cluster with these settings, in one line (None: it can).

    Clients retry an unreachable or refusing broker for ever, logging each attempt; a command
    asks once before it starts, so a wrong CA, certificate or password is said plainly.
    """
    if access.kafka_security_protocol == "PLAINTEXT":
        return None  # nothing to get wrong here that the clients would not say themselves
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    first = bootstrap.split(",")[0].strip()
    host, _, port = first.rpartition(":")
    host = host.strip("[]")
    context = access.kafka_ssl_context()
    try:
        sock = socket.create_connection((host, int(port)), timeout=timeout_s)
    except OSError:
        return None  # down or restarting: the clients retry until it is back
    try:
        if context is not None:
            context.wrap_socket(sock, server_hostname=host).close()
    except ssl.SSLCertVerificationError as error:
        trusted = access.kafka_ssl_cafile or "the system's CAs"
        return f"Kafka at {first}: its TLS certificate is not trusted ({error.verify_message}; CA: {trusted})"
    except (ssl.SSLError, OSError) as error:
        return f"Kafka at {first}: no TLS handshake ({error}): is it a TLS listener?"
    finally:
        sock.close()
    failures = _FirstFailure()
    outcome: list[KafkaError] = []

    def probe() -> None:
        """Bootstrap an admin client; kafka-python keeps trying until its timeout even after a
        refused login, so the caller stops waiting at the first refusal."""
        quiet = [logging.getLogger(name) for name in ("kafka.net.manager", "kafka.net.connection")]
        for logger in quiet:  # the probe says what failed once; the client's retries would log it ten times
            logger.addHandler(failures)
            logger.propagate = False
        try:
            KafkaAdminClient(bootstrap_servers=bootstrap, bootstrap_timeout_ms=int(timeout_s * 1000),
                             **access.kafka_options()).close()  # fmt: skip
        except KafkaError as error:
            outcome.append(error)
        finally:
            for logger in quiet:
                logger.removeHandler(failures)
                logger.propagate = True
            failures.settled.set()

    threading.Thread(target=probe, name="kafka-probe", daemon=True).start()
    failures.settled.wait(timeout_s + 5)
    if failures.refusal is None and not outcome:
        return None
    cause = failures.refusal or failures.first or str(outcome[0] if outcome else "no answer")
    sasl_words = ("Sasl", "SASL", "Authentication")
    if not access.kafka_sasl or not (failures.refusal or any(word in cause for word in sasl_words)):
        return None  # not a refusal of these settings: the clients retry as they do for a broker restarting
    who = f"{access.kafka_sasl_username!r} (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD)"
    return f"Kafka at {first}: SASL {access.kafka_sasl_mechanism} refused for {who}: {cause}"


class _FirstFailure(logging.Handler):
    """Keeps the first connection failure kafka-python logs (it raises only a timeout), and the
    first refusal of a SASL login among the errors it logs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.first: str | None = None
        self.refusal: str | None = None
        self.settled = threading.Event()  # the probe ended, or a login was refused

    def emit(self, record: logging.LogRecord) -> None:
        if self.first is None and "fail" in record.getMessage().lower():
            self.first = record.getMessage().split("failed: ", 1)[-1]
        if self.refusal is None and isinstance(record.args, tuple):
            self.refusal = next(filter(None, map(_sasl_refusal, record.args)), None)
            if self.refusal is not None:
                self.settled.set()


def _sasl_refusal(error: object) -> str | None:
    """What the broker said refusing a login: its error message (Apache Kafka), or the error a SCRAM
    server sent in place of its signature (RFC 5802 ``e=``), which kafka-python reads as a signature
    anyway, failing with KeyError 'v'."""
    from kafka.errors import SaslAuthenticationFailedError

    if isinstance(error, SaslAuthenticationFailedError):
        said = str(error.args[0]) if error.args else str(error)
        return said.removeprefix(f"{SaslAuthenticationFailedError.__name__}: ")
    trace = error.__traceback__ if isinstance(error, KeyError) else None
    while trace is not None:
        answer = trace.tb_frame.f_locals.get("server_final_message")
        if trace.tb_frame.f_code.co_name == "process_server_final_message" and isinstance(answer, bytes):
            return f"the broker answered {answer.decode(errors='replace')}"
        trace = trace.tb_next
    return None
