"""``cckpi erase``: a customer's right to be forgotten, and the retention of personal data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "erase",
        help="erase customers' personal data (GDPR, FADP), or apply the retention of personal data",
        description="Replaces each customer's id, in every stored table, by one keyed pseudonym "
        "($CCKPI_PSEUDONYM_KEY; the same customer always gets the same one, so every KPI stays as it "
        "was) and removes their comments and a producer's extra fields. Where a worker runs it "
        "erases through the worker (its live state names the customers too): the local one is "
        "found by itself, others are named with --worker. An erasure is recorded (when, how "
        "many rows), never whom. Kafka keeps its messages until the topic's retention drops them.",
    )
    p.add_argument("--client", help="the customers' client (with --customer or --customers-file)")
    p.add_argument("--customer", action="append", default=[], help="a customer id (repeatable)")
    p.add_argument("--customers-file", type=Path, help="a file of customer ids, one per line")
    p.add_argument("--worker", action="append", default=[],
                   help="a running worker's URL, e.g. http://host:6066 (repeat for each worker)")  # fmt: skip
    p.add_argument("--retention", action="store_true",
                   help="apply each client's personal_data_days of the SLA file instead")  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from streams.settings import Settings

    settings = Settings()
    if settings.pseudonym_key is None:
        return _fail("set $CCKPI_PSEUDONYM_KEY (16+ characters, e.g. openssl rand -hex 32) and keep it: "
                     "the same key gives the same pseudonyms")  # fmt: skip
    if args.retention:
        if _local_worker(settings) and not settings.clickhouse():
            print("cckpi erase: the running worker holds the store and applies personal_data_days itself "
                  "(every hour); nothing to do here")  # fmt: skip
            return 0
        return _retention(settings)
    customers = _customers(args)
    if isinstance(customers, str):
        return _fail(customers)
    workers = args.worker or _local_worker(settings)
    if workers:
        return _through_workers(settings, workers, args.client, customers)
    return _directly(settings, args.client, customers)


def _customers(args: argparse.Namespace) -> list[str] | str:
    """The ids asked for, or what is wrong with the arguments."""
    if not args.client:
        return "--client is required with --customer or --customers-file"
    ids = [c.strip() for c in args.customer if c.strip()]
    if args.customers_file:
        try:
            text = args.customers_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            return f"--customers-file: {error}"
        ids += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if not ids:
        return "name the customers: --customer ID (repeatable) or --customers-file FILE"
    return list(dict.fromkeys(ids))


def _local_worker(settings: Any) -> list[str]:
    """This machine's worker, when one answers on the configured port."""
    url = f"http://{settings.web_host}:{settings.web_port}"
    try:
        _call(settings, f"{url}/api/status", None, 2.0)
    except OSError:  # refused, timed out (an HTTP error answer is a worker too)
        return []
    return [url]


def _call(settings: Any, url: str, body: dict[str, Any] | None, timeout_s: float) -> tuple[int, bytes]:
    """GET (no body) or POST JSON to a worker with the supervisors' token: status and body."""
    import json
    import urllib.error
    import urllib.request

    headers = {"Content-Type": "application/json"}
    if settings.web_token is not None:
        headers["Authorization"] = f"Bearer {settings.web_token.get_secret_value()}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers=headers, method="GET" if body is None else "POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 (a URL the operator gives)
            return int(answer.status), answer.read()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read()


def _through_workers(settings: Any, workers: list[str], client: str, customers: list[str]) -> int:
    """The first worker rewrites the stored rows and its state; the others reload theirs."""
    import json

    for index, url in enumerate(workers):
        body = {"client": client, "customers": customers, "tables": index == 0}
        try:
            status, answer = _call(settings, f"{url.rstrip('/')}/api/erase", body, 600.0)
        except OSError as error:
            return _fail(f"worker {url}: {error}")
        if status != 200:
            return _fail(f"worker {url}: HTTP {status}: {answer.decode(errors='replace').strip()[:300]}")
        if index == 0:
            _report(client, json.loads(answer))
    return 0


def _directly(settings: Any, client: str, customers: list[str]) -> int:
    """No worker runs: the stored rows alone (refused where workers report running)."""
    from streams.storage.backends.connect import connect
    from streams.storage.erasure import erase_customers, reporting_workers
    from streams.storage.schema.migrate import migrate

    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        migrate(store)
        running = reporting_workers(store, 120)
        if running:
            who = ", ".join(running)
            return _fail(f"workers are running ({who}): name each with --worker URL, so that their "
                         "live state is erased too")  # fmt: skip
        stand_in = settings.pseudonyms_of(client)
        names = {c: stand_in(c) for c in customers}
        erased = erase_customers(store, client, names)
    finally:
        store.close()
    from dataclasses import asdict

    _report(client, {**asdict(erased), "rows": erased.total})
    return 0


def _retention(settings: Any) -> int:
    import time

    from schemas.sla import load_sla
    from streams.storage.backends.connect import connect
    from streams.storage.personal_retention import apply_retention, retention_days
    from streams.storage.schema.migrate import migrate

    kept = retention_days(load_sla(settings.sla_file))
    if not kept:
        print("cckpi erase: no client of the SLA file sets personal_data_days: nothing to do")
        return 0
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        migrate(store)
        for client, days in kept.items():
            done = apply_retention(store, client, days, int(time.time()), settings.pseudonyms_of(client))
            said = (
                "nothing old enough"
                if done is None
                else (
                    f"{done.customers} customers, {done.raw_events} archived events, {done.contacts} contacts"
                )
            )
            print(f"{client}: personal data older than {days} days: {said}")
    finally:
        store.close()
    return 0


def _report(client: str, erased: dict[str, int]) -> None:
    print(f"erased {erased['customers']} customers of {client}: {erased['raw_events']} archived events, "
          f"{erased['contacts']} contacts, {erased['dead_letters']} dead letters rewritten; "
          "recorded in the erasures table (when and how many, not whom)")  # fmt: skip


def _fail(message: str) -> int:
    print(f"cckpi erase: {message}", file=sys.stderr)
    return 2
