"""SIGTERM stops a command even when it lands inside kafka-python's network loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A loop task besides the caller's (as a connecting client's is) takes the signal; kafka-python
# logs whatever that task raises and carries on, so a plain ``sys.exit`` handler is lost here.
_CHILD = textwrap.dedent(
    """
    import os, signal, sys, time
    from kafka.net.selector import NetworkSelector
    from cckpi.stack.processes import exit_on_sigterm

    exit_on_sigterm()
    selector = NetworkSelector()

    async def other():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)

    async def work():
        return 1

    selector.call_soon(other)
    sys.stdout.write(f"returned {selector.run(work)}\\n")  # one write: the retried signal may come next
    sys.stdout.flush()
    time.sleep(10)
    print("signal lost", flush=True)
    """
)


def test_sigterm_inside_kafka_loop_exits_once_the_call_returns() -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=30, check=False
    )
    assert "returned 1" in child.stdout, child.stdout + child.stderr  # not cut short inside the call
    assert "signal lost" not in child.stdout, child.stderr
    assert child.returncode == 143, child.stdout + child.stderr
