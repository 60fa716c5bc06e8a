"""``cckpi erase`` while a worker runs: the stored rows and the worker's live state are erased, so
what arrives afterwards is counted as a replay of the archive counts it."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from cckpi.stack.broker import TansuBroker
from cckpi.stack.launcher import WorkerProcess, settings_env, wait_drained
from schemas.sla import SlaSettings
from streams.kafka import ensure_topics
from streams.replay.rederive import replay
from tests.helpers.cli import cckpi
from tests.helpers.events import SIM_END, SIM_START, as_messages
from tests.helpers.harness import PipelineRun, new_settings, produce
from tests.helpers.personal import PERSON, a_contact, holding, with_people

pytestmark = pytest.mark.integration

KEY = SecretStr("the live test's pseudonym key, 32+")


def test_erase_through_the_running_worker(
    tmp_path: Path, broker: TansuBroker, store_url: str | None, simulated_events: list[dict[str, Any]]
) -> None:
    rng = random.Random(11)
    start = rng.uniform(3600, 7200)  # seconds after the events' BASE, within the simulated hours
    # Two resolved calls of the person; after the erasure a third, within the FCR window of the
    # second: the live state must no longer know the id, or it would count the second as repeated.
    theirs = a_contact("p-1", PERSON, start) + a_contact("p-2", PERSON, start + 3600)
    later = a_contact("p-3", PERSON, start + 3600 + 1800)
    settings = new_settings(tmp_path, broker.bootstrap, store_url).model_copy(update={"pseudonym_key": KEY})
    ensure_topics(settings)
    worker = WorkerProcess(settings, settings.data_dir / "worker.log")
    try:
        worker.wait_ready()
        produce(settings, as_messages(with_people(simulated_events, rng) + theirs))
        wait_drained(settings, timeout_s=240)
        env = {**os.environ, **settings_env(settings)}
        erased = cckpi("erase", "--client", "acme", "--customer", PERSON, env=env, timeout=120)
        assert erased.returncode == 0, erased.stderr
        assert "erased 1 customers of acme" in erased.stdout
        produce(settings, as_messages(later))
        wait_drained(settings, timeout_s=120)
    finally:
        code = worker.stop()
    assert code == 0, f"worker exited with {code}; see {worker.log_path}"
    store = PipelineRun(settings, store_url).open_store()
    try:
        # The id is stored only with the contact that came after the erasure (new data).
        tables = {column.split(".")[1] for column in holding(store, settings.database, PERSON)}
        assert tables == {"raw_events", "contacts"}
        for table, text in (("raw_events", "payload"), ("contacts", "spares")):
            where = f"position(customer_id, %(p)s) > 0 OR position({text}, %(p)s) > 0"
            found = store.query(f"SELECT DISTINCT contact_id FROM {table} WHERE {where}", {"p": PERSON})
            assert found == [("p-3",)], table
        assert store.query("SELECT reason, customers FROM erasures") == [("request", 1)]
        since, until = int(SIM_START.timestamp()), int(SIM_END.timestamp())
        assert replay(store, SlaSettings(), since, until, None).agrees
    finally:
        store.close()
