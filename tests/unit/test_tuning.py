"""The worker's process tuning takes effect on this machine's C library."""

from __future__ import annotations

import platform

import pytest

from streams.tuning import fewer_malloc_arenas


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt's arena cap is glibc's")
def test_malloc_arenas_are_capped_on_glibc() -> None:
    assert fewer_malloc_arenas()
