"""``cckpi clients provision``: give an outsourcing client a read path to its own rows only."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "clients",
        help="give an outsourcing client a read path that can only return its own rows",
        description="Creates the client's database of filtered materialized views (its KPI rows and "
        "SLA targets, kept current by every insert) and a readonly ClickHouse user allowed only that "
        "database: by SQL on current servers, or as a users.d file for servers configured by "
        "users.xml (such as 18.16). The password is read from $CCKPI_CLIENT_PASSWORD, never an "
        "argument, and only its SHA-256 is written.",
    )
    p.add_argument("action", choices=("provision",))
    p.add_argument("--client", required=True)
    p.add_argument("--users-xml", type=Path, help="write the user as a users.d file instead of CREATE USER")
    p.add_argument("--grafana-dir", type=Path,
                   help="also write the client's Grafana datasource and dashboard here, in the "
                        "client's language from the SLA file ($CCKPI_SLA_FILE)")  # fmt: skip
    p.add_argument("--grafana-org", type=int, default=1, help="the client's own Grafana organisation id")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.users import create_user, write_users_xml
    from schemas.sla import load_sla
    from streams.settings import Settings
    from streams.storage.backends.connect import connect
    from streams.storage.tenants import client_user, provision_client, user_statements, users_xml

    settings = Settings()
    password = settings.client_password.get_secret_value() if settings.client_password else ""
    if (args.users_xml or settings.clickhouse()) and len(password) < 12:
        print("cckpi clients: set $CCKPI_CLIENT_PASSWORD to the client's password (12+ characters)",
              file=sys.stderr)  # fmt: skip
        return 2
    # The client's language, for its dashboard: read first, so a bad SLA file changes nothing.
    language = load_sla(settings.sla_file).client(args.client).language if args.grafana_dir else "en"
    store = connect(settings.clickhouse(), settings.data_dir, settings.database)
    try:
        database = provision_client(store, settings.database, args.client)
        user = client_user(settings.database, args.client)
        if args.users_xml:
            how = write_users_xml(args.users_xml, user, users_xml(settings.database, args.client, password))
        elif settings.clickhouse():
            if not create_user(store, user_statements(settings.database, args.client), password, "clients"):
                return 1
            how = f"user {user} created (reads {database} only, may set query settings, cannot write)"
        else:
            how = "embedded chDB has no users: serve this client through a ClickHouse server"
    finally:
        store.close()
    if args.grafana_dir:
        from dashboards.clients import client_provisioning, password_variable

        files = client_provisioning(settings.database, args.client, args.grafana_org, language=language)
        for relative, text in files.items():
            target = args.grafana_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        how += (f"; Grafana files for organisation {args.grafana_org} in {args.grafana_dir}, in {language} "
                f"(the password from ${password_variable(settings.database, args.client)})")  # fmt: skip
    print(
        f"client {args.client!r}: database {database} ({', '.join(('kpi_interval', 'sla_targets'))}); {how}"
    )
    print(f"  read path: clickhouse://{user}:<password>@<host>:9000/{database}")
    if args.users_xml and settings.worker_user:
        # 18.16 checks the inserting user's access to the client's materialized view: the
        # worker's own users.d user must list this database too, or its inserts are refused.
        print(f"  the worker's user {settings.worker_user} writes through this database's view: add "
              f"<database>{database}</database> to its <allow_databases>")  # fmt: skip
    return 0
