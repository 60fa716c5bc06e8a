"""Values from requests and files reach SQL only as bound (escaped) parameters, on chDB too."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import bind
from streams.storage.kpi_reads import read_kpi_rows
from streams.storage.schema.migrate import migrate

HOSTILE = ["x' OR '1'='1", "x'; DROP TABLE kpi_interval; --", "\\' OR 1=1 --", "naïve\nname", "%(client)s"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_are_data_not_sql(tmp_path: Path, name: str) -> None:
    store = connect(None, tmp_path, "bound")
    try:
        migrate(store)
        store.insert("sla_targets", ("client", "queue", "channel", "version", "timezone", "sl_formula",
                                     "sl_threshold_s", "sl_target", "short_abandon_s"),
                     [(name, name, "call", 1, "UTC", "default", 20.0, 0.8, 5.0)])  # fmt: skip
        assert read_kpi_rows(store, 900, name) == []
        assert store.query("SELECT client FROM sla_targets WHERE client = %(c)s", {"c": name}) == [(name,)]
        assert store.query("SELECT count() FROM sla_targets WHERE client = %(c)s", {"c": "x"}) == [(0,)]
        assert store.query("EXISTS TABLE kpi_interval") == [(1,)]
    finally:
        store.close()


def test_bind_escapes_quotes_and_backslashes() -> None:
    assert bind("SELECT %(v)s", {"v": "a'b\\c"}) == "SELECT 'a\\'b\\\\c'"


def test_a_batch_insert_keeps_every_value_in_its_column(tmp_path: Path) -> None:
    """chDB inserts a whole batch as one JSONCompact document, typed by the table's columns."""
    store = connect(None, tmp_path, "batch")
    try:
        store.execute("CREATE TABLE t (n Int64, at DateTime('UTC'), s String, x Nullable(Float64)) "
                      "ENGINE = MergeTree ORDER BY n")  # fmt: skip
        texts = ['],["x"', '{"meta":[]}', "naïve\nname\t\\", "", *HOSTILE]
        rows = [(i, 1_790_000_000 + i, text, None if i % 2 else i / 4) for i, text in enumerate(texts)]
        store.insert("t", ("n", "at", "s", "x"), rows)
        store.insert("t", ("s", "n", "at"), [("reordered", 100, 1_790_000_100)])  # another column list
        got = store.query("SELECT n, toUInt32(at), s, x FROM t ORDER BY n")
        assert got == [tuple(r) for r in rows] + [(100, 1_790_000_100, "reordered", None)]
    finally:
        store.close()
