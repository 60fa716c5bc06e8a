"""``cckpi dashboards``: generate, publish, or create Grafana's ClickHouse reader."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dashboards",
        help="generate the Grafana dashboards, publish them to a Grafana, or create Grafana's reader",
        description="reader: create the SELECT-only ClickHouse user Grafana reads through (password from "
        "$GRAFANA_CLICKHOUSE_PASSWORD) on the server at $CLICKHOUSE_URL, or with --users-xml FILE write it "
        "as a users.d file for servers configured by users.xml (such as 18.16).",
    )
    p.add_argument("action", choices=("generate", "publish", "reader"))
    p.add_argument("--users-xml", type=Path, help="reader: write a users.d file instead of CREATE USER")
    p.add_argument("--url", help="Grafana base URL, e.g. http://127.0.0.1:3000")
    p.add_argument("--token", help="Grafana service-account token (or $GRAFANA_TOKEN; never printed)")
    p.add_argument("--clickhouse-host", default="clickhouse", help="ClickHouse host as Grafana sees it")
    p.add_argument("--clickhouse-port", type=int, default=9000)
    p.add_argument("--clickhouse-user", default="grafana", help="a SELECT-only ClickHouse user; "
                   "its password comes from $GRAFANA_CLICKHOUSE_PASSWORD")  # fmt: skip
    p.add_argument("--database", default="cckpi")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "generate":
        from dashboards.generate import main as generate

        generate()
        return 0
    if args.action == "reader":
        from cckpi.users import create_reader

        return create_reader(args.clickhouse_user, args.database, args.users_xml)
    from dashboards.publish import ClickHouseAccess, PublishError, publish
    from streams.settings import Settings

    settings = Settings()
    token = args.token or (settings.grafana_token.get_secret_value() if settings.grafana_token else "")
    secret = settings.grafana_clickhouse_password
    password = secret.get_secret_value() if secret else ""
    if not args.url or not token:
        print("cckpi dashboards publish: give --url and --token (or $GRAFANA_TOKEN)", file=sys.stderr)
        return 2
    access = ClickHouseAccess(args.clickhouse_host, args.clickhouse_port, args.clickhouse_user, password,
                              args.database)  # fmt: skip
    try:
        done = publish(args.url, token, access)
    except (PublishError, OSError) as error:
        print(f"cckpi dashboards publish: {error}", file=sys.stderr)
        return 1
    for uid in done.pushed:
        print(f"published {uid}")
    for what in done.provisioned:
        print(f"left {what} as it is: that Grafana provisions it from files (read-only there)")
    return 0
