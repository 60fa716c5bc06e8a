"""Who a token stands for, and the settings that name the tokens and the worker's own user."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from pydantic import SecretStr, ValidationError

from streams.settings import Settings
from streams.web.access import COOKIE, Viewer, given_token, viewer_of

SUPERVISORS = "supervisors-token-0123456789"


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, web_token=SecretStr(SUPERVISORS), **values)


@pytest.mark.parametrize(
    ("tokens", "parsed"),
    [
        ("acme:a-token-1", {"acme": "a-token-1"}),
        (" acme : a:b=c , Globex Corp:g-token-2 ", {"acme": "a:b=c", "Globex Corp": "g-token-2"}),
    ],
)
def test_wallboard_tokens_are_client_token_entries(tokens: str, parsed: dict[str, str]) -> None:
    assert settings(wallboard_tokens=SecretStr(tokens)).client_tokens() == parsed


@pytest.mark.parametrize(
    "tokens",
    ["acme", "acme:", ":token-1", "acme:t-1,acme:t-2", "acme:t-1,", f"acme:{SUPERVISORS}", "a:t-1,b:t-1"],
)
def test_malformed_or_shared_wallboard_tokens_are_refused(tokens: str) -> None:
    with pytest.raises(ValidationError, match="CCKPI_WALLBOARD_TOKENS"):
        settings(wallboard_tokens=SecretStr(tokens))


def test_client_tokens_need_the_supervisors_token() -> None:
    with pytest.raises(ValidationError, match="needs CCKPI_WEB_TOKEN"):
        Settings(_env_file=None, wallboard_tokens=SecretStr("acme:a-token-1"))


def test_a_token_stands_for_its_viewer_only() -> None:
    config = settings(wallboard_tokens=SecretStr("acme:a-token-1,globex:g-token-2"))
    assert viewer_of(config, SUPERVISORS) == Viewer(None, SUPERVISORS)
    assert viewer_of(config, "a-token-1") == Viewer("acme", "a-token-1")
    assert viewer_of(config, "g-token-2") == Viewer("globex", "g-token-2")
    for wrong in (None, "", "a-token-", "A-TOKEN-1", SUPERVISORS + " ", "acme"):
        assert viewer_of(config, wrong) is None, wrong
    assert viewer_of(Settings(_env_file=None), None) == Viewer(None)  # loopback


@pytest.mark.parametrize(
    ("path", "headers", "token"),
    [
        ("/api/live?token=q-1", {"Authorization": "Bearer h-1", "Cookie": f"{COOKIE}=c-1"}, "q-1"),
        ("/api/live", {"Authorization": "Bearer h-1", "Cookie": f"{COOKIE}=c-1"}, "h-1"),
        ("/api/live", {"Authorization": "bEaReR  h-1 "}, "h-1"),
        ("/api/live", {"Authorization": "Basic h-1", "Cookie": f"{COOKIE}=c-1"}, "c-1"),
        ("/api/live", {"Authorization": "h-1"}, None),
        ("/api/live", {}, None),
    ],
)
def test_the_token_comes_from_the_query_the_header_or_the_cookie(
    path: str, headers: dict[str, str], token: str | None
) -> None:
    assert given_token(make_mocked_request("GET", path, headers=headers)) == token


def test_the_worker_connects_as_its_own_user_and_migrate_as_the_administrator() -> None:
    config = Settings(_env_file=None, clickhouse_url=SecretStr("clickhouse://ch:9000/cckpi"),
                      clickhouse_user="admin", clickhouse_password=SecretStr("admin pass"),
                      worker_user="cckpi_worker", worker_password=SecretStr("w@rker:pass"))  # fmt: skip
    assert config.clickhouse() == "clickhouse://admin:admin%20pass@ch:9000/cckpi"
    assert config.worker_clickhouse() == "clickhouse://cckpi_worker:w%40rker%3Apass@ch:9000/cckpi"
    alone = config.model_copy(update={"worker_user": None, "worker_password": None})
    assert alone.worker_clickhouse() == alone.clickhouse()  # no worker user: the worker is CLICKHOUSE_USER
