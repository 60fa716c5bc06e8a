"""One module per ``cckpi`` command; each has ``add`` (its parser) and ``run``."""

from __future__ import annotations

from types import ModuleType

from cckpi.commands import (
    audit,
    bench,
    bridge,
    clients,
    compute,
    dashboards,
    demo,
    erase,
    erlang,
    ingest,
    migrate,
    replay,
    report,
    simulate,
    worker,
)

# In the order ``cckpi --help`` lists them.
COMMANDS: tuple[ModuleType, ...] = (
    compute, simulate, bridge, ingest, worker, migrate, bench, report, dashboards, replay, audit, clients,
    demo, erlang, erase,
)  # fmt: skip
