"""Secret settings: none may be empty or a placeholder (refused naming the variable), and each
receiver has its own tokens, /ingest's possibly limited to one client."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
SECRETS = [
    "CLICKHOUSE_PASSWORD", "CCKPI_WEB_TOKEN", "CCKPI_CALLER_SALT", "CCKPI_CHATWOOT_TOKEN",
    "CCKPI_PSEUDONYM_KEY",
    "CCKPI_INGEST_TOKENS", "CCKPI_RECEIVER_TOKEN", "CCKPI_CLIENT_PASSWORD", "GRAFANA_TOKEN",
    "GRAFANA_CLICKHOUSE_PASSWORD", "CCKPI_WORKER_PASSWORD", "CCKPI_WALLBOARD_TOKENS", "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_KEY_PASSWORD",
]  # fmt: skip


def example_values() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = [line.partition("=")[::2] for line in lines if "=" in line and not line.startswith("#")]
    return {value for name, value in pairs if any(word in name for word in ("PASSWORD", "TOKEN", "SALT"))}


def settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in [*SECRETS, "CLICKHOUSE_URL"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_every_secret_field_is_checked() -> None:
    fields = Settings.model_fields
    secret = {str(f.validation_alias.choices[0]) for f in fields.values() if "SecretStr" in str(f.annotation)}  # type: ignore[union-attr]
    assert secret == {*SECRETS, "CLICKHOUSE_URL"}


@pytest.mark.parametrize("name", SECRETS)
@pytest.mark.parametrize("value", ["", "  ", "change-me", "CHANGEME", " secret ", "password", "example"])
def test_an_empty_or_placeholder_secret_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ValidationError, match=name):
        settings(monkeypatch, **{name: value})


@pytest.mark.parametrize("value", sorted(example_values()))
def test_the_values_of_env_example_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    for name in SECRETS:
        with pytest.raises(ValidationError, match=f"{name} is the placeholder"):
            settings(monkeypatch, **{name: value})


def test_a_placeholder_password_in_the_clickhouse_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="CLICKHOUSE_URL is the placeholder"):
        settings(monkeypatch, CLICKHOUSE_URL="clickhouse://cckpi:change-me@clickhouse:9000/cckpi")
    assert settings(monkeypatch, CLICKHOUSE_URL="clickhouse://default@127.0.0.1:9000/cckpi").clickhouse_url


def test_ingest_tokens_for_any_client_or_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    given = settings(monkeypatch, CCKPI_INGEST_TOKENS="any-tok-1, acme:acme-tok-2 ,globex:globex-tok-3")
    assert given.receiver_grants("ingest") == (
        [(None, "any-tok-1"), ("acme", "acme-tok-2"), ("globex", "globex-tok-3")],
        False,
    )
    assert given.receiver_grants("chatwoot") == ([], False)


@pytest.mark.parametrize(
    ("env", "said"),
    [({"CCKPI_INGEST_TOKENS": "acme:tok-1,:tok-2"}, "no client before it"),
     ({"CCKPI_INGEST_TOKENS": "acme:tok-1,"}, "CCKPI_INGEST_TOKENS is set but empty"),
     ({"CCKPI_INGEST_TOKENS": "acme:tok-1,globex:tok-1"}, "a token is given twice"),
     ({"CCKPI_INGEST_TOKENS": "acme:tok-1,tok-2", "CCKPI_CHATWOOT_TOKEN": "tok-2"},
      "CCKPI_CHATWOOT_TOKEN is also in CCKPI_INGEST_TOKENS")],
)  # fmt: skip
def test_bad_ingest_tokens_are_refused(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], said: str
) -> None:
    with pytest.raises(ValidationError, match=said):
        settings(monkeypatch, **env)


def test_the_shared_token_is_a_deprecated_fallback_for_both(monkeypatch: pytest.MonkeyPatch) -> None:
    old = settings(monkeypatch, CCKPI_RECEIVER_TOKEN="shared-tok-1")
    assert (
        old.receiver_grants("chatwoot") == old.receiver_grants("ingest") == ([(None, "shared-tok-1")], True)
    )
    both = settings(monkeypatch, CCKPI_RECEIVER_TOKEN="shared-tok-1", CCKPI_CHATWOOT_TOKEN="chatwoot-tok-2")
    assert both.receiver_grants("chatwoot") == ([(None, "chatwoot-tok-2")], False)
    assert both.receiver_grants("ingest") == ([(None, "shared-tok-1")], True)
