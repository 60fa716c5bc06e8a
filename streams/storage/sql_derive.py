"""A second, independent derivation of the KPI rows: kpis.md written as ClickHouse SQL
(``sql/derive/``, one readable file per step), run where the events are: chDB embedded, or a
current ClickHouse server (it needs ``VALUES``, tuples in ``argMin`` and array lambdas).

It shares no code with the Python engine but the SLA file's resolved thresholds, so the audit
can set one against the other. Its input is valid events (the raw archive holds nothing else);
email first responses through opening hours are not derived yet, and a lane that needs them is
refused with a clear error rather than counted wrong.
"""

from __future__ import annotations

from pathlib import Path

from schemas.sla import FCR_WINDOW_S, SlaSettings
from streams.engine.intervals import INTERVAL_S, US_PER_S
from streams.engine.kpi import COLUMNS, Vector
from streams.engine.totals import RowKey
from streams.storage.protocol import ClickHouse

DERIVE = Path(__file__).resolve().parents[2] / "sql" / "derive"
LANE_COLUMNS = (
    "client String, queue String, channel String, sl_threshold_us Int64, short_abandon_us Int64, "
    "first_response_target_us Nullable(Int64)"
)


class SqlEngineError(ValueError):
    """What the SQL derivation cannot do for this input, said before anything is counted."""


def step(name: str, **inputs: str) -> str:
    """One file of ``sql/derive`` with its inputs in place (``{name}`` placeholders)."""
    text = (DERIVE / f"{name}.sql").read_text()
    for key, value in inputs.items():
        text = text.replace("{" + key + "}", value)
    return text


def quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def lanes_table(store: ClickHouse, contacts: str, sla: SlaSettings) -> str:
    """The thresholds of every lane with an arrival, as a ``VALUES`` relation."""
    found = store.query(
        f"SELECT DISTINCT client, arrival.2, arrival.3 FROM {contacts} WHERE has_arrival ORDER BY 1, 2, 3"
    )
    rows = []
    for client, queue, channel in found:
        rules = sla.thresholds(client, queue, channel)
        target = rules.first_response_target_us
        if channel == "email" and target is not None and rules.business_hours is not None:
            raise SqlEngineError(
                f"{client}/{queue}/email: first responses are judged in business time (opening hours "
                "in the SLA file), which the SQL engine does not derive yet; use --engine python"
            )
        rows.append(
            f"({quoted(client)}, {quoted(queue)}, {quoted(channel)}, {rules.sl_threshold_us}, "
            f"{rules.short_abandon_us}, {'NULL' if target is None else target})"
        )
    if not rows:
        return f"(SELECT * FROM VALUES({quoted(LANE_COLUMNS)}, ('', '', '', 0, 0, NULL)) WHERE 0)"
    return f"(SELECT * FROM VALUES({quoted(LANE_COLUMNS)}, {', '.join(rows)}))"


OLDEST_MAJOR = 22  # VALUES with a structure, tuples in argMin, lambdas over several arrays


def check_version(store: ClickHouse) -> None:
    """Refuse a server too old for the derivation (18.16, the one Debian ships), by name."""
    ((version,),) = store.query("SELECT version()")
    if int(str(version).split(".")[0]) < OLDEST_MAJOR:
        raise SqlEngineError(
            f"ClickHouse {version} is too old for the SQL engine (it needs {OLDEST_MAJOR}.x or newer: "
            "VALUES tables, tuples in argMin, lambdas over several arrays); use the embedded chDB or "
            "--engine python"
        )


def derive_kpi_vectors(
    store: ClickHouse, source: str, sla: SlaSettings | None = None, interval_s: int = INTERVAL_S
) -> dict[RowKey, Vector]:
    """The additive columns of every KPI row, derived by SQL from ``source`` (a relation with
    a ``payload`` column of events), keyed as the Python engine keys them."""
    sla = sla or SlaSettings()
    check_version(store)
    events = f"({step('events', source=source)})"
    contacts = f"({step('contacts', events=events)})"
    sql = step(
        "kpi_interval",
        contacts=contacts,
        lanes=lanes_table(store, contacts, sla),
        interval_s=str(interval_s),
        fcr_window_us=str(FCR_WINDOW_S * US_PER_S),
    )
    out: dict[RowKey, Vector] = {}
    for row in store.query(sql):
        client, queue, channel, start = row[:4]
        out[(client, queue, channel, int(start))] = tuple(int(v) for v in row[4 : 4 + len(COLUMNS)])
    return out


def file_source(path: Path) -> str:
    """An events file (JSON Lines) as a relation the embedded ClickHouse reads in place."""
    return f"(SELECT line AS payload FROM file({quoted(str(path.resolve()))}, 'LineAsString'))"
