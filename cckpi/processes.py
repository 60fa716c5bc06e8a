"""Child processes: start them in their own session, stop them politely, then firmly."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable


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
