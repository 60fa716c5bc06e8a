"""Building the command line loads no command's modules: ``cckpi --version`` and ``--help``
answer without importing the stream, storage or simulation libraries, and every command's
``--help`` (which lists its choices) without the libraries its run needs."""

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


# What a command's help may load: the project's own light modules (a list of choices), never a
# library a command's run needs.
LIBRARIES = tuple(name for name in HEAVY if name not in ("streams", "schemas"))

_HELP = """
import contextlib, io, sys
from cckpi.cli import build_parser
parser = build_parser()
with contextlib.redirect_stdout(io.StringIO()):
    try:
        parser.parse_args([sys.argv[1], "--help"])
    except SystemExit:
        pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def commands() -> list[str]:
    from cckpi.cli import build_parser

    parser = build_parser()
    found = next(a for a in parser._actions if a.choices and a.dest == "command")  # the subcommands
    return sorted(found.choices)


def test_every_commands_help_imports_no_library_its_run_needs() -> None:
    heavy = {}
    for command in commands():
        done = subprocess.run([sys.executable, "-c", _HELP, command], capture_output=True, text=True,
                              check=True, timeout=60)  # fmt: skip
        loaded = set(done.stdout.split()) & set(LIBRARIES)
        if loaded:
            heavy[command] = sorted(loaded)
    assert len(commands()) >= 10 and heavy == {}


def test_the_version_is_the_packages() -> None:
    from importlib.metadata import version

    done = cckpi("--version", check=True, timeout=60)
    assert done.stdout.strip() == f"cckpi {version('cckpi')}"
