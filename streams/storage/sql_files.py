"""Where the product's SQL files live: the design card's ``sql/`` folder, installed as the ``sql``
package (pyproject's package data). Its numbered files are the migrations
(``streams.storage.migrate``); ``sql/derive/`` holds the independent KPI derivation an audit
runs inside ClickHouse (``streams.storage.sql_derive``). Storage reads them through here only."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SQL_DIR = Path(str(files("sql")))  # the migrations: sql/NNN_name.sql
DERIVE_DIR = SQL_DIR / "derive"  # the SQL derivation's statements
