#!/bin/bash
# Runs once, when the ClickHouse container starts on an empty data volume (see the README to run it
# again): the database, the reader Grafana reads through, and the worker's user. CLICKHOUSE_USER is
# the administrator, for cckpi migrate and provisioning. The worker reads and writes rows of cckpi
# and nothing else: no tables made, altered or dropped, no other database (its statements at run time
# are INSERT, INSERT ... SELECT and SELECT). A client's database holds materialized views of cckpi's
# tables, made by the administrator; they fill with the rights of the user who made them. Grafana's
# reader has readonly = 2: its plugin sets query settings on every query, which readonly = 1 refuses;
# writes stay refused. Passwords reach SQL only as their SHA-256 hex digests, so any character in
# them is safe.
set -euo pipefail
worker="${CCKPI_WORKER_USER:?set CCKPI_WORKER_USER}"
if [[ ! "$worker" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
  echo "CCKPI_WORKER_USER=$worker: letters, digits and _ only" >&2
  exit 2
fi
digest=$(printf '%s' "${GRAFANA_CLICKHOUSE_PASSWORD:?set GRAFANA_CLICKHOUSE_PASSWORD}" | sha256sum | cut -d' ' -f1)
worker_digest=$(printf '%s' "${CCKPI_WORKER_PASSWORD:?set CCKPI_WORKER_PASSWORD}" | sha256sum | cut -d' ' -f1)
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS cckpi;
CREATE USER IF NOT EXISTS grafana IDENTIFIED WITH sha256_hash BY '${digest}' SETTINGS readonly = 2;
GRANT SELECT ON cckpi.* TO grafana;
CREATE USER IF NOT EXISTS ${worker} IDENTIFIED WITH sha256_hash BY '${worker_digest}';
GRANT SELECT, INSERT ON cckpi.* TO ${worker};
SQL
