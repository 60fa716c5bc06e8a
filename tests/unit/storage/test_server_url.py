"""CLICKHOUSE_URL reaches clickhouse-driver as written: its scheme (TLS), host, port or the driver's
default, and options, with the credentials and the project's own options merged in; no I/O
(a driver's Client connects at its first query)."""

from __future__ import annotations

from typing import Any

import pytest
from clickhouse_driver import Client
from clickhouse_driver.util.helpers import parse_url

from streams.settings import Settings
from streams.storage.backends.server import Address

AWKWARD = ["p@ss:w/rd", "with space", "q'uote\"d", "#%25hash", "ünï/cöde?x=1&y=[::1]"]


def address(url: str, **settings: Any) -> Address:
    """The Address the server class would read from these settings."""
    configured = Settings(_env_file=None, clickhouse_url=url, **settings).clickhouse()
    return Address.parse(configured or "", "cckpi")


def driven(url: str) -> dict[str, Any]:
    """What clickhouse-driver's Client.from_url makes of a URL: host, port, database, TLS, user."""
    connection = Client.from_url(url).connection
    host, port = connection.hosts[0]
    return {"host": host, "port": port, "database": connection.database, "secure": connection.secure_socket,
            "user": connection.user, "password": connection.password}  # fmt: skip


@pytest.mark.parametrize(
    ("url", "host", "port", "secure"),
    [("clickhouses://ch.example/db", "ch.example", 9440, True),
     ("clickhouse://ch.example/db", "ch.example", 9000, False),
     ("clickhouses://ch.example:9441/db", "ch.example", 9441, True),
     ("clickhouse://ch.example/db?secure=1", "ch.example", 9440, True),
     ("clickhouse://[::1]:9000/db", "::1", 9000, False),
     ("clickhouses://[2001:db8::7]/db", "2001:db8::7", 9440, True)],
)  # fmt: skip
@pytest.mark.parametrize("credentials", [{}, {"clickhouse_user": "admin", "clickhouse_password": "s3cr:t@x"}])
def test_the_scheme_host_and_port_reach_the_driver_as_written(
    url: str, host: str, port: int, secure: bool, credentials: dict[str, str]
) -> None:
    seen = driven(address(url, **credentials).url)
    assert (seen["host"], seen["port"], seen["database"], seen["secure"]) == (host, port, "db", secure)
    if credentials:
        assert (seen["user"], seen["password"]) == ("admin", "s3cr:t@x")


def test_the_drivers_own_options_are_kept() -> None:
    url = "clickhouses://ch:9440/db?secure=1&verify=0&compression=lz4&ca_certs=/etc/ca%20s/ca.pem&client_name=kpi"
    kept = address(url, clickhouse_user="admin", clickhouse_password="pw-123456")
    for given in (kept.url, kept.bootstrap):  # the database's creation goes over the same TLS
        host, options = parse_url(given)  # Client.from_url's own reading (compression needs cityhash)
        assert host == "ch" and options["port"] == 9440 and options["secure"] is True
        assert options["verify"] is False and options["compression"] == "lz4"
        assert options["ca_certs"] == "/etc/ca s/ca.pem" and options["client_name"] == "kpi"
        assert (options["user"], options["password"]) == ("admin", "pw-123456")
    assert parse_url(kept.url)[1]["database"] == "db" and "database" not in parse_url(kept.bootstrap)[1]


def test_on_a_cluster_the_users_options_and_the_projects_are_both_kept() -> None:
    url = "clickhouses://[::1]/db?max_execution_time=30&ca_certs=/ca.pem&use_numpy=1"
    clustered = address(url, clickhouse_cluster="main", clickhouse_insert_quorum=2, clickhouse_user="u")
    assert (clustered.cluster, clustered.database) == ("main", "db")
    client = Client.from_url(clustered.url)
    assert client.settings == {"max_execution_time": "30", "insert_distributed_sync": "1",
                               "distributed_product_mode": "global", "insert_quorum": "2"}  # fmt: skip
    assert client.client_settings["use_numpy"] is False  # the packed reads need plain columns
    assert client.connection.hosts[0] == ("::1", 9440)
    assert client.connection.ssl_options["ca_certs"] == "/ca.pem"
    bootstrap = Client.from_url(clustered.bootstrap)
    assert bootstrap.settings == {"max_execution_time": "30"}  # not the cluster's insert settings
    assert bootstrap.connection.secure_socket and bootstrap.connection.user == "u"


def test_a_cluster_named_in_the_url_itself_is_the_projects_not_a_setting() -> None:
    read = Address.parse("clickhouse://h/?cluster=main&insert_quorum=3&max_threads=2", "cckpi")
    assert (read.cluster, read.database) == ("main", "cckpi")
    assert Client.from_url(read.url).settings == {"max_threads": "2", "insert_distributed_sync": "1",
                                                  "distributed_product_mode": "global",
                                                  "insert_quorum": "3"}  # fmt: skip
    alone = Address.parse("clickhouse://h/db?insert_quorum=3", "cckpi")  # a quorum without a cluster: none
    assert alone.cluster is None and Client.from_url(alone.url).settings == {}


@pytest.mark.parametrize("password", AWKWARD)
@pytest.mark.parametrize("url", ["clickhouse://ch:9000/cckpi", "clickhouses://[::1]/cckpi?verify=0"])
def test_credentials_of_any_characters_reach_the_driver_as_given(url: str, password: str) -> None:
    seen = driven(address(url, clickhouse_user="us er@x:%41", clickhouse_password=password).url)
    assert (seen["user"], seen["password"]) == ("us er@x:%41", password)


def test_a_user_written_in_the_url_is_kept_with_clickhouse_password() -> None:
    seen = driven(address("clickhouse://r%40der@ch/db", clickhouse_password="pw-123456").url)
    assert (seen["user"], seen["password"]) == ("r@der", "pw-123456")
