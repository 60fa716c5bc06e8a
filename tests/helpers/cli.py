"""Run ``cckpi`` as a user does: ``python -m cckpi`` in a child process of this interpreter."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, overload


def cckpi_command(*args: str) -> list[str]:
    """The command line of ``cckpi ARGS``, for a process the test starts and watches itself."""
    return [sys.executable, "-m", "cckpi", *args]


@overload
def cckpi(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    check: bool = False,
    text: Literal[True] = True,
) -> subprocess.CompletedProcess[str]: ...
@overload
def cckpi(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    check: bool = False,
    text: Literal[False],
) -> subprocess.CompletedProcess[bytes]: ...
def cckpi(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 300,
    check: bool = False,
    text: bool = True,
) -> subprocess.CompletedProcess[str] | subprocess.CompletedProcess[bytes]:
    """Run ``cckpi ARGS`` to its end, its output captured (as text unless ``text`` is false).
    ``env`` is the whole environment (default this process's); ``check`` raises on a failure."""
    return subprocess.run(
        cckpi_command(*args), env=env, cwd=cwd, capture_output=True, text=text, timeout=timeout, check=check
    )
