"""Write rows (KPI rows, or those of another grain) as JSON Lines, CSV or a terminal table.

Light to import: ``cckpi compute --help`` lists :data:`FORMATS` from here, so the row models and
the table library are imported by the functions that use them."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

import orjson

if TYPE_CHECKING:
    from pydantic import BaseModel

    from schemas.kpi import KpiRow

FORMATS = ("jsonl", "csv", "table")


def write_rows(
    rows: Sequence[BaseModel], fmt: str, out: TextIO = sys.stdout, columns: Sequence[str] | None = None
) -> None:
    """Write ``rows`` with ``columns`` in that order (the KPI row's by default)."""
    from schemas.kpi import OUTPUT_COLUMNS, KpiRow

    kpi_rows = columns is None or columns == OUTPUT_COLUMNS
    columns = OUTPUT_COLUMNS if columns is None else columns
    if fmt == "jsonl":
        for row in rows:
            values = row.model_dump()
            out.write(orjson.dumps({name: values[name] for name in columns}).decode() + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.model_dump().items()})
    elif fmt == "table" and kpi_rows:
        write_table([row for row in rows if isinstance(row, KpiRow)], out)
    elif fmt == "table":
        write_any_table(rows, columns, out)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def pct(value: float | None, digits: int = 1) -> str:
    """A rate as a percentage, or a dash where there is none (no contacts to rate)."""
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}s"


def write_table(rows: Sequence[KpiRow], out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} KPI rows")
    for name in ("interval", "client", "queue", "channel", "offered", "answered", "abandoned",
                 "SL", "answer rate", "ASA", "AHT", "FCR", "CSAT", "NPS"):  # fmt: skip
        table.add_column(
            name, justify="left" if name in ("interval", "client", "queue", "channel") else "right"
        )
    for r in rows:
        table.add_row(
            r.interval_start, r.client, r.queue, r.channel, str(r.offered), str(r.answered),
            str(r.abandoned), pct(r.service_level), pct(r.answer_rate), secs(r.asa_s),
            secs(r.aht_s), pct(r.fcr_rate), pct(r.csat), "—" if r.nps is None else f"{r.nps:.0f}",
        )  # fmt: skip
    Console(file=out, width=200).print(table)


def cell(value: object) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def write_any_table(rows: Sequence[BaseModel], columns: Sequence[str], out: TextIO) -> None:
    """Every column of rows of any grain, numbers to two decimals."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} rows")
    for name in columns:
        table.add_column(name.replace("_", " "), justify="right" if rows and not isinstance(
            getattr(rows[0], name), str) else "left")  # fmt: skip
    for row in rows:
        table.add_row(*(cell(getattr(row, name)) for name in columns))
    Console(file=out, width=max(200, 14 * len(columns))).print(table)
