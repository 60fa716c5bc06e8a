#!/bin/bash
# Runs once, when the ClickHouse container starts on an empty data volume (see the README to run it
# again): the database, and the reader Grafana reads through. readonly = 2: Grafana's plugin sets
# query settings on every query, which readonly = 1 refuses; writes stay refused. The password
# reaches SQL only as its SHA-256 hex digest, so any character in it is safe.
set -euo pipefail
digest=$(printf '%s' "${GRAFANA_CLICKHOUSE_PASSWORD:?set GRAFANA_CLICKHOUSE_PASSWORD}" | sha256sum | cut -d' ' -f1)
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS cckpi;
CREATE USER IF NOT EXISTS grafana IDENTIFIED WITH sha256_hash BY '${digest}' SETTINGS readonly = 2;
GRANT SELECT ON cckpi.* TO grafana;
SQL
