"""Erasing customers while the worker runs (events.md, "Personal data").

The live state holds the customers' ids too. Between two batches (holding both stages' turns),
the worker rewrites the stored rows, then forgets its partitions: the next batch, or the idle
restore, loads them again from the rewritten rows, as after a rebalance. The pseudonym keeps
each customer's stage-two partition, so the reloaded state is where the facts to come go.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from streams.engine.pseudonyms import pseudonym
from streams.storage.erasure import ErasedRows, erase_customers

if TYPE_CHECKING:
    from streams.worker.runtime import Runtime

log = logging.getLogger(__name__)


class KeyMissing(ValueError):
    """No CCKPI_PSEUDONYM_KEY: an erasure needs it."""


async def erase_live(
    runtime: Runtime, client: str, customers: Sequence[str], tables: bool = True
) -> ErasedRows:
    """Erase ``customers`` of ``client`` from the stored rows (unless another worker did:
    ``tables`` False) and from this worker's memory."""
    key = runtime.settings.pseudonym_key
    if key is None:
        raise KeyMissing("CCKPI_PSEUDONYM_KEY is not set: erasure needs the pseudonyms' key")
    secret, partitions = key.get_secret_value().encode(), runtime.settings.partitions
    names = {c: pseudonym(secret, client, c, partitions) for c in dict.fromkeys(customers)}
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
