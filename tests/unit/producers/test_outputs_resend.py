"""What a producer sends again at a flush: a message the broker did not take for a reason that
passes (kafka-python's retriable errors, or a send that found no broker); one it refuses for good
stops the producer instead of being sent for ever."""

from __future__ import annotations

import pytest
from kafka.errors import KafkaTimeoutError, MessageSizeTooLargeError, NotLeaderForPartitionError
from kafka.future import Future

from producers.outputs import _resend


def done(error: Exception | None) -> Future:
    future = Future()
    return future.failure(error) if error else future.success(None)


def test_delivered_is_not_sent_again() -> None:
    assert _resend(done(None)) is False


@pytest.mark.parametrize("error", [KafkaTimeoutError("expired"), NotLeaderForPartitionError()])
def test_a_passing_failure_is_sent_again(error: Exception) -> None:
    assert _resend(done(error)) is True
    assert _resend(None) is True  # send() found no broker within max_block_ms


def test_a_refusal_for_good_stops_the_producer() -> None:
    with pytest.raises(RuntimeError, match="refused a message for good"):
        _resend(done(MessageSizeTooLargeError("too large")))
