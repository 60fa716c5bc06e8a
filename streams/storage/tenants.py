"""Per-client read paths: a database holding only one client's rows, and a user that reads only it.

ClickHouse 18.16 accepts row filters in users.xml but does not apply them, and a plain view
needs access to the shared database (see the notes). What holds there and on current
servers: a per-client database of materialized views filtered on the client — filled once
with POPULATE, then kept current by every insert into the shared tables — and a readonly
user allowed that database only. Client dashboards and reports read through it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from xml.sax.saxutils import escape

from streams.storage.backends.cluster import LOCAL, distributed, local_table, sharding_key, zookeeper_path
from streams.storage.backends.protocol import ClickHouse

# What a client's SLA dashboard and monthly report read.
CLIENT_TABLES = ("kpi_interval", "sla_targets", "reason_interval")
# Readers' settings: read queries only, and settings may change. Grafana's ClickHouse plugin sets
# max_execution_time (and limit) on every query, which readonly = 1 refuses (Code 164), on 18.16
# and on current servers alike; readonly = 2 allows changing settings except readonly itself.
READER_READONLY = 2
GRAFANA_USER = "grafana"
_PLAIN = re.compile(r"^[a-z0-9_]{1,40}$")


def slug(client: str) -> str:
    """An identifier for a client name (any text): itself when plain, else a readable hashed form."""
    if _PLAIN.match(client):
        return client
    readable = re.sub(r"[^a-z0-9_]+", "_", client.lower()).strip("_")[:30]
    return f"{readable}_{hashlib.sha256(client.encode()).hexdigest()[:8]}".lstrip("_")


def client_database(source_database: str, client: str) -> str:
    """Named after the shared database too, so several installations can share a server."""
    return f"{source_database}_client_{slug(client)}"


def client_user(source_database: str, client: str) -> str:
    return client_database(source_database, client)  # users and databases are separate namespaces


def engine_of(store: ClickHouse, database: str, table: str) -> str | None:
    """A table's full engine clause as the server reports it (None: no such table)."""
    rows = store.query(
        "SELECT engine_full FROM system.tables WHERE database = %(db)s AND name = %(table)s",
        {"db": database, "table": table},
    )
    return str(rows[0][0]) if rows else None


def provision_client(store: ClickHouse, source_database: str, client: str) -> str:
    """Create the client's database and its filtered views of the shared tables; idempotent. A
    shared table a migration has not made yet gets its view when it does (see
    :func:`provisioned_clients`)."""
    database = client_database(source_database, client)
    if store.cluster:
        return _provision_on_cluster(store, source_database, database, client, store.cluster)
    store.execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    for table, engine in _views_to_make(store, source_database, database, lambda table: table):
        store.execute(
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{table} ENGINE = {engine} "
            f"POPULATE AS SELECT * FROM {source_database}.{table} WHERE client = %(client)s",
            {"client": client},
        )
    return database


def _provision_on_cluster(store: ClickHouse, source: str, database: str, client: str, cluster: str) -> str:
    """:func:`provision_client` on a cluster: on every server a materialized view of the shared
    local table, kept in a replicated table of its own (a view fires where the insert lands; its
    rows replicate like the source's), and a distributed table of the shared name over them,
    filled once through it so that rows meet on the shard of their key."""
    store.execute(f"CREATE DATABASE IF NOT EXISTS {database} ON CLUSTER {cluster}")
    for table, found in _views_to_make(store, source, database, local_table):
        local = local_table(table)
        engine = found.replace(zookeeper_path(source, local), zookeeper_path(database, local))
        store.execute(
            f"CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.{local} ON CLUSTER {cluster} "
            f"ENGINE = {engine} AS SELECT * FROM {source}.{local} WHERE client = %(client)s",
            {"client": client},
        )
        shared = engine_of(store, source, table)
        assert shared is not None  # made with its local table by the migrations
        store.execute(distributed(table, cluster, database, sharding_key(shared)))
        store.execute(
            f"INSERT INTO {database}.{table} SELECT * FROM {source}.{table} WHERE client = %(client)s",
            {"client": client},
        )  # rows the view missed, or saw too: the tables replace by key
    return database


def _views_to_make(
    store: ClickHouse, source: str, database: str, holder: Callable[[str], str]
) -> Iterator[tuple[str, str]]:
    """Each client table the client's database lacks, with the engine of the source table that
    holds its rows (``holder``: the table itself, or its local table on a cluster). A source
    table a migration has not made yet is skipped, but the first must exist."""
    existing = {row[0] for row in store.query(
        "SELECT name FROM system.tables WHERE database = %(db)s", {"db": database})}  # fmt: skip
    for table in CLIENT_TABLES:
        if table in existing:
            continue
        engine = engine_of(store, source, holder(table))
        if engine is not None:
            yield table, engine
        elif table == CLIENT_TABLES[0]:
            raise RuntimeError(f"{source}.{holder(table)} does not exist: run `cckpi migrate` first")


_CLIENT_FILTER = re.compile(r"WHERE client = '((?:[^'\\]|\\.)*)'")
_UNESCAPE = {"b": "\b", "f": "\f", "r": "\r", "n": "\n", "t": "\t", "0": "\0", "a": "\a", "v": "\v"}


def _client_of(view_sql: str) -> str | None:
    """The client a view of :func:`provision_client` filters on, read back from its SQL."""
    found = _CLIENT_FILTER.search(view_sql)
    if found is None:
        return None
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), found.group(1))


def _view_name(store: ClickHouse, table: str) -> str:
    """What a client's view of a shared table is called: on a cluster, the view is the local table."""
    return local_table(table) if store.cluster else table


def provisioned_clients(store: ClickHouse, source_database: str) -> list[str]:
    """The clients with a database of views (read back from their KPI view's SQL)."""
    rows = store.query(
        "SELECT database, create_table_query FROM system.tables WHERE engine = 'MaterializedView' "
        "AND startsWith(database, %(prefix)s) AND name = %(table)s",
        {"prefix": f"{source_database}_client_", "table": _view_name(store, CLIENT_TABLES[0])},
    )
    found = ((_client_of(sql), database) for database, sql in rows)
    return sorted(
        c for c, database in found if c is not None and client_database(source_database, c) == database
    )


def drop_client_views(store: ClickHouse, source_database: str, tables: set[str]) -> list[str]:
    """Drop the client databases' views of these shared tables before the tables change; return the
    clients whose views :func:`provision_client` must then make again (POPULATE refills them)."""
    wanted = sorted(set(tables) & set(CLIENT_TABLES))
    if not wanted:
        return []
    rows = store.query(
        "SELECT database, name, create_table_query FROM system.tables WHERE engine = 'MaterializedView' "
        "AND startsWith(database, %(prefix)s) AND has(%(tables)s, name)",
        {"prefix": f"{source_database}_client_", "tables": [_view_name(store, t) for t in wanted]},
    )
    clients = set()
    on_cluster = f" ON CLUSTER {store.cluster}" if store.cluster else ""
    for database, name, sql in rows:
        client = _client_of(sql)
        if client is not None and client_database(source_database, client) == database:
            if store.cluster:  # its distributed table first
                store.execute(f"DROP TABLE IF EXISTS {database}.{name.removesuffix(LOCAL)}{on_cluster}")
            store.execute(f"DROP TABLE IF EXISTS {database}.{name}{on_cluster}")
            clients.add(client)
    return sorted(clients)


def reader_statements(user: str, database: str) -> list[str]:
    """SQL creating a reader of one database on servers with SQL user management (20.5 and later);
    bind ``password``."""
    return [
        f"CREATE USER IF NOT EXISTS {user} IDENTIFIED WITH sha256_password BY %(password)s "
        f"SETTINGS readonly = {READER_READONLY}",
        f"GRANT SELECT ON {database}.* TO {user}",
    ]


def user_statements(source_database: str, client: str) -> list[str]:
    """:func:`reader_statements` for a client's user and database."""
    return reader_statements(client_user(source_database, client), client_database(source_database, client))


def reader_users_xml(user: str, database: str, password: str, networks: tuple[str, ...] = ("::/0",)) -> str:
    """A users.d file for servers configured by users.xml only (such as 18.16): a reader allowed
    one database, its password stored as its SHA-256."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    ips = "".join(f"<ip>{escape(n)}</ip>" for n in networks)
    profile = f"cckpi_reader_{user}"
    return (
        f"<yandex>\n  <profiles><{profile}><readonly>{READER_READONLY}</readonly></{profile}></profiles>\n"
        f"  <users><{user}>\n    <password_sha256_hex>{digest}</password_sha256_hex>\n"
        f"    <networks>{ips}</networks>\n    <profile>{profile}</profile><quota>default</quota>\n"
        f"    <allow_databases><database>{database}</database></allow_databases>\n"
        f"  </{user}></users>\n</yandex>\n"
    )


def users_xml(source_database: str, client: str, password: str, networks: tuple[str, ...] = ("::/0",)) -> str:
    """:func:`reader_users_xml` for a client's user and database."""
    user, database = client_user(source_database, client), client_database(source_database, client)
    return reader_users_xml(user, database, password, networks)
