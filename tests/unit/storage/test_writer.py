"""A batch's output becomes few, large inserts, in the order that is safe to repeat."""

from __future__ import annotations

import orjson

from schemas.sla import SlaSettings
from streams.stages.contact_stage import ContactStage
from streams.stages.fcr_stage import FcrStage
from streams.storage.schema.tables import CONTACT_COLUMNS, KPI_COLUMNS, kpi_columns
from streams.storage.writer import ORDER, inserts
from tests.helpers.events import raw


def test_one_insert_per_table_and_columns_in_order_whatever_the_partitions() -> None:
    stage = ContactStage(SlaSettings(), partitions=3)
    for p in range(3):
        stage.restore(p, [])
    events = [(n % 3, e) for n in range(9) for e in (  # a contact's events in its partition
        raw("contact.arrived", n, f"c{n}", customer_id=f"u{n}"), raw("contact.answered", n + 5, f"c{n}"),
        raw("contact.ended", n + 60, f"c{n}", resolved=True),
    )]  # fmt: skip
    records = [(p, n, orjson.dumps(e)) for n, (p, e) in enumerate(events)]
    out = stage.ingest(records, now_s=0, version=1)
    assert {p for p, _, _ in records} == {0, 1, 2} and len(out.kpi) >= 6  # rows of 3 partitions, 2 grains
    made = list(inserts(out, "contact-events", 0))
    tables = [table for table, _, _ in made]
    assert tables == sorted(tables, key=ORDER.index) and len(tables) == len(set(tables))
    by_table = {table: (columns, rows) for table, columns, rows in made}
    assert by_table["kpi_interval"][0] == KPI_COLUMNS
    assert {row[4] for row in by_table["kpi_interval"][1]} == {"contacts/0", "contacts/1", "contacts/2"}
    assert len(by_table["contacts"][1]) == 9 and by_table["contacts"][0] == CONTACT_COLUMNS

    fcr = FcrStage(sources=3)
    for p in range(3):
        fcr.restore(p, [])
    two = list(inserts(fcr.ingest(out.fact_records(), version=2), "fcr", 0))
    kpi = [(table, columns) for table, columns, _ in two if table.startswith("kpi_")]
    assert kpi == [
        ("kpi_interval", kpi_columns(("fcr_success",))),
        ("kpi_minute", kpi_columns(("fcr_success",))),
    ]
