"""Debian's chromium, headless, for the wallboard's end-to-end tests."""

from __future__ import annotations

import shutil

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium")
    if not found:
        raise RuntimeError("Debian's chromium is not installed: apt-get install -y chromium")
    return found
