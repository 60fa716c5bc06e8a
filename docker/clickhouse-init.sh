#!/bin/bash
# Runs once when the ClickHouse container initialises: the database, and the SELECT-only
# user Grafana reads through (its password comes from the environment, never from a file).
set -euo pipefail
clickhouse client --user "$CLICKHOUSE_USER" --password "$CLICKHOUSE_PASSWORD" --multiquery <<SQL
CREATE DATABASE IF NOT EXISTS cckpi;
CREATE USER IF NOT EXISTS grafana IDENTIFIED WITH sha256_password BY '${GRAFANA_CLICKHOUSE_PASSWORD}'
  SETTINGS readonly = 1;
GRANT SELECT ON cckpi.* TO grafana;
SQL
