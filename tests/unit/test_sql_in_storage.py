"""A house rule: every ClickHouse statement of the product is written in ``streams/storage`` (and
the numbered files of ``sql/``), and only storage calls a store. An auditor finds what the
product asks ClickHouse in one place. Exceptions, each for a reason: the dashboards' panels
(Grafana runs them), the benchmark (it times the panels' queries and a DuckDB peer's), the local
stack (a server's health probe), and the users a command creates (statements storage wrote)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("streams", "producers", "schemas", "cckpi")
ALLOWED = ("streams/storage/", "cckpi/bench/", "cckpi/stack/", "cckpi/users.py")
STATEMENT = re.compile(
    r"\b(SELECT\s+\S.*\bFROM|INSERT\s+INTO|CREATE\s+(TABLE|DATABASE|VIEW|MATERIALIZED)|ALTER\s+TABLE"
    r"|OPTIMIZE\s+TABLE)\b",
    re.IGNORECASE | re.DOTALL,
)
CALLS = {"query", "query_packed", "insert", "execute"}


def product_files() -> list[Path]:
    return sorted(p for top in PRODUCT for p in (ROOT / top).rglob("*.py")
                  if not str(p.relative_to(ROOT)).startswith(ALLOWED))  # fmt: skip


def test_no_statement_is_written_outside_storage() -> None:
    found = []
    for path in product_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and STATEMENT.search(node.value)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, found


def test_only_storage_calls_a_store() -> None:
    found = []
    for path in product_files():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            called = node.func if isinstance(node, ast.Call) else None
            on_store = isinstance(called, ast.Attribute) and "store" in ast.unparse(called.value)
            if isinstance(called, ast.Attribute) and called.attr in CALLS and on_store:
                found.append(f"{path.relative_to(ROOT)}:{called.lineno} {ast.unparse(called)}")
    assert not found, found


def test_the_sql_folder_is_read_in_one_place() -> None:
    """Its dependency is visible: only streams/storage/schema/sql_files.py opens the ``sql`` package."""
    opening = re.compile(r"""files\(\s*["']sql["']""")
    readers = [str(p.relative_to(ROOT)) for top in PRODUCT for p in (ROOT / top).rglob("*.py")
               if opening.search(p.read_text())]  # fmt: skip
    assert readers == ["streams/storage/schema/sql_files.py"]
