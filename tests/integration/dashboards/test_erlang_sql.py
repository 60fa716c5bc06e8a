"""The Erlang C of the staffing panel (one SQL expression) picks the same number of agents as the
engine's (Erlang B's recursion), over random lanes from a fraction of an Erlang to thousands, on
chDB and on clickhouse-server 18.16."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dashboards.erlang_sql import required_agents_sql
from streams.engine.staffing import required_agents
from streams.storage.backends.connect import connect

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("seed", [3, 17])
def test_sql_erlang_c_equals_the_engine(tmp_path: Path, store_url: str | None, seed: int) -> None:
    rnd = random.Random(seed)
    cases = [
        (
            rnd.choice([0.02, 0.4, 2, 9, 40, 180, 900, 3000]) * rnd.uniform(0.5, 1.5),
            rnd.choice([0, 5, 20, 30, 60, 180]),
            rnd.uniform(20, 1200),
            rnd.choice([0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 0.9999]),
        )
        for _ in range(250)
    ]
    values = ", ".join(f"({a!r}, {t}, {h!r}, {p})" for a, t, h, p in cases)
    sql = (
        f"SELECT {required_agents_sql('a', 't', 'h', 'p')} FROM (SELECT arrayJoin([{values}]) AS x, "
        "tupleElement(x, 1) AS a, tupleElement(x, 2) AS t, tupleElement(x, 3) AS h, tupleElement(x, 4) AS p)"
    )
    store = connect(store_url, tmp_path)
    try:
        got = [row[0] for row in store.query(sql)]
    finally:
        store.close()
    want = [required_agents(a * 900 / h, h, t, p, 900).agents for a, t, h, p in cases]
    assert got == want
    assert len(set(want)) > 50  # the cases span small and large lanes
