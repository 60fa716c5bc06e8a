"""Every hand-made case of kpis.md's rules (tests/unit/engine/test_kpi_rules.py), run again
through the SQL derivation instead of the Python engine: thresholds at their exact edges, short
abandons, first events by time then event id, duplicates, orphans, FCR windows, surveys,
transfers, business time, time-zone offsets."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import msgspec
import pytest

import tests.unit.engine.test_kpi_rules as rules
from schemas.kpi import KpiRow
from schemas.sla import SlaSettings
from streams.engine.intervals import INTERVAL_S
from streams.engine.rows import output_rows
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.sql_derivation import derive_kpi_vectors, file_source
from tests.unit.engine.test_kpi_rules import *  # noqa: F403  (the same cases, collected here again)

pytestmark = pytest.mark.integration
_files = itertools.count()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouse]:
    opened = connect(None, tmp_path_factory.mktemp("sql-rules"))
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def through_sql(monkeypatch: pytest.MonkeyPatch, store: ClickHouse, tmp_path: Path) -> None:
    def compute_rows(events: Sequence[Any], sla: SlaSettings | None = None, interval_s: int = INTERVAL_S
                     ) -> list[KpiRow]:  # fmt: skip
        sla = sla or SlaSettings()
        path = tmp_path / f"events-{next(_files)}.jsonl"
        path.write_bytes(b"".join(msgspec.json.encode(e) + b"\n" for e in events))
        vectors = derive_kpi_vectors(store, file_source(path), sla, interval_s)
        return output_rows(sorted(vectors.items()), sla.formula, sla.hourly_cost)

    monkeypatch.setattr(rules, "compute_rows", compute_rows)
