"""Adjustments the worker process needs: a shorter Kafka fetch wait, fewer GC passes and
a leaner malloc.

Faust hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer. Tansu holds a fetch
for a good part of that wait even when records are there (measured here with aiokafka,
records at 10/s: p50 0.38 s, max 0.75 s at 1500 ms; p50 0.003 s at 100 ms), which alone
breaks a one-second event-to-ClickHouse budget. Under load fetches fill up and return
at once, so a short wait costs no throughput.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

FETCH_MAX_WAIT_MS = 100
_original = AIOKafkaConsumerThread._create_worker_consumer


def _create_worker_consumer(self: AIOKafkaConsumerThread, transport: Any) -> Any:
    consumer = _original(self, transport)
    consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read by the fetcher when it starts
    return consumer


def short_fetch_wait() -> None:
    """Install the shorter fetch wait (idempotent)."""
    AIOKafkaConsumerThread._create_worker_consumer = _create_worker_consumer  # type: ignore[method-assign]


# Python's default (700 allocations) runs a young collection every few events here, and the
# older generations it promotes into hold the whole live state (hundreds of thousands of
# contacts, rows and facts) that later passes walk again; a young pass should not even walk
# one batch's output before it is written and freed. Nothing the worker keeps forms cycles,
# so fewer passes lose nothing (figures in docs/performance.md).
GC_YOUNG_THRESHOLD = 200_000


def fewer_gc_passes() -> None:
    """Collect cycles less often: the state holds none, and Faust's few are still found."""
    gc.freeze()  # what is loaded at start (modules, the app) is never walked again
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


# glibc gives each thread that allocates its own arena (up to 8 a core), and memory freed in
# one is reused only there: the worker's ClickHouse calls run in a pool of threads, each
# holding what its last batch freed. Two arenas keep the peak lower at the same throughput.
MALLOC_ARENAS = 2
# glibc also raises its mmap threshold to the largest block freed (up to 32 MB), so after the
# first batch every insert's few-MB body would come from the heap and fragment it. A fixed
# threshold keeps such blocks mapped and returned when freed.
MMAP_THRESHOLD = 256 * 1024
_M_ARENA_MAX, _M_MMAP_THRESHOLD = -8, -3  # mallopt's parameter numbers, from glibc's malloc.h


def leaner_malloc() -> bool:
    """Cap glibc's arenas (for threads started from now on) and fix its mmap threshold;
    False where the C library is not glibc."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
        return bool(mallopt(_M_ARENA_MAX, MALLOC_ARENAS)) and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # no C library found, or one without mallopt
        return False
