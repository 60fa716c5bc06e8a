"""Interval arithmetic on epoch microseconds: UTC-aligned buckets of a fixed length."""

from __future__ import annotations

from functools import lru_cache

from schemas.stamps import US_PER_S, format_rfc3339, parse_rfc3339

__all__ = ["US_PER_S"]  # the time unit, for the engine's callers
INTERVAL_S = 900  # the contract's default KPI interval
MINUTE_S = 60  # the bucket rolling figures are built from


def interval_start(at_us: int, length_s: int = INTERVAL_S) -> int:
    """Return the start (epoch seconds) of the UTC-aligned interval holding ``at_us``."""
    length_us = length_s * US_PER_S
    return (at_us // length_us) * length_s


def whole_intervals(since_s: int, until_s: int, length_s: int = INTERVAL_S) -> tuple[int, int]:
    """Widen [since, until) to whole intervals: a row is compared whole or not at all
    (a range ending mid-interval would hold part of a row's contacts, and differ)."""
    return since_s - since_s % length_s, -(-until_s // length_s) * length_s


@lru_cache(maxsize=65_536)  # outputs name the same few interval starts over and over
def iso_utc(epoch_s: int) -> str:
    """Name an interval: its start, epoch seconds, as RFC 3339 UTC (the contract's formatter)."""
    return format_rfc3339(epoch_s)


def parse_iso(text: str) -> int:
    """Epoch seconds of an RFC 3339 timestamp (inverse of :func:`iso_utc`)."""
    return int(parse_rfc3339(text).timestamp())
