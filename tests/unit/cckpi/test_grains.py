"""``cckpi compute --grain`` and ``cckpi erlang`` as a user runs them, on simulated traffic."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import orjson
import pytest

from schemas.breakdowns import STAFFING_COLUMNS
from schemas.channels import CHANNELS
from tests.helpers.cli import cckpi

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("grains") / "events.jsonl"
    done = cckpi("simulate", "--seed", "4", "--duration", "3h", "--start", "2026-12-01T09:00:00Z",
                 "--sla", "sla.example.yaml", "--output", str(path), cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with path.open("ab") as file:
        file.write(b'{"type": "contact.ended", "not": "valid"}\n')
    return path


def jsonl(events: Path, grain: str) -> list[dict[str, object]]:
    done = cckpi("compute", "--events", str(events), "--sla", "sla.example.yaml", "--grain", grain,
                 cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "skipped 1 bad line" in done.stderr
    return [orjson.loads(line) for line in done.stdout.splitlines()]


def test_reason_and_agent_rows_account_for_every_handled_contact(events: Path) -> None:
    kpi, reasons, agents = jsonl(events, "kpi"), jsonl(events, "reasons"), jsonl(events, "agents")
    handled = sum(int(r["handled"]) for r in kpi)  # type: ignore[call-overload]
    assert handled > 500
    by_reason = sum(int(r["handled"]) for r in reasons)  # type: ignore[call-overload]
    assert 0.5 * handled < by_reason < handled  # the simulator leaves some ends without a code
    outbound = sum(int(r["outbound_handled"]) for r in kpi)  # type: ignore[call-overload]
    assert outbound > 0  # agents' rows count their outbound calls too: work is work
    assert sum(int(r["handled"]) for r in agents) == handled + outbound  # type: ignore[call-overload]
    assert all(0 <= float(r["staffed_s"]) <= 900 for r in agents)  # type: ignore[arg-type]
    assert any(r["occupancy"] is not None and 0 < float(r["occupancy"]) < 1 for r in agents)  # type: ignore[arg-type]


def test_staffing_prints_required_and_staffed_agents_as_csv(events: Path) -> None:
    done = cckpi("compute", "--events", str(events), "--grain", "staffing", "--format", "csv",
                 cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert tuple(rows[0]) == STAFFING_COLUMNS
    assert {"call", "chat", "email", "messaging", "form"} <= {r["channel"] for r in rows} <= set(CHANNELS)
    assert all(float(r["staffed_agents"]) >= 0 for r in rows)
    assert any(int(r["required_agents"] or 0) > 0 and float(r["shortfall_agents"] or 0) == 0 for r in rows)


def test_erlang_prints_the_agents_a_target_needs() -> None:
    done = cckpi("erlang", "--offered", "100", "--aht", "180", "--threshold", "20", "--target", "0.8",
                 "--interval", "1800", cwd=ROOT, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "14 agent(s) reach 80%" in done.stdout
    refused = cckpi("erlang", "--offered", "100", "--aht", "0", "--threshold", "20", "--target", "0.8",
                    cwd=ROOT, timeout=120)  # fmt: skip
    assert refused.returncode == 2
