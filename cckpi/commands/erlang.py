"""``cckpi erlang``: the agents a queue needs for its target, by Erlang C (a planning tool)."""

from __future__ import annotations

import argparse
import sys


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "erlang",
        help="the agents a queue needs for its service level, by Erlang C",
        description="Prints the fewest agents whose service level reaches the target, with the "
        "probability of waiting, the service level, the average speed of answer and the occupancy "
        "that number gives, and the same for a few agents either side.",
    )
    p.add_argument("--offered", type=float, required=True, help="contacts offered in the interval")
    p.add_argument("--aht", type=float, required=True, help="average handling time, seconds")
    p.add_argument("--threshold", type=float, required=True, help="service-level threshold T, seconds")
    p.add_argument("--target", type=float, required=True, help="service-level target, e.g. 0.8")
    p.add_argument("--interval", type=float, help="the interval, seconds (default: the KPI interval)")
    p.add_argument("--concurrency", type=int, default=1, help="contacts an agent handles at once (chat)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from streams.engine.intervals import INTERVAL_S
    from streams.engine.staffing import required_agents, staffing

    interval_s = INTERVAL_S if args.interval is None else args.interval
    if args.offered < 0 or args.aht <= 0 or args.threshold < 0 or interval_s <= 0 or args.concurrency < 1:
        print("cckpi erlang: --offered ≥ 0, --aht > 0, --threshold ≥ 0, --interval > 0, --concurrency ≥ 1",
              file=sys.stderr)  # fmt: skip
        return 2
    try:
        need = required_agents(args.offered, args.aht, args.threshold, args.target, interval_s,
                               args.concurrency)  # fmt: skip
    except ValueError as error:
        print(f"cckpi erlang: {error}", file=sys.stderr)
        return 2
    print(f"traffic {need.traffic:.2f} Erlangs; {need.agents} agent(s) reach {args.target:.0%} "
          f"in {args.threshold:g} s")  # fmt: skip
    print(f"{'agents':>6} {'P(wait)':>8} {'SL':>7} {'ASA s':>8} {'occupancy':>9}")
    for agents in range(max(1, need.agents - 2), need.agents + 3):
        s = staffing(agents, args.offered, args.aht, args.threshold, interval_s, args.concurrency)
        mark = " <" if agents == need.agents else ""
        print(f"{agents:>6} {s.wait_probability:>8.2%} {s.service_level:>7.1%} {s.asa_s:>8.1f} "
              f"{s.occupancy:>9.1%}{mark}")  # fmt: skip
    return 0
