"""Waiting now: the count and the longest wait are taken at one instant."""

from __future__ import annotations

from schemas.sla import load_sla
from streams.stages.contact_book import ContactBook
from streams.stages.now import waiting_now
from tests.helpers.events import BASE, abandoned, answered, arrived, ended

T0_US = int(BASE.timestamp()) * 1_000_000


def _book(*events: object) -> ContactBook:
    book = ContactBook(load_sla(None).thresholds)
    for e in events:
        book.apply(e)  # type: ignore[arg-type]
    return book


def _at(book: ContactBook, seconds: float) -> dict[str, float]:
    lanes = waiting_now([book], T0_US + int(seconds * 1_000_000))
    return next(iter(lanes.values()), {"waiting": 0, "longest_wait_s": 0.0})


def test_a_contact_stamped_after_now_is_not_waiting_yet() -> None:
    book = _book(arrived(10, "c1"), arrived(50, "c2"), arrived(90, "c3"))
    assert _at(book, 60) == {"waiting": 2, "longest_wait_s": 50.0}
    assert _at(book, 5) == {"waiting": 0, "longest_wait_s": 0.0}


def test_a_contact_answered_after_now_was_still_waiting_then() -> None:
    book = _book(arrived(0, "c1"), answered(30, "c1"), arrived(0, "c2"), abandoned(40, "c2"),
                 arrived(0, "c3"), ended(45, "c3"))  # fmt: skip
    assert _at(book, 20) == {"waiting": 3, "longest_wait_s": 20.0}
    assert _at(book, 35) == {"waiting": 2, "longest_wait_s": 35.0}
    assert _at(book, 50) == {"waiting": 0, "longest_wait_s": 0.0}
