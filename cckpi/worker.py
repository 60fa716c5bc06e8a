"""Run the Faust worker in this process: topics and migrations first, then the app."""

from __future__ import annotations

import logging

from cckpi.settings import Settings
from cckpi.topics import ensure_topics
from sql.migrate import migrate
from streams.app import create_app
from streams.clickhouse import connect


def run_worker(settings: Settings, loglevel: str = "info", logfile: str | None = None) -> None:
    """Block running the worker until SIGINT/SIGTERM; it then stops cleanly."""
    from faust.worker import Worker

    ensure_topics(settings)
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    applied = migrate(store)
    if applied:
        logging.getLogger("cckpi.worker").info("migrations applied: %s", ", ".join(applied))
    app = create_app(settings, store)
    # loglevel info: at warn, mode's spinner turns the root logger to DEBUG (costly).
    Worker(app, loglevel=loglevel, logfile=logfile, quiet=True).execute_from_commandline()
