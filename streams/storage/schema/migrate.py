"""A small versioned migration runner: each numbered file is applied once, in order.

Several workers may start at once against one server and race through the same files, so
every statement must be idempotent on its own (CREATE ... IF NOT EXISTS). ClickHouse 18.16 has
no ``ADD COLUMN IF NOT EXISTS``: the runner skips an ``ALTER TABLE t ADD COLUMN c`` whose column
exists. A client database's views keep the columns they were created with, and on 18.16 an insert
into an altered table then fails for every client ("no such column"): the runner rebuilds the views
of every table a migration alters.

A file whose first line is ``-- requires: ClickHouse N`` needs a server of major version N or
newer: on an older one (18.16 has no JSON functions) the file is recorded as applied without
running, and what reads its columns looks for them first. Such a file may also fill a column it
adds in the parts written before (``ALTER TABLE t MATERIALIZE COLUMN c, MATERIALIZE COLUMN d``, a
background mutation).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.storage.backends.cluster import (
    ClusterError,
    clustered_add_column,
    clustered_create,
    distributed,
    local_table,
    sharding_key,
)
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.sql_files import MIGRATIONS_DIR
from streams.storage.tenants import (
    CLIENT_TABLES,
    drop_client_views,
    engine_of,
    provision_client,
    provisioned_clients,
)

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
_ADD_COLUMN = re.compile(r"^ALTER TABLE (\w+) ADD COLUMN (\w+) ", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)
_REQUIRES = re.compile(r"^-- requires: ClickHouse (\d+)$")
_MATERIALIZE = re.compile(r"^ALTER TABLE (\w+) (MATERIALIZE COLUMN \w+(?:, MATERIALIZE COLUMN \w+)*)$", re.I)


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    requires: int = 0  # the oldest ClickHouse major version it runs on (skipped on older ones)


def load_migrations(folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Read the numbered .sql files; statements end with ';' at the end of a line."""
    found = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"{path}: migration files are named NNN_name.sql")
        lines = path.read_text(encoding="utf-8").splitlines()
        needs = _REQUIRES.match(lines[0]) if lines else None
        requires = int(needs.group(1)) if needs else 0
        text = "\n".join(line for line in lines if not line.lstrip().startswith("--"))
        statements = tuple(s.strip() for s in re.split(r";\s*$", text, flags=re.M) if s.strip())
        found.append(Migration(int(match.group(1)), path.stem, statements, requires))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{folder}: two migrations share a number")
    return found


_MIGRATIONS_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
    "applied_at DateTime('UTC')) ENGINE = ReplacingMergeTree() ORDER BY version"
)


def migrate(store: ClickHouse, folder: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied now. On a cluster
    (``store.cluster``), every table is made replicated and distributed, ``ON CLUSTER``."""
    _check_layout(store)
    if store.cluster:
        database = store.query("SELECT currentDatabase()")[0][0]
        for clustered in clustered_create(_MIGRATIONS_TABLE, store.cluster, database):
            store.execute(clustered)
    else:
        store.execute(_MIGRATIONS_TABLE)
    done = {row[0] for row in store.query("SELECT version FROM schema_migrations")}
    applied = []
    for migration in load_migrations(folder):
        if migration.version in done:
            continue
        if migration.requires > _major_version(store):
            migration = Migration(migration.version, migration.name, ())
        altered = {m.group(1) for m in map(_ADD_COLUMN.match, migration.statements) if m}
        created = {m.group(1) for m in map(_CREATE_TABLE.match, migration.statements) if m}
        database = store.query("SELECT currentDatabase()")[0][0]
        clients = drop_client_views(store, database, altered)
        if created & set(CLIENT_TABLES):  # existing clients get views of the new table too
            clients = sorted(set(clients) | set(provisioned_clients(store, database)))
        if store.cluster:
            _apply_on_cluster(store, migration.statements, store.cluster, database)
        for statement in () if store.cluster else migration.statements:
            _apply(store, statement)
        for client in clients:
            provision_client(store, database, client)
        store.insert(
            "schema_migrations",
            ("version", "name", "applied_at"),
            [(migration.version, migration.name, int(time.time()))],
        )
        applied.append(migration.name)
    return applied


def pending(store: ClickHouse, folder: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations the database has not recorded, found without writing anything (a user that
    may only read and write rows can ask)."""
    if not store.query(
        "SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'"
    ):
        return load_migrations(folder)
    done = {row[0] for row in store.query("SELECT version FROM schema_migrations")}
    return [m for m in load_migrations(folder) if m.version not in done]


def _check_layout(store: ClickHouse) -> None:
    """Refuse a database made for one server when a cluster is named, and the other way round:
    either would leave tables of both kinds."""
    rows = store.query(
        "SELECT engine, currentDatabase() FROM system.tables "
        "WHERE database = currentDatabase() AND name = 'schema_migrations'"
    )
    if not rows:
        return
    ((engine, database),) = rows
    if store.cluster and engine != "Distributed":
        raise ClusterError(
            f"database {database} was made on one server: CCKPI_CLICKHOUSE_CLUSTER={store.cluster} "
            "cannot convert it; use a new database and consumer group (CCKPI_DATABASE, CCKPI_GROUP), "
            "or unset the cluster"
        )
    if not store.cluster and engine == "Distributed":
        raise ClusterError(
            f"database {database} was made on a cluster: set CCKPI_CLICKHOUSE_CLUSTER to its name"
        )


def _major_version(store: ClickHouse) -> int:
    ((version,),) = store.query("SELECT version()")
    return int(str(version).split(".")[0])


def has_column(store: ClickHouse, table: str, column: str) -> bool:
    """Whether the current database's ``table`` has ``column``."""
    return bool(store.query(
        "SELECT 1 FROM system.columns WHERE database = currentDatabase() AND table = %(t)s AND name = %(c)s",
        {"t": table, "c": column},
    ))  # fmt: skip


def _apply_on_cluster(store: ClickHouse, statements: Sequence[str], cluster: str, database: str) -> None:
    """:func:`_apply` for a migration on a cluster: each table made replicated and distributed; the
    columns it adds to a table added to the local tables in one statement (each ``ON CLUSTER``
    statement waits for every server), then the distributed table made again with them (see
    streams.storage.backends.cluster)."""
    added: dict[str, list[tuple[str, str]]] = {}  # table -> (column, its ADD COLUMN clause)
    for statement in statements:
        if _CREATE_TABLE.match(statement):
            for clustered in clustered_create(statement, cluster, database):
                store.execute(clustered)
            continue
        if _MATERIALIZE.match(statement):  # after the columns it fills: they are added first, below
            continue
        table, clause = clustered_add_column(statement)
        column = _ADD_COLUMN.match(statement)
        assert column is not None  # clustered_add_column accepted it
        added.setdefault(table, []).append((column.group(2), clause))
    for table, columns in added.items():
        local = local_table(table)
        missing = [clause for column, clause in columns if not has_column(store, local, column)]
        if missing:
            store.execute(f"ALTER TABLE {database}.{local} ON CLUSTER {cluster} " + ", ".join(missing))
        if not all(has_column(store, table, column) for column, _ in columns):
            engine = engine_of(store, database, table)
            assert engine is not None  # made with its local table
            store.execute(f"DROP TABLE IF EXISTS {database}.{table} ON CLUSTER {cluster}")
            columns = store.query(
                "SELECT name, type, default_kind, default_expression FROM system.columns "
                "WHERE database = %(d)s AND table = %(t)s",  # in the table's order
                {"d": database, "t": local},
            )
            store.execute(distributed(table, cluster, database, sharding_key(engine), columns))
    for fill in filter(None, map(_MATERIALIZE.match, statements)):
        store.execute(f"ALTER TABLE {database}.{local_table(fill[1])} ON CLUSTER {cluster} {fill[2]}")


def _apply(store: ClickHouse, statement: str) -> None:
    """Run one statement; an added column that exists (another runner was first) is no error."""
    added = _ADD_COLUMN.match(statement)
    if added and has_column(store, *added.groups()):
        return
    try:
        store.execute(statement)
    except Exception:
        if added and has_column(store, *added.groups()):
            return
        raise


def drop_database(store: ClickHouse, database: str) -> None:
    """Remove a whole database (the demo's, which each run starts afresh)."""
    store.execute(f"DROP DATABASE IF EXISTS {database}")
