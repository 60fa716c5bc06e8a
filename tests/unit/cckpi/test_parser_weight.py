"""Building the command line loads no command's modules: ``cckpi --version`` and ``--help``
answer without importing the stream, storage or simulation libraries."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.cli import cckpi

HEAVY = ("faust", "mode", "aiokafka", "kafka", "chdb", "clickhouse_driver", "pandas", "pyarrow",
         "matplotlib", "numpy", "rich", "pydantic", "pydantic_settings", "msgspec", "yaml",
         "grafana_client", "streams", "schemas")  # fmt: skip

_CHILD = """
import sys
from cckpi.cli import build_parser
build_parser()
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_building_the_parser_imports_nothing_heavy() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = set(done.stdout.split())
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_version_is_the_packages() -> None:
    from importlib.metadata import version

    done = cckpi("--version", check=True, timeout=60)
    assert done.stdout.strip() == f"cckpi {version('cckpi')}"
