"""A clickhouses:// URL talks TLS to clickhouse-server 18.16's secure native port, checking its
certificate against the URL's ca_certs, and a CA that did not sign it is refused in one line; an
IPv6 host in brackets, with the user from CLICKHOUSE_USER, is reached as written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from clickhouse_driver.errors import NetworkError
from pydantic import SecretStr

from cckpi.stack.chserver import ClickHouseServer
from streams.settings import Settings
from streams.storage.backends.connect import connect
from streams.storage.schema.migrate import load_migrations, migrate
from tests.helpers.pki import Pki, make_pki

pytestmark = pytest.mark.integration

PASSWORD = "tls-Pa55:w@rd/never-shown"


def url_of(url: str, password: str | None = None) -> str | None:
    """CLICKHOUSE_URL with CLICKHOUSE_USER (and CLICKHOUSE_PASSWORD) as cckpi's commands give it."""
    secret = None if password is None else SecretStr(password)
    return Settings(_env_file=None, clickhouse_url=SecretStr(url), clickhouse_user="default",
                    clickhouse_password=secret).clickhouse()  # fmt: skip


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ClickHouseServer, Pki]]:
    folder = tmp_path_factory.mktemp("clickhouse-tls")
    pki = make_pki(folder)  # a certificate for 127.0.0.1, its CA, and a CA that signed nothing here
    server = ClickHouseServer(folder / "server", extra_config="<listen_host>::1</listen_host>",
                              tls=(pki.cert, pki.key))  # fmt: skip
    yield server, pki
    server.stop()


@pytest.mark.parametrize("compression", ["", "&compression=lz4", "&compression=zstd"])
def test_a_tls_url_migrates_writes_and_reads(
    tls_server: tuple[ClickHouseServer, Pki], tmp_path: Path, compression: str
) -> None:
    """Over TLS, and with each compression the driver offers (the packages it needs are installed)."""
    server, pki = tls_server
    database = f"over_tls{compression.rpartition('=')[2]}"
    url = f"clickhouses://127.0.0.1:{server.tls_port}/{database}?ca_certs={pki.ca}{compression}"
    store = connect(url_of(url), tmp_path)
    try:
        assert store.description == f"ClickHouse server at 127.0.0.1:{server.tls_port}/{database} over TLS"
        assert migrate(store) == [m.name for m in load_migrations()]
        received = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
        store.insert("dead_letters", ["topic", "kafka_partition", "kafka_offset", "received_at", "reason",
                                      "payload"], [("t", 1, 7, received, "bad", "{}")])  # fmt: skip
        assert store.query("SELECT currentDatabase(), topic, kafka_offset FROM dead_letters") == [
            (database, "t", 7)
        ]
    finally:
        store.close()


def test_the_tls_port_speaks_only_tls(tls_server: tuple[ClickHouseServer, Pki], tmp_path: Path) -> None:
    server, _ = tls_server
    with pytest.raises((NetworkError, EOFError)):  # a plain client, as clickhouses:// URLs used to be
        connect(f"clickhouse://default@127.0.0.1:{server.tls_port}/plain?connect_timeout=5", tmp_path)


def test_a_ca_that_did_not_sign_is_refused_in_one_line(
    tls_server: tuple[ClickHouseServer, Pki], tmp_path: Path
) -> None:
    server, pki = tls_server
    url = f"clickhouses://127.0.0.1:{server.tls_port}/over_tls?ca_certs={pki.stranger}"
    with pytest.raises(NetworkError) as refused:
        connect(url_of(url, PASSWORD), tmp_path)
    said = str(refused.value)
    assert "\n" not in said and "CERTIFICATE_VERIFY_FAILED" in said, said
    assert f"127.0.0.1:{server.tls_port}" in said and PASSWORD not in said and "Pa55" not in said


def test_an_ipv6_host_with_the_user_apart_is_reached(
    tls_server: tuple[ClickHouseServer, Pki], tmp_path: Path
) -> None:
    server, _ = tls_server
    store = connect(url_of(f"clickhouse://[::1]:{server.tcp_port}/over_v6?connect_timeout=5"), tmp_path)
    try:
        assert store.description == f"ClickHouse server at [::1]:{server.tcp_port}/over_v6"
        assert store.query("SELECT currentDatabase(), 1") == [("over_v6", 1)]
    finally:
        store.close()
