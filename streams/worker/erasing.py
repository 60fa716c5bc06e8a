"""Erasing customers while the worker runs (events.md, "Personal data").

The live state holds the customers' ids too. Between two batches (holding both stages' turns),
the worker rewrites the stored rows, then forgets its partitions: the next batch, or the idle
restore, loads them again from the rewritten rows, as after a rebalance. The pseudonym keeps
each customer's stage-two partition, so the reloaded state is where the facts to come go.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from schemas.sla import FCR_WINDOW_S
from streams.storage.erasure import ErasedRows, erase_customers
from streams.storage.personal_retention import apply_retention, retention_days

if TYPE_CHECKING:
    from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


async def erase_live(
    runtime: Runtime, client: str, customers: Sequence[str], tables: bool = True
) -> ErasedRows:
    """Erase ``customers`` of ``client`` from the stored rows (unless another worker did:
    ``tables`` False) and from this worker's memory."""
    stand_in = runtime.settings.pseudonyms_of(client)  # ValueError without the key
    names = {c: stand_in(c) for c in dict.fromkeys(customers)}
    async with runtime.stage_turn, runtime.fcr_turn:
        if runtime.finishing is not None:  # the batch before is durable first (what it raises is
            await asyncio.wait({runtime.finishing})  # the agent's to raise)
        erased = ErasedRows(customers=len(names))
        if tables:
            erased = await asyncio.to_thread(erase_customers, runtime.store, client, names)
        for stage in (runtime.contacts, runtime.fcr):
            for partition in list(stage.books):
                stage.drop(partition)
    log.info("erased %d customers of %s: %d archived events, %d contacts, %d dead letters rewritten; "
             "live state reloads", erased.customers, client, erased.raw_events, erased.contacts,
             erased.dead_letters)  # fmt: skip
    return erased


async def apply_personal_retention(runtime: Runtime) -> None:
    """Each client's ``personal_data_days`` (the SLA file), applied to the stored rows: contacts
    that old have left the live state (the setting's minimum is past its longest retention)."""
    clients = retention_days(runtime.sla)
    if not clients:
        return
    if runtime.settings.pseudonym_key is None:
        log.warning("personal_data_days is set but CCKPI_PSEUDONYM_KEY is not: personal data is kept")
        return
    kept_live_days = runtime.settings.open_retention_hours / 24 + FCR_WINDOW_S / 86_400
    for client, days in clients.items():
        if days <= kept_live_days:
            log.warning("%s: personal_data_days %d is within the live state's retention and the FCR window "
                        "(%.0f days): not applied", client, days, kept_live_days)  # fmt: skip
            continue
        stand_in = runtime.settings.pseudonyms_of(client)
        done = await asyncio.to_thread(
            apply_retention, runtime.store, client, days, int(time.time()), stand_in
        )
        if done is not None:
            log.info("%s: personal data older than %d days erased: %d customers, %d archived events, "
                     "%d contacts", client, days, done.customers, done.raw_events, done.contacts)  # fmt: skip
