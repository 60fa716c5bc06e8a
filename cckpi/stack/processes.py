"""Child processes: start them in their own session, stop them politely, then firmly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import FrameType

_RETRY_S = 0.05  # a signal deferred out of kafka-python code is sent again this soon
_PATIENCE_S = 10.0  # and for at most this long; then it is raised wherever it lands


def exit_on_sigterm() -> None:
    """Let SIGTERM (kill, timeout, a service manager) unwind the command like an error, so its
    ``finally`` blocks stop the broker, servers and workers it started instead of orphaning them.

    kafka-python 3 runs its network loop on the caller's thread while a client connects and
    catches ``BaseException`` in the loop's steps, so a ``SystemExit`` raised there is logged and
    lost (the demo then ran on). While kafka-python code is on the interrupted stack, the signal
    is sent again shortly instead, and handled once that call has returned."""
    first: list[float] = []

    def handle(_signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        first[:] = first or [now]
        if _in_kafka(frame) and now - first[0] < _PATIENCE_S:
            retry = threading.Timer(_RETRY_S, os.kill, (os.getpid(), signal.SIGTERM))
            retry.daemon = True
            retry.start()
            return
        sys.exit(143)

    signal.signal(signal.SIGTERM, handle)


def _in_kafka(frame: FrameType | None) -> bool:
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name == "kafka" or name.startswith("kafka."):
            return True
        frame = frame.f_back
    return False


def stop_process(process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> int:
    """SIGTERM, wait up to ``timeout_s``, then SIGKILL; return the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_until(
    ready: Callable[[], bool],
    process: subprocess.Popen[bytes] | None,
    what: str,
    timeout_s: float,
    interval_s: float = 0.2,
) -> None:
    """Poll ``ready`` until it is true; fail at once if ``process`` died, or at the deadline."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited with {process.returncode}")
        try:
            if ready():
                return
        except Exception:  # noqa: BLE001 - not up yet; any failure means "try again"
            pass
        time.sleep(interval_s)
    raise TimeoutError(f"{what}: not ready after {timeout_s:.0f}s")
