"""A process's own peak memory, measured the same way for the worker and the chDB child."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MiB.

    Not ``getrusage().ru_maxrss``: Linux keeps that across fork and exec, so a worker
    started by a large parent (the benchmark holding a million messages) reported the
    parent's peak. ``VmHWM`` belongs to this process's own memory.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
