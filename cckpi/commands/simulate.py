"""``cckpi simulate``: a seeded contact-centre simulation, to Kafka or a file."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from producers.outputs import CODECS


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="simulate a contact centre and emit its events",
        description=(
            "Seeded discrete-event simulation of a contact centre: three clients, several "
            "queues, calls, chats (up to 3 per agent) and emails; Poisson arrivals on an "
            "hour-of-day curve; agents with shifts and breaks (agent.state events) whose "
            "number limits answering, so waits, abandons and email backlogs emerge from load; "
            "log-normal talk/hold/wrap times per channel; repeat contacts across channels; "
            "CSAT/NPS surveys. The same seed gives the same events."
        ),
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--start", help="simulated start, RFC 3339 (default: today 00:00 UTC)")
    p.add_argument("--sla", type=Path, help="SLA file: calls and chats outside its opening hours get "
                   "the closed message and never arrive")  # fmt: skip
    p.add_argument("--duration", help="simulated time to cover, e.g. 90m, 6h, 30d")
    p.add_argument("--events", type=int, help="stop after this many events")
    p.add_argument(
        "--speed",
        default="max",
        help="'max' (as fast as possible), 'realtime', or a factor like 60",
    )
    p.add_argument(
        "--output",
        default="kafka",
        help="'kafka', a .jsonl file path, or queue_log:PATH (its calls as Asterisk logs them, "
        "and PATH.queues.yaml for cckpi bridge asterisk) (default kafka)",
    )
    p.add_argument("--bootstrap", help="Kafka bootstrap servers (default $KAFKA_BOOTSTRAP)")
    p.add_argument("--topic", help="topic (default $CCKPI_TOPIC or contact-events)")
    p.add_argument("--compression", choices=CODECS, default="none",
                   help="Kafka compression codec of the produced batches (default none)")  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from producers.outputs import EventOutput, JsonlOutput, KafkaOutput
    from producers.pacing import parse_duration, parse_speed, run_simulation
    from producers.simulator import Simulator
    from schemas.stamps import local_midnight, parse_rfc3339

    try:
        start = parse_rfc3339(args.start) if args.start else None
    except ValueError as error:
        print(f"cckpi simulate: --start: {error}", file=sys.stderr)
        return 2
    if start is None:
        start = local_midnight(time.time(), "UTC")
    until = start + parse_duration(args.duration) if args.duration else None
    if until is None and args.events is None:
        print("cckpi simulate: give --duration or --events (or both)", file=sys.stderr)
        return 2
    output: EventOutput
    if args.output == "kafka":
        from cckpi.options import kafka_refused
        from streams.kafka import ensure_topics
        from streams.settings import Settings

        settings = Settings()
        bootstrap = args.bootstrap or settings.kafka_bootstrap
        if not bootstrap:
            print(
                "cckpi simulate: --output kafka needs --bootstrap or KAFKA_BOOTSTRAP",
                file=sys.stderr,
            )
            return 2
        # The worker's topics, with its partitions, before the broker's defaults can make them.
        settings = settings.model_copy(
            update={"kafka_bootstrap": bootstrap, "topic": args.topic or settings.topic}
        )
        if kafka_refused(settings, "simulate"):
            return 2
        ensure_topics(settings)
        output = KafkaOutput(bootstrap, settings.topic, args.compression, settings.kafka_options())
    elif args.output.startswith("queue_log:"):
        from producers.queue_log import QueueLogOutput

        output = QueueLogOutput(Path(args.output.removeprefix("queue_log:")))
    else:
        output = JsonlOutput(Path(args.output))
    hours = None
    if args.sla:
        from producers.simulator import opening
        from schemas.sla import load_sla

        hours = opening(load_sla(args.sla))
    simulator = Simulator(start, seed=args.seed, open_at=hours)
    report = run_simulation(simulator, output, until, args.events, parse_speed(args.speed))
    print(f"cckpi simulate: {report.events} events in {report.wall_s:.1f}s", file=sys.stderr)
    return 0
