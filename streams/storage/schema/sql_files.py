"""Where the product's SQL files live: the design card's ``sql/`` folder, installed as the ``sql``
package (pyproject's package data). ``sql/migrations/`` holds the numbered migrations
(``streams.storage.schema.migrate``); ``sql/derivation/`` the independent KPI derivation an audit
runs inside ClickHouse (``streams.storage.sql_derivation``). Storage reads them through here only."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SQL_DIR = Path(str(files("sql")))
MIGRATIONS_DIR = SQL_DIR / "migrations"  # sql/migrations/NNN_name.sql, applied in order
DERIVATION_DIR = SQL_DIR / "derivation"  # the SQL derivation's statements, one file per step
