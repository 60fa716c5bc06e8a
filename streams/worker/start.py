"""Start the Faust worker in this process: check the configuration, make the topics and apply
the migrations, then run the app. ``cckpi worker`` and ``python -m streams worker`` both come here."""

from __future__ import annotations

import logging
import os
import sys

from aiokafka.errors import KafkaError
from pydantic import ValidationError

from schemas.sla import SlaError, load_sla
from streams.kafka import ensure_topics, undecodable
from streams.kafka_access import kafka_problem
from streams.settings import Settings, describe
from streams.storage.backends.connect import connect
from streams.storage.backends.protocol import ClickHouse
from streams.storage.schema.migrate import migrate, pending
from streams.worker.app import create_app
from streams.worker.tuning import fewer_gc_passes, leaner_malloc


def say_where_it_stopped(settings: Settings, cause: BaseException) -> None:
    """Log which messages the worker could not read, so that nobody has to guess: the batch is
    not committed, and a worker that can read it resumes there."""
    log = logging.getLogger("streams.worker.start")
    topics = [settings.topic, settings.facts_topic]
    try:
        found = undecodable(
            settings.require_bootstrap(), settings.group, topics, options=settings.kafka_options()
        )
    except Exception as error:  # noqa: BLE001 - the broker may be what failed
        found = []
        log.error("could not look for the unreadable messages: %s", error)
    for topic, partition, offset, reason in found:
        log.error("stopped: cannot read %s/%d at offset %d: %s; nothing from there on is "
                  "committed, and a worker that can read it resumes there",
                  topic, partition, offset, reason)  # fmt: skip
    if not found:
        log.error("stopped on a Kafka error: %s: %s", type(cause).__name__, cause)


def start(loglevel: str = "info", logfile: str | None = None, bare: bool = False) -> int:
    """Read and check the configuration (environment and SLA file), then run the worker;
    a bad value is named in one line and the worker does not start (exit code 2)."""
    try:
        settings = Settings()
        load_sla(settings.sla_file)  # never start half-configured
    except ValidationError as error:
        if error.title != "Settings":
            raise
        for line in describe(error):
            print(f"cckpi worker: {line}", file=sys.stderr)
        return 2
    except SlaError as error:
        print(f"cckpi worker: bad SLA file, not starting:\n{error}", file=sys.stderr)
        return 2
    problem = kafka_problem(settings.kafka_bootstrap, settings) if settings.kafka_bootstrap else None
    if problem is not None:
        print(f"cckpi worker: {problem}", file=sys.stderr)
        return 2
    return run_worker(settings, loglevel=loglevel, logfile=logfile, bare=bare)


def schema_ready(settings: Settings, store: ClickHouse) -> bool:
    """Apply the migrations where the worker is its own administrator (chDB, or no CCKPI_WORKER_USER);
    a worker of its own user only checks the schema, which ``cckpi migrate`` brings up to date as
    CLICKHOUSE_USER: that user reads and writes rows, it does not make tables."""
    log = logging.getLogger("streams.worker.start")
    if settings.worker_user is None or settings.clickhouse_url is None:
        applied = migrate(store)
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
        return True
    missing = [m.name for m in pending(store)]
    if missing:
        log.error("the database lacks migrations %s: run cckpi migrate as CLICKHOUSE_USER (the worker's "
                  "user %s makes no tables)", ", ".join(missing), settings.worker_user)  # fmt: skip
    return not missing


def run_worker(
    settings: Settings, loglevel: str = "info", logfile: str | None = None, bare: bool = False
) -> int:
    """Run the worker until SIGINT/SIGTERM, then stop cleanly and leave with its exit code.

    ``bare`` runs the benchmark's bare agent instead (no KPI work, no ClickHouse).
    """
    from faust.worker import Worker

    leaner_malloc()  # before any thread starts; the bare agent too, like the GC setting

    ensure_topics(settings)
    store = None
    if bare:
        from streams.worker.bare import create_bare_app

        app = create_bare_app(settings)
    else:
        store = connect(settings.worker_clickhouse(), settings.data_dir, settings.database, own_process=True)
        if not schema_ready(settings, store):
            store.close()
            return 2
        app = create_app(settings, store)
    fewer_gc_passes()  # both the worker and the bare agent: the comparison stays fair
    code = 0
    # loglevel info: at warn, mode's spinner turns the root logger to DEBUG (costly).
    worker = Worker(app, loglevel=loglevel, logfile=logfile, quiet=True)
    try:
        worker.execute_from_commandline()
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        if store is not None:
            store.close()
    if code and isinstance(worker.crash_reason, KafkaError):
        say_where_it_stopped(settings, worker.crash_reason)
    # chDB's engine can hang or crash in interpreter teardown once its session is closed;
    # everything is written and closed by now, so leave without running that teardown.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
