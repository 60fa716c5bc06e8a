"""Stamps decided in bulk get the scalar parse's microseconds, and nothing else is decided."""

from __future__ import annotations

import os
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.stamps import moments_us
from schemas.wire import _moment_us

STAMP = "2026-11-23T09:15:02.120Z"
ODD = "0123456789 +-:.TtZzW,x\u0663\uff11\x00\u00e9"


def scalar(stamp: str) -> int | None:
    try:
        return _moment_us(stamp)
    except ValueError:
        return None


def check(stamps: list[str]) -> int:
    """How many stamps were decided in bulk; each of them must equal the scalar parse."""
    moments, decided = moments_us(stamps)
    for stamp, at, quick in zip(stamps, moments.tolist(), decided.tolist(), strict=True):
        if quick:
            assert scalar(stamp) == at, stamp
    return int(decided.sum())


def test_the_producers_stamps_are_decided_and_exact() -> None:
    rng = random.Random(3)
    stamps = [
        f"{rng.randint(1, 9999):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T"
        f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
        f".{rng.randint(0, 999):03d}Z"
        for _ in range(20_000)
    ] + ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
         "2024-02-29T12:00:00.000Z", "2000-02-29T12:00:00.000Z"]  # fmt: skip
    assert check(stamps) == len(stamps)


def test_every_odd_character_in_every_position_is_left_to_the_scalar_parse_or_agrees() -> None:
    stamps = [STAMP[:at] + char + STAMP[at + 1 :] for at in range(len(STAMP)) for char in ODD]
    decided = check(stamps)
    assert 0 < decided < len(stamps)


def test_impossible_dates_and_other_shapes_are_not_decided() -> None:
    undecided = [
        "2026-02-29T09:15:02.120Z", "1900-02-29T09:15:02.120Z", "2026-04-31T09:15:02.120Z",
        "2026-13-01T09:15:02.120Z", "2026-00-01T09:15:02.120Z", "2026-01-00T09:15:02.120Z",
        "0000-01-01T09:15:02.120Z", "2026-01-01T24:00:00.000Z", "2026-01-01T23:60:00.000Z",
        "2026-01-01T23:59:60.000Z", "2026-11-23T09:15:02.120+00:00", "2026-11-23T09:15:02Z",
        "2026-11-23T09:15:02.120Z\x00", "2026-11-23T09:15:02.120Z ", "", STAMP[:-1],
        "2026-11-23T09:15:02.1204Z", "\u0662026-11-23T09:15:02.120Z",
    ]  # fmt: skip
    moments, decided = moments_us(undecided)
    assert not decided.any()
    assert check([STAMP] + undecided) == 1


@settings(max_examples=int(os.environ.get("CCKPI_FUZZ_EXAMPLES", "400")), deadline=None)
@given(st.lists(st.text(alphabet=ODD, min_size=23, max_size=25) | st.just(STAMP), max_size=20))
def test_any_text_is_decided_exactly_or_not_at_all(stamps: list[str]) -> None:
    check(stamps)
