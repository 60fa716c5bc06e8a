"""The worker's process tuning takes effect on this machine's C library."""

from __future__ import annotations

import platform

import pytest

from streams.worker.tuning import leaner_malloc


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="these mallopt settings are glibc's")
def test_malloc_is_tuned_on_glibc() -> None:
    assert leaner_malloc()
