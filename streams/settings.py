"""Every environment variable cckpi reads, in one typed object; secrets are masked when shown."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import SettingsConfigDict

from streams.engine.intervals import US_PER_S
from streams.engine.pseudonyms import keyed_pseudonym
from streams.engine.retention import Retention
from streams.kafka_access import KafkaAccess

HOUR_US = 3600 * US_PER_S
# Values no secret may have: what examples and .env.example show (compared without case or blanks).
PLACEHOLDERS = frozenset({"change-me", "changeme", "change_me", "secret", "password", "example", "token"})
Grant = tuple[str | None, str]  # the client a receiver's token is limited to (None: any), the token


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(KafkaAccess):
    """Where the parts are and how the worker runs; unset endpoints mean embedded defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    kafka_bootstrap: str | None = Field(None, validation_alias=_env("KAFKA_BOOTSTRAP"))
    clickhouse_url: SecretStr | None = Field(None, validation_alias=_env("CLICKHOUSE_URL"))
    # The server's user and password apart from the URL, so that a password may hold any character.
    clickhouse_user: str | None = Field(None, validation_alias=_env("CLICKHOUSE_USER"))
    clickhouse_password: SecretStr | None = Field(None, validation_alias=_env("CLICKHOUSE_PASSWORD"))
    # The worker's own user, which may only read and write the database: CLICKHOUSE_USER is then the
    # administrator's, for cckpi migrate and provisioning. Unset: the worker is CLICKHOUSE_USER.
    worker_user: str | None = Field(None, validation_alias=_env("CCKPI_WORKER_USER"))
    worker_password: SecretStr | None = Field(None, validation_alias=_env("CCKPI_WORKER_PASSWORD"))
    # A replicated cluster the server belongs to (its remote_servers name): tables become replicated
    # and distributed (streams.storage.backends.cluster); inserts wait for this many replicas (0: one).
    clickhouse_cluster: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", validation_alias=_env("CCKPI_CLICKHOUSE_CLUSTER")
    )
    clickhouse_insert_quorum: int = Field(
        0, ge=0, le=16, validation_alias=_env("CCKPI_CLICKHOUSE_INSERT_QUORUM")
    )
    data_dir: Path = Field(Path("data"), validation_alias=_env("CCKPI_DATA_DIR"))
    database: str = Field(
        "cckpi", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", validation_alias=_env("CCKPI_DATABASE")
    )
    topic: str = Field("contact-events", validation_alias=_env("CCKPI_TOPIC"))
    partitions: int = Field(3, ge=1, le=256, validation_alias=_env("CCKPI_PARTITIONS"))
    group: str = Field("cckpi", validation_alias=_env("CCKPI_GROUP"))
    sla_file: Path | None = Field(None, validation_alias=_env("CCKPI_SLA_FILE"))
    web_host: str = Field("127.0.0.1", validation_alias=_env("CCKPI_WEB_HOST"))
    web_token: SecretStr | None = Field(None, validation_alias=_env("CCKPI_WEB_TOKEN"))
    web_port: int = Field(6066, ge=0, le=65535, validation_alias=_env("CCKPI_WEB_PORT"))
    # Each client's own wallboard token, CLIENT:TOKEN entries by commas: it sees its client's live
    # figures only (CCKPI_WEB_TOKEN, the supervisors', sees every client's).
    wallboard_tokens: SecretStr | None = Field(None, validation_alias=_env("CCKPI_WALLBOARD_TOKENS"))
    # Under a backlog a batch fills before the wait ends: larger batches pay each batch's fixed
    # costs (inserts, fact messages, sweeps) less often (figures: docs/performance.md).
    batch_size: int = Field(20_000, ge=1, validation_alias=_env("CCKPI_BATCH_SIZE"))
    lag_every_s: float = Field(10.0, gt=0, validation_alias=_env("CCKPI_LAG_EVERY_S"))
    # Alerts are evaluated after the batches written, at most this often (wall clock).
    alert_every_s: float = Field(2.0, gt=0, validation_alias=_env("CCKPI_ALERT_EVERY_S"))
    stall_after_s: float = Field(60.0, gt=0, validation_alias=_env("CCKPI_STALL_AFTER_S"))
    # An event stamped further ahead of the worker's clock than this is a dead letter (a wrong
    # clock, or a simulation sent to production) and never moves a watermark; 0: no limit.
    max_future_s: float = Field(300.0, ge=0, validation_alias=_env("CCKPI_MAX_FUTURE_S"))
    retention_hours: float = Field(72.0, gt=0, validation_alias=_env("CCKPI_RETENTION_HOURS"))
    open_retention_hours: float = Field(336.0, gt=0, validation_alias=_env("CCKPI_OPEN_RETENTION_HOURS"))
    batch_within_s: float = Field(0.25, gt=0, validation_alias=_env("CCKPI_BATCH_WITHIN_S"))
    # Secrets of single commands, read here like every other variable; never arguments.
    caller_salt: SecretStr | None = Field(None, validation_alias=_env("CCKPI_CALLER_SALT"))
    # The token Chatwoot's webhook URL carries (cckpi bridge chatwoot --listen).
    chatwoot_token: SecretStr | None = Field(None, validation_alias=_env("CCKPI_CHATWOOT_TOKEN"))
    # cckpi ingest's tokens, comma-separated: TOKEN (any client's events) or CLIENT:TOKEN (that
    # client's only).
    ingest_tokens: SecretStr | None = Field(None, validation_alias=_env("CCKPI_INGEST_TOKENS"))
    # Deprecated: one token for both receivers, used by each whose own variable is unset.
    receiver_token: SecretStr | None = Field(None, validation_alias=_env("CCKPI_RECEIVER_TOKEN"))
    client_password: SecretStr | None = Field(None, validation_alias=_env("CCKPI_CLIENT_PASSWORD"))
    # The key of the pseudonyms that replace an erased customer's id (cckpi erase, and the
    # retention of personal data): the same key always gives the same pseudonym, so keep it.
    pseudonym_key: SecretStr | None = Field(None, validation_alias=_env("CCKPI_PSEUDONYM_KEY"))
    grafana_token: SecretStr | None = Field(None, validation_alias=_env("GRAFANA_TOKEN"))
    grafana_clickhouse_password: SecretStr | None = Field(
        None, validation_alias=_env("GRAFANA_CLICKHOUSE_PASSWORD")
    )

    @model_validator(mode="after")
    def _no_empty_or_placeholder_secrets(self) -> Settings:
        for name, secret in self._secrets():
            if not secret.strip():
                raise ValueError(f"{name} is set but empty: give it a value or unset it")
            if secret.strip().lower() in PLACEHOLDERS:
                raise ValueError(f"{name} is the placeholder {secret.strip()!r}: set a secret of "
                                 "your own (e.g. openssl rand -hex 32)")  # fmt: skip
        if self.pseudonym_key is not None and len(self.pseudonym_key.get_secret_value().strip()) < 16:
            raise ValueError("CCKPI_PSEUDONYM_KEY is too short: give it 16 characters or more "
                             "(e.g. openssl rand -hex 32)")  # fmt: skip
        if self.chatwoot_token is not None and any(
            token == self.chatwoot_token.get_secret_value() for _, token in self.ingest_grants()
        ):
            raise ValueError("CCKPI_CHATWOOT_TOKEN is also in CCKPI_INGEST_TOKENS: give /ingest its own")
        return self

    def _secrets(self) -> Iterator[tuple[str, str]]:
        """Each secret set, by its variable: the tokens of CCKPI_INGEST_TOKENS one by one, and
        CLICKHOUSE_URL's password."""
        for field, info in type(self).model_fields.items():
            secret = getattr(self, field)
            if not isinstance(secret, SecretStr):
                continue
            name = str(info.validation_alias.choices[0])  # type: ignore[union-attr]
            if field == "ingest_tokens":
                yield from ((name, token) for _, token in self.ingest_grants())
            elif field == "wallboard_tokens":  # the whole value first: a bare placeholder is named so
                yield name, secret.get_secret_value()
                yield from ((name, token) for token in self.client_tokens().values())
            elif field == "clickhouse_url":
                password = urlsplit(secret.get_secret_value()).password
                yield name, secret.get_secret_value() if password is None else password
            else:
                yield name, secret.get_secret_value()

    def pseudonyms_of(self, client: str) -> Callable[[str], str]:
        """The keyed pseudonym of each customer of ``client`` (erasure, retention); ValueError
        without CCKPI_PSEUDONYM_KEY."""
        if self.pseudonym_key is None:
            raise ValueError("CCKPI_PSEUDONYM_KEY is not set: erasure needs the pseudonyms' key")
        secret, partitions = self.pseudonym_key.get_secret_value().encode(), self.partitions
        return lambda customer: keyed_pseudonym(secret, client, customer, partitions)

    def ingest_grants(self) -> list[Grant]:
        """CCKPI_INGEST_TOKENS as (client or None for any, token) pairs; ValueError naming the
        variable when an entry is not TOKEN or CLIENT:TOKEN."""
        if self.ingest_tokens is None:
            return []
        grants: list[Grant] = []
        for entry in self.ingest_tokens.get_secret_value().split(","):
            client, colon, token = entry.partition(":")
            if colon and not client.strip():
                raise ValueError("CCKPI_INGEST_TOKENS: an entry has ':' but no client before it")
            grants.append((client.strip(), token.strip()) if colon else (None, entry.strip()))
        if len({token for _, token in grants}) < len(grants):
            raise ValueError("CCKPI_INGEST_TOKENS: a token is given twice: give each client its own")
        return grants

    def receiver_grants(self, receiver: str) -> tuple[list[Grant], bool]:
        """The tokens ``receiver`` ('chatwoot' or 'ingest') accepts, and whether they are the
        deprecated CCKPI_RECEIVER_TOKEN's (its own variable unset)."""
        if receiver == "chatwoot" and self.chatwoot_token is not None:
            return [(None, self.chatwoot_token.get_secret_value())], False
        if receiver == "ingest" and self.ingest_tokens is not None:
            return self.ingest_grants(), False
        if self.receiver_token is not None:
            return [(None, self.receiver_token.get_secret_value())], True
        return [], False

    @model_validator(mode="after")
    def _exposed_needs_token(self) -> Settings:
        if self.web_host not in ("127.0.0.1", "localhost", "::1") and self.web_token is None:
            raise ValueError(f"CCKPI_WEB_HOST={self.web_host} exposes the API: set CCKPI_WEB_TOKEN too")
        return self

    @model_validator(mode="after")
    def _client_tokens_need_supervisors(self) -> Settings:
        tokens = self.client_tokens()  # raises on a malformed value
        if tokens and self.web_token is None:
            raise ValueError(
                "CCKPI_WALLBOARD_TOKENS needs CCKPI_WEB_TOKEN: without it every request sees all"
            )
        given = [*tokens.values(), *([self.web_token.get_secret_value()] if self.web_token else [])]
        if len(set(given)) != len(given):
            raise ValueError(
                "CCKPI_WALLBOARD_TOKENS: every client needs a token of its own, not CCKPI_WEB_TOKEN"
            )
        return self

    @model_validator(mode="after")
    def _open_outlasts_closed(self) -> Settings:
        if self.open_retention_hours < self.retention_hours:
            raise ValueError(
                f"CCKPI_OPEN_RETENTION_HOURS={self.open_retention_hours:g} must be at least "
                f"CCKPI_RETENTION_HOURS={self.retention_hours:g}: open contacts are kept longer"
            )
        return self

    def max_future_us(self) -> int | None:
        """How far ahead of the worker's clock an event may be stamped (None: any)."""
        return round(self.max_future_s * US_PER_S) or None

    def retention(self) -> Retention:
        """How long a quiet contact stays in live state; later events for it are late."""
        return Retention(round(self.retention_hours * HOUR_US), round(self.open_retention_hours * HOUR_US))

    @property
    def dlq_topic(self) -> str:
        return f"{self.topic}.dlq"

    @property
    def facts_topic(self) -> str:
        return f"{self.group}-fcr-facts"

    def clickhouse(self) -> str | None:
        """CLICKHOUSE_URL as written (its scheme, host, port or none, and options: clickhouse-driver
        reads them), with CLICKHOUSE_USER and CLICKHOUSE_PASSWORD in it (quoted) when set, and the
        cluster and insert quorum added to its query."""
        if self.clickhouse_url is None:
            return None
        parts = urlsplit(self.clickhouse_url.get_secret_value())
        if self.clickhouse_cluster:
            own = {"cluster": self.clickhouse_cluster, "insert_quorum": str(self.clickhouse_insert_quorum)}
            options = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in own]
            parts = parts._replace(query=urlencode([*options, *own.items()]))
        if self.clickhouse_user is not None or self.clickhouse_password is not None:
            user = quote(self.clickhouse_user or unquote(parts.username or "default"), safe="")
            password = self.clickhouse_password.get_secret_value() if self.clickhouse_password else ""
            credentials = f"{user}:{quote(password, safe='')}" if password else user
            host = parts.netloc.rpartition("@")[2]  # as written: [::1] in brackets, a port or none
            parts = parts._replace(netloc=f"{credentials}@{host}")
        return urlunsplit(parts)

    def worker_clickhouse(self) -> str | None:
        """:meth:`clickhouse` with the worker's own user when CCKPI_WORKER_USER is set."""
        if self.worker_user is None:
            return self.clickhouse()
        worker = {"clickhouse_user": self.worker_user, "clickhouse_password": self.worker_password}
        return self.model_copy(update=worker).clickhouse()

    def client_tokens(self) -> dict[str, str]:
        """CCKPI_WALLBOARD_TOKENS as client -> its wallboard token (CLIENT:TOKEN entries by commas,
        as CCKPI_INGEST_TOKENS; a token may hold ':')."""
        if self.wallboard_tokens is None:
            return {}
        tokens: dict[str, str] = {}
        for entry in self.wallboard_tokens.get_secret_value().split(","):
            client, _, token = (part.strip() for part in entry.partition(":"))
            if not client or not token or client in tokens:
                raise ValueError("CCKPI_WALLBOARD_TOKENS: give one CLIENT:TOKEN entry per client, by commas")
            tokens[client] = token
        return tokens

    def require_bootstrap(self) -> str:
        if not self.kafka_bootstrap:
            raise ValueError("KAFKA_BOOTSTRAP is not set and no embedded broker was started")
        return self.kafka_bootstrap


def describe(error: ValidationError) -> list[str]:
    """One line per problem of the settings, naming the variable (secrets' values not shown)."""
    lines = []
    for problem in error.errors():
        name = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if not name:
            lines.append(message)
            continue
        secret = any(word in name for word in ("PASSWORD", "TOKEN", "URL", "SALT"))
        shown = "" if secret else f"={problem.get('input')}"
        lines.append(f"{name}{shown}: {message}")
    return lines
