"""``cckpi demo``: broker, ClickHouse, worker and simulator on embedded defaults, watched live."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command's modules load when it runs, not with every command's parser
    from rich.console import Group
    from rich.text import Text

    from cckpi.stack.launcher import WorkerProcess
    from producers.outputs import KafkaOutput

DEMO_DATABASE = "cckpi_demo"
# The example SLA file (the simulator's clients), shipped in the package: the demo's default, so
# that targets, costs, opening hours and alerts show on a first run.
EXAMPLE_SLA = Path(__file__).resolve().parents[1] / "sla.example.yaml"


def _sl_cell(value: float | None, target: float) -> Text:
    """The service level coloured as schemas.targets judges it (amber shown in the terminal's yellow)."""
    from rich.text import Text

    from schemas.targets import status

    if value is None:
        return Text("—")
    judged = status("service_level", value, target)
    style = "yellow" if judged == "amber" else judged or "red"
    return Text(f"{100 * value:.0f}%", style=f"bold {style}")


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run everything on embedded defaults with a live terminal view")
    p.add_argument("--duration", type=float, help="stop after this many seconds and print a summary")
    p.add_argument("--speed", type=float, default=60.0, help="simulated seconds per real second (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--start", help="simulated start, RFC 3339 (default: the latest hour when every "
                   "simulated client's centre is busy)")  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cckpi.stack.processes import exit_on_sigterm

    exit_on_sigterm()
    try:
        start = parse_start(args.start)
    except ValueError as error:
        print(f"cckpi demo: --start: {error}", file=sys.stderr)
        return 2
    return run_demo(args.duration, args.speed, args.seed, args.partitions, start)


def parse_start(text: str | None) -> datetime:
    """The simulated start: as given (with an offset), or the busiest recent hour."""
    from producers.scenario import DEFAULT_SCENARIO, busiest_start
    from schemas.stamps import parse_rfc3339

    if text is None:
        return busiest_start(DEFAULT_SCENARIO, datetime.now(UTC))
    return parse_rfc3339(text)


def live_view(live: dict[str, Any], status: dict[str, Any], produced: int, started: float) -> Group:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from cckpi.formats import pct, secs

    table = Table(title=f"cckpi — event time {live.get('as_of') or '…'}", expand=True)
    headers = ("client", "queue", "chan", "waiting", "longest", "agents a/b/w/aw", "staffed / need",
               "offered today", "SL 15m", "SL today", "target", "abandon", "ASA", "AHT", "FCR", "CSAT",
               "NPS")  # fmt: skip
    for name in headers:
        table.add_column(name, justify="left" if name in ("client", "queue", "chan") else "right")
    for q in live.get("queues", []):
        today, recent, now = q.get("today", {}), q.get("15m", {}), q.get("now", {})
        agents = q.get("agents", {})
        counts = "/".join(str(agents.get(s, 0)) for s in ("available", "busy", "wrap", "away"))
        table.add_row(
            q["client"], q["queue"], q["channel"], str(int(now.get("waiting", 0))),
            secs(now.get("longest_wait_s")) if now else "—", counts, _staffing_cell(q.get("staffing") or {}),
            str(today.get("offered", 0)),
            _sl_cell(recent.get("service_level"), q["sl_target"]),
            _sl_cell(today.get("service_level"), q["sl_target"]),
            f"{100 * q['sl_target']:.0f}% in {q['sl_threshold_s']:.0f}s",
            pct(today.get("abandon_rate"), 0), secs(today.get("asa_s")), secs(today.get("aht_s")),
            pct(today.get("fcr_rate"), 0), pct(today.get("csat"), 0),
            "—" if today.get("nps") is None else f"{today['nps']:.0f}",
        )  # fmt: skip
    # The webhook text without its Slack emoji: "cckpi firing: acme/billing/call: service level …".
    alerts = [str(a.get("text", "")).replace(":red_circle: ", "") for a in live.get("alerts", [])]
    elapsed = time.monotonic() - started
    footer = Text(
        f"produced {produced:,} events · processed {status.get('valid_events', 0):,} valid, "
        f"{status.get('dead_letters', 0):,} dead letters · {elapsed:.0f}s · Ctrl-C to stop",
        style="dim",
    )
    return Group(table, *(Text(line, style="bold red") for line in alerts), footer)


def _staffing_cell(staffing: dict[str, Any]) -> Text:
    """Agents on the queue / agents its channels need together by Erlang C for the last 15
    minutes (red when short)."""
    from rich.text import Text

    need = staffing.get("queue_required")
    text = f"{staffing.get('staffed', 0)}/{'—' if need is None else need}"
    return Text(text, style="bold red" if staffing.get("short") else "")


def run_demo(duration: float | None, speed: float, seed: int, partitions: int, start: datetime) -> int:
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.live import Live

    from cckpi.stack.broker import TansuBroker, free_port
    from cckpi.stack.folder_lock import FolderInUse, holding
    from cckpi.stack.launcher import WorkerProcess, wait_drained
    from producers.outputs import KafkaOutput
    from producers.pacing import StopFlag, run_simulation
    from producers.scenario import DEFAULT_SCENARIO
    from producers.simulator import Simulator, opening
    from schemas.sla import load_sla
    from streams.kafka import ensure_topics
    from streams.settings import Settings

    # Piped output (logs, CI) gets a wide table rather than rich's 80-column default.
    console = Console(width=None if sys.stdout.isatty() else 170)
    # Simulated time runs ahead of the clock at --speed: the demo's worker takes it.
    settings = Settings(web_port=free_port(), partitions=partitions, database=DEMO_DATABASE, max_future_s=0)
    try:  # before writing logs there; the demo's worker takes the folder for its run
        if not settings.clickhouse_url:
            with holding(settings.data_dir / "chdb"):
                pass
    except FolderInUse as error:
        print(f"cckpi demo: {error}", file=sys.stderr)
        return 2
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    _fresh_database(settings)
    if settings.sla_file is None and EXAMPLE_SLA.is_file():  # targets, costs, alerts, opening hours
        settings.sla_file = EXAMPLE_SLA
    broker = None
    if not settings.kafka_bootstrap:
        broker = TansuBroker(log_path=settings.data_dir / "broker.log")
        settings.kafka_bootstrap = broker.bootstrap
        console.print(f"[bold]broker[/] Tansu (in memory) at {broker.bootstrap}")
    else:
        console.print(f"[bold]broker[/] {settings.kafka_bootstrap}")
    where = "ClickHouse server" if settings.clickhouse_url else f"chDB in {settings.data_dir / 'chdb'}"
    console.print(f"[bold]storage[/] {where}, database {settings.database}")
    console.print(
        f"[bold]SLA file[/] {settings.sla_file or 'none: the contract defaults (set CCKPI_SLA_FILE)'}"
    )
    worker = None
    stop = StopFlag()
    simulated: dict[str, int] = {"events": 0}
    try:
        ensure_topics(settings)
        worker = WorkerProcess(settings, settings.data_dir / "worker.log")
        console.print(f"[bold]worker[/] starting (log: {worker.log_path}) …")
        worker.wait_ready()
        base = f"http://{settings.web_host}:{settings.web_port}"
        console.print(f"[bold]wallboard[/] {base}/wallboard   (live API: {base}/api/live)")

        local = ", ".join(
            f"{c.name} {start.astimezone(ZoneInfo(c.timezone)):%H:%M}" for c in DEFAULT_SCENARIO.clients
        )
        console.print(
            f"[bold]simulated time[/] from {start:%Y-%m-%d %H:%M} UTC ({local}), {speed:g}× real time"
        )
        output = KafkaOutput(settings.require_bootstrap(), settings.topic)
        counting = _Counting(output, simulated)

        def simulate() -> None:
            hours = opening(load_sla(settings.sla_file)) if settings.sla_file else None
            run_simulation(Simulator(start, seed=seed, open_at=hours), counting, None, None, speed, stop)

        thread = threading.Thread(target=simulate, name="simulator", daemon=True)
        thread.start()
        began = time.monotonic()
        with Live(console=console, refresh_per_second=2, transient=False) as view:
            try:
                while duration is None or time.monotonic() - began < duration:
                    view.update(_snapshot(worker, simulated["events"], began))
                    time.sleep(1.0)
            except KeyboardInterrupt:
                pass
            stop.stopped = True
            thread.join(timeout=30)
            console.print("[bold]draining[/] the stream …")
            wait_drained(settings, timeout_s=180)
            view.update(_snapshot(worker, simulated["events"], began))
        console.print("\n[bold green]final KPI summary above[/] (today, in event time)")
        return 0
    finally:
        stop.stopped = True
        if worker is not None:
            worker.stop()
        if broker is not None:
            broker.stop()


def _fresh_database(settings: Any) -> None:
    """Start from an empty demo database: a run's broker is new (in memory), and contacts of an
    earlier run (another seed, start or speed) would add to the same intervals, while its agents
    would not (the same simulated people): a queue would show four times the calls it had."""
    from streams.storage.backends.connect import connect
    from streams.storage.schema.migrate import drop_database

    store = connect(settings.clickhouse(), settings.data_dir, settings.database, own_process=True)
    try:
        drop_database(store, settings.database)
    finally:
        store.close()


def _snapshot(worker: WorkerProcess, produced: int, began: float) -> Group:
    from rich.console import Group
    from rich.text import Text

    try:
        return live_view(worker.get("/api/live"), worker.get("/api/status"), produced, began)
    except OSError as error:
        return Group(Text(f"waiting for the worker: {error}", style="yellow"))


class _Counting:
    """An output wrapper that counts what the simulator sent."""

    def __init__(self, inner: KafkaOutput, counter: dict[str, int]) -> None:
        self.inner = inner
        self.counter = counter

    def send(self, event: dict[str, Any]) -> None:
        self.inner.send(event)
        self.counter["events"] += 1

    def send_raw(self, key: bytes | None, value: bytes) -> None:
        self.inner.send_raw(key, value)
        self.counter["events"] += 1

    def flush(self) -> None:
        self.inner.flush()

    def close(self) -> None:
        self.inner.close()
